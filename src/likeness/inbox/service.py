"""The inbox's use cases: list one's notifications, count the unread, mark read.

Every notification belongs to one recipient user; nobody else reads it or marks it
(another user's notification reads as absent, 404). Services flush, never commit; marking
read is audited like the brands' rights notifications (``notification.read``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.errors import NotFound
from likeness.identity.actor import Actor
from likeness.inbox import repository
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.clock import utcnow
from likeness.models.inbox import Notification


def list_for(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100, offset: int = 0
) -> Sequence[Notification]:
    """The signed-in user's notifications, newest first."""
    require_page(limit, offset, MAX_PAGE)
    if actor.user_id is None:
        return []
    return repository.list_for(
        session, actor.user_id, unread_only=unread_only, limit=limit, offset=offset
    )


def unread_count(session: Session, actor: Actor) -> int:
    return repository.unread_count(session, actor.user_id) if actor.user_id else 0


def mark_read(session: Session, actor: Actor, notification_id: str) -> Notification:
    row = session.get(Notification, notification_id)
    if row is None or actor.user_id is None or row.recipient_user_id != actor.user_id:
        raise NotFound(f"no notification {notification_id}")
    if row.read_at is None:
        row.read_at = utcnow()
        audit.record(session, actor, "notification.read", "notification", row.id, {})
        session.flush()
    return row


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread notification of the user read; how many were."""
    if actor.user_id is None:
        return 0
    count = repository.mark_all_read(session, actor.user_id, utcnow())
    if count:
        audit.record(
            session, actor, "notification.read_all", "user", actor.user_id, {"count": count}
        )
    session.flush()
    return count
