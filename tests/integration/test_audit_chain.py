"""The audit chain in the database: tamper detection and concurrent writers."""

from __future__ import annotations

import threading

from sqlalchemy import text

from likeness.audit import service as audit
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database


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
        events = audit.list_events(session, object_id="a1")
        assert [e.object_id for e in events] == ["a1"]
        assert len(audit.list_events(session, action="test.event")) == 3
        assert audit.list_events(session, actor="nobody") == []


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
