"""The pure chain rules catch every kind of tampering."""

from dataclasses import replace
from datetime import UTC, datetime

from likeness.audit.chain import EventFields, encode_payload, event_hash, verify_chain
from likeness.models.audit import GENESIS_HASH


def build_chain(n: int) -> list[EventFields]:
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
        event = replace(draft, hash=event_hash(draft))
        events.append(event)
        prev = event.hash
    return events


def check(events: list[EventFields], head: EventFields | None = None, head_seq: int | None = None):
    last = head or (events[-1] if events else None)
    return verify_chain(
        events,
        head_seq if head_seq is not None else (last.seq if last else 0),
        last.hash if last else GENESIS_HASH,
    )


def test_intact_chain_verifies() -> None:
    report = check(build_chain(5))
    assert report.ok and report.events_checked == 5


def test_empty_chain_verifies() -> None:
    assert verify_chain([], 0, GENESIS_HASH).ok


def test_edited_payload_is_caught() -> None:
    events = build_chain(5)
    events[2] = replace(events[2], payload=encode_payload({"n": 999}))
    report = check(events)
    assert not report.ok and report.first_bad_seq == 3 and "edited" in (report.problem or "")


def test_edited_actor_is_caught() -> None:
    events = build_chain(4)
    events[0] = replace(events[0], actor="operator:mallory")
    assert check(events).first_bad_seq == 1


def test_deleted_middle_event_is_caught() -> None:
    events = build_chain(5)
    head = events[-1]
    del events[1]
    report = check(events, head=head)
    assert not report.ok and report.first_bad_seq == 3


def test_inserted_event_is_caught() -> None:
    events = build_chain(4)
    forged = replace(events[1], object_id="forged")
    forged = replace(forged, hash=event_hash(forged))
    events.insert(2, forged)
    report = check(events, head=events[-1], head_seq=4)
    assert not report.ok and report.first_bad_seq == 2


def test_reordered_events_are_caught() -> None:
    events = build_chain(5)
    events[1], events[2] = events[2], events[1]
    report = check(events, head=build_chain(5)[-1])
    assert not report.ok and report.first_bad_seq == 3


def test_deleted_newest_events_are_caught_by_the_head() -> None:
    events = build_chain(5)
    head = events[-1]
    report = check(events[:3], head=head)
    assert not report.ok and report.first_bad_seq == 4 and "head" in (report.problem or "")


def test_unreadable_payload_is_reported_not_raised() -> None:
    events = build_chain(2)
    events[1] = replace(events[1], payload="{not json")
    assert check(events).first_bad_seq == 2
