"""The one error tree: a status is declared once, in the class header, and inherited."""

from __future__ import annotations

import pytest

from likeness.audit.key import AuditKeyMissing, AuditUnavailable
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.capture.errors import (
    CaptureConsentRequired,
    CaptureError,
    CaptureInvalid,
    ManifestInvalid,
    QcFailed,
    ReferenceInvalid,
    ReferenceTooLarge,
)
from likeness.consent.errors import (
    ConsentError,
    ConsentImmutable,
    ConsentNotFound,
    CreationConsentRequired,
    IntentNotShown,
    InvalidConsent,
    SignatureKeyError,
    SignerNotTalent,
)
from likeness.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    LikenessError,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from likeness.licensing.errors import (
    LicenseNotFound,
    LicenseNotRunning,
    LicensingError,
    QuotaExhausted,
    StaleLicense,
)
from likeness.party.errors import (
    AutoRenewalNotAllowed,
    BrandNotFound,
    CommissionTooHigh,
    TermTooLong,
)
from likeness.twin.errors import TwinError, TwinNotFound
from likeness.web.limits import RequestTooLarge

STATUSES: dict[type[LikenessError], int] = {
    LikenessError: 400,
    InvalidInput: 422,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    TooManyRequests: 429,
    ConfigurationError: 500,
    AuditUnavailable: 503,
    AuditKeyMissing: 503,
    InvalidCredentials: 401,
    LoginRateLimited: 429,
    CaptureError: 422,
    ManifestInvalid: 422,
    CaptureInvalid: 422,
    ReferenceInvalid: 422,
    ReferenceTooLarge: 413,
    QcFailed: 409,
    CaptureConsentRequired: 403,
    ConsentError: 400,
    InvalidConsent: 422,
    IntentNotShown: 422,
    ConsentImmutable: 409,
    ConsentNotFound: 404,
    SignerNotTalent: 403,
    SignatureKeyError: 500,
    CreationConsentRequired: 403,
    LicensingError: 400,
    LicenseNotFound: 404,
    StaleLicense: 409,
    QuotaExhausted: 409,
    LicenseNotRunning: 409,
    CommissionTooHigh: 422,
    TermTooLong: 422,
    AutoRenewalNotAllowed: 422,
    BrandNotFound: 404,
    TwinError: 422,
    TwinNotFound: 404,
    RequestTooLarge: 413,
}


@pytest.mark.parametrize(("cls", "status"), list(STATUSES.items()), ids=lambda v: str(v))
def test_every_error_answers_its_status(cls: type[LikenessError], status: int) -> None:
    assert cls.status_code == status


def test_a_status_in_the_header_is_set_once_and_inherited() -> None:
    class Gone(LikenessError, status=410):
        pass

    class StillGone(Gone):
        pass

    class FeatureBase(LikenessError):
        pass

    class FeatureMissing(FeatureBase, NotFound):
        pass

    assert Gone.status_code == 410 and StillGone.status_code == 410
    assert FeatureBase.status_code == 400
    assert FeatureMissing.status_code == 404
    assert LikenessError.status_code == 400  # declaring a subclass leaves its base alone


def test_an_instance_may_still_name_its_own_status() -> None:
    assert LikenessError("teapot", status_code=418).status_code == 418
    assert QcFailed("no").status_code == 409
