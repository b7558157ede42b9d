"""The audit chain in the database: tamper detection and concurrent writers."""

from __future__ import annotations

import threading

from sqlalchemy import text

from likeness.audit import service as audit
from likeness.auth.actor import SYSTEM_ACTOR
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
        " payload, prev_hash, hash) SELECT 2, at, actor, NULL, 'forged', 'thing', 'f', '{}',"
        " 'p' || substr(prev_hash, 2), 'h' || substr(hash, 2) FROM audit_events WHERE seq = 1",
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
