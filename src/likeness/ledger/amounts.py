"""Money as people read it (the ledger's name for :mod:`likeness.policy`'s formatter)."""

from __future__ import annotations

from likeness.policy import format_minor, format_units

__all__ = ["format_minor", "format_units"]
