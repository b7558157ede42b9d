"""Errors of the party feature: unknown parties, representation agreements the law forbids."""

from __future__ import annotations

from likeness.errors import InvalidInput, NotFound


class CommissionTooHigh(InvalidInput):
    pass


class TermTooLong(InvalidInput):
    pass


class AutoRenewalNotAllowed(InvalidInput):
    pass


class BrandNotFound(NotFound):
    pass
