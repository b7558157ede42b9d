"""Pure rules of the hash chain: how an event is hashed and sealed, and how a chain is checked.

Each event's ``hash`` is the SHA-256 of the canonical JSON of its fields, including the
previous event's hash and its own sequence number. Editing a row changes its hash;
deleting, inserting or reordering rows breaks a ``prev_hash`` link or the sequence;
deleting the newest rows leaves the head row pointing past the end.

A SHA-256 chain alone can be rebuilt by anyone who can write the database, so every
event and the head also carry a ``mac``: an HMAC-SHA256 under the installation's audit
key, which lives in ``HOME/keys``, never in the database. Rolling the whole database
back to an earlier, genuinely sealed state is caught by a *checkpoint* (a head seen
committed earlier, kept outside the database).

The empty chain is sealed too: its head is ``0:GENESIS_HASH`` with a seal under the key
(the *genesis seal*, written by ``likeness init``), so resetting the head to event 0 after
deleting every event is as visible as any other tampering.

The formats below are part of every stored chain; ``tests/unit/audit`` pins them with
known-answer vectors, so changing one is a migration, never a refactoring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
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
    mac: str = ""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    mac: str


@dataclass(frozen=True)
class Checkpoint:
    """A head recorded outside the database by an earlier verification."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        seq, _, digest = text.strip().partition(":")
        digest = digest.lower()
        if not (seq.isascii() and seq.isdigit()) or not _is_sha256_hex(digest):
            raise ValueError("a checkpoint looks like SEQ:HASH (e.g. 42:9f…, 64 hex digits)")
        return cls(int(seq), digest)


def _is_sha256_hex(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


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


def _hmac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def event_seal(key: bytes, event_hash_hex: str) -> str:
    return _hmac(key, f"likeness.audit.event:{event_hash_hex}")


def head_seal(key: bytes, seq: int, hash_hex: str) -> str:
    return _hmac(key, f"likeness.audit.head:{seq}:{hash_hex}")


def genesis_head(key: bytes) -> Head:
    """The sealed head of an empty chain."""
    return Head(0, GENESIS_HASH, head_seal(key, 0, GENESIS_HASH))


def head_is_sealed(head: Head, key: bytes) -> bool:
    return hmac.compare_digest(head_seal(key, head.seq, head.hash), head.mac)


def _is_canonical(payload: str) -> bool:
    try:
        return canonical_json(json.loads(payload)) == payload
    except (ValueError, TypeError):
        return False


def _event_problem(event: EventFields, expected_seq: int, prev: str, key: bytes) -> str | None:
    if event.seq != expected_seq:
        return (
            f"event {event.seq} found where {expected_seq} was expected "
            "(events deleted, inserted or reordered)"
        )
    if event.prev_hash != prev:
        return f"event {event.seq} does not link to the event before it"
    if not _is_canonical(event.payload):
        return f"event {event.seq} was edited: its payload is not in canonical form"
    if event_hash(event) != event.hash:
        return f"event {event.seq} was edited: its content no longer matches its hash"
    if not hmac.compare_digest(event_seal(key, event.hash), event.mac):
        return (
            f"event {event.seq} has no valid seal: it was written without the audit key "
            "(the chain was rebuilt, or the key is wrong)"
        )
    return None


def verify_chain(
    events: Iterable[EventFields],
    head: Head,
    key: bytes,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    after: Checkpoint | None = None,
) -> ChainReport:
    """Walk events in stored order; name the first one that does not fit.

    Every checkpoint (a head seen committed earlier) must still be in the chain, with
    the same hash: checkpoint ``0:GENESIS_HASH`` is met by any chain.

    ``after`` walks only the events after an event the caller has already proved
    unchanged (a signed head's Merkle root over the stored hashes, decision 0025):
    ``events`` then start at ``after.seq + 1``, and checkpoints at or before it are the
    caller's to check.
    """
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    if after is not None:
        expected_seq, prev, checked = after.seq + 1, after.hash, after.seq
        checkpoints = [cp for cp in checkpoints if cp.seq > after.seq]

    def bad(seq: int, problem: str) -> ChainReport:
        return ChainReport(
            ok=False,
            events_checked=checked,
            head_seq=head.seq,
            head_hash=head.hash,
            first_bad_seq=seq,
            problem=problem,
        )

    for cp in checkpoints:
        if cp.seq == 0 and cp.hash != GENESIS_HASH:
            return bad(0, "the recorded checkpoint names event 0 with a hash other than genesis")
    for event in events:
        problem = _event_problem(event, expected_seq, prev, key)
        if problem:
            return bad(event.seq, problem)
        for cp in checkpoints:
            if event.seq == cp.seq and event.hash != cp.hash:
                return bad(event.seq, f"event {event.seq} differs from the recorded checkpoint")
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if checked != head.seq or prev != head.hash:
        return bad(
            min(checked + 1, head.seq) if head.seq else checked,
            f"the chain ends at event {checked} but the head records event {head.seq} "
            "(newest events deleted or the head was altered)",
        )
    if not head_is_sealed(head, key):
        if head.seq == 0:
            return bad(
                0,
                "the empty chain has no valid genesis seal (its events were deleted and "
                "the head reset, or the key is wrong)",
            )
        return bad(head.seq, "the head has no valid seal (it was reset or rewritten)")
    newest = max((cp.seq for cp in checkpoints), default=0)
    if checked < newest:
        return bad(
            checked + 1,
            f"the chain ends at event {checked} but event {newest} was seen committed "
            "earlier (the log was emptied or rolled back)",
        )
    return ChainReport(ok=True, events_checked=checked, head_seq=head.seq, head_hash=head.hash)
