"""Files Likeness keeps for itself are owner-only, whatever the umask.

Everything under the data home — the database (and SQLite's ``-wal``/``-shm``, which
SQLite creates with the database file's mode), the blobs of a local blob store, keys,
wrapped data keys, outputs — is created mode 0600 in folders of mode 0700. A process
umask (022 on most systems) only ever removes bits, and an open file is its own
mode from its first byte, so every file is created with ``O_EXCL`` and then given its
mode with ``fchmod`` before anything is written: no other local user can open it in
between, nor read a half-written key.

Usage::

    private_dir(settings.keys_dir)
    write_private(settings.keys_dir / "master.key", secrets.token_bytes(32))
    write_private(vault / "twin-1.key", wrapped, overwrite=True)  # atomic replacement
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

#: Mode of every file under the data home.
PRIVATE_FILE_MODE = 0o600
#: Mode of every folder under the data home (and of the home itself).
PRIVATE_DIR_MODE = 0o700

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def private_dir(path: Path) -> Path:
    """Make ``path`` a folder only its owner can use: missing folders (parents
    included) are created 0700, and an existing ``path`` that is more open is tightened.
    Existing parents are left as they are: they may not be ours."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it is missing, or tighten it if it is more
    open; its folder must exist. For files another library then writes (SQLite)."""
    try:
        descriptor = os.open(path, _CREATE | _NOFOLLOW, PRIVATE_FILE_MODE)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, PRIVATE_FILE_MODE)
        return path
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def write_private(
    path: Path, data: bytes, *, overwrite: bool = False, durable: bool = True
) -> None:
    """Write ``data`` to ``path`` with mode 0600, in a folder of mode 0700.

    Without ``overwrite`` the file must not exist yet (:class:`FileExistsError`), so a
    key is never replaced by accident; with it, the old content is replaced atomically
    (a reader sees the old file or the new one, never a mix). ``durable`` syncs the data
    to disk before returning (keys: a crash must not lose one that data depends on).
    A failed write leaves nothing behind.
    """
    private_dir(path.parent)
    target = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}") if overwrite else path
    descriptor = os.open(target, _CREATE | _NOFOLLOW, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if overwrite:
            os.replace(target, path)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
