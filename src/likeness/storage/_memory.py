from __future__ import annotations

from likeness.storage._base import BlobNotFound, blob_key, check_integrity, validate_key


class MemoryBlobStore:
    """A dict-backed store for tests; same contract as the real one."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        self.blobs[key] = bytes(data)
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
