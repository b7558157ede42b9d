"""Pure rules for parties, with the law they come from.

New York Fashion Workers Act (General Business Law art. 11-F, in force 2025-06-19):
a model management company may not take more than 20 % commission, and a
representation agreement may not run longer than three years nor renew itself
automatically.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from likeness.errors import InvalidInput
from likeness.party.errors import AutoRenewalNotAllowed, CommissionTooHigh, TermTooLong

MAX_COMMISSION_BPS = 2000  # 20 %
MAX_REPRESENTATION_YEARS = 3

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 320 or has_control_characters(value) or not _EMAIL_RE.fullmatch(value):
        raise InvalidInput(f"not a valid email address: {email!r:.80}")
    return value


def percent_to_bps(percent: float) -> int:
    bps = round(percent * 100)
    if abs(bps - percent * 100) > 1e-6:
        raise InvalidInput("commission may have at most two decimals (basis points)")
    return bps


def check_commission(commission_bps: int) -> int:
    if commission_bps < 0:
        raise InvalidInput("commission cannot be negative")
    if commission_bps > MAX_COMMISSION_BPS:
        raise CommissionTooHigh(
            f"commission {commission_bps / 100:g} % exceeds the 20 % cap of the "
            "NY Fashion Workers Act"
        )
    return commission_bps


def add_years(day: date, years: int) -> date:
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


def check_representation_term(starts_on: date, ends_on: date, auto_renew: bool) -> None:
    if auto_renew:
        raise AutoRenewalNotAllowed(
            "representation agreements may not renew automatically (NY Fashion Workers Act)"
        )
    if ends_on <= starts_on:
        raise InvalidInput("representation must end after it starts")
    if ends_on > add_years(starts_on, MAX_REPRESENTATION_YEARS):
        raise TermTooLong(
            "representation term exceeds three years (NY Fashion Workers Act); "
            f"latest allowed end is {add_years(starts_on, MAX_REPRESENTATION_YEARS)}"
        )


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)


def check_name(value: str, what: str) -> str:
    name = value.strip()
    if not name:
        raise InvalidInput(f"{what} must not be empty")
    if has_control_characters(name):
        raise InvalidInput(f"{what} must not contain control characters")
    if len(name) > 200:
        raise InvalidInput(f"{what} must be at most 200 characters")
    return name
