"""Validation of license terms and category exclusivity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from likeness.policy import (
    FeeSchedule,
    InvalidTerms,
    InvalidUse,
    LicenseStatus,
    LicenseTerms,
    add_years,
    exclusivity_clashes,
    require_aware,
    terms_sha256,
    validate_terms,
)
from unit.policy.builders import BRAND, OTHER_BRAND, T0, license_, terms


def _problems(t: LicenseTerms) -> tuple[str, ...]:
    with pytest.raises(InvalidTerms) as err:
        validate_terms(t)
    assert err.value.status_code == 422
    return err.value.problems


def test_valid_terms_pass() -> None:
    validate_terms(terms())


def test_exactly_ten_years_is_allowed_one_second_more_is_not() -> None:
    validate_terms(terms(ends_at=add_years(T0, 10)))
    (problem,) = _problems(terms(ends_at=add_years(T0, 10) + timedelta(seconds=1)))
    assert "10 years" in problem


def test_end_must_follow_start() -> None:
    assert _problems(terms(ends_at=T0)) == ("the license must end after it starts",)


def test_naive_times_are_refused() -> None:
    assert "time zone" in _problems(terms(starts_at=T0.replace(tzinfo=None)))[0]


@pytest.mark.parametrize(("bps", "ok"), [(0, True), (2_000, True), (2_001, False), (-1, False)])
def test_commission_is_capped_at_twenty_percent(bps: int, ok: bool) -> None:
    if ok:
        validate_terms(terms(commission_bps=bps))
    else:
        (problem,) = _problems(terms(commission_bps=bps))
        assert "Fashion Workers Act" in problem


def test_every_problem_is_reported_at_once() -> None:
    bad = terms(
        channels=frozenset({"Bad Channel"}),
        territories=frozenset({"XX", "WW"}),
        categories=frozenset(),
        exclusive_categories=frozenset({"fashion"}),
        max_outputs=0,
        fees=FeeSchedule("EURO", -1, 0, (("tiktok", 5),)),
        commission_bps=5_000,
        takedown_days=-2,
        purpose="x" * 2_001,
    )
    problems = _problems(bad)
    expected_fragments = [
        "takedown_days",
        "channel 'Bad Channel'",
        "territory 'XX'",
        "WW (worldwide)",
        "at least one content category",
        "exclusivity can only cover",
        "max_outputs",
        "purpose",
        "currency 'EURO'",
        "creation_fee",
        "unlicensed channels: tiktok",
        "20 %",
    ]
    for fragment in expected_fragments:
        assert any(fragment in p for p in problems), fragment
    assert len(problems) == len(expected_fragments)


def test_empty_scope_is_refused() -> None:
    problems = _problems(terms(channels=frozenset(), territories=frozenset()))
    assert "at least one channel is required" in problems
    assert any("at least one territory" in p for p in problems)


def test_add_years_handles_leap_day() -> None:
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert add_years(leap, 1) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_years(leap, 4) == datetime(2032, 2, 29, tzinfo=UTC)


def test_control_characters_in_the_purpose_are_refused_but_line_breaks_are_not() -> None:
    (problem,) = _problems(terms(purpose="Campaign\x00\x1b[31m"))
    assert "control characters" in problem
    validate_terms(terms(purpose="Campaign\r\nsecond line\twith a tab"))


def test_add_years_saturates_instead_of_overflowing() -> None:
    late = datetime(9995, 6, 1, tzinfo=UTC)
    assert add_years(late, 10) == datetime.max.replace(tzinfo=UTC)
    validate_terms(terms(starts_at=late, ends_at=late + timedelta(days=30)))


def test_a_time_past_the_representable_range_in_utc_is_a_clear_error() -> None:
    west = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(InvalidUse, match="representable range"):
        require_aware(west, "at")


def test_terms_round_trip_and_hash_is_stable() -> None:
    t = terms(exclusive_categories=frozenset({"fashion"}))
    again = LicenseTerms.from_dict(t.to_dict())
    assert again == t
    assert terms_sha256(again) == terms_sha256(t)
    assert terms_sha256(replace(t, max_outputs=11)) != terms_sha256(t)


def test_malformed_terms_dict_is_a_clear_error() -> None:
    from likeness.policy import InvalidUse

    with pytest.raises(InvalidUse, match="malformed license terms"):
        LicenseTerms.from_dict({"channels": []})


EXCL = frozenset({"fashion"})


def test_exclusive_grant_clashes_with_existing_license_in_category() -> None:
    existing = license_("old", brand_id=OTHER_BRAND)
    (clash,) = exclusivity_clashes(BRAND, terms(exclusive_categories=EXCL), [existing])
    assert (clash.license_id, clash.categories) == ("old", EXCL)
    assert "fashion" in clash.message


def test_new_grant_clashes_with_existing_exclusivity() -> None:
    existing = license_("old", brand_id=OTHER_BRAND, license_terms=terms(exclusive_categories=EXCL))
    assert exclusivity_clashes(BRAND, terms(), [existing])


def test_no_clash_without_shared_category_time_or_live_state_or_with_same_brand() -> None:
    exclusive = terms(exclusive_categories=EXCL)
    later = replace(terms(), starts_at=T0 + timedelta(days=365), ends_at=T0 + timedelta(days=400))
    cases = [
        license_("a", brand_id=OTHER_BRAND, license_terms=terms(categories=frozenset({"beauty"}))),
        license_("b", brand_id=OTHER_BRAND, license_terms=later),  # touches, no overlap
        license_("c", brand_id=OTHER_BRAND, status=LicenseStatus.revoked),
        license_("d", brand_id=OTHER_BRAND, status=LicenseStatus.expired),
        license_("e", brand_id=OTHER_BRAND, status=LicenseStatus.proposed),
        license_("f", brand_id=BRAND),
    ]
    for other in cases:
        assert exclusivity_clashes(BRAND, exclusive, [other]) == [], other.license_id


def test_accepted_and_suspended_licenses_still_claim_their_category() -> None:
    exclusive = terms(exclusive_categories=EXCL)
    for status in (LicenseStatus.accepted, LicenseStatus.active, LicenseStatus.suspended):
        other = license_("x", brand_id=OTHER_BRAND, status=status)
        assert exclusivity_clashes(BRAND, exclusive, [other])


def test_a_license_does_not_clash_with_itself() -> None:
    mine = license_("mine", brand_id=OTHER_BRAND, license_terms=terms(exclusive_categories=EXCL))
    assert exclusivity_clashes(OTHER_BRAND, mine.terms, [mine], exclude_license_id="mine") == []


def test_review_delegation_is_off_by_default_and_kept_out_of_old_hashes() -> None:
    t = terms()
    assert t.delegate_review is False
    assert "delegate_review" not in t.to_dict()  # terms signed before it keep their hash
    assert LicenseTerms.from_dict(t.to_dict()) == t
    granted = replace(t, delegate_review=True)
    assert granted.to_dict()["delegate_review"] is True
    assert LicenseTerms.from_dict(granted.to_dict()) == granted
    assert terms_sha256(granted) != terms_sha256(t)
    with pytest.raises(InvalidUse):
        LicenseTerms.from_dict({**t.to_dict(), "delegate_review": "yes"})


def test_review_delegation_needs_every_output_approval() -> None:
    from likeness.policy import ApprovalMode

    validate_terms(replace(terms(), delegate_review=True))
    pre = replace(terms(), approval_mode=ApprovalMode.pre_approved, delegate_review=True)
    assert _problems(pre) == ("delegate_review applies only to approval mode every_output",)


def test_processors_are_empty_by_default_and_kept_out_of_old_hashes() -> None:
    t = terms()
    assert t.processors == frozenset()
    assert "processors" not in t.to_dict()  # terms signed before it keep their hash
    named = replace(t, processors=frozenset({"fashn", "acme-tryon"}))
    assert named.to_dict()["processors"] == ["acme-tryon", "fashn"]
    assert LicenseTerms.from_dict(named.to_dict()) == named
    assert terms_sha256(named) != terms_sha256(t)
    with pytest.raises(InvalidUse):
        LicenseTerms.from_dict({**t.to_dict(), "processors": "fashn"})


def test_processor_names_are_slugs() -> None:
    validate_terms(replace(terms(), processors=frozenset({"fashn"})))
    bad = replace(terms(), processors=frozenset({"Fashn Inc"}))
    assert _problems(bad) == ("processor 'Fashn Inc' is not a lower-case slug",)
