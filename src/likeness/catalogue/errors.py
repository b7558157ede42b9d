"""Errors of the catalogue: a listing that breaks a rule, one that is not there."""

from __future__ import annotations

from likeness.errors import InvalidInput, NotFound


class InvalidListing(InvalidInput):
    """A listing breaks a rule (a channel that is no slug, a rate for a channel not
    accepted, rates without a currency); the message names each problem."""


class ListingNotFound(NotFound):
    pass


class PreviewTooLarge(InvalidInput, status=413):
    pass
