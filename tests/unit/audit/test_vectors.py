"""Known-answer vectors: the exact bytes every stored chain depends on.

A stored chain is only verifiable while the event hash, the event seal and the head seal
are computed exactly as when it was written. These vectors pin them: a renamed or dropped
field, another separator, a seal that ignores its message — each changes a hex string
below. If one of these tests fails, the change breaks every existing installation's
chain: it needs a migration, not a new vector.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from likeness.audit.chain import (
    EventFields,
    encode_payload,
    event_hash,
    event_seal,
    genesis_head,
    head_seal,
)
from likeness.models.audit import GENESIS_HASH

KEY = bytes(range(32))

EVENT = EventFields(
    seq=1,
    at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    actor="operator:cli@localhost",
    actor_user_id="u-1",
    action="consent.signed",
    object_type="consent",
    object_id="c-1",
    payload=encode_payload({"n": 1, "activity": ["capture"]}),
    prev_hash=GENESIS_HASH,
)

# The canonical JSON the event hash is taken over: sorted keys, no spaces, every field.
EVENT_PREIMAGE = (
    '{"action":"consent.signed","actor":"operator:cli@localhost","actor_user_id":"u-1",'
    '"at":"2026-01-02T03:04:05+00:00","object_id":"c-1","object_type":"consent",'
    '"payload":{"activity":["capture"],"n":1},"prev_hash":"' + "0" * 64 + '","seq":1}'
)
EVENT_HASH = "c7bcd366223b863959eec90bf1c3b171087a2410afa28e5c6627473d0c8e8b19"
EVENT_SEAL = "addc42c2bc736087e4c244e7e1f2c297ec09b41d2b34ee71c12066cbb97ef4fa"
HEAD_SEAL = "c3163bdbfafd144361dc1b05564239e3c1b378b57722157c72392f52e4cbf612"
GENESIS_SEAL = "f883dd813703d3facb5bd478130830d79841b61b1ff9b7142cf137169b92a68d"

# A second event, linked to the first, with a null user id and an empty payload.
NEXT_EVENT = EventFields(
    seq=2,
    at=datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC),
    actor="talent:ada",
    actor_user_id=None,
    action="x.y",
    object_type="t",
    object_id="o",
    payload=encode_payload({}),
    prev_hash=EVENT_HASH,
)
NEXT_EVENT_HASH = "b41af8790789ac4d061ed2454603deaa3ff984bfec4fb28262fbb386fe77189c"


def _hmac_hex(message: str) -> str:
    return hmac.new(KEY, message.encode("utf-8"), hashlib.sha256).hexdigest()


def test_event_hash_vector() -> None:
    assert event_hash(EVENT) == EVENT_HASH


def test_event_hash_is_sha256_of_the_canonical_fields() -> None:
    assert hashlib.sha256(EVENT_PREIMAGE.encode("utf-8")).hexdigest() == EVENT_HASH


def test_second_event_hash_vector() -> None:
    assert event_hash(NEXT_EVENT) == NEXT_EVENT_HASH


def test_event_seal_vector() -> None:
    assert event_seal(KEY, EVENT_HASH) == EVENT_SEAL
    assert _hmac_hex(f"likeness.audit.event:{EVENT_HASH}") == EVENT_SEAL


def test_head_seal_vector() -> None:
    assert head_seal(KEY, 1, EVENT_HASH) == HEAD_SEAL
    assert _hmac_hex(f"likeness.audit.head:1:{EVENT_HASH}") == HEAD_SEAL


def test_genesis_seal_vector() -> None:
    genesis = genesis_head(KEY)
    assert (genesis.seq, genesis.hash, genesis.mac) == (0, "0" * 64, GENESIS_SEAL)
    assert _hmac_hex("likeness.audit.head:0:" + "0" * 64) == GENESIS_SEAL
