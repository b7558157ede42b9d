"""The checkpoint file only moves forward and is private."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from likeness.audit import checkpoint
from likeness.audit.chain import Checkpoint
from likeness.errors import ConfigurationError


def test_missing_checkpoint_reads_as_none(tmp_path: Path) -> None:
    assert checkpoint.read(tmp_path) is None


def test_advance_writes_a_newer_head_and_keeps_it_over_an_older(tmp_path: Path) -> None:
    assert checkpoint.advance(tmp_path, Checkpoint(0, "0" * 64))
    assert checkpoint.advance(tmp_path, Checkpoint(5, "a" * 64))
    assert not checkpoint.advance(tmp_path, Checkpoint(3, "b" * 64))  # a slower writer
    assert not checkpoint.advance(tmp_path, Checkpoint(5, "c" * 64))
    assert checkpoint.read(tmp_path) == Checkpoint(5, "a" * 64)
    assert (tmp_path / "audit.checkpoint").read_text() == f"5:{'a' * 64}\n"
    assert stat.S_IMODE((tmp_path / "audit.checkpoint").stat().st_mode) == 0o600


def test_concurrent_writers_leave_the_newest(tmp_path: Path) -> None:
    threads = [
        threading.Thread(target=checkpoint.advance, args=(tmp_path, Checkpoint(n, f"{n:064x}")))
        for n in range(1, 41)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert checkpoint.read(tmp_path) == Checkpoint(40, f"{40:064x}")


def test_a_damaged_checkpoint_is_named(tmp_path: Path) -> None:
    (tmp_path / "audit.checkpoint").write_text("not a checkpoint")
    with pytest.raises(ConfigurationError, match=r"audit\.checkpoint is damaged"):
        checkpoint.read(tmp_path)
