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
from likeness.policy import MAX_COMMISSION_BPS  # 20 %, NY Fashion Workers Act

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


def check_representation_term(
    starts_on: date, ends_on: date, auto_renew: bool, today: date | None = None
) -> None:
    """A term Likeness records: at most three years, no automatic renewal, and (when
    ``today`` is given, as at creation) not already over — an agreement that has ended
    gives nobody access, and recording it would only list it as if it were in force."""
    if auto_renew:
        raise AutoRenewalNotAllowed(
            "representation agreements may not renew automatically (NY Fashion Workers Act)"
        )
    if ends_on <= starts_on:
        raise InvalidInput("representation must end after it starts")
    if today is not None and ends_on <= today:
        raise InvalidInput(
            f"representation ended on {ends_on}: an agreement that is already over "
            "cannot be recorded"
        )
    if ends_on > add_years(starts_on, MAX_REPRESENTATION_YEARS):
        raise TermTooLong(
            "representation term exceeds three years (NY Fashion Workers Act); "
            f"latest allowed end is {add_years(starts_on, MAX_REPRESENTATION_YEARS)}"
        )


def representation_state(status: str, ends_on: date, today: date) -> str:
    """What an agreement is on ``today``: ``ended`` once its term is over (the stored
    status still says ``active``: nothing changes a row when a date passes), else its
    stored status (``active``, ``terminated``)."""
    if status == "active" and ends_on <= today:
        return "ended"
    return status


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)


def invisible_character(value: str) -> str | None:
    """The first invisible formatting character in ``value`` (Unicode category Cf:
    right-to-left overrides and other bidi controls, zero-width spaces and joiners, the
    BOM, soft hyphens, tags), named as ``U+202E RIGHT-TO-LEFT OVERRIDE``; or None."""
    for ch in value:
        if unicodedata.category(ch) == "Cf":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def check_name(value: str, what: str) -> str:
    """The one rule for a party's name (users, talent, agencies, brands).

    Names are NFC-normalised, so the same letters typed precomposed or decomposed are
    one name, and may not hold control characters or invisible formatting characters:
    a right-to-left override or a zero-width character makes a look-alike of another
    party's name (``Maison Aurel`` and ``Maison\u200b Aurel`` print the same).
    """
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise InvalidInput(f"{what} must not be empty")
    if has_control_characters(name):
        raise InvalidInput(f"{what} must not contain control characters")
    invisible = invisible_character(name)
    if invisible is not None:
        raise InvalidInput(
            f"{what} must not contain invisible formatting characters ({invisible}): "
            "they make look-alike names"
        )
    if len(name) > 200:
        raise InvalidInput(f"{what} must be at most 200 characters")
    return name
