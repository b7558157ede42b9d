"""Errors of the output feature (all :class:`~likeness.errors.LikenessError`).

Each takes its status from its kind::

    OutputError (400)
    ├── OutputNotFound (404)        no such output, or none the caller may see
    ├── StaleOutput (409)           someone else changed it first
    ├── OutputNotReviewable (409)   only a pending output is reviewed
    ├── ReviewNotPermitted (403)    not the talent (or the delegated agent), or not the brand
    ├── OutputNotReleasable (409)   not approved
    ├── OutputBlocked (409)         its license or consent ended
    ├── GenerationDenied (403)      the decision point refused to generate
    ├── ReleaseDenied (403)         the decision point refused the release
    ├── IdempotencyKeyReused (409)  the key already released another output
    └── InvalidOutputRequest (422)  bad input
"""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class OutputError(LikenessError):
    """Base of output errors."""


class OutputNotFound(OutputError, NotFound):
    """No such output, or none the caller may see."""


class StaleOutput(OutputError, Conflict):
    """Someone else changed the output first (a review, a release); reload it and retry."""


class OutputNotReviewable(OutputError, Conflict):
    """Only a pending output can be approved or rejected."""


class ReviewNotPermitted(OutputError, Forbidden):
    """Only the talent (or an agent, where the license delegates review) reviews outputs."""


class OutputNotReleasable(OutputError, Conflict):
    """The output is not approved (pending, rejected, blocked or released already)."""


class OutputBlocked(OutputError, Conflict):
    """The license or a consent ended: the output can never be released."""


class GenerationDenied(OutputError, Forbidden):
    """The decision point refused to generate under this license."""


class ReleaseDenied(OutputError, Forbidden):
    """The decision point refused the release (for now: scope, suspension, quota)."""


class IdempotencyKeyReused(OutputError, Conflict):
    """This idempotency key already released another output."""


class InvalidOutputRequest(OutputError, InvalidInput):
    """The request is malformed or breaks a rule of outputs."""
