"""Rights notifications: what a brand must know (revocations, suspensions, expiries).

Written in the same transaction as the change they announce, read by brands via
``GET /api/v1/notifications``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.errors import NotFound
from likeness.identity.actor import Actor
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json
from likeness.kit.clock import utcnow
from likeness.licensing import repository
from likeness.licensing.schemas import NotificationRead
from likeness.models.consent import RightsNotification
from likeness.models.party import Role


def notify(
    session: Session,
    *,
    brand_id: str,
    talent_id: str,
    kind: str,
    message: str,
    payload: dict[str, Any],
    license_id: str | None = None,
    consent_id: str | None = None,
) -> RightsNotification:
    notification = RightsNotification(
        brand_id=brand_id,
        talent_id=talent_id,
        license_id=license_id,
        consent_id=consent_id,
        kind=kind,
        message=message,
        payload=canonical_json(payload),
    )
    repository.add_notification(session, notification)
    session.flush()
    return notification


def to_read(notification: RightsNotification) -> NotificationRead:
    return NotificationRead(
        id=notification.id,
        brand_id=notification.brand_id,
        talent_id=notification.talent_id,
        license_id=notification.license_id,
        consent_id=notification.consent_id,
        kind=notification.kind,
        message=notification.message,
        payload=json.loads(notification.payload),
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


def _brand_scope(actor: Actor) -> frozenset[str] | None:
    if actor.is_operator:
        return None
    if actor.role is Role.brand:
        return actor.brand_ids
    return frozenset()


def list_for(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100, offset: int = 0
) -> Sequence[RightsNotification]:
    """A brand member sees their brands' notifications; an operator sees all."""
    require_page(limit, offset, MAX_PAGE)
    scope = _brand_scope(actor)
    if scope is not None and not scope:
        return []
    return repository.list_notifications(
        session, scope, unread_only=unread_only, limit=limit, offset=offset
    )


def mark_read(session: Session, actor: Actor, notification_id: str) -> RightsNotification:
    notification = session.get(RightsNotification, notification_id)
    scope = _brand_scope(actor)
    if notification is None or (scope is not None and notification.brand_id not in scope):
        raise NotFound(f"no notification {notification_id}")
    if notification.read_at is None:
        notification.read_at = utcnow()
        audit.record(
            session, actor, "notification.read", "rights_notification", notification.id, {}
        )
        session.flush()
    return notification


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread notification this actor sees read, in one statement and one
    audit event that counts them; how many were."""
    scope = _brand_scope(actor)
    if scope is not None and not scope:
        return 0
    count = repository.mark_notifications_read(session, scope, utcnow())
    if count:
        brands = "all" if scope is None else sorted(scope)
        audit.record(
            session,
            actor,
            "notification.read_all",
            "user",
            actor.user_id or actor.label,
            {"count": count, "brands": brands},
        )
    session.flush()
    return count
