"""What a service that stores sealed blobs needs: the blob store, the cipher and the
intent journal."""

from __future__ import annotations

from dataclasses import dataclass

from likeness.settings import Settings
from likeness.storage import BlobStore
from likeness.storage.intents import IntentJournal
from likeness.vault.crypto import TwinCipher
from likeness.vault.keys import cipher_from_settings, intent_journal


@dataclass
class StorageDeps:
    """Where sealed data goes: the blob store, the cipher (keys) and the intent journal
    that names keys and blobs before they exist (see :mod:`likeness.storage.intents`)."""

    blobs: BlobStore
    cipher: TwinCipher
    intents: IntentJournal

    @classmethod
    def from_settings(cls, settings: Settings, blobs: BlobStore | None = None) -> StorageDeps:
        if blobs is None:
            from likeness.storage import FsspecBlobStore

            blobs = FsspecBlobStore(settings.resolved_blob_url)
        return cls(blobs, cipher_from_settings(settings), intent_journal(settings))
