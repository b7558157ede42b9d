"""License terms and exclusivity at their edges: each limit itself, one past it, every order."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from likeness.policy import (
    InvalidTerms,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
    add_years,
    exclusivity_clashes,
    terms_sha256,
    validate_terms,
)
from likeness.policy._terms import MAX_PAYMENT_DAYS, MAX_TAKEDOWN_DAYS, has_stray_control
from unit.policy.builders import BRAND, OTHER_BRAND, T0, license_, terms

EXCL = frozenset({"fashion"})
TICK = timedelta(microseconds=1)


def _problems(t: LicenseTerms) -> tuple[str, ...]:
    with pytest.raises(InvalidTerms) as err:
        validate_terms(t)
    return err.value.problems


def test_worldwide_alone_is_a_valid_territory() -> None:
    validate_terms(terms(territories=frozenset({"WW"})))
    (problem,) = _problems(terms(territories=frozenset({"WW", "FR"})))
    assert "WW" in problem


@pytest.mark.parametrize("days", [0, 1, MAX_TAKEDOWN_DAYS])
def test_takedown_days_within_the_limits_are_valid(days: int) -> None:
    assert MAX_TAKEDOWN_DAYS == 365
    validate_terms(terms(takedown_days=days))


@pytest.mark.parametrize("days", [-1, MAX_TAKEDOWN_DAYS + 1])
def test_takedown_days_past_the_limits_are_refused(days: int) -> None:
    (problem,) = _problems(terms(takedown_days=days))
    assert "takedown_days" in problem


def test_one_output_is_the_smallest_quota() -> None:
    validate_terms(terms(max_outputs=1))
    (problem,) = _problems(terms(max_outputs=0))
    assert "max_outputs" in problem


def test_purpose_of_exactly_the_maximum_length_is_valid_one_more_is_not() -> None:
    validate_terms(terms(purpose="p" * 2_000))
    (problem,) = _problems(terms(purpose="p" * 2_001))
    assert "purpose" in problem


def test_a_term_of_one_instant_is_valid_an_empty_one_is_not() -> None:
    validate_terms(terms(ends_at=T0 + TICK))
    assert len(_problems(terms(ends_at=T0))) == 1


def test_a_naive_time_is_reported_alone_without_comparing_it() -> None:
    naive = T0.replace(tzinfo=None)
    assert len(_problems(terms(starts_at=naive))) == 1
    assert len(_problems(terms(starts_at=naive, ends_at=naive))) == 2


def _other(license_id: str, *, brand_id: str = OTHER_BRAND, **changes: object) -> LicenseFacts:
    return license_(license_id, brand_id=brand_id, **changes)  # type: ignore[arg-type]


def test_every_clashing_license_is_found_in_any_order() -> None:
    later = replace(terms(), starts_at=T0 + timedelta(days=365), ends_at=T0 + timedelta(days=400))
    candidates = [
        _other("mine", license_terms=terms(exclusive_categories=EXCL)),  # excluded by id
        _other("same-brand", brand_id=BRAND),  # a brand never clashes with itself
        _other("requested", status=LicenseStatus.requested),  # not a claim yet
        _other("later", license_terms=later),  # back to back, no overlap
        _other("clash-a"),
        _other("clash-b", brand_id="brand3"),
    ]
    for order in itertools.permutations(candidates):
        clashes = exclusivity_clashes(
            BRAND, terms(exclusive_categories=EXCL), order, exclude_license_id="mine"
        )
        assert sorted(c.license_id for c in clashes) == ["clash-a", "clash-b"]
        assert {c.brand_id for c in clashes} == {OTHER_BRAND, "brand3"}
        assert all(c.categories == EXCL for c in clashes)


def test_back_to_back_terms_do_not_overlap_one_instant_more_does() -> None:
    exclusive = terms(exclusive_categories=EXCL)
    end = exclusive.ends_at
    after = _other(
        "after", license_terms=replace(terms(), starts_at=end, ends_at=end + timedelta(1))
    )
    before = _other(
        "before", license_terms=replace(terms(), starts_at=T0 - timedelta(1), ends_at=T0)
    )
    assert exclusivity_clashes(BRAND, exclusive, [after, before]) == []
    overlapping = [
        _other("after", license_terms=replace(after.terms, starts_at=end - TICK)),
        _other("before", license_terms=replace(before.terms, ends_at=T0 + TICK)),
    ]
    for other in overlapping:
        assert [c.license_id for c in exclusivity_clashes(BRAND, exclusive, [other])] == [
            other.license_id
        ]


@pytest.mark.parametrize("status", list(LicenseStatus))
def test_only_accepted_or_running_licenses_claim_a_category(status: LicenseStatus) -> None:
    claims = status in {LicenseStatus.accepted, LicenseStatus.active, LicenseStatus.suspended}
    held = _other("x", status=status, license_terms=terms(exclusive_categories=EXCL))
    assert bool(exclusivity_clashes(BRAND, terms(), [held])) is claims
    plain = _other("x", status=status)
    assert bool(exclusivity_clashes(BRAND, terms(exclusive_categories=EXCL), [plain])) is claims


def test_a_clash_names_only_the_contested_categories() -> None:
    mine = terms(categories=frozenset({"fashion", "beauty"}), exclusive_categories=EXCL)
    theirs = terms(
        categories=frozenset({"fashion", "beauty"}), exclusive_categories=frozenset({"beauty"})
    )
    (clash,) = exclusivity_clashes(BRAND, mine, [_other("x", license_terms=theirs)])
    assert clash.categories == {"fashion", "beauty"}
    assert (
        exclusivity_clashes(BRAND, terms(categories=EXCL), [_other("x", license_terms=theirs)])
        == []
    )
    (only,) = exclusivity_clashes(BRAND, terms(), [_other("x", license_terms=theirs)])
    assert only.categories == {"beauty"}


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_naive_time_is_named_by_its_field(field: str) -> None:
    naive = {field: getattr(terms(), field).replace(tzinfo=None)}
    (problem,) = _problems(terms(**naive))
    assert problem.startswith(field + " ")


@pytest.mark.parametrize("field", ["creation_fee", "per_output_fee"])
def test_a_negative_fee_is_named_by_its_field(field: str) -> None:
    fees = replace(terms().fees, **{field: -1})
    (problem,) = _problems(terms(fees=fees))
    assert problem.startswith(field + " ")


def test_add_years_reaches_the_last_representable_year_exactly() -> None:
    moment = T0.replace(year=9989)
    assert add_years(moment, 10) == moment.replace(year=9999)
    assert add_years(moment, 11).year == 9999


def test_tabs_and_line_breaks_are_the_only_control_characters_allowed() -> None:
    assert not has_stray_control("a\tb\r\nc")
    for ch in ("\x00", "\x1b", "\x7f", "\x85"):
        assert has_stray_control(f"a{ch}b"), repr(ch)
    assert not has_stray_control("X plain text")


@pytest.mark.parametrize("days", [1, 30, MAX_PAYMENT_DAYS])
def test_payment_days_within_the_law_are_valid(days: int) -> None:
    assert MAX_PAYMENT_DAYS == 45  # NY Fashion Workers Act
    validate_terms(terms(payment_days=days))


@pytest.mark.parametrize("days", [0, -1, MAX_PAYMENT_DAYS + 1])
def test_payment_days_past_the_law_are_refused(days: int) -> None:
    (problem,) = _problems(terms(payment_days=days))
    assert "payment_days" in problem and "45" in problem


def test_the_default_payment_days_leave_the_signed_terms_unchanged() -> None:
    """Terms hashed before payment_days existed hash the same: 45 is not written."""
    plain = terms()
    assert "payment_days" not in plain.to_dict()
    assert terms_sha256(plain) == terms_sha256(LicenseTerms.from_dict(plain.to_dict()))
    shorter = terms(payment_days=10)
    assert shorter.to_dict()["payment_days"] == 10
    assert LicenseTerms.from_dict(shorter.to_dict()) == shorter
    assert terms_sha256(shorter) != terms_sha256(plain)
