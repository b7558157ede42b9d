"""Content-addressed blob storage.

Blobs are addressed by the SHA-256 of their bytes (64 lowercase hex digits). Callers
never choose a path, so there is nothing to traverse, and every read re-hashes the
bytes so a corrupted or swapped blob is caught instead of served.

Both implementations also list what they hold (:class:`BlobInventory`), for
``likeness doctor``; :mod:`likeness.storage.intents` journals what a writer is about to
store, so a crash leaves nothing nobody can find.

Implementations: :class:`FsspecBlobStore` (a local directory by default, any fsspec
URL such as ``s3://bucket/prefix`` in production) and :class:`MemoryBlobStore` (tests).
``FsspecBlobStore`` is imported on first use, so the intent journal and the blob
protocol cost a command that stores nothing no fsspec import.

Errors: :class:`BlobError` (base) → :class:`BlobNotFound` (404),
:class:`BlobCorrupted` (500), :class:`InvalidBlobKey` (422).
"""

from typing import TYPE_CHECKING

from likeness.storage._base import (
    BlobCorrupted,
    BlobError,
    BlobInventory,
    BlobNotFound,
    BlobStore,
    InvalidBlobKey,
    StoredBlob,
    blob_key,
    validate_key,
)
from likeness.storage._memory import MemoryBlobStore

if TYPE_CHECKING:
    from likeness.storage._fsspec import FsspecBlobStore

__all__ = [
    "BlobCorrupted",
    "BlobError",
    "BlobInventory",
    "BlobNotFound",
    "BlobStore",
    "FsspecBlobStore",
    "InvalidBlobKey",
    "MemoryBlobStore",
    "StoredBlob",
    "blob_key",
    "validate_key",
]


def __getattr__(name: str) -> object:
    # fsspec (and what it pulls in) loads only when a store on disk or S3 is built.
    if name == "FsspecBlobStore":
        from likeness.storage._fsspec import FsspecBlobStore

        return FsspecBlobStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
