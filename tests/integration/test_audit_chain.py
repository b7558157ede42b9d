"""The audit chain in the database: tamper detection and concurrent writers."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from conftest import TEST_AUDIT_KEY
from likeness.audit import checkpoint
from likeness.audit import service as audit
from likeness.audit.chain import Checkpoint
from likeness.audit.key import (
    AuditChainErased,
    AuditChainUnsealed,
    AuditKeyMismatch,
    AuditKeyMissing,
    AuditKeys,
)
from likeness.audit.schemas import EventFilter
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.models.audit import GENESIS_HASH, AuditHead


def _append(db: Database, n: int, label: str = "x") -> None:
    for i in range(n):
        with db.unit_of_work() as session:
            audit.record(session, SYSTEM_ACTOR, "test.event", "thing", f"{label}{i}", {"i": i})


def _verify(db: Database):
    with db.unit_of_work() as session:
        return audit.verify(session)


def _sql(db: Database, statement: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def test_appended_events_verify(db: Database) -> None:
    _append(db, 5)
    report = _verify(db)
    assert report.ok and report.events_checked == 5 and report.head_seq == 5


def test_edit_is_caught(db: Database) -> None:
    _append(db, 5)
    _sql(db, "UPDATE audit_events SET object_id = 'edited' WHERE seq = 3")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 3


def test_delete_is_caught(db: Database) -> None:
    _append(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq = 2")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 3


def test_delete_of_the_newest_event_is_caught(db: Database) -> None:
    _append(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq = 5")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 5


def test_insert_is_caught(db: Database) -> None:
    _append(db, 3)
    _sql(db, "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 2")
    _sql(db, "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 100")
    _sql(
        db,
        "INSERT INTO audit_events (seq, at, actor, actor_user_id, action, object_type, object_id,"
        " payload, prev_hash, hash, mac) SELECT 2, at, actor, NULL, 'forged', 'thing', 'f', '{}',"
        " 'p' || substr(prev_hash, 2), 'h' || substr(hash, 2), mac FROM audit_events WHERE seq = 1",
    )
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 2


def test_reorder_is_caught(db: Database) -> None:
    _append(db, 4)
    _sql(db, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    _sql(db, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
    _sql(db, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 2


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    errors: list[BaseException] = []

    def writer(label: str) -> None:
        try:
            _append(db, 10, label)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{k}-",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = _verify(db)
    assert report.ok and report.events_checked == 40


def test_list_filters(db: Database) -> None:
    _append(db, 3, "a")
    with db.unit_of_work() as session:
        events = audit.list_events(session, EventFilter(object_id="a1"))
        assert [e.object_id for e in events] == ["a1"]
        assert len(audit.list_events(session, EventFilter(action="test.event"))) == 3
        assert audit.list_events(session, EventFilter(actor="nobody")) == []


def test_payload_whitespace_rewrite_is_caught(db: Database) -> None:
    _append(db, 2)
    _sql(db, "UPDATE audit_events SET payload = ' { \"i\" : 0 } ' WHERE seq = 1")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 1


def test_rebuilt_chain_is_caught_by_the_seal(db: Database) -> None:
    """A tamperer who recomputes every SHA-256 still lacks the audit key."""
    from dataclasses import replace

    from likeness.audit.chain import EventFields, event_hash, event_seal, head_seal
    from likeness.models.audit import AuditEvent, AuditHead

    _append(db, 3)
    stolen_key = b"x" * 32  # anything but the installation's key
    with db.unit_of_work() as session:
        prev = "0" * 64
        for row in session.query(AuditEvent).order_by(AuditEvent.seq):
            fields = EventFields(
                row.seq,
                row.at,
                row.actor,
                row.actor_user_id,
                row.action,
                row.object_type,
                row.object_id,
                row.payload,
                prev,
            )
            if row.seq == 2:
                fields = replace(fields, object_id="rewritten")
                row.object_id = "rewritten"
            row.prev_hash, row.hash = prev, event_hash(fields)
            row.mac = event_seal(stolen_key, row.hash)
            prev = row.hash
        head = session.get(AuditHead, 1)
        assert head is not None
        head.hash, head.mac = prev, head_seal(stolen_key, head.seq, prev)
    report = _verify(db)
    assert not report.ok and "seal" in (report.problem or "")


def test_rollback_of_the_newest_event_is_caught_by_the_checkpoint(db: Database) -> None:
    from likeness.audit.chain import Checkpoint
    from likeness.models.audit import AuditHead

    _append(db, 3)
    with db.unit_of_work() as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        old_head = (head.seq, head.hash, head.mac)
    _append(db, 1, "late")
    seen = _verify(db)
    _sql(db, "DELETE FROM audit_events WHERE seq = 4")
    _sql(
        db,
        f"UPDATE audit_head SET seq = {old_head[0]}, hash = '{old_head[1]}', mac = '{old_head[2]}'",
    )
    assert _verify(db).ok  # a replayed, genuinely sealed head: only a checkpoint can tell
    with db.unit_of_work() as session:
        report = audit.verify(session, Checkpoint(seen.head_seq, seen.head_hash))
    assert not report.ok and "rolled back" in (report.problem or "")


def test_verify_is_not_fooled_by_concurrent_appends(db: Database) -> None:
    """Appends committed during a walk are not reported as tampering."""
    _append(db, 3)
    stop = threading.Event()
    failures: list[str] = []

    def writer() -> None:
        i = 0
        while not stop.is_set() and i < 200:
            _append(db, 1, f"c{i}-")
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(15):
            report = _verify(db)
            if not report.ok:
                failures.append(report.problem or "")
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert _verify(db).ok


# --- issue 16: the empty chain, the checkpoint from init on, the key at every write -------

GENESIS_ROW = "seq = 0, hash = '" + "0" * 64 + "'"


def _keyed_db(database_url: str, keys_dir: Path, key: bytes | None = TEST_AUDIT_KEY) -> Database:
    """A second engine on the test database that reads its key and checkpoint from files,
    like an installation (the `db` fixture holds the key in memory and keeps no checkpoint)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    if key is not None:
        (keys_dir / "audit.key").write_bytes(key)
    return Database(database_url, audit_key=AuditKeys(keys_dir))


def _event_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_erasing_every_event_and_resetting_the_head_is_caught(db: Database) -> None:
    _append(db, 3)
    _sql(db, "DELETE FROM audit_events")
    _sql(db, f"UPDATE audit_head SET {GENESIS_ROW}, mac = ''")
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 0 and "genesis" in (report.problem or "")


def test_a_reset_head_is_not_extended(db: Database) -> None:
    """Appending onto an unsealed head would seal the wipe; the append is refused."""
    _append(db, 2)
    _sql(db, "DELETE FROM audit_events")
    _sql(db, f"UPDATE audit_head SET {GENESIS_ROW}, mac = ''")
    with pytest.raises(AuditChainUnsealed, match="likeness init"):
        _append(db, 1)
    assert _event_count(db) == 0


def test_a_changed_key_refuses_writes_and_names_the_file(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    _append(db, 2)
    other = _keyed_db(database_url, tmp_path / "keys", key=b"another-key-".ljust(32, b"z"))
    try:
        with pytest.raises(AuditKeyMismatch, match=re.escape(str(tmp_path / "keys" / "audit.key"))):
            _append(other, 1)
    finally:
        other.dispose()
    assert _event_count(db) == 2 and _verify(db).ok


def test_a_missing_key_file_refuses_writes_and_names_the_file(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    keyless = _keyed_db(database_url, tmp_path / "keys", key=None)
    try:
        with pytest.raises(AuditKeyMissing, match=re.escape(str(tmp_path / "keys" / "audit.key"))):
            _append(keyless, 1)
        with pytest.raises(AuditKeyMissing), keyless.unit_of_work() as session:
            audit.verify(session)
    finally:
        keyless.dispose()
    assert _event_count(db) == 0


def test_a_key_deleted_while_running_stops_the_next_write(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    keyed = _keyed_db(database_url, tmp_path / "keys")
    try:
        _append(keyed, 1)
        (tmp_path / "keys" / "audit.key").unlink()
        with pytest.raises(AuditKeyMissing):
            _append(keyed, 1)
    finally:
        keyed.dispose()
    assert _event_count(db) == 1 and _verify(db).ok


def test_the_checkpoint_moves_forward_with_every_commit_only(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    keyed = _keyed_db(database_url, keys)
    try:
        with keyed.unit_of_work() as session:
            audit.seal_genesis(session)
        assert checkpoint.read(keys) == Checkpoint(0, GENESIS_HASH)
        _append(keyed, 2)
        with db.unit_of_work() as session:
            head = session.get(AuditHead, 1)
            assert head is not None
            assert checkpoint.read(keys) == Checkpoint(2, head.hash)
        with pytest.raises(RuntimeError):
            _append_then_fail(keyed)
        assert checkpoint.read(keys) == Checkpoint(2, head.hash)
        with keyed.unit_of_work() as session:
            _append_in_a_failed_savepoint(session)
        assert checkpoint.read(keys) == Checkpoint(2, head.hash)
    finally:
        keyed.dispose()
    assert _verify(db).ok


def test_a_rollback_is_caught_although_nobody_verified_before(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    keyed = _keyed_db(database_url, tmp_path / "keys")
    try:
        _append(keyed, 2)
        with db.unit_of_work() as session:
            head = session.get(AuditHead, 1)
            assert head is not None
            older = (head.seq, head.hash, head.mac)
        _append(keyed, 1)
        _sql(db, "DELETE FROM audit_events WHERE seq = 3")
        _sql(db, f"UPDATE audit_head SET seq = {older[0]}, hash = '{older[1]}', mac = '{older[2]}'")
        assert _verify(db).ok  # a genuinely sealed older state: only the checkpoint knows
        with keyed.unit_of_work() as session:
            report = audit.verify(session)
    finally:
        keyed.dispose()
    assert not report.ok and report.first_bad_seq == 3 and "rolled back" in (report.problem or "")
    assert report.checkpoint is not None and report.checkpoint.startswith("3:")


def test_an_emptied_log_is_caught_by_the_checkpoint_from_init_on(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    keyed = _keyed_db(database_url, tmp_path / "keys")
    try:
        with keyed.unit_of_work() as session:
            audit.seal_genesis(session)
        with db.unit_of_work() as session:
            head = session.get(AuditHead, 1)
            assert head is not None
            genesis_mac = head.mac  # a DB-only attacker who kept the sealed genesis row
        _append(keyed, 2)
        _sql(db, "DELETE FROM audit_events")
        _sql(db, f"UPDATE audit_head SET {GENESIS_ROW}, mac = '{genesis_mac}'")
        with keyed.unit_of_work() as session:
            report = audit.verify(session)
        assert not report.ok and "rolled back" in (report.problem or "")
        _sql(db, f"UPDATE audit_head SET {GENESIS_ROW}, mac = ''")
        with pytest.raises(AuditChainErased, match=r"audit\.checkpoint records event 2"):
            _seal(keyed)
    finally:
        keyed.dispose()


def test_seal_genesis_seals_a_blank_database_once(db: Database) -> None:
    _sql(db, "UPDATE audit_head SET mac = ''")  # as the migration leaves it
    assert "genesis" in (_seal(db) or "")
    assert _verify(db).ok
    assert _seal(db) is None  # already sealed: nothing to do
    _append(db, 1)
    assert _seal(db) is None and _verify(db).ok


def test_seal_genesis_refuses_an_erased_log_in_a_database_in_use(db: Database) -> None:
    import factories
    from likeness.models.party import Role

    with db.unit_of_work() as session:
        factories.create_user(session, Role.operator)
    _sql(db, "DELETE FROM audit_events")
    _sql(db, f"UPDATE audit_head SET {GENESIS_ROW}, mac = ''")
    with pytest.raises(AuditChainErased, match="holds data"):
        _seal(db)
    assert not _verify(db).ok


def _seal(db: Database) -> str | None:
    with db.unit_of_work() as session:
        return audit.seal_genesis(session)


def _append_then_fail(db: Database) -> None:
    with db.unit_of_work() as session:
        audit.record(session, SYSTEM_ACTOR, "test.event", "thing", "lost", {})
        raise RuntimeError("the request fails after its append")


def _append_in_a_failed_savepoint(session: Session) -> None:
    try:
        with session.begin_nested():
            audit.record(session, SYSTEM_ACTOR, "test.event", "thing", "undone", {})
            raise RuntimeError("a savepoint rolls its append back")
    except RuntimeError:
        pass
