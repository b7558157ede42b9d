"""What a catalogue listing may say, as pure functions over plain values.

Channels and categories are the slugs licenses use (``instagram``, ``fashion``), so a
brand can copy them into a license request as they are; each appears once, in the order
the talent gave. Indicative rates are integer minor units per published use on a channel
the listing accepts, in one ISO 4217 currency; no rate, no currency needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from likeness.catalogue.errors import InvalidListing
from likeness.errors import InvalidInput
from likeness.kit.bounds import MAX_INT
from likeness.party.rules import check_name, has_control_characters
from likeness.policy import ISO_4217_MINOR_UNITS, is_currency, is_slug

MAX_BIO_CHARS = 2000
MAX_SLUGS = 30
#: The longest side of a catalogue picture, in pixels, as brands see it.
PREVIEW_MAX_SIDE = 800
#: The shortest side a catalogue picture may have (the band and the watermark need room).
PREVIEW_MIN_SIDE = 256


@dataclass(frozen=True)
class Listing:
    """A listing as checked: what is stored and what brands see."""

    public_name: str
    bio: str | None
    channels: tuple[str, ...]
    categories: tuple[str, ...]
    currency: str | None
    rates: tuple[tuple[str, int], ...]


def slugs(values: Iterable[str], what: str, problems: list[str]) -> tuple[str, ...]:
    """``values`` as lower-case slugs, each once, in order; a bad one is a problem."""
    seen: list[str] = []
    for raw in values:
        value = raw.strip().lower()
        if not is_slug(value):
            problems.append(f"{what} {raw!r:.60} is not a lower-case slug (e.g. instagram)")
        elif value not in seen:
            seen.append(value)
    if not seen:
        problems.append(f"name at least one {what}")
    if len(seen) > MAX_SLUGS:
        problems.append(f"at most {MAX_SLUGS} {what}s")
    return tuple(seen)


def check_listing(
    public_name: str,
    bio: str | None,
    channels: Iterable[str],
    categories: Iterable[str],
    currency: str | None,
    rates: Mapping[str, int],
) -> Listing:
    """The listing, normalised; :class:`InvalidListing` naming every problem otherwise."""
    problems: list[str] = []
    try:
        name = check_name(public_name, "public name")
    except InvalidInput as exc:
        problems.append(exc.message)
        name = public_name
    text = bio.strip() if bio else None
    if text and (len(text) > MAX_BIO_CHARS or has_control_characters(text.replace("\n", " "))):
        problems.append(f"the bio must be at most {MAX_BIO_CHARS} characters of plain text")
    accepted = slugs(channels, "channel", problems)
    kinds = slugs(categories, "category", problems)
    code = currency.strip().upper() if currency and currency.strip() else None
    if code is not None and not is_currency(code):
        problems.append(f"currency {currency!r:.10} is not an ISO 4217 code")
    priced: dict[str, int] = {}
    for raw, amount in rates.items():
        channel = raw.strip().lower()
        if channel in priced:
            problems.append(f"two rates for channel {channel!r}")
        elif channel not in accepted:
            problems.append(f"a rate for channel {channel!r:.40}, which is not accepted")
        elif isinstance(amount, bool) or not 0 <= amount <= MAX_INT:
            problems.append(f"the rate for {channel!r} must be 0 to {MAX_INT} minor units")
        priced[channel] = amount
    if priced and code is None:
        problems.append("rates need a currency")
    if problems:
        raise InvalidListing("; ".join(problems))
    return Listing(
        public_name=name,
        bio=text or None,
        channels=accepted,
        categories=kinds,
        currency=code,
        rates=tuple((c, priced[c]) for c in accepted if c in priced),
    )


def preview_size(width: int, height: int) -> tuple[int, int]:
    """The size a picture is shown at: its longest side at most
    :data:`PREVIEW_MAX_SIDE`, proportions kept; refused when its shortest side is under
    :data:`PREVIEW_MIN_SIDE` before scaling."""
    if min(width, height) < PREVIEW_MIN_SIDE:
        raise InvalidListing(
            f"the picture is {width}×{height}; its shortest side must be at least "
            f"{PREVIEW_MIN_SIDE} pixels"
        )
    scale = min(1.0, PREVIEW_MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def format_amount(minor: int, currency: str) -> str:
    """``150000`` ``EUR`` → ``1,500.00 EUR`` (the currency's own number of decimals)."""
    digits = ISO_4217_MINOR_UNITS.get(currency, 2)
    whole, part = divmod(minor, 10**digits)
    return f"{whole:,}.{part:0{digits}d} {currency}" if digits else f"{whole:,} {currency}"
