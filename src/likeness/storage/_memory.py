from __future__ import annotations

import time
from collections.abc import Iterator

from likeness.storage._base import (
    BlobNotFound,
    StoredBlob,
    blob_key,
    check_integrity,
    validate_key,
)


class MemoryBlobStore:
    """A dict-backed store for tests; same contract as the real one."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.modified: dict[str, float] = {}

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        self.blobs[key] = bytes(data)
        self.modified.setdefault(key, time.time())
        return key

    def get(self, key: str) -> bytes:
        validate_key(key)
        try:
            data = self.blobs[key]
        except KeyError:
            raise BlobNotFound(f"no blob {key}") from None
        return check_integrity(key, data)

    def exists(self, key: str) -> bool:
        return validate_key(key) in self.blobs

    def delete(self, key: str) -> None:
        self.blobs.pop(validate_key(key), None)
        self.modified.pop(key, None)

    def inventory(self) -> Iterator[StoredBlob]:
        for key in sorted(self.blobs):
            yield StoredBlob(key, key, self.modified.get(key, time.time()))

    def discard_partial(self, key: str) -> int:
        validate_key(key)
        return 0

    def remove_temporary(self, path: str) -> None:
        raise ValueError("the memory store keeps no temporary files")
