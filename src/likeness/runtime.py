"""The process-wide wiring: settings, database, blob store and cipher, built once per process.

The API keeps one on ``app.state.runtime``; each CLI command builds one. Tests build
theirs with an in-memory blob store and a throwaway database. Services that seal blobs
take :attr:`Runtime.storage` (the blob store and the installation's cipher): the one
way either is reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.kit.db import Database
from likeness.settings import Settings
from likeness.storage import BlobStore, FsspecBlobStore
from likeness.vault.crypto import TwinCipher
from likeness.vault.deps import StorageDeps


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore
    #: Built from the settings on first use (a development home gets its master key then).
    cipher: TwinCipher | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url, audit_key=settings.audit_key()),
            blobs=FsspecBlobStore(settings.resolved_blob_url),
        )

    @property
    def storage(self) -> StorageDeps:
        """The blob store and the cipher, for services that store sealed blobs."""
        if self.cipher is None:
            from likeness.vault.keys import cipher_from_settings

            self.cipher = cipher_from_settings(self.settings)
        return StorageDeps(self.blobs, self.cipher)

    def close(self) -> None:
        self.db.dispose()
