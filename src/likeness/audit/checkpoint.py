"""The checkpoint kept outside the database (``HOME/keys/audit.checkpoint``).

It records ``SEQ:HASH`` of the newest head this installation has seen committed. `likeness
init` writes it (the sealed genesis, ``0:000…``), every committed append moves it forward,
and so does every successful verification. Verification requires the chain to still
contain that event with that hash, so emptying the log or rolling the database back to an
older (genuinely sealed) state is caught, even if nobody ever ran a verification.

It only ever moves forward: several processes (API workers, CLI commands) append to one
chain, and a slow one must not write back an older head after a faster one wrote a newer.
A checkpoint that lags (a crash between the commit and the write) is still true, only
less strict.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from likeness.audit.chain import Checkpoint
from likeness.audit.key import CHECKPOINT_FILENAME
from likeness.errors import ConfigurationError
from likeness.kit.files import write_private

FILENAME = CHECKPOINT_FILENAME
_MODE = 0o600


def read(keys_dir: Path) -> Checkpoint | None:
    path = keys_dir / FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return Checkpoint.parse(text)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is damaged: {exc}") from exc


def write(keys_dir: Path, checkpoint: Checkpoint) -> None:
    """Replace the checkpoint atomically and durably (the caller decides it may)."""
    data = f"{checkpoint.seq}:{checkpoint.hash}\n".encode("ascii")
    write_private(keys_dir / FILENAME, data, overwrite=True)


def advance(keys_dir: Path, checkpoint: Checkpoint) -> bool:
    """Record ``checkpoint`` unless one at least as new is already there; True if written."""
    with _locked(keys_dir):
        current = read(keys_dir)
        if current is not None and current.seq >= checkpoint.seq:
            return False
        write(keys_dir, checkpoint)
        return True


@contextmanager
def _locked(keys_dir: Path) -> Iterator[None]:
    fd = os.open(keys_dir / f"{FILENAME}.lock", os.O_RDWR | os.O_CREAT, _MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
