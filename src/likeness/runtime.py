"""The process-wide wiring: settings, database, blob store and sealed storage, built once
per process.

The API keeps one on ``app.state.runtime``; each CLI command builds one. Tests build
theirs with an in-memory blob store and a throwaway database. Services that seal blobs
take :attr:`Runtime.storage` (the blob store, the installation's cipher and the intent
journal): the one way they are reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from likeness.kit.db import Database
from likeness.settings import Settings
from likeness.storage import BlobStore, FsspecBlobStore
from likeness.vault.deps import StorageDeps


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore
    _storage: StorageDeps | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        # The audit chain reads its key from the keys folder when it needs it
        # (likeness.audit.key.AuditKeys); the runtime only says where that folder is.
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url, audit_key=settings.keys_dir),
            blobs=FsspecBlobStore(settings.resolved_blob_url),
        )

    @property
    def storage(self) -> StorageDeps:
        """The blob store, the cipher and the intent journal, for services that store sealed
        blobs; built on first use (a development home gets its master key then)."""
        if self._storage is None:
            self._storage = StorageDeps.from_settings(self.settings, self.blobs)
        return self._storage

    def close(self) -> None:
        self.db.dispose()
