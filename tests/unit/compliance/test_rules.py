"""The compliance rules, each with a clean case and a planted violation (pure values)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from likeness.compliance import rules
from likeness.compliance.report_errors import InvalidReportRequest

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
Q4 = rules.parse_period("2026-Q4")


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods_are_quarters_months_or_years(text: str, start: date, end: date) -> None:
    period = rules.parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.start_at == datetime(start.year, start.month, start.day, tzinfo=UTC)
    assert period.end_at == datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "Q4", "26", "2026-11-01", ""])
def test_a_bad_period_is_refused_clearly(text: str) -> None:
    with pytest.raises(InvalidReportRequest, match=r"period|month"):
        rules.parse_period(text)


def _consent(**changes: object) -> rules.ConsentFacts:
    values: dict[str, object] = {
        "id": "c1",
        "kind": "use",
        "signed": True,
        "purpose": "spring campaign",
        "scope": ("channels:instagram",),
        "rate": {"per_output_minor": 100},
        "valid_from": at(2026, 10, 1),
        "valid_until": at(2027, 1, 1),
        "license_id": "l1",
    }
    values.update(changes)
    return rules.ConsentFacts(**values)  # type: ignore[arg-type]


def test_consents_naming_everything_pass_with_their_count() -> None:
    result = rules.nyfwa_consents([_consent(), _consent(id="c2", kind="creation", rate=0)])
    assert result.status == rules.PASS and result.evidence == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"purpose": " "}, "no purpose"),
        ({"scope": ()}, "no scope"),
        ({"rate": None}, "no rate"),
        ({"rate": {}}, "no rate"),
        ({"valid_until": None}, "no duration"),
        ({"signed": False}, "not signed"),
    ],
)
def test_a_consent_missing_an_element_is_an_exception(
    change: dict[str, object], words: str
) -> None:
    result = rules.nyfwa_consents([_consent(), _consent(id="bad", **change)])
    assert result.status == rules.FAIL
    [finding] = result.exceptions
    assert finding.subject_id == "bad" and words in finding.detail


def test_a_license_used_without_its_own_use_consent_is_an_exception() -> None:
    result = rules.nyfwa_consents([_consent()], ["lic-9", "lic-9"])
    assert [(f.subject_type, f.subject_id) for f in result.exceptions] == [("license", "lic-9")]


def test_commission_above_twenty_percent_is_an_exception() -> None:
    clean = rules.nyfwa_commission([("agency", "a", 2000), ("license", "l", 1500)], 10)
    assert clean.status == rules.PASS and clean.evidence == 12
    bad = rules.nyfwa_commission([("agency", "a", 2000), ("license", "l", 2001)])
    assert [(f.subject_id, f.detail) for f in bad.exceptions] == [
        ("l", "commission 20.01 % exceeds 20 %")
    ]


def test_representation_over_three_years_or_renewing_itself_is_an_exception() -> None:
    ok = rules.nyfwa_representation([("r1", date(2024, 2, 29), date(2027, 2, 28), False)])
    assert ok.status == rules.PASS and ok.evidence == 1
    bad = rules.nyfwa_representation(
        [
            ("long", date(2024, 1, 1), date(2027, 1, 2), False),
            ("renews", date(2026, 1, 1), date(2027, 1, 1), True),
        ]
    )
    assert [(f.subject_id, "renews" in f.detail) for f in bad.exceptions] == [
        ("long", False),
        ("renews", True),
    ]


def _due(on: date, amount: int, party: str = "t1") -> rules.DueAmount:
    return rules.DueAmount("talent", party, "EUR", on, amount)


def test_payments_by_their_due_dates_pass() -> None:
    result = rules.nyfwa_payments(
        [_due(date(2026, 10, 10), 500), _due(date(2026, 11, 10), 300)],
        [_due(date(2026, 10, 9), 500), _due(date(2026, 11, 1), 300)],
        Q4,
        date(2026, 12, 31),
    )
    assert result.status == rules.PASS and result.evidence == 2


def test_a_late_payment_is_listed_with_its_days_late() -> None:
    result = rules.nyfwa_payments(
        [_due(date(2026, 10, 10), 500), _due(date(2026, 11, 10), 300)],
        [_due(date(2026, 10, 9), 200), _due(date(2026, 10, 22), 600)],
        Q4,
        date(2026, 12, 31),
    )
    [late] = result.exceptions
    assert late.days_late == 12 and "due 2026-10-10 paid 2026-10-22" in late.detail


def test_an_unpaid_amount_past_due_is_late_until_the_report_date() -> None:
    result = rules.nyfwa_payments(
        [_due(date(2026, 11, 20), 700), _due(date(2026, 12, 31), 10)],
        [],
        Q4,
        date(2026, 12, 1),
    )
    [late] = result.exceptions  # the one due after the report date is not late yet
    assert late.days_late == 11 and "unpaid" in late.detail
    assert result.evidence == 2


def test_payment_terms_or_postings_beyond_45_days_are_exceptions() -> None:
    result = rules.nyfwa_payments(
        [],
        [],
        Q4,
        date(2026, 12, 31),
        payment_terms=[("l1", 45), ("l2", 60)],
        posting_gaps=[("t1", 45), ("t2", 46)],
    )
    assert [f.subject_id for f in result.exceptions] == ["l2", "t2"]


def test_a_reversal_counts_as_money_already_paid() -> None:
    lines = rules.payment_dates(
        [(date(2026, 10, 1), 500), (date(2026, 10, 5), -500), (date(2026, 10, 9), 100)],
        [(date(2026, 10, 8), 100)],
    )
    assert lines == [
        (date(2026, 10, 1), 500, date(2026, 10, 5)),
        (date(2026, 10, 9), 100, date(2026, 10, 8)),
    ]


def test_the_sample_is_reproducible_and_bounded() -> None:
    one = rules.sample_indices(100_000, 50, seed=7)
    assert one == rules.sample_indices(100_000, 50, seed=7) and len(set(one)) == 50
    assert one != rules.sample_indices(100_000, 50, seed=8)
    assert rules.sample_indices(3, 50, seed=7) == [0, 1, 2]


def _mark(**changes: object) -> rules.MarkCheck:
    values: dict[str, object] = {
        "asset_id": "a1",
        "file_matches": True,
        "c2pa_state": "Trusted",
        "c2pa_source_type": AI,
        "manifest_asset_id": "a1",
        "xmp_source_type": AI,
        "watermark_found": True,
        "watermark_matches": True,
    }
    values.update(changes)
    return rules.MarkCheck(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"c2pa_state": "absent"}, "C2PA manifest absent"),
        ({"c2pa_state": "Invalid"}, "C2PA manifest Invalid"),
        (
            {"c2pa_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
            "AI digital source type",
        ),
        ({"manifest_asset_id": "other"}, "names another asset"),
        ({"xmp_source_type": None}, "IPTC/XMP"),
        ({"watermark_found": False}, "no watermark"),
        ({"watermark_matches": False}, "does not match"),
        ({"file_matches": False}, "registered digest"),
        ({"file_matches": None, "problem": "blob missing"}, "blob missing"),
    ],
)
def test_a_release_missing_a_mark_is_an_exception(change: dict[str, object], words: str) -> None:
    result = rules.ai_act_marking([_mark(), _mark(asset_id="bad", **change)], 10, 2, 1, False)
    assert result.status == rules.FAIL and result.evidence == 2
    [finding] = result.exceptions
    assert finding.subject_id == "bad" and words in finding.detail
    assert "sample of 2 of 10 releases (seed 1)" in result.note


def test_shredded_files_are_noted_not_counted_as_exceptions() -> None:
    result = rules.ai_act_marking(
        [_mark(), rules.MarkCheck("gone", None, shredded=True)], 2, 2, 0, True
    )
    assert result.status == rules.PASS and result.evidence == 1
    assert "1 sampled files belong to crypto-shredded twins" in result.note


def _license(**changes: object) -> rules.LicenseUse:
    values: dict[str, object] = {
        "id": "l1",
        "starts_at": at(2026, 10, 1),
        "ends_at": at(2036, 10, 1),
        "channels": ("instagram",),
        "territories": ("FR",),
        "categories": ("fashion",),
    }
    values.update(changes)
    return rules.LicenseUse(**values)  # type: ignore[arg-type]


def test_licenses_over_ten_years_or_with_vague_uses_are_exceptions() -> None:
    assert rules.nofakes_license_terms([_license()]).status == rules.PASS
    result = rules.nofakes_license_terms(
        [
            _license(id="long", ends_at=at(2036, 10, 2)),
            _license(id="vague", channels=("ALL",), categories=()),
        ]
    )
    assert [(f.subject_id, f.detail) for f in result.exceptions] == [
        ("long", "runs 2026-10-01 to 2036-10-02: over ten years"),
        ("vague", "uses not specific: channels, categories"),
    ]


def test_takedowns_late_or_not_confirmed_are_exceptions() -> None:
    now = at(2026, 12, 31)
    result = rules.nofakes_takedowns(
        [
            ("on-time", at(2026, 11, 1), "taken_down", at(2026, 10, 30)),
            ("late", at(2026, 11, 1), "taken_down", at(2026, 11, 4)),
            ("open", at(2026, 12, 1), "revoked", None),
            ("not-yet", at(2027, 1, 5), "expired", None),
        ],
        now,
    )
    assert result.evidence == 4
    assert [(f.subject_id, f.days_late) for f in result.exceptions] == [("late", 3), ("open", 30)]


def test_a_release_without_approval_is_an_exception() -> None:
    assert rules.platform_release_approval(5, []).status == rules.PASS
    result = rules.platform_release_approval(5, [("a9", "released without an approval")])
    assert result.evidence == 5 and result.exceptions[0].subject_id == "a9"


def test_a_noncommercial_model_under_a_license_is_an_exception() -> None:
    result = rules.platform_noncommercial_models(
        3, [("r1", "l1", []), ("r2", "l1", ["sd-nc", "face-nc"])]
    )
    [finding] = result.exceptions
    assert finding.subject_id == "r2" and "sd-nc, face-nc" in finding.detail


@pytest.mark.parametrize(
    ("check", "words"),
    [
        (rules.ShredCheck("t", "revoked", deleted=False, key_present=False), "twin not deleted"),
        (rules.ShredCheck("t", "revoked", deleted=True, key_present=True), "data key still"),
        (
            rules.ShredCheck("t", "revoked", True, False, readable_blobs=1, blobs_tried=3),
            "1 of 3 stored blobs still open",
        ),
    ],
)
def test_an_incomplete_shredding_is_an_exception(check: rules.ShredCheck, words: str) -> None:
    clean = rules.ShredCheck("ok", "revoked", True, False, 0, 3)
    result = rules.platform_shredding([clean, check])
    assert result.evidence == 2
    [finding] = result.exceptions
    assert words in finding.detail


def test_the_summary_counts_rules_by_outcome() -> None:
    results = [
        rules.platform_release_approval(1, []),
        rules.platform_release_approval(1, [("a", "x")]),
        rules.not_applicable("x", rules.LAW_NYFWA, "t", "r", "why"),
    ]
    summary = rules.summarise(results)
    assert (summary.passed, summary.failed, summary.not_applicable, summary.exceptions) == (
        1,
        1,
        1,
        1,
    )
    assert results[2].to_dict()["status"] == "not_applicable"
