"""Payout rules: IBAN and BIC checks, amounts typed by people, oldest-due-first allocation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.banking import (
    IBAN_LENGTHS,
    allocate,
    clean_text,
    format_amount,
    iban_checksum,
    mask_iban,
    normalise_bic,
    normalise_currency,
    normalise_iban,
    parse_amount,
)
from likeness.ledger.errors import InvalidLedgerRequest

# Published examples (ECBS / national banking associations), each valid.
VALID_IBANS = [
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "CH9300762011623852957",
    "BE68539007547034",
    "NO9386011117947",
]


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_published_ibans_are_valid(iban: str) -> None:
    assert normalise_iban(iban) == iban
    assert iban_checksum(iban) == 1


def test_iban_is_normalised_from_its_printed_form() -> None:
    assert normalise_iban(" de89 3704 0044 0532 0130 00 ") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("iban", "why"),
    [
        ("DE89370400440532013001", "check digits"),  # one digit changed
        ("DE98370400440532013000", "check digits"),  # check digits swapped
        ("DE8937040044053201300", "22 characters"),  # one short
        ("XX89370400440532013000", "does not use IBANs"),
        ("DE8937040044053201300A", "only digits"),  # DE's BBAN is numeric
        ("1234", "country code"),
        ("", "country code"),
    ],
)
def test_bad_ibans_are_refused_with_the_reason(iban: str, why: str) -> None:
    with pytest.raises(InvalidLedgerRequest, match=why):
        normalise_iban(iban)


def _with_check_digits(country: str, bban: str) -> str:
    """An IBAN built the ISO 13616 way (an independent computation of the check digits)."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@given(
    st.sampled_from(sorted(IBAN_LENGTHS)),
    st.data(),
)
def test_any_iban_with_computed_check_digits_passes_and_a_typo_fails(
    country: str, data: st.DataObject
) -> None:
    length = IBAN_LENGTHS[country] - 4
    bban = data.draw(st.text("0123456789", min_size=length, max_size=length))
    iban = _with_check_digits(country, bban)
    assert normalise_iban(iban) == iban
    position = data.draw(st.integers(min_value=4, max_value=len(iban) - 1))
    typo = iban[:position] + str((int(iban[position]) + 1) % 10) + iban[position + 1 :]
    with pytest.raises(InvalidLedgerRequest):  # mod-97 catches every single-digit error
        normalise_iban(typo)


def test_the_mask_keeps_country_check_digits_and_last_four() -> None:
    assert mask_iban("DE89370400440532013000") == "DE89**************3000"
    assert len(mask_iban("NO9386011117947")) == 15


@pytest.mark.parametrize("bic", ["COBADEFF", "cobadeffxxx", "DEUT DE FF 500"])
def test_bics_of_8_or_11_characters_pass(bic: str) -> None:
    assert normalise_bic(bic) == "".join(bic.split()).upper()


@pytest.mark.parametrize("bic", ["COBADEF", "COBADEFFXX", "COBA1EFF", "COBADEFF-XX"])
def test_malformed_bics_are_refused(bic: str) -> None:
    with pytest.raises(InvalidLedgerRequest, match="BIC"):
        normalise_bic(bic)


def test_no_bic_is_none() -> None:
    assert normalise_bic(None) is None
    assert normalise_bic("  ") is None


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("123.45", "EUR", 12345),
        ("123.4", "EUR", 12340),
        ("123", "EUR", 12300),
        ("0.01", "EUR", 1),
        ("123.450", "EUR", 12345),  # a trailing zero is no extra precision
        ("1200", "JPY", 1200),
        ("1.234", "BHD", 1234),
    ],
)
def test_amounts_convert_exactly_to_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "why"),
    [
        ("123.456", "EUR", "2 decimal places"),
        ("1.5", "JPY", "0 decimal places"),
        ("-5", "EUR", "positive"),
        ("0", "EUR", "more than zero"),
        ("0.00", "EUR", "more than zero"),
        ("1e3", "EUR", "decimal like"),
        ("12,50", "EUR", "decimal like"),
        ("", "EUR", "decimal like"),
        ("99999999999999999", "EUR", "too large"),
    ],
)
def test_bad_amounts_are_refused_never_rounded(text: str, currency: str, why: str) -> None:
    with pytest.raises(InvalidLedgerRequest, match=why):
        parse_amount(text, currency)


@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(["EUR", "JPY", "BHD", "USD"]))
def test_format_and_parse_are_inverse(minor: int, currency: str) -> None:
    assert parse_amount(format_amount(minor, currency), currency) == minor


def test_currency_must_be_iso_4217() -> None:
    assert normalise_currency(" eur ") == "EUR"
    with pytest.raises(InvalidLedgerRequest, match="ISO 4217"):
        normalise_currency("EURO")


def test_text_for_bank_files_refuses_control_characters_and_overlong() -> None:
    assert clean_text("  Ada \n Lovelace ", "name", 140) == "Ada Lovelace"
    with pytest.raises(InvalidLedgerRequest, match="control"):
        clean_text("Ada\x00", "name", 140)
    with pytest.raises(InvalidLedgerRequest, match="1 to 5"):
        clean_text("abcdef", "name", 5)


D1, D2, D3 = date(2026, 10, 1), date(2026, 10, 15), date(2026, 11, 1)


def test_payments_cover_the_oldest_due_first() -> None:
    lines = allocate([(D2, 500), (D1, 300), (D3, 700)], paid=600, as_of=date(2026, 10, 20))
    assert [(x.due_on, x.covered, x.outstanding) for x in lines] == [
        (D1, 300, 0),
        (D2, 300, 200),
        (D3, 0, 700),
    ]
    # D2 is open and before as_of: overdue by 5 days; D3 is not due yet.
    assert [(x.overdue, x.days_late) for x in lines] == [(False, 0), (True, 5), (False, 0)]


def test_amounts_of_one_due_date_add_up_and_a_reversal_reduces_them() -> None:
    lines = allocate([(D1, 300), (D1, 200), (D1, -100)], paid=0, as_of=D1)
    assert [(x.amount, x.outstanding, x.overdue) for x in lines] == [(400, 400, False)]


def test_a_net_negative_day_counts_as_paid() -> None:
    lines = allocate([(D1, 100), (D2, -150), (D3, 200)], paid=0, as_of=D3 + timedelta(days=1))
    assert [x.outstanding for x in lines] == [0, 0, 150]


def test_nothing_due_nothing_open() -> None:
    assert allocate([], paid=0, as_of=D1) == []


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
            st.integers(min_value=0, max_value=10**9),
        ),
        max_size=30,
    ),
    st.data(),
)
def test_allocation_neither_creates_nor_loses_money(
    obligations: list[tuple[date, int]], data: st.DataObject
) -> None:
    total = sum(a for _, a in obligations)
    paid = data.draw(st.integers(min_value=0, max_value=total))
    lines = allocate(obligations, paid, date(2026, 7, 1))
    assert sum(x.outstanding for x in lines) == total - paid
    assert sum(x.covered for x in lines) == paid
    # FIFO: lines before the first open one are fully covered, lines after it not at all.
    first_open = next((i for i, x in enumerate(lines) if x.outstanding), len(lines))
    assert all(x.outstanding == 0 for x in lines[:first_open])
    assert all(x.covered == 0 for x in lines[first_open + 1 :])
