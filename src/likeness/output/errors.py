"""Errors of the output feature."""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class OutputError(LikenessError):
    """Base of output errors."""


class OutputNotFound(OutputError, NotFound):
    status_code = 404


class StaleOutput(OutputError, Conflict):
    """Someone else changed the output first (a review, a release); reload it and retry."""

    status_code = 409


class OutputNotReviewable(OutputError, Conflict):
    """Only a pending output can be approved or rejected."""

    status_code = 409


class ReviewNotPermitted(OutputError, Forbidden):
    """Only the talent (or an agent, where the license delegates review) reviews outputs."""

    status_code = 403


class OutputNotReleasable(OutputError, Conflict):
    """The output is not approved (pending, rejected, blocked or released already)."""

    status_code = 409


class OutputBlocked(OutputError, Conflict):
    """The license or a consent ended: the output can never be released."""

    status_code = 409


class GenerationDenied(OutputError, Forbidden):
    """The decision point refused to generate under this license."""

    status_code = 403


class ReleaseDenied(OutputError, Forbidden):
    """The decision point refused the release (for now: scope, suspension, quota)."""

    status_code = 403


class IdempotencyKeyReused(OutputError, Conflict):
    """This idempotency key already released another output."""

    status_code = 409


class InvalidOutputRequest(OutputError, InvalidInput):
    status_code = 422
