"""Errors of the consent feature."""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class ConsentError(LikenessError):
    """Base of consent errors."""


class InvalidConsent(ConsentError, InvalidInput):
    """The consent document is incomplete or contradicts itself."""

    status_code = 422


class IntentNotShown(ConsentError, InvalidInput):
    """The typed name or the affirmative statement does not show intent to sign."""

    status_code = 422


class ConsentImmutable(ConsentError, Conflict):
    """A signed or revoked consent cannot be changed or signed again."""

    status_code = 409


class ConsentNotFound(ConsentError, NotFound):
    status_code = 404


class SignerNotTalent(ConsentError, Forbidden):
    """Only the talent signs or revokes their own consent, never an agent or a brand."""

    status_code = 403


class SignatureKeyError(ConsentError):
    """A talent signing key is missing, unreadable or does not match."""

    status_code = 500


class CreationConsentRequired(ConsentError, Forbidden):
    """No active, signed creation consent covers building this twin."""

    status_code = 403
