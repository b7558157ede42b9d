"""Append to and check the audit chain. Appends happen in the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import repository
from likeness.audit.chain import EventFields, encode_payload, event_hash, verify_chain
from likeness.audit.schemas import AuditEventRead, ChainReport
from likeness.auth.actor import Actor
from likeness.errors import InvalidInput
from likeness.kit.clock import utcnow
from likeness.models.audit import AuditEvent

MAX_PAGE = 1000


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event after the current head; the head row lock keeps the chain linear."""
    head = repository.lock_head(session)
    fields = EventFields(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=encode_payload(payload or {}),
        prev_hash=head.hash,
    )
    digest = event_hash(fields)
    event = AuditEvent(
        seq=fields.seq,
        at=fields.at,
        actor=fields.actor,
        actor_user_id=fields.actor_user_id,
        action=fields.action,
        object_type=fields.object_type,
        object_id=fields.object_id,
        payload=fields.payload,
        prev_hash=fields.prev_hash,
        hash=digest,
    )
    session.add(event)
    head.seq = fields.seq
    head.hash = digest
    session.flush()
    return event


def _fields(event: AuditEvent) -> EventFields:
    return EventFields(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        actor_user_id=event.actor_user_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        payload=event.payload,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


def verify(session: Session) -> ChainReport:
    head = repository.read_head(session)
    if head is None:
        return ChainReport(
            ok=False,
            events_checked=0,
            head_seq=0,
            first_bad_seq=0,
            problem="the head row is missing",
        )
    head_seq, head_hash = head.seq, head.hash
    return verify_chain((_fields(e) for e in repository.iter_events(session)), head_seq, head_hash)


def to_read(event: AuditEvent) -> AuditEventRead:
    return AuditEventRead(**{**_fields(event).__dict__, "payload": _payload(event.payload)})


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"_unreadable": text}
    return value if isinstance(value, dict) else {"_value": value}


def list_events(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEventRead]:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise InvalidInput("offset must not be negative")
    stmt = repository.filtered_events(
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        action=action,
        since=since,
        limit=limit,
        offset=offset,
    )
    return [to_read(e) for e in session.execute(stmt).scalars()]
