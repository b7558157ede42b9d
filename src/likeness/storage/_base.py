from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from likeness.errors import LikenessError, NotFound

_KEY_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobError(LikenessError, status=500):
    """Base of blob store errors (a server-side problem unless said otherwise)."""


class BlobNotFound(BlobError, NotFound, status=404):
    """No blob under that key."""


class BlobCorrupted(BlobError):
    """A blob's content no longer matches its key."""


class InvalidBlobKey(BlobError, status=422):
    """Not a blob key (64 lower-case hex digits)."""


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise InvalidBlobKey(f"not a blob key (64 lowercase hex digits): {key!r:.80}")
    return key


def check_integrity(key: str, data: bytes) -> bytes:
    if blob_key(data) != key:
        raise BlobCorrupted(f"blob {key} is corrupted: its content no longer matches its hash")
    return data


@runtime_checkable
class BlobStore(Protocol):
    """Put/get/exists/delete by content hash."""

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class StoredBlob:
    """One entry of a store's inventory: a blob under its key, or a temporary file a
    writer left behind (``key`` is then ``None`` and ``path`` names it)."""

    key: str | None
    path: str
    modified: float  # seconds since the epoch


@runtime_checkable
class BlobInventory(Protocol):
    """What ``likeness doctor`` needs beyond :class:`BlobStore`: list what is stored."""

    def inventory(self) -> Iterator[StoredBlob]: ...

    def remove_temporary(self, path: str) -> None: ...

    def discard_partial(self, key: str) -> int:
        """Remove temporaries of an unfinished ``put`` of ``key``; returns how many."""
        ...
