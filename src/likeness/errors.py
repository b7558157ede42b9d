"""The one error tree of Likeness.

Every error a user can cause derives from :class:`LikenessError`. It carries a
human ``message`` and the HTTP ``status_code`` it maps to; the API turns it into
``{"error": <class name>, "detail": <message>}`` and the CLI prints the message on
one line and exits non-zero. Feature modules subclass these; services never raise
HTTP errors themselves.

A feature error names its kind by its bases and sets no status of its own: it takes
the status of the first base that has one, so ``class ConsentNotFound(ConsentError,
NotFound)`` answers 404. A class that means a status of its own says so once, in its
header: ``class QcFailed(CaptureError, status=409)``.
"""

from __future__ import annotations


class LikenessError(Exception):
    """Base of every expected, user-facing error."""

    status_code: int = 400

    def __init_subclass__(cls, *, status: int | None = None, **kwargs: object) -> None:
        # ``class Conflict(LikenessError, status=409)``: the status is declared in the
        # class header; without one a subclass keeps the status of its first base.
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status

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


class InvalidInput(LikenessError, status=422):
    """The request is malformed or breaks a rule."""


class NotFound(LikenessError, status=404):
    """No such thing, or none the caller may see."""


class Unauthorized(LikenessError, status=401):
    """The caller is not known: no or bad credentials."""


class Forbidden(LikenessError, status=403):
    """The caller is known but may not do this."""


class Conflict(LikenessError, status=409):
    """The thing's current state does not allow this."""


class TooManyRequests(LikenessError, status=429):
    """Slow down; ``retry_after_seconds`` (if known) becomes the ``Retry-After`` header."""

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        if self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(max(1, self.retry_after_seconds))}


class ConfigurationError(LikenessError, status=500):
    """The installation is set up wrongly (missing home, default secret, bad key)."""
