"""Write-ahead intents: what a crash could leave behind is named before it exists.

An ingest or a twin build makes things outside the database (a data key in the key
vault, sealed blobs in the blob store) before the rows that own them commit. If the
process dies in between (``kill -9``, the OOM killer, a power cut), no row points at
them, so retirement and consent revocation, which work from rows, could never shred
them. An :class:`Intent` closes that gap:

1. Before the key is created, a journal file ``<dir>/<id>.intent`` is written and
   fsync'd under a temporary name, locked (``flock``) and renamed into place. It names
   the talent, the data key, whether this operation creates that key, the row whose
   commit settles the intent (the *marker*) and the row that owns the key.
2. Before each blob is stored, its content address is appended and fsync'd
   (:meth:`Intent.put`), so the journal always names a superset of the blobs written.
3. On commit the marker row exists (it commits with the others); the file is then
   removed. On an error or a rollback in the process, the blobs are deleted, a key this
   operation created is shredded, and the file is removed.
4. After a crash the file stays. Its owner held an exclusive ``flock`` on it from
   before the rename until the end; the kernel drops that lock when the process dies,
   however it dies. So :meth:`IntentJournal.claim_stale` takes only intents whose lock
   it can take: nobody is working on them any more. Recovery (``likeness doctor``, the
   next start) then checks the marker row: there, the work committed and only the file
   goes; absent, the blobs are deleted and a new key is shredded.

Usage::

    journal = IntentJournal(home / "keys" / "intents")
    intent = journal.begin(kind="capture", talent_id=t, key_name=k, key_new=True,
                           row=("capture_sessions", sid), key_owner=("capture_sessions", sid))
    cipher.create_key(k)
    blob = intent.put(blobs, cipher.encrypt(k, data, role="capture/a.png"))
    ...
    intent.settle()          # after the commit; or undo (delete, shred) and settle

The journal lives next to the key vault it protects (``HOME/keys/intents``): the keys
it names are exactly as local, or as shared, as the vault.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from likeness.kit.files import private_dir
from likeness.storage._base import BlobStore, blob_key, validate_key

__all__ = ["Intent", "IntentJournal", "IntentRecord"]

SUFFIX = ".intent"
TMP_SUFFIX = ".intent-tmp"
VERSION = 1
#: capture, twin, reference: making a key and blobs. asset, output: a blob sealed under an
#: existing twin key (a registered asset file, an output image in quarantine). shred:
#: destroying them once a deletion commits (the marker row then says deleted, or is gone).
KINDS = ("capture", "twin", "reference", "asset", "output", "shred", "generation", "prior")


@dataclass(frozen=True)
class IntentRecord:
    """What a journal file says (the header, then the blobs appended since)."""

    id: str
    kind: str
    talent_id: str
    key_name: str
    #: Whether this operation created the key (only then may undoing it shred the key).
    key_new: bool
    #: (table, id) of the row whose commit settles the intent.
    row: tuple[str, str]
    #: (table, id) of the row that owns the key.
    key_owner: tuple[str, str]
    host: str
    pid: int
    started_at: datetime
    blobs: tuple[str, ...] = ()

    def header(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "id": self.id,
            "kind": self.kind,
            "talent_id": self.talent_id,
            "key": self.key_name,
            "key_new": self.key_new,
            "row": list(self.row),
            "key_owner": list(self.key_owner),
            "host": self.host,
            "pid": self.pid,
            "started_at": self.started_at.isoformat(),
        }

    @classmethod
    def parse(cls, text: str) -> IntentRecord:
        """Read a journal; a torn last line (a crash while appending) is ignored: its blob
        was never stored, because a blob is stored only after its line is on disk."""
        lines = text.split("\n")
        head = json.loads(lines[0])
        if head.get("v") != VERSION or head.get("kind") not in KINDS:
            raise ValueError("not a version-1 intent journal")
        blobs: list[str] = []
        for line in lines[1:]:
            if not line.strip():
                continue
            try:
                blobs.append(validate_key(json.loads(line)["blob"]))
            except (ValueError, KeyError, TypeError):
                continue
        return cls(
            id=str(head["id"]),
            kind=str(head["kind"]),
            talent_id=str(head["talent_id"]),
            key_name=str(head["key"]),
            key_new=bool(head["key_new"]),
            row=(str(head["row"][0]), str(head["row"][1])),
            key_owner=(str(head["key_owner"][0]), str(head["key_owner"][1])),
            host=str(head["host"]),
            pid=int(head["pid"]),
            started_at=datetime.fromisoformat(head["started_at"]),
            blobs=tuple(dict.fromkeys(blobs)),
        )


@dataclass
class Intent:
    """The owner's handle: appends blobs, then settles (removes) the journal."""

    record: IntentRecord
    path: Path
    _fd: int | None
    blobs: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def key_name(self) -> str:
        return self.record.key_name

    @property
    def key_new(self) -> bool:
        return self.record.key_new

    @property
    def open(self) -> bool:
        return self._fd is not None

    def add_blob(self, key: str) -> None:
        """Name a blob before it is stored (durably: the line is fsync'd)."""
        self.add_blobs([key])

    def add_blobs(self, keys: list[str]) -> None:
        """Name many blobs at once (one fsync), e.g. those a deletion will remove."""
        if self._fd is None:
            raise RuntimeError("intent already settled")
        if not keys:
            return
        lines = "".join(json.dumps({"blob": validate_key(k)}) + "\n" for k in keys)
        os.write(self._fd, lines.encode("ascii"))
        os.fsync(self._fd)
        self.blobs.extend(keys)

    def put(self, blobs: BlobStore, sealed: bytes) -> str:
        """Journal the blob's address, then store it; returns the address."""
        self.add_blob(blob_key(sealed))
        return blobs.put(sealed)

    def settle(self) -> None:
        """The intent is over (committed, or undone): remove the journal, then unlock."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _fsync_dir(self.path.parent)
        self.release()

    def release(self) -> None:
        """Let go without removing the journal: recovery will finish the job."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # drops the flock


@dataclass
class ClaimedIntent:
    """A stale intent, locked by the recovery that claimed it."""

    record: IntentRecord
    path: Path
    _fd: int

    def done(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _fsync_dir(self.path.parent)
        os.close(self._fd)

    def give_up(self) -> None:
        os.close(self._fd)


@dataclass(frozen=True)
class IntentStatus:
    """An intent as the doctor sees it: still being worked on, or abandoned."""

    record: IntentRecord | None
    path: Path
    live: bool
    age_s: float


class IntentJournal:
    """A folder of journal files, one per operation in flight or interrupted."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _ensure(self) -> None:
        private_dir(self.folder)

    def begin(
        self,
        *,
        kind: str,
        talent_id: str,
        key_name: str,
        key_new: bool,
        row: tuple[str, str],
        key_owner: tuple[str, str],
    ) -> Intent:
        """Write the intent durably and lock it; nothing outside the database exists yet."""
        if kind not in KINDS:
            raise ValueError(f"unknown intent kind {kind!r}")
        self._ensure()
        record = IntentRecord(
            id=uuid.uuid4().hex,
            kind=kind,
            talent_id=talent_id,
            key_name=key_name,
            key_new=key_new,
            row=row,
            key_owner=key_owner,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=datetime.now(UTC),
        )
        tmp = self.folder / f"{record.id}{TMP_SUFFIX}"
        path = self.folder / f"{record.id}{SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, (json.dumps(record.header(), sort_keys=True) + "\n").encode("utf-8"))
            os.fsync(fd)
            os.replace(tmp, path)  # only locked, complete journals carry the final name
            _fsync_dir(self.folder)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        return Intent(record=record, path=path, _fd=fd)

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.name.endswith((SUFFIX, TMP_SUFFIX)))

    def has_any(self) -> bool:
        """Cheap check for the start-up path: is there anything to look at?"""
        try:
            with os.scandir(self.folder) as entries:
                return any(e.name.endswith((SUFFIX, TMP_SUFFIX)) for e in entries)
        except FileNotFoundError:
            return False

    def survey(self) -> list[IntentStatus]:
        """Every journal, live or not, without claiming any (the doctor's report)."""
        out = []
        for path in self._files():
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                live = not _try_lock(fd)
                record = None
                if path.name.endswith(SUFFIX):
                    with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
                        record = _read(fd)
                age = max(0.0, time.time() - os.fstat(fd).st_mtime)
            finally:
                os.close(fd)
            out.append(IntentStatus(record, path, live, age))
        return out

    @contextlib.contextmanager
    def claim_stale(self) -> Iterator[Iterator[ClaimedIntent]]:
        """Yield the intents nobody holds, each locked while the caller settles it.

        Half-written journals (still under the temporary name, owner gone) are removed
        on the way: their owner died before creating any key or blob. An unreadable
        journal is left in place (and reported by the doctor).
        """

        def gen() -> Iterator[ClaimedIntent]:
            for path in self._files():
                claimed = _claim(path)
                if claimed is None:
                    continue
                fd, record = claimed
                if record is None:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                    os.close(fd)
                    continue
                yield ClaimedIntent(record=record, path=path, _fd=fd)

        yield gen()


def _claim(path: Path) -> tuple[int, IntentRecord | None] | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    if not _try_lock(fd, keep=True):
        os.close(fd)
        return None
    # Another recovery may have settled and removed it between our open and our lock.
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return None
    if path.name.endswith(TMP_SUFFIX):
        return fd, None
    try:
        return fd, _read(fd)
    except (ValueError, KeyError, TypeError, IndexError):
        os.close(fd)
        return None


def _try_lock(fd: int, *, keep: bool = False) -> bool:
    """Whether nobody holds the journal's lock (kept when ``keep``)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    if not keep:
        fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def _read(fd: int) -> IntentRecord:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return IntentRecord.parse(b"".join(chunks).decode("utf-8", errors="replace"))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
