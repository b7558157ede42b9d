"""Errors of the consent feature."""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class ConsentError(LikenessError):
    """Base of consent errors."""


class InvalidConsent(ConsentError, InvalidInput):
    """The consent document is incomplete or contradicts itself."""


class IntentNotShown(ConsentError, InvalidInput):
    """The typed name or the affirmative statement does not show intent to sign."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        #: The problems by form field (``typed_name``, ``statement``), for forms.
        self.fields = dict(fields or {})


class ConsentImmutable(ConsentError, Conflict):
    """A signed or revoked consent cannot be changed or signed again."""


class ConsentNotFound(ConsentError, NotFound):
    """No such consent, or not one the caller may see."""


class SignerNotTalent(ConsentError, Forbidden):
    """Only the talent signs or revokes their own consent, never an agent or a brand."""


class SignatureKeyError(ConsentError, status=500):
    """A talent signing key is missing, unreadable or does not match."""


class CreationConsentRequired(ConsentError, Forbidden):
    """No active, signed creation consent covers building this twin."""
