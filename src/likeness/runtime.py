"""The process-wide wiring: settings, database, blob store and sealed storage, built once
per process.

The API keeps one on ``app.state.runtime``; each CLI command builds one. Tests build
theirs with an in-memory blob store and a throwaway database. Services that seal blobs
take :attr:`Runtime.storage` (the blob store, the installation's cipher and the intent
journal): the one way they are reached.

Only the database is opened up front. The blob store (fsspec) and the sealed storage
(cryptography, the master key) are built on first use, so a command that only reads rows
(``likeness decide``) neither imports nor touches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from likeness.kit.db import Database
from likeness.settings import Settings

if TYPE_CHECKING:
    from likeness.storage import BlobStore
    from likeness.vault.deps import StorageDeps


class Runtime:
    """Settings + database, and the blob store and sealed storage when first asked for."""

    def __init__(self, settings: Settings, db: Database, blobs: BlobStore | None = None) -> None:
        self.settings = settings
        self.db = db
        self._blobs = blobs
        self._storage: StorageDeps | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        # The audit chain reads its key from the keys folder when it needs it
        # (likeness.audit.key.AuditKeys); the runtime only says where that folder is.
        return cls(settings, Database(settings.resolved_database_url, audit_key=settings.keys_dir))

    @property
    def blobs(self) -> BlobStore:
        """The blob store: the one given, else the settings' (``LIKENESS_BLOB_URL``, by
        default the data home's ``blobs`` folder), built on first use."""
        if self._blobs is None:
            from likeness.storage import FsspecBlobStore

            self._blobs = FsspecBlobStore(self.settings.resolved_blob_url)
        return self._blobs

    @property
    def storage(self) -> StorageDeps:
        """The blob store, the cipher and the intent journal, for services that store sealed
        blobs; built on first use (a development home gets its master key then)."""
        if self._storage is None:
            from likeness.vault.deps import StorageDeps

            self._storage = StorageDeps.from_settings(self.settings, self.blobs)
        return self._storage

    def close(self) -> None:
        self.db.dispose()
