"""Ranges every input must fall in before it reaches arithmetic or a database column.

Python integers and datetimes are unbounded where SQLite, PostgreSQL and ``datetime``
arithmetic are not: an offset of 10**20 or a time in year 9999 west of UTC used to end
as a 500. The checks here turn them into a clear :class:`InvalidInput` first; the
pydantic types carry the same bounds into the API schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field

from likeness.errors import InvalidInput
from likeness.kit.clock import ensure_utc

#: Pagination offsets beyond this are refused (no list here is anywhere near as long).
MAX_OFFSET = 1_000_000_000
#: The longest page a feature's list returns (the audit log, read in bulk, allows more).
MAX_PAGE = 500
#: Versions, counts and amounts are stored as 64-bit integers; keep a wide margin.
MAX_INT = 2**53
#: Instants Likeness accepts: wide enough for any contract, narrow enough for arithmetic.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def require_page(limit: int, offset: int, max_page: int) -> None:
    if not 1 <= limit <= max_page:
        raise InvalidInput(f"limit must be 1..{max_page}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be 0..{MAX_OFFSET}")


def require_instant(value: datetime, what: str = "time") -> datetime:
    """An aware time between 1900 and 9000, converted to UTC (naive is taken as UTC)."""
    try:
        moment = ensure_utc(value)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise InvalidInput(
            f"{what} must lie between {EARLIEST.date()} and {LATEST.date()} (got {value})"
        )
    return moment


def _instant(value: datetime) -> datetime:
    try:
        return require_instant(value)
    except InvalidInput as error:
        raise ValueError(error.message) from None


#: Years whose every instant lies in range whatever its offset: the API description's
#: approximation of EARLIEST..LATEST, which a pattern cannot state exactly.
INSTANT_PATTERN = r"^(19[1-9][0-9]|[2-7][0-9]{3}|8[0-8][0-9]{2}|89[0-8][0-9])-"

#: An aware time within Likeness's range, for request schemas.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_instant),
    Field(json_schema_extra={"pattern": INSTANT_PATTERN}),
]

#: Control characters (Unicode category Cc), which names and one-line texts refuse.
_CONTROL = r"\x00-\x1f\x7f-\x9f"


def text_rule(*, min_chars: int = 1, control: bool = False) -> dict[str, Any]:
    """JSON Schema keywords stating what a rule checks in free text, for
    ``Field(json_schema_extra=...)``: at least ``min_chars`` characters once surrounding
    blanks are stripped and, unless ``control``, no control characters. The rule itself
    still decides, with its own message; this makes the API description say it."""
    cc = "" if control else _CONTROL
    char = f"[^{cc}]" if cc else r"[\s\S]"
    solid = rf"[^\s{cc}]"
    if min_chars <= 1:
        return {"pattern": rf"^{char}*{solid}{char}*$"}
    return {"pattern": rf"^\s*{solid}{char}{{{min_chars - 2},}}{solid}\s*$"}


def email_rule() -> dict[str, Any]:
    """JSON Schema keywords for an email address as ``party.rules`` accepts it."""
    part = rf"[^@\s{_CONTROL}]"
    return {"maxLength": 320, "pattern": rf"^\s*{part}{{1,64}}@{part}+\.{part}{{2,}}\s*$"}


#: A non-negative integer that fits every database column.
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
#: A record version, as read before a compare-and-set.
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
