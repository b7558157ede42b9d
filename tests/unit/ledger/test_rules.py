"""The split and due-date rules: exact to the minor unit, capped, never past 45 days."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.errors import InvalidLedgerRequest
from likeness.ledger.rules import MAX_COMMISSION_BPS, due_on, split

grosses = st.integers(min_value=-(10**15), max_value=10**15)
commissions = st.integers(min_value=0, max_value=MAX_COMMISSION_BPS)
fees = st.integers(min_value=0, max_value=8000)


@given(grosses, commissions, fees)
def test_the_split_neither_creates_nor_loses_a_minor_unit(gross: int, bps: int, fee: int) -> None:
    parts = split(gross, bps, fee)
    assert parts.net + parts.commission + parts.platform_fee == gross == parts.gross


@given(st.integers(min_value=0, max_value=10**15), commissions, fees)
def test_shares_never_exceed_their_rates_and_the_fraction_goes_to_the_talent(
    gross: int, bps: int, fee: int
) -> None:
    parts = split(gross, bps, fee)
    assert 0 <= parts.commission * 10_000 <= gross * bps
    assert gross * bps - parts.commission * 10_000 < 10_000  # floor: less than a unit off
    assert 0 <= parts.platform_fee * 10_000 <= gross * fee
    assert parts.net >= 0


@given(grosses, commissions, fees)
def test_a_reversal_splits_as_the_exact_negation(gross: int, bps: int, fee: int) -> None:
    forward, back = split(gross, bps, fee), split(-gross, bps, fee)
    assert (back.commission, back.platform_fee, back.net) == (
        -forward.commission,
        -forward.platform_fee,
        -forward.net,
    )


def test_a_worked_example() -> None:
    # 333.33 at 15 % commission and a 2.5 % platform fee
    parts = split(33_333, 1500, 250)
    assert (parts.commission, parts.platform_fee, parts.net) == (4_999, 833, 27_501)


@pytest.mark.parametrize(("bps", "fee"), [(-1, 0), (2001, 0), (1500, -1), (2000, 8001)])
def test_rates_outside_the_law_or_the_gross_are_refused(bps: int, fee: int) -> None:
    with pytest.raises(InvalidLedgerRequest):
        split(100, bps, fee)


def test_pay_is_due_within_45_days_or_sooner_if_agreed() -> None:
    assert due_on(date(2026, 11, 30)) == date(2027, 1, 14)
    assert due_on(date(2026, 11, 30), 30) == date(2026, 12, 30)
    for days in (0, 46):
        with pytest.raises(InvalidLedgerRequest, match="between 1 and 45"):
            due_on(date(2026, 11, 30), days)
