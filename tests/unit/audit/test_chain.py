"""The pure chain rules catch every kind of tampering."""

from dataclasses import replace
from datetime import UTC, datetime

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
from likeness.audit.schemas import ChainReport
from likeness.models.audit import GENESIS_HASH

KEY = b"k" * 32


def seal(event: EventFields, key: bytes = KEY) -> EventFields:
    digest = event_hash(event)
    return replace(event, hash=digest, mac=event_seal(key, digest))


def build_chain(n: int, key: bytes = KEY) -> list[EventFields]:
    events: list[EventFields] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        draft = EventFields(
            seq=seq,
            at=datetime(2026, 1, 1, 12, 0, seq, tzinfo=UTC),
            actor="operator:x",
            actor_user_id=None,
            action="thing.done",
            object_type="thing",
            object_id=str(seq),
            payload=encode_payload({"n": seq}),
            prev_hash=prev,
        )
        events.append(seal(draft, key))
        prev = events[-1].hash
    return events


def head_of(event: EventFields | None, key: bytes = KEY) -> Head:
    if event is None:
        return Head(0, GENESIS_HASH, "")
    return Head(event.seq, event.hash, head_seal(key, event.seq, event.hash))


def check(
    events: list[EventFields], head: Head | None = None, checkpoint: Checkpoint | None = None
) -> ChainReport:
    return verify_chain(events, head or head_of(events[-1] if events else None), KEY, checkpoint)


def test_intact_chain_verifies() -> None:
    report = check(build_chain(5))
    assert report.ok and report.events_checked == 5 and report.head_hash


def test_empty_chain_verifies() -> None:
    assert check([]).ok


def test_edited_payload_is_caught() -> None:
    events = build_chain(5)
    events[2] = replace(events[2], payload=encode_payload({"n": 999}))
    report = check(events)
    assert not report.ok and report.first_bad_seq == 3 and "edited" in (report.problem or "")


def test_non_canonical_payload_rewrite_is_caught() -> None:
    events = build_chain(3)
    events[0] = replace(events[0], payload=' { "n" : 1 } ')
    report = check(events)
    assert report.first_bad_seq == 1 and "canonical" in (report.problem or "")


def test_edited_actor_is_caught() -> None:
    events = build_chain(4)
    events[0] = replace(events[0], actor="operator:mallory")
    assert check(events).first_bad_seq == 1


def test_rebuilt_chain_without_the_key_is_caught() -> None:
    forged = build_chain(4, key=b"m" * 32)  # a consistent chain, sealed with the wrong key
    report = verify_chain(forged, head_of(forged[-1], b"m" * 32), KEY)
    assert not report.ok and report.first_bad_seq == 1 and "seal" in (report.problem or "")


def test_deleted_middle_event_is_caught() -> None:
    events = build_chain(5)
    head = head_of(events[-1])
    del events[1]
    report = check(events, head=head)
    assert not report.ok and report.first_bad_seq == 3


def test_inserted_event_is_caught() -> None:
    events = build_chain(4)
    events.insert(2, seal(replace(events[1], object_id="forged")))
    report = check(events, head=head_of(events[-1]))
    assert not report.ok and report.first_bad_seq == 2


def test_reordered_events_are_caught() -> None:
    events = build_chain(5)
    head = head_of(events[-1])
    events[1], events[2] = events[2], events[1]
    report = check(events, head=head)
    assert not report.ok and report.first_bad_seq == 3


def test_deleted_newest_events_are_caught_by_the_head() -> None:
    events = build_chain(5)
    report = check(events[:3], head=head_of(events[-1]))
    assert not report.ok and report.first_bad_seq == 4 and "head" in (report.problem or "")


def test_head_reset_without_the_key_is_caught() -> None:
    events = build_chain(5)[:4]
    forged_head = Head(4, events[-1].hash, "0" * 64)
    report = check(events, head=forged_head)
    assert not report.ok and "head has no valid seal" in (report.problem or "")


def test_rollback_to_an_older_sealed_state_is_caught_by_the_checkpoint() -> None:
    events = build_chain(5)
    seen = Checkpoint(5, events[-1].hash)
    rolled_back = events[:3]
    assert check(rolled_back).ok  # genuinely sealed, so only the checkpoint can tell
    report = check(rolled_back, checkpoint=seen)
    assert not report.ok and "rolled back" in (report.problem or "")


def test_emptied_log_is_caught_by_the_checkpoint() -> None:
    events = build_chain(2)
    report = check([], checkpoint=Checkpoint(2, events[-1].hash))
    assert not report.ok and report.first_bad_seq == 1


def test_checkpoint_hash_mismatch_is_caught() -> None:
    events = build_chain(3)
    report = check(events, checkpoint=Checkpoint(2, "f" * 64))
    assert report.first_bad_seq == 2 and "checkpoint" in (report.problem or "")


def test_unreadable_payload_is_reported_not_raised() -> None:
    events = build_chain(2)
    events[1] = replace(events[1], payload="{not json")
    assert check(events).first_bad_seq == 2


def test_checkpoint_parsing() -> None:
    assert Checkpoint.parse(f"7:{'A' * 64}") == Checkpoint(7, "a" * 64)
    for bad in ("", "7", "x:" + "a" * 64, "7:abc"):
        try:
            Checkpoint.parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad!r}")
