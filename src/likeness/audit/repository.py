"""Every SQL query of the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from likeness.audit.chain import EventFields
from likeness.audit.schemas import EventFilter
from likeness.models import Base
from likeness.models.audit import AuditEvent, AuditHead

_CHAIN_TABLES = {AuditEvent.__tablename__, AuditHead.__tablename__, "alembic_version"}
#: The columns an :class:`EventFields` is made of, in its field order.
_EVENT_COLUMNS = tuple(field.name for field in fields(EventFields))


def lock_head(session: Session) -> AuditHead:
    """The head row, locked for this transaction (SQLite: the BEGIN IMMEDIATE lock)."""
    stmt = select(AuditHead).where(AuditHead.id == 1)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    head = session.execute(stmt).scalar_one()
    return head


@contextmanager
def snapshot(session: Session) -> Iterator[Session]:
    """A read-only session that sees one consistent state of the chain.

    On PostgreSQL a separate REPEATABLE READ transaction, so events committed by
    concurrent writers during the walk are not mistaken for tampering. SQLite
    transactions are already serialised (BEGIN IMMEDIATE), so the caller's session is
    that snapshot.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        yield session
        return
    engine = bind.engine.execution_options(isolation_level="REPEATABLE READ")
    snap = Session(bind=engine, info=dict(session.info))
    try:
        yield snap
    finally:
        snap.rollback()
        snap.close()


def read_head(session: Session) -> AuditHead | None:
    return session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()


def has_events(session: Session) -> bool:
    return session.execute(select(AuditEvent.seq).limit(1)).first() is not None


def holds_other_data(session: Session) -> bool:
    """True if any table besides the chain's own has a row: the database is in use."""
    for table in Base.metadata.sorted_tables:
        if table.name in _CHAIN_TABLES:
            continue
        if session.execute(select(1).select_from(table).limit(1)).first() is not None:
            return True
    return False


def iter_events(session: Session, batch: int = 1000, *, after: int = -1) -> Iterator[EventFields]:
    """All events (after ``seq`` ``after``) in stored order, by primary key, in batches
    (bounded memory).

    Plain rows, not ORM objects: verifying a long chain is about hashing, and building
    (and then discarding) an identity-mapped object per event cost more than the hashing.
    """
    columns = [getattr(AuditEvent, name) for name in _EVENT_COLUMNS]
    last = after
    while True:
        rows = session.execute(
            select(*columns).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield EventFields(*row)
        last = rows[-1][0]


def event_hashes(session: Session, upto: int) -> list[str]:
    """The chain hashes of events 1…``upto``, in order (one column: a Merkle tree's leaves)."""
    rows = session.execute(
        select(AuditEvent.hash).where(AuditEvent.seq <= upto).order_by(AuditEvent.seq)
    ).scalars()
    return list(rows)


def filtered_events(where: EventFilter, *, limit: int = 100, offset: int = 0) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if where.object_type:
        stmt = stmt.where(AuditEvent.object_type == where.object_type)
    if where.object_id:
        stmt = stmt.where(AuditEvent.object_id == where.object_id)
    if where.actor:
        stmt = stmt.where(AuditEvent.actor == where.actor)
    if where.action:
        stmt = stmt.where(AuditEvent.action == where.action)
    if where.since:
        stmt = stmt.where(AuditEvent.at >= where.since)
    return stmt.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
