"""Append to and check the audit chain. Appends happen in the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import repository
from likeness.audit.chain import (
    Checkpoint,
    EventFields,
    Head,
    encode_payload,
    event_hash,
    event_seal,
    head_seal,
    verify_chain,
)
from likeness.audit.schemas import AuditEventRead, ChainReport
from likeness.errors import ConfigurationError
from likeness.identity.actor import Actor
from likeness.kit.bounds import require_instant, require_page
from likeness.kit.clock import utcnow
from likeness.models.audit import AuditEvent

MAX_PAGE = 1000


def audit_key(session: Session) -> bytes:
    """The installation's audit key, handed to every session by :class:`Database`."""
    key = session.info.get("audit_key")
    if not isinstance(key, bytes) or len(key) < 32:
        raise ConfigurationError("no audit key configured for this database session")
    return key


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event after the current head; the head row lock keeps the chain linear."""
    key = audit_key(session)
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
        mac=event_seal(key, digest),
    )
    session.add(event)
    head.seq = fields.seq
    head.hash = digest
    head.mac = head_seal(key, fields.seq, digest)
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
        mac=event.mac,
    )


def verify(session: Session, checkpoint: Checkpoint | None = None) -> ChainReport:
    """Check the whole chain against one consistent snapshot of the database."""
    key = audit_key(session)
    with repository.snapshot(session) as snap:
        head = repository.read_head(snap)
        if head is None:
            return ChainReport(
                ok=False,
                events_checked=0,
                head_seq=0,
                first_bad_seq=0,
                problem="the head row is missing",
            )
        state = Head(head.seq, head.hash, head.mac)
        events = (_fields(e) for e in repository.iter_events(snap))
        return verify_chain(events, state, key, checkpoint)


def to_read(event: AuditEvent) -> AuditEventRead:
    fields = {k: v for k, v in _fields(event).__dict__.items() if k != "mac"}
    return AuditEventRead(**{**fields, "payload": _payload(event.payload)})


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
    require_page(limit, offset, MAX_PAGE)
    if since is not None:
        since = require_instant(since, "since")
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
