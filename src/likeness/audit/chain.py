"""Pure rules of the hash chain: how an event is hashed and how a chain is checked.

Each event's hash is the SHA-256 of the canonical JSON of its fields, including the
previous event's hash and its own sequence number. Editing a row changes its hash;
deleting, inserting or reordering rows breaks a ``prev_hash`` link or the sequence;
deleting the newest rows leaves the head row pointing past the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from likeness.audit.schemas import ChainReport
from likeness.kit.canonical import canonical_json, canonical_sha256
from likeness.models.audit import GENESIS_HASH


@dataclass(frozen=True)
class EventFields:
    seq: int
    at: datetime
    actor: str
    actor_user_id: str | None
    action: str
    object_type: str
    object_id: str
    payload: str
    prev_hash: str
    hash: str = ""


def encode_payload(payload: dict[str, Any]) -> str:
    return canonical_json(payload)


def event_hash(event: EventFields) -> str:
    return canonical_sha256(
        {
            "seq": event.seq,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "actor_user_id": event.actor_user_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "payload": json.loads(event.payload),
            "prev_hash": event.prev_hash,
        }
    )


def _bad(report_seq: int, checked: int, head_seq: int, problem: str) -> ChainReport:
    return ChainReport(
        ok=False,
        events_checked=checked,
        head_seq=head_seq,
        first_bad_seq=report_seq,
        problem=problem,
    )


def verify_chain(events: Iterable[EventFields], head_seq: int, head_hash: str) -> ChainReport:
    """Walk events in stored order; name the first one that does not fit."""
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            return _bad(
                event.seq,
                checked,
                head_seq,
                f"event {event.seq} found where {expected_seq} was expected "
                "(events deleted, inserted or reordered)",
            )
        if event.prev_hash != prev:
            return _bad(
                event.seq,
                checked,
                head_seq,
                f"event {event.seq} does not link to the event before it",
            )
        try:
            recomputed = event_hash(event)
        except (ValueError, TypeError):
            return _bad(
                event.seq, checked, head_seq, f"event {event.seq} has an unreadable payload"
            )
        if recomputed != event.hash:
            return _bad(
                event.seq,
                checked,
                head_seq,
                f"event {event.seq} was edited: its content no longer matches its hash",
            )
        prev = event.hash
        expected_seq += 1
        checked += 1
    if checked != head_seq or prev != head_hash:
        return _bad(
            checked + 1 if checked < head_seq else head_seq,
            checked,
            head_seq,
            f"the chain ends at event {checked} but the head records event {head_seq} "
            "(newest events deleted or the head was altered)",
        )
    return ChainReport(ok=True, events_checked=checked, head_seq=head_seq)
