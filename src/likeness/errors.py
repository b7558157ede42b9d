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
    status_code = 429


class ConfigurationError(LikenessError):
    """The installation is set up wrongly (missing home, default secret, bad key)."""

    status_code = 500
