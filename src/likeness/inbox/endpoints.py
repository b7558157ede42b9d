"""``/notifications`` for every role: brands (and operators) read their rights
notifications as before; talent and agents read their inbox, in the same shape."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from likeness.errors import NotFound
from likeness.identity.actor import Actor
from likeness.inbox import service as inbox
from likeness.licensing import notifications as rights
from likeness.licensing.schemas import NotificationRead
from likeness.models.inbox import Notification
from likeness.models.party import Role
from likeness.web.actors import AnyActor
from likeness.web.deps import SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(tags=["notifications"], responses=error_responses(NotFound))


class ReadAllRead(BaseModel):
    marked_read: int


def to_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        brand_id=None,
        talent_id=row.talent_id,
        license_id=row.object_id if row.object_type == "license" else None,
        consent_id=row.object_id if row.object_type == "consent" else None,
        kind=row.kind,
        message=row.message,
        payload={"object_type": row.object_type, "object_id": row.object_id},
        created_at=row.created_at,
        read_at=row.read_at,
        object_type=row.object_type,
        object_id=row.object_id,
    )


def _rights(actor: Actor) -> bool:
    """Brands and operators read the rights notifications (their shape and rules, as before)."""
    return actor.role in (Role.brand, Role.operator)


@router.get("/notifications", response_model=list[NotificationRead])
def list_notifications(
    actor: AnyActor,
    session: SessionDep,
    unread: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[NotificationRead]:
    """Brands: activations, suspensions, revocations (with take-down dates). Talent and
    agents: what waits for them (license requests, counter-offers, consents to sign,
    outputs to review) and what changed (consents signed or revoked, outputs approved or
    rejected, take-downs done). Newest first."""
    if _rights(actor):
        found = rights.list_for(session, actor, unread_only=unread, limit=limit, offset=offset)
        return [rights.to_read(n) for n in found]
    rows = inbox.list_for(session, actor, unread_only=unread, limit=limit, offset=offset)
    return [to_read(n) for n in rows]


@router.post("/notifications/read", response_model=ReadAllRead)
def mark_all_read(actor: AnyActor, session: SessionDep) -> ReadAllRead:
    """Mark all of your notifications read."""
    if _rights(actor):
        return ReadAllRead(marked_read=rights.mark_all_read(session, actor))
    return ReadAllRead(marked_read=inbox.mark_all_read(session, actor))


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
def mark_read(notification_id: str, actor: AnyActor, session: SessionDep) -> NotificationRead:
    if _rights(actor):
        return rights.to_read(rights.mark_read(session, actor, notification_id))
    return to_read(inbox.mark_read(session, actor, notification_id))
