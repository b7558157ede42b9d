"""Money as people read it: integer minor units printed in the currency's decimals."""

from __future__ import annotations

from likeness.policy import ISO_4217_MINOR_UNITS


def format_minor(amount: int, currency: str, *, code: bool = True) -> str:
    """``123456, "EUR"`` → ``EUR 1,234.56``; ``-5, "EUR"`` → ``EUR -0.05``;
    ``5000, "JPY"`` → ``JPY 5,000`` (never a float on the way)."""
    digits = ISO_4217_MINOR_UNITS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**digits)
    text = f"{sign}{whole:,}" + (f".{frac:0{digits}d}" if digits else "")
    return f"{currency} {text}" if code else text
