"""Errors of the party feature (representation agreements the law does not allow)."""

from __future__ import annotations

from likeness.errors import InvalidInput


class CommissionTooHigh(InvalidInput):
    pass


class TermTooLong(InvalidInput):
    pass


class AutoRenewalNotAllowed(InvalidInput):
    pass
