"""The intent journal: durable before anything exists, claimable only once its owner is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from likeness.storage import MemoryBlobStore, blob_key
from likeness.storage.intents import IntentJournal, IntentRecord


def _begin(journal: IntentJournal, key_new: bool = True):  # type: ignore[no-untyped-def]
    return journal.begin(
        kind="capture",
        talent_id="t1",
        key_name="capture-s1",
        key_new=key_new,
        row=("capture_sessions", "s1"),
        key_owner=("capture_sessions", "s1"),
    )


def test_the_journal_names_each_blob_before_it_is_stored(tmp_path: Path) -> None:
    journal = IntentJournal(tmp_path / "intents")
    intent = _begin(journal)
    blobs = MemoryBlobStore()
    keys = [intent.put(blobs, f"sealed {i}".encode()) for i in range(3)]
    on_disk = IntentRecord.parse(intent.path.read_text())
    assert on_disk.blobs == tuple(keys) and on_disk.key_name == "capture-s1"
    assert on_disk.row == ("capture_sessions", "s1") and on_disk.key_new
    assert (intent.path.stat().st_mode & 0o777) == 0o600
    intent.settle()
    assert not intent.path.exists() and not journal.has_any()
    intent.settle()  # twice is harmless


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    journal = IntentJournal(tmp_path)
    intent = _begin(journal)
    intent.add_blob(blob_key(b"a"))
    with intent.path.open("a") as f:
        f.write('{"blob": "abc')  # the crash came mid-write: that blob was never stored
    assert IntentRecord.parse(intent.path.read_text()).blobs == (blob_key(b"a"),)
    intent.settle()


def test_a_held_intent_is_live_and_never_claimed(tmp_path: Path) -> None:
    journal = IntentJournal(tmp_path)
    intent = _begin(journal)
    [status] = journal.survey()
    assert status.live and status.record is not None and status.record.id == intent.id
    with journal.claim_stale() as stale:
        assert list(stale) == []
    intent.release()  # the owner lets go without settling, as a dead process would
    [status] = journal.survey()
    assert not status.live
    with journal.claim_stale() as stale:
        claimed = list(stale)
    assert [c.record.id for c in claimed] == [intent.id]
    claimed[0].done()
    assert not journal.has_any()


def test_the_lock_of_a_killed_owner_is_free(tmp_path: Path) -> None:
    folder = tmp_path / "intents"
    code = (
        "import os, sys\n"
        "from likeness.storage.intents import IntentJournal\n"
        f"i = IntentJournal({str(folder)!r}).begin(kind='twin', talent_id='t', key_name='twin-x',"
        " key_new=False, row=('twin_versions','v'), key_owner=('twins','x'))\n"
        "i.add_blob('a' * 64)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    journal = IntentJournal(folder)
    with journal.claim_stale() as stale:
        assert list(stale) == []  # alive: its lock is held
    child.kill()
    child.wait()
    with journal.claim_stale() as stale:
        claimed = list(stale)
    assert len(claimed) == 1 and claimed[0].record.blobs == ("a" * 64,)
    assert not claimed[0].record.key_new
    claimed[0].give_up()
    assert journal.has_any()  # giving up leaves it for the next recovery


def test_a_half_written_journal_is_removed(tmp_path: Path) -> None:
    journal = IntentJournal(tmp_path)
    (tmp_path / "dead.intent-tmp").write_text("{")
    (tmp_path / "junk.intent").write_text("not json")
    with journal.claim_stale() as stale:
        assert list(stale) == []
    assert not (tmp_path / "dead.intent-tmp").exists()
    assert (tmp_path / "junk.intent").exists()  # unreadable: left for the doctor to report
    assert [s.record for s in journal.survey()] == [None]


def test_unknown_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        IntentJournal(tmp_path).begin(
            kind="render", talent_id="t", key_name="k", key_new=True, row=("a", "b"),
            key_owner=("a", "b"),
        )  # fmt: skip
    assert os.listdir(tmp_path) == []
