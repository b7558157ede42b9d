"""The process-wide wiring: settings, database and blob store, built once per process.

The API keeps one on ``app.state.runtime``; each CLI command builds one. Tests build
theirs with an in-memory blob store and a throwaway database.
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.audit.key import AuditKeys
from likeness.kit.db import Database
from likeness.settings import Settings
from likeness.storage import BlobStore, FsspecBlobStore


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url, audit_key=AuditKeys(settings.keys_dir)),
            blobs=FsspecBlobStore(settings.resolved_blob_url),
        )

    def close(self) -> None:
        self.db.dispose()
