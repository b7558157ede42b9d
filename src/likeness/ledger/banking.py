"""Payout rules as pure functions: bank details, amounts typed by people, due dates.

* :func:`normalise_iban` checks an IBAN (ISO 13616): the country's length (and, where the
  country's BBAN is all digits, that it is), then the mod-97 check digits. :func:`mask_iban`
  is how an IBAN appears in the audit log and to anyone but its owner and the operator.
* :func:`normalise_bic` checks a BIC's shape (ISO 9362: 8 or 11 characters).
* :func:`parse_amount` turns ``"123.45"`` into 12345 minor units exactly (the currency's
  ISO 4217 digits): too many decimals, a negative or a zero amount is refused, never
  rounded. :func:`format_amount` is its inverse.
* :func:`allocate` is the due-date rule (decision 0022): a party's payments cover its
  oldest dues first (FIFO); what is still open on a date before ``as_of`` is overdue.

Nothing here touches the database; :mod:`likeness.ledger.payouts` applies these rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from likeness.ledger.amounts import format_units
from likeness.ledger.errors import InvalidLedgerRequest
from likeness.policy import ISO_4217_MINOR_UNITS

#: IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

#: Countries whose BBAN (the part after the check digits) is digits only.
NUMERIC_BBAN = frozenset(
    [
        "AT",
        "BA",
        "BE",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FO",
        "GL",
        "HR",
        "HU",
        "IL",
        "LT",
        "ME",
        "NO",
        "PL",
        "PT",
        "RS",
        "SE",
        "SI",
        "SK",
        "TN",
    ]
)

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_BIC_SHAPE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
#: Longest amount accepted, in minor units (the pain.001 amount has at most 18 digits).
MAX_AMOUNT_MINOR = 10**15 - 1
#: A holder's name and a bank reference as pain.001 carries them (Max140Text, Max35Text).
MAX_HOLDER_NAME = 140
MAX_REFERENCE = 35


def normalise_iban(text: str) -> str:
    """The IBAN in its electronic form (no spaces, upper case), or InvalidLedgerRequest."""
    iban = "".join(str(text).split()).upper()
    if not _IBAN_SHAPE.fullmatch(iban):
        raise InvalidLedgerRequest(
            "an IBAN is a 2-letter country code, 2 check digits and up to 30 letters or digits"
        )
    country = iban[:2]
    length = IBAN_LENGTHS.get(country)
    if length is None:
        raise InvalidLedgerRequest(f"IBAN country {country} does not use IBANs")
    if len(iban) != length:
        raise InvalidLedgerRequest(
            f"a {country} IBAN has {length} characters; this one has {len(iban)}"
        )
    if country in NUMERIC_BBAN and not iban[4:].isdigit():
        raise InvalidLedgerRequest(f"a {country} IBAN has only digits after the check digits")
    if iban_checksum(iban) != 1:
        raise InvalidLedgerRequest("the IBAN's check digits are wrong (mod-97); check for typos")
    return iban


def iban_checksum(iban: str) -> int:
    """ISO 13616 mod-97 of ``iban`` (1 for a valid one): the first four characters moved
    to the end, letters as numbers (A = 10 … Z = 35)."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97


def mask_iban(iban: str) -> str:
    """``DE89************3000``: the country, check digits and last four characters."""
    return iban[:4] + "*" * max(len(iban) - 8, 0) + iban[-4:]


def normalise_bic(text: str | None) -> str | None:
    """The BIC in upper case (8 or 11 characters), None when not given."""
    if text is None or not str(text).strip():
        return None
    bic = "".join(str(text).split()).upper()
    if not _BIC_SHAPE.fullmatch(bic):
        raise InvalidLedgerRequest(
            "a BIC has 8 or 11 characters: 4 bank letters or digits, a 2-letter country "
            "code, 2 location characters and an optional 3-character branch"
        )
    return bic


def clean_text(text: str, what: str, max_length: int) -> str:
    """One line of user text for a bank file: no control characters, spaces collapsed,
    1 to ``max_length`` characters."""
    value = " ".join(str(text).split())
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidLedgerRequest(f"the {what} contains control characters")
    if not 1 <= len(value) <= max_length:
        raise InvalidLedgerRequest(f"the {what} must have 1 to {max_length} characters")
    return value


def normalise_currency(text: str) -> str:
    code = str(text).strip().upper()
    if code not in ISO_4217_MINOR_UNITS:
        raise InvalidLedgerRequest(f"{text!r:.20} is not an ISO 4217 currency code")
    return code


def parse_amount(text: str, currency: str) -> int:
    """``"123.45"`` in ``currency`` as integer minor units (12345 for EUR), exactly."""
    digits = int(ISO_4217_MINOR_UNITS[currency])
    value = str(text).strip()
    if value.startswith("-"):
        raise InvalidLedgerRequest("the amount must be positive")
    if not _AMOUNT.fullmatch(value):
        raise InvalidLedgerRequest(f"the amount must be a decimal like 123.45, got {value!r:.30}")
    whole, _, fraction = value.partition(".")
    if len(fraction.rstrip("0")) > digits:
        raise InvalidLedgerRequest(
            f"{currency} has {digits} decimal places; {value} has more (amounts are never rounded)"
        )
    fraction = fraction.rstrip("0").ljust(digits, "0")
    scale: int = 10**digits
    minor = int(whole) * scale + (int(fraction) if fraction else 0)
    if minor == 0:
        raise InvalidLedgerRequest("the amount must be more than zero")
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidLedgerRequest("the amount is too large")
    return minor


def format_amount(minor: int, currency: str) -> str:
    """12345 EUR → ``"123.45"``; 1200 JPY → ``"1200"`` (the currency's digits, exactly)."""
    return format_units(minor, ISO_4217_MINOR_UNITS.get(currency, 2), grouped=False)


@dataclass(frozen=True, slots=True)
class DueLine:
    """What fell due on ``due_on``: ``amount``, of which payments cover ``covered``."""

    due_on: date
    amount: int
    covered: int
    outstanding: int
    overdue: bool
    days_late: int


def allocate(obligations: Iterable[tuple[date, int]], paid: int, as_of: date) -> list[DueLine]:
    """Apply ``paid`` to the dues, oldest due date first (FIFO).

    ``obligations`` are (due date, amount) pairs; amounts of one date add up, and a
    negative total (a reversal larger than what fell due that day) counts as money
    already paid. A line still open on a due date before ``as_of`` is overdue by the
    days in between. The outstanding amounts sum to what is owed, never below zero.
    """
    buckets: dict[date, int] = defaultdict(int)
    for due_on, amount in obligations:
        buckets[due_on] += amount
    credit = paid + sum(-total for total in buckets.values() if total < 0)
    lines = []
    for due_on in sorted(buckets):
        amount = max(buckets[due_on], 0)
        covered = min(amount, max(credit, 0))
        credit -= covered
        outstanding = amount - covered
        overdue = outstanding > 0 and due_on < as_of
        lines.append(
            DueLine(
                due_on=due_on,
                amount=amount,
                covered=covered,
                outstanding=outstanding,
                overdue=overdue,
                days_late=(as_of - due_on).days if overdue else 0,
            )
        )
    return lines
