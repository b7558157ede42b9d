from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.errors import InvalidInput
from likeness.party import rules


@given(st.integers(min_value=0, max_value=2000))
def test_commission_up_to_twenty_percent_is_allowed(bps: int) -> None:
    assert rules.check_commission(bps) == bps


@given(st.integers(min_value=2001, max_value=10_000))
def test_commission_over_twenty_percent_is_refused(bps: int) -> None:
    with pytest.raises(rules.CommissionTooHigh, match="20 % cap"):
        rules.check_commission(bps)


def test_negative_commission_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rules.check_commission(-1)


def test_percent_to_basis_points() -> None:
    assert rules.percent_to_bps(20) == 2000
    assert rules.percent_to_bps(12.5) == 1250
    with pytest.raises(InvalidInput, match="two decimals"):
        rules.percent_to_bps(12.345)


def test_three_year_term_is_the_maximum() -> None:
    rules.check_representation_term(date(2026, 1, 1), date(2029, 1, 1), auto_renew=False)
    with pytest.raises(rules.TermTooLong, match="three years"):
        rules.check_representation_term(date(2026, 1, 1), date(2029, 1, 2), auto_renew=False)


def test_leap_day_start_caps_at_28_february() -> None:
    rules.check_representation_term(date(2028, 2, 29), date(2031, 2, 28), auto_renew=False)
    with pytest.raises(rules.TermTooLong):
        rules.check_representation_term(date(2028, 2, 29), date(2031, 3, 1), auto_renew=False)


def test_auto_renewal_is_refused() -> None:
    with pytest.raises(rules.AutoRenewalNotAllowed, match="renew automatically"):
        rules.check_representation_term(date(2026, 1, 1), date(2027, 1, 1), auto_renew=True)


def test_term_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidInput, match="end after"):
        rules.check_representation_term(date(2026, 1, 1), date(2026, 1, 1), auto_renew=False)


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b", "two@@example.com", "sp ace@x.com"])
def test_bad_emails_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="email"):
        rules.normalise_email(bad)


def test_emails_are_normalised() -> None:
    assert rules.normalise_email("  Ava@Example.COM ") == "ava@example.com"


def test_names_must_not_be_blank() -> None:
    with pytest.raises(InvalidInput, match="must not be empty"):
        rules.check_name("   ", "brand name")


def test_term_check_survives_the_end_of_the_calendar() -> None:
    rules.check_representation_term(date(9998, 6, 1), date(9999, 1, 1), auto_renew=False)


def test_control_characters_are_refused_in_emails() -> None:
    with pytest.raises(InvalidInput):
        rules.normalise_email("a\x00b@example.com")
