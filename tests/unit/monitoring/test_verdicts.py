"""The verdict rules over plain values: each verdict, the order of the rules, and the
channel and territory of the place an image was found."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from likeness.models.monitoring import CaseStatus, Verdict
from likeness.monitoring import rules
from likeness.monitoring.findings import (
    C2paFinding,
    FaceFinding,
    FaceMatch,
    ImageFindings,
    WatermarkFinding,
)
from likeness.monitoring.verdicts import AssetFacts, Place, place_of, verdict_for

NOW = datetime(2026, 12, 7, tzinfo=UTC)
FACE = FaceFinding(0, 0, 10, 10, np.zeros(128, np.float32))
FACTS = AssetFacts(
    asset_id="a" * 32,
    talent_id="t1",
    kind="release",
    status="active",
    channel="instagram",
    license_channels=frozenset({"instagram", "web"}),
    license_territories=frozenset({"FR", "DE"}),
)


def found(**changes: object) -> ImageFindings:
    base = ImageFindings(
        location="https://www.instagram.com/p/1.jpg", sha256="0" * 64, readable=True
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def judge(
    findings: ImageFindings | None = None,
    matches: list[list[FaceMatch]] | None = None,
    facts: AssetFacts | None = None,
    location: str = "https://www.instagram.com/p/1.jpg",
) -> Verdict:
    return verdict_for(findings or found(), matches or [], facts, place_of(location), NOW).verdict


@pytest.mark.parametrize(
    ("location", "channel", "territory"),
    [
        ("https://www.instagram.com/p/1.jpg", "instagram", None),
        ("https://scontent.cdninstagram.com/x.jpg", "instagram", None),
        ("https://m.tiktok.com/@a/1.jpg", "tiktok", None),
        ("https://i.ytimg.com/vi/x.jpg", "youtube", None),
        ("https://shop.example.fr/a.jpg", "web", "FR"),
        ("https://news.example.co.uk/a.jpg", "web", "GB"),
        ("/crawl/www.tiktok.com/clip.jpg", "tiktok", None),
        ("/srv/scan/photo.jpg", None, None),
        ("s3://bucket/photo.jpg", None, None),
    ],
)
def test_the_place_of_a_location(location: str, channel: str | None, territory: str | None) -> None:
    place = place_of(location)
    assert (place.channel, place.territory) == (channel, territory)


def test_settings_may_name_more_hosts() -> None:
    assert place_of("https://pinterest.com/p/1", {"pinterest.com": "print"}).channel == "print"


def test_unreadable_comes_first() -> None:
    assert judge(found(readable=False, problem="bomb"), facts=FACTS) is Verdict.unreadable


def test_a_release_where_its_license_allows_it_is_licensed() -> None:
    assert judge(facts=FACTS) is Verdict.licensed
    assert judge(facts=FACTS, location="https://shop.example.de/x.jpg") is Verdict.licensed
    # A place whose channel is unknown never makes it outside its channel.
    assert judge(facts=FACTS, location="/srv/scan/x.jpg") is Verdict.licensed


def test_a_release_on_another_channel_or_territory_is_outside_channel() -> None:
    assert judge(facts=FACTS, location="https://www.tiktok.com/x.jpg") is Verdict.outside_channel
    assert judge(facts=FACTS, location="https://shop.example.it/x.jpg") is Verdict.outside_channel
    worldwide = replace(FACTS, license_territories=frozenset({"WW"}))
    assert judge(facts=worldwide, location="https://shop.example.it/x.jpg") is Verdict.licensed


def test_an_ended_release_is_past_takedown_only_after_its_date() -> None:
    ended = replace(FACTS, status="expired", takedown_by=NOW + timedelta(days=3))
    assert judge(facts=ended) is Verdict.licensed  # the brand still has time
    assert judge(facts=replace(ended, takedown_by=NOW - timedelta(seconds=1))) is (
        Verdict.past_takedown
    )
    assert judge(facts=replace(FACTS, status="revoked")) is Verdict.past_takedown


def test_a_preview_or_an_unreleased_output_is_a_leak() -> None:
    assert judge(facts=replace(FACTS, kind="preview", channel=None)) is Verdict.leak
    assert judge(facts=replace(FACTS, output_released=False)) is Verdict.leak
    # A leak outranks anything the place says.
    assert judge(facts=replace(FACTS, kind="preview"), location="https://tiktok.com/x") is (
        Verdict.leak
    )


def test_a_face_match_without_a_mark_is_unmarked_and_names_each_talent_closest_first() -> None:
    matches = [[FaceMatch("t2", 0.35), FaceMatch("t1", 0.30)], [FaceMatch("t3", 0.2)]]
    outcome = verdict_for(found(faces=(FACE, FACE)), matches, None, Place("x"), NOW)
    assert outcome.verdict is Verdict.unmarked_match
    assert outcome.talent_ids == ("t3", "t1", "t2") and outcome.distance == 0.2
    assert judge(found(faces=(FACE,)), [[]]) is Verdict.no_match
    assert judge() is Verdict.no_match


def test_a_marked_release_names_its_own_talent_whatever_the_faces() -> None:
    outcome = verdict_for(
        found(watermark=WatermarkFinding("a" * 16, 0.9)),
        [[FaceMatch("t9", 0.3)]],
        FACTS,
        place_of("https://www.tiktok.com/x.jpg"),
        NOW,
    )
    assert outcome.verdict is Verdict.outside_channel and outcome.talent_ids == ("t1",)


def test_the_mark_is_the_watermark_else_a_valid_c2pa_manifest() -> None:
    from likeness.monitoring.verdicts import claimed_asset

    assert claimed_asset(found(watermark=WatermarkFinding("ab" * 8, 0.9))) == "ab" * 8
    assert claimed_asset(found(c2pa=C2paFinding(True, True, "cd" * 16))) == "cd" * 16
    assert claimed_asset(found(c2pa=C2paFinding(True, False, "cd" * 16))) is None
    assert claimed_asset(found(watermark=WatermarkFinding(None, 0.0))) is None


@pytest.mark.parametrize(
    ("step", "start", "end"),
    [
        ("confirm", CaseStatus.open, CaseStatus.confirmed),
        ("dismiss", CaseStatus.open, CaseStatus.dismissed),
        ("dismiss", CaseStatus.confirmed, CaseStatus.dismissed),
        ("sent", CaseStatus.confirmed, CaseStatus.notice_sent),
        ("acknowledged", CaseStatus.notice_sent, CaseStatus.acknowledged),
        ("removed", CaseStatus.notice_sent, CaseStatus.removed),
        ("removed", CaseStatus.acknowledged, CaseStatus.removed),
        ("close", CaseStatus.removed, CaseStatus.closed),
        ("close", CaseStatus.dismissed, CaseStatus.closed),
        ("reappeared", CaseStatus.closed, CaseStatus.open),
    ],
)
def test_case_steps(step: str, start: CaseStatus, end: CaseStatus) -> None:
    assert rules.next_status(step, start) is end


def test_every_other_step_is_refused() -> None:
    allowed = {(s, start) for s, (starts, _) in rules.STEPS.items() for start in starts}
    for step in rules.STEPS:
        for status in CaseStatus:
            if (step, status) not in allowed:
                assert rules.next_status(step, status) is None
    assert rules.next_status("reappeared", CaseStatus.dismissed) is None
