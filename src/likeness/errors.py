"""The one error tree of Likeness.

Every error a user can cause derives from :class:`LikenessError`. It carries a
human ``message`` and the HTTP ``status_code`` it maps to; the API turns it into
``{"error": <class name>, "detail": <message>}`` and the CLI prints the message on
one line and exits non-zero. Feature modules subclass these; services never raise
HTTP errors themselves.
"""

from __future__ import annotations


class LikenessError(Exception):
    """Base of every expected, user-facing error."""

    status_code: int = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the API adds to this error's response."""
        return {}


class InvalidInput(LikenessError):
    status_code = 422


class NotFound(LikenessError):
    status_code = 404


class Unauthorized(LikenessError):
    status_code = 401


class Forbidden(LikenessError):
    status_code = 403


class Conflict(LikenessError):
    status_code = 409


class TooManyRequests(LikenessError):
    """Slow down; ``retry_after_seconds`` (if known) becomes the ``Retry-After`` header."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        if self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(max(1, self.retry_after_seconds))}


class ConfigurationError(LikenessError):
    """The installation is set up wrongly (missing home, default secret, bad key)."""

    status_code = 500
