from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from likeness.kit.files import private_dir, write_private
from likeness.storage._base import (
    BlobNotFound,
    StoredBlob,
    blob_key,
    check_integrity,
    validate_key,
)

_BLOB_NAME = re.compile(r"^[0-9a-f]{64}$")
_TMP_NAME = re.compile(r"^[0-9a-f]{64}\.tmp-[0-9a-f]{32}$")


class FsspecBlobStore:
    """Blobs under any fsspec URL, fanned out as ``ab/cd/abcd…`` to keep directories small.

    Writes go to a temporary name and are moved into place, so a crash never leaves a
    half-written blob under its final key. On a local disk every folder is 0700 and every
    blob 0600, whatever the umask (:mod:`likeness.kit.files`).
    """

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.fs, root = fsspec.core.url_to_fs(url, **storage_options)
        self.root = root.rstrip("/")
        self.local = isinstance(self.fs, LocalFileSystem)
        if self.local:
            private_dir(Path(self.root))
        else:
            self.fs.makedirs(self.root, exist_ok=True)

    def _path(self, key: str) -> str:
        validate_key(key)
        return f"{self.root}/{key[:2]}/{key[2:4]}/{key}"

    def put(self, data: bytes) -> str:
        key = blob_key(data)
        path = self._path(key)
        if self.fs.exists(path):
            return key
        if self.local:
            # The same atomic temporary-then-rename, owner-only from the first byte.
            write_private(Path(path), data, overwrite=True, durable=False)
            return key
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        # A unique temporary name: two writers of the same blob must not share one.
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        with self.fs.open(tmp, "wb") as handle:
            handle.write(data)
        try:
            self.fs.mv(tmp, path)
        except OSError:
            if not self.fs.exists(path):
                raise
            self.fs.rm(tmp)  # another writer stored the same bytes first
        return key

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with self.fs.open(path, "rb") as handle:
                data: bytes = handle.read()
        except FileNotFoundError:
            raise BlobNotFound(f"no blob {key}") from None
        return check_integrity(key, data)

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def delete(self, key: str) -> None:
        path = self._path(key)
        if self.fs.exists(path):
            self.fs.rm(path)

    def inventory(self) -> Iterator[StoredBlob]:
        """Every blob and every temporary file a writer left (a crash mid-``put``)."""
        for path, info in sorted(self.fs.find(self.root, detail=True).items()):
            name = path.rsplit("/", 1)[-1]
            if _BLOB_NAME.match(name) and path == self._path(name):
                yield StoredBlob(name, path, _modified(info))
            elif _TMP_NAME.match(name):
                yield StoredBlob(None, path, _modified(info))

    def discard_partial(self, key: str) -> int:
        path = self._path(key)
        found = [p for p in self.fs.glob(f"{path}.tmp-*") if _TMP_NAME.match(p.rsplit("/", 1)[-1])]
        for p in found:
            self.fs.rm(p)
        return len(found)

    def remove_temporary(self, path: str) -> None:
        name = path.rsplit("/", 1)[-1]
        if not _TMP_NAME.match(name) or not path.startswith(self.root + "/"):
            raise ValueError(f"not a temporary blob file: {path!r:.120}")
        if self.fs.exists(path):
            self.fs.rm(path)


def _modified(info: dict[str, Any]) -> float:
    """Modification time in epoch seconds, whatever the backend calls it."""
    for field in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(field)
        if isinstance(value, int | float):
            return float(value)
        stamp = getattr(value, "timestamp", None)
        if callable(stamp):
            return float(stamp())
    return time.time()  # unknown: treat as new, so nothing is removed on a guess
