"""Every SQL query of the inbox, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from likeness.models.inbox import Notification
from likeness.models.party import AgencyMember, Representation
from likeness.party.repository import representation_in_force


def agent_user_ids(session: Session, talent_id: str, today: date) -> list[str]:
    """Members of the agencies representing ``talent_id`` on ``today``."""
    agencies = select(Representation.agency_id).where(
        Representation.talent_id == talent_id, representation_in_force(today)
    )
    return list(
        session.scalars(
            select(AgencyMember.user_id).where(AgencyMember.agency_id.in_(agencies)).distinct()
        )
    )


def list_for(
    session: Session, user_id: str, *, unread_only: bool, limit: int, offset: int
) -> Sequence[Notification]:
    query = select(Notification).where(Notification.recipient_user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.event_seq.desc(), Notification.id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def unread_count(session: Session, user_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, user_id: str, at: datetime) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.recipient_user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def settle(session: Session, kind: str, object_id: str, at: datetime) -> None:
    """Mark read the unread notifications of ``kind`` about ``object_id`` (done with)."""
    session.execute(
        update(Notification)
        .where(
            Notification.kind == kind,
            Notification.object_id == object_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=at)
    )
