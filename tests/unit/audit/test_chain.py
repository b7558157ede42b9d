"""The pure chain rules catch every kind of tampering."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from likeness.audit.chain import (
    Checkpoint,
    EventFields,
    Head,
    encode_payload,
    event_hash,
    event_seal,
    genesis_head,
    head_is_sealed,
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
        return genesis_head(key)
    return Head(event.seq, event.hash, head_seal(key, event.seq, event.hash))


def check(
    events: list[EventFields], head: Head | None = None, checkpoint: Checkpoint | None = None
) -> ChainReport:
    head = head or head_of(events[-1] if events else None)
    return verify_chain(events, head, KEY, [checkpoint] if checkpoint else [])


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


# --- the genesis seal: an empty chain is sealed like any other ----------------------------


def test_wiped_log_with_the_head_reset_to_event_zero_is_caught() -> None:
    """Deleting every event and resetting the head to 0 needs the key, like any edit."""
    report = check([], head=Head(0, GENESIS_HASH, ""))
    assert not report.ok and report.first_bad_seq == 0 and "genesis" in (report.problem or "")


def test_genesis_sealed_under_another_key_is_caught() -> None:
    report = check([], head=genesis_head(b"m" * 32))
    assert not report.ok and "genesis" in (report.problem or "")


def test_genesis_head_is_sealed_by_its_key_only() -> None:
    genesis = genesis_head(KEY)
    assert (genesis.seq, genesis.hash) == (0, GENESIS_HASH)
    assert head_is_sealed(genesis, KEY)
    assert not head_is_sealed(genesis, b"m" * 32)
    assert not head_is_sealed(Head(0, GENESIS_HASH, ""), KEY)


# --- seals depend on everything they cover ------------------------------------------------


def test_event_seal_depends_on_the_event_hash_and_the_key() -> None:
    first, second = build_chain(2)
    assert event_seal(KEY, first.hash) != event_seal(KEY, second.hash)
    assert event_seal(KEY, first.hash) != event_seal(b"m" * 32, first.hash)


def test_head_seal_depends_on_sequence_and_hash() -> None:
    digest = build_chain(1)[0].hash
    seals = {head_seal(KEY, 1, digest), head_seal(KEY, 2, digest), head_seal(KEY, 1, "f" * 64)}
    assert len(seals) == 3


def test_an_event_carrying_another_events_seal_is_caught() -> None:
    events = build_chain(3)
    events[1] = replace(events[1], mac=events[0].mac)
    report = check(events)
    assert not report.ok and report.first_bad_seq == 2 and "seal" in (report.problem or "")


def test_a_head_carrying_an_older_heads_seal_is_caught() -> None:
    events = build_chain(3)
    older = head_of(events[1])
    report = check(events, head=Head(3, events[2].hash, older.mac))
    assert not report.ok and report.first_bad_seq == 3 and "seal" in (report.problem or "")


# --- the head and the checkpoint ------------------------------------------------------------


def test_head_with_the_right_count_but_another_hash_is_caught() -> None:
    events = build_chain(3)
    forged = Head(3, "f" * 64, head_seal(KEY, 3, "f" * 64))  # even with a valid seal
    report = check(events, head=forged)
    assert not report.ok and report.first_bad_seq == 3 and "head" in (report.problem or "")


def test_checkpoint_equal_to_the_head_verifies() -> None:
    events = build_chain(4)
    report = check(events, checkpoint=Checkpoint(4, events[-1].hash))
    assert report.ok and report.events_checked == 4


def test_checkpoint_at_the_sealed_genesis_verifies_any_chain() -> None:
    genesis = Checkpoint(0, GENESIS_HASH)
    assert check([], checkpoint=genesis).ok
    assert check(build_chain(2), checkpoint=genesis).ok


def test_checkpoint_at_event_zero_with_another_hash_is_caught() -> None:
    report = check(build_chain(2), checkpoint=Checkpoint(0, "f" * 64))
    assert not report.ok and report.first_bad_seq == 0 and "checkpoint" in (report.problem or "")


def test_every_checkpoint_is_held() -> None:
    events = build_chain(4)
    good = Checkpoint(4, events[-1].hash)
    stale = Checkpoint(2, "f" * 64)
    for order in ([good, stale], [stale, good]):
        report = verify_chain(events, head_of(events[-1]), KEY, order)
        assert not report.ok and report.first_bad_seq == 2
    beyond = Checkpoint(6, "e" * 64)
    report = verify_chain(events, head_of(events[-1]), KEY, [good, beyond])
    assert not report.ok and report.first_bad_seq == 5 and "rolled back" in (report.problem or "")


def test_a_broken_report_names_the_head_it_saw() -> None:
    events = build_chain(3)
    head = head_of(events[-1])
    report = check(events[:2], head=head)
    assert not report.ok and (report.head_seq, report.head_hash) == (3, head.hash)


def test_a_head_reset_to_zero_over_events_names_the_last_event() -> None:
    report = check(build_chain(2), head=genesis_head(KEY))
    assert not report.ok and report.first_bad_seq == 2 and "head" in (report.problem or "")


@pytest.mark.parametrize(
    "text",
    [
        "12",
        "12:",
        "x:" + "a" * 64,
        "\u00b2:" + "a" * 64,  # a digit, but not an ASCII one
        "-1:" + "a" * 64,
        "1:" + "a" * 63,
        "1:" + "g" * 64,
        "1:" + "a" * 31 + ":" + "a" * 32,
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="SEQ:HASH"):
        Checkpoint.parse(text)


def test_checkpoint_parsing_normalises_case_and_space() -> None:
    assert Checkpoint.parse(" 7:" + "AB" * 32 + "\n") == Checkpoint(7, "ab" * 32)
