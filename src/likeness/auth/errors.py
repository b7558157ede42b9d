"""Errors of the auth feature."""

from __future__ import annotations

from likeness.errors import TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    # The failure counter must survive the refusal, or rate limiting would not work.
    keep_changes = True


class LoginRateLimited(TooManyRequests):
    pass
