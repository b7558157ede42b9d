import re
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


def test_a_term_already_over_is_refused_at_creation() -> None:
    today = date(2026, 12, 7)
    with pytest.raises(InvalidInput, match="ended on 2021-01-01: an agreement that is already"):
        rules.check_representation_term(date(2020, 1, 1), date(2021, 1, 1), False, today=today)
    with pytest.raises(InvalidInput, match="already over"):  # ending today: over today
        rules.check_representation_term(date(2026, 1, 1), today, False, today=today)
    rules.check_representation_term(date(2026, 1, 1), date(2026, 12, 8), False, today=today)


@pytest.mark.parametrize(
    ("status", "ends_on", "state"),
    [
        ("active", date(2026, 12, 8), "active"),
        ("active", date(2026, 12, 7), "ended"),
        ("active", date(2021, 1, 1), "ended"),
        ("terminated", date(2027, 1, 1), "terminated"),
        ("terminated", date(2021, 1, 1), "terminated"),
    ],
)
def test_an_agreement_past_its_term_is_shown_as_ended(
    status: str, ends_on: date, state: str
) -> None:
    assert rules.representation_state(status, ends_on, date(2026, 12, 7)) == state


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("Maison \u202eleruA", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Ava \u2066Stone\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("Ava\u200fStone", "U+200F RIGHT-TO-LEFT MARK"),
        ("Ava S\u200btone", "U+200B ZERO WIDTH SPACE"),
        ("Ava S\u200ctone", "U+200C ZERO WIDTH NON-JOINER"),
        ("Ava S\u200dtone", "U+200D ZERO WIDTH JOINER"),
        ("\ufeffAva Stone", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("Ava Sto\u00adne", "U+00AD SOFT HYPHEN"),
        ("Ava\u2060Stone", "U+2060 WORD JOINER"),
    ],
)
def test_invisible_characters_that_make_look_alike_names_are_refused(name: str, named: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"formatting characters ({named})")):
        rules.check_name(name, "legal name")


def test_names_are_nfc_normalised() -> None:
    decomposed = "Zoe\u0301 Okafor"  # e + combining acute accent
    assert rules.check_name(decomposed, "legal name") == "Zoé Okafor"
    assert rules.check_name("  Zoé Okafor ", "legal name") == "Zoé Okafor"
    assert rules.check_name("Ада Окафор", "legal name") == "Ада Окафор"  # scripts stay
