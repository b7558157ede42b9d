"""Money as people read it: integer minor units printed in the currency's decimals.

The one formatter for every amount Likeness writes: consent documents, the ledger, its
statements and exports, the portal."""

from __future__ import annotations

from likeness.policy._codes import ISO_4217_MINOR_UNITS


def format_units(amount: int, digits: int, *, grouped: bool = True) -> str:
    """``123456, 2`` → ``1,234.56`` (``grouped=False``: ``1234.56``); ``-5, 2`` →
    ``-0.05``; ``5000, 0`` → ``5,000``: the one way Likeness writes an amount."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**digits)
    body = f"{whole:,}" if grouped else str(whole)
    return f"{sign}{body}" + (f".{frac:0{digits}d}" if digits else "")


def format_minor(amount: int, currency: str, *, code: bool = True) -> str:
    """``123456, "EUR"`` → ``EUR 1,234.56``; ``-5, "EUR"`` → ``EUR -0.05``;
    ``5000, "JPY"`` → ``JPY 5,000`` (never a float on the way)."""
    text = format_units(amount, ISO_4217_MINOR_UNITS.get(currency, 2))
    return f"{currency} {text}" if code else text
