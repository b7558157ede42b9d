"""Party rules at their limits: each limit itself is accepted, one past it is refused.

Refusals are checked by their error class (the API's ``error`` code), not their wording.
"""

from __future__ import annotations

from datetime import date

import pytest

from likeness.errors import InvalidInput
from likeness.party import rules


def _refused(error: type[InvalidInput], call: object, *args: object) -> None:
    with pytest.raises(InvalidInput) as err:
        call(*args)  # type: ignore[operator]
    assert type(err.value) is error
    assert err.value.status_code == 422


def test_a_name_of_exactly_200_characters_is_kept_201_is_refused() -> None:
    assert rules.check_name("n" * 200, "name") == "n" * 200
    assert rules.check_name("  " + "n" * 200 + "  ", "name") == "n" * 200  # trimmed first
    _refused(InvalidInput, rules.check_name, "n" * 201, "name")


@pytest.mark.parametrize("bad", ["a\x00b", "tab\there", "\x7f"])
def test_names_with_control_characters_are_refused(bad: str) -> None:
    _refused(InvalidInput, rules.check_name, bad, "name")


def test_a_one_character_name_is_enough() -> None:
    assert rules.check_name(" A ", "name") == "A"


def _email(local: int, total: int) -> str:
    domain = "d" * (total - local - 1 - 4) + ".com"
    return "l" * local + "@" + domain


def test_the_local_part_may_have_64_characters_not_65() -> None:
    ok = _email(64, 100)
    assert rules.normalise_email(ok) == ok
    _refused(InvalidInput, rules.normalise_email, _email(65, 100))


def test_an_address_may_have_320_characters_not_321() -> None:
    ok = _email(10, 320)
    assert len(ok) == 320
    assert rules.normalise_email(ok) == ok
    _refused(InvalidInput, rules.normalise_email, _email(10, 321))


def test_the_length_limit_applies_after_trimming() -> None:
    ok = _email(10, 320)
    assert rules.normalise_email("  " + ok + "  ") == ok


def test_a_top_level_domain_needs_two_characters() -> None:
    assert rules.normalise_email("a@b.co") == "a@b.co"
    _refused(InvalidInput, rules.normalise_email, "a@b.c")
    assert rules.normalise_email("a@b.c.de") == "a@b.c.de"


def test_a_one_character_local_part_is_enough() -> None:
    assert rules.normalise_email("A@EXAMPLE.ORG") == "a@example.org"


def test_commission_limits_raise_their_own_codes() -> None:
    assert rules.check_commission(0) == 0
    assert rules.check_commission(rules.MAX_COMMISSION_BPS) == 2000
    _refused(InvalidInput, rules.check_commission, -1)
    _refused(rules.CommissionTooHigh, rules.check_commission, 2001)


def test_percent_to_bps_rounds_half_basis_points_away_only_within_tolerance() -> None:
    assert rules.percent_to_bps(0.01) == 1
    assert rules.percent_to_bps(19.99) == 1999
    _refused(InvalidInput, rules.percent_to_bps, 0.005)


def test_representation_term_codes_and_its_exact_limits() -> None:
    start = date(2026, 3, 15)
    rules.check_representation_term(start, date(2026, 3, 16), auto_renew=False)
    rules.check_representation_term(start, date(2029, 3, 15), auto_renew=False)
    _refused(rules.TermTooLong, rules.check_representation_term, start, date(2029, 3, 16), False)
    _refused(InvalidInput, rules.check_representation_term, start, start, False)
    _refused(InvalidInput, rules.check_representation_term, start, date(2026, 3, 14), False)
    _refused(
        rules.AutoRenewalNotAllowed, rules.check_representation_term, start, date(2027, 1, 1), True
    )


def test_add_years_keeps_the_day_and_saturates_at_the_calendar_end() -> None:
    assert rules.add_years(date(2026, 3, 15), 3) == date(2029, 3, 15)
    assert rules.add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert rules.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert rules.add_years(date(9997, 1, 1), 2) == date(9999, 1, 1)
    assert rules.add_years(date(9998, 1, 1), 2) == date.max


def test_the_latest_allowed_end_is_named() -> None:
    with pytest.raises(rules.TermTooLong) as err:
        rules.check_representation_term(date(2026, 3, 15), date(2030, 1, 1), False)
    assert "2029-03-15" in err.value.message


def test_the_two_decimal_tolerance_is_one_millionth_of_a_basis_point_inclusive() -> None:
    # Float noise up to 1e-6 bps is rounded away (1e-8 % is exactly 1e-6 bps); more is not.
    assert rules.percent_to_bps(1e-8) == 0
    assert rules.percent_to_bps(12.5 + 1e-9) == 1250
    _refused(InvalidInput, rules.percent_to_bps, 2e-8)
