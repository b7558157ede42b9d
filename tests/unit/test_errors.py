"""The one error tree: a status is declared once, in the class header, and inherited."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

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


#: Every error class of the package, by module and name, with its status. A new class
#: is added here (with the status it means); a changed status is a changed API.
ALL_STATUSES: dict[str, int] = {
    "likeness.asset.errors.AlreadyTakenDown": 409,
    "likeness.asset.errors.AssetError": 422,
    "likeness.asset.errors.AssetNotFound": 404,
    "likeness.asset.errors.DuplicateAsset": 409,
    "likeness.asset.errors.InvalidAsset": 422,
    "likeness.asset.errors.NotDownloadable": 409,
    "likeness.asset.errors.PublicationRefused": 403,
    "likeness.audit.heads.HeadError": 422,
    "likeness.audit.heads.HeadKeyError": 500,
    "likeness.audit.heads_service.AuditChainBroken": 503,
    "likeness.audit.key.AuditChainErased": 503,
    "likeness.audit.key.AuditChainUnsealed": 503,
    "likeness.audit.key.AuditKeyMismatch": 503,
    "likeness.audit.key.AuditKeyMissing": 503,
    "likeness.audit.key.AuditUnavailable": 503,
    "likeness.auth.csrf.CsrfRefused": 403,
    "likeness.auth.errors.InvalidCredentials": 401,
    "likeness.auth.errors.LoginRateLimited": 429,
    "likeness.catalogue.errors.InvalidListing": 422,
    "likeness.catalogue.errors.ListingNotFound": 404,
    "likeness.catalogue.errors.PreviewTooLarge": 413,
    "likeness.capture.errors.CaptureConsentRequired": 403,
    "likeness.capture.errors.CaptureError": 422,
    "likeness.capture.errors.CaptureInvalid": 422,
    "likeness.capture.errors.InvalidLookReason": 422,
    "likeness.capture.errors.LookReasonRequired": 422,
    "likeness.capture.errors.ManifestInvalid": 422,
    "likeness.capture.errors.QcFailed": 409,
    "likeness.capture.errors.ReferenceInvalid": 422,
    "likeness.capture.errors.ReferenceTooLarge": 413,
    "likeness.compliance.report_errors.InvalidReportRequest": 422,
    "likeness.compliance.report_errors.ReportError": 400,
    "likeness.compliance.report_errors.ReportForbidden": 403,
    "likeness.compliance.errors.BundleUnreadable": 422,
    "likeness.compliance.errors.NotProvable": 409,
    "likeness.compliance.errors.ProofError": 409,
    "likeness.consent.errors.ConsentError": 400,
    "likeness.consent.errors.ConsentImmutable": 409,
    "likeness.consent.errors.ConsentNotFound": 404,
    "likeness.consent.errors.CreationConsentRequired": 403,
    "likeness.consent.errors.IntentNotShown": 422,
    "likeness.consent.errors.InvalidConsent": 422,
    "likeness.consent.errors.SignatureKeyError": 500,
    "likeness.consent.errors.SignerNotTalent": 403,
    "likeness.engines._base.EngineCancelled": 409,
    "likeness.engines._base.EngineError": 502,
    "likeness.engines._base.EngineRefused": 422,
    "likeness.engines._base.EngineUnavailable": 503,
    "likeness.errors.ConfigurationError": 500,
    "likeness.errors.Conflict": 409,
    "likeness.errors.Forbidden": 403,
    "likeness.errors.InvalidInput": 422,
    "likeness.errors.NotFound": 404,
    "likeness.errors.TooManyRequests": 429,
    "likeness.errors.Unauthorized": 401,
    "likeness.imaging._errors.ImagingError": 422,
    "likeness.imaging._errors.InvalidImage": 422,
    "likeness.imaging.compose._errors.ComposeError": 422,
    "likeness.imaging.compose._errors.InvalidFraming": 422,
    "likeness.imaging.compose._errors.InvalidImage": 422,
    "likeness.imaging.faces._errors.FaceError": 422,
    "likeness.imaging.garment._errors.GarmentError": 422,
    "likeness.imaging.garment._errors.InvalidImage": 422,
    "likeness.imaging.garment._errors.NoGarmentFound": 422,
    "likeness.imaging.faces._errors.InvalidImage": 422,
    "likeness.imaging.faces._errors.ModelsUnavailable": 500,
    "likeness.imaging.faces._errors.NoFaceFound": 422,
    "likeness.imaging.relight._errors.InvalidBasis": 422,
    "likeness.imaging.relight._errors.InvalidEnvironment": 422,
    "likeness.imaging.relight._errors.InvalidLights": 422,
    "likeness.imaging.relight._errors.InvalidViews": 422,
    "likeness.imaging.relight._errors.InvalidPrior": 422,
    "likeness.relighting.errors.InvalidTrainingSource": 422,
    "likeness.relighting.errors.NoTrainingData": 409,
    "likeness.relighting.errors.PriorNotFound": 404,
    "likeness.relighting.errors.PriorUnreadable": 409,
    "likeness.relighting.errors.TrainingSourceWithdrawn": 409,
    "likeness.imaging.relight._errors.PriorMismatch": 422,
    "likeness.imaging.relight._errors.RelightError": 422,
    "likeness.imaging.watermark._errors.ImageTooSmall": 422,
    "likeness.imaging.watermark._errors.InvalidImage": 422,
    "likeness.imaging.watermark._errors.InvalidKey": 422,
    "likeness.imaging.watermark._errors.InvalidPayload": 422,
    "likeness.imaging.watermark._errors.WatermarkError": 422,
    "likeness.engines.registry.UnknownEngine": 422,
    "likeness.generation.errors.GenerationError": 400,
    "likeness.generation.errors.GenerationFinished": 409,
    "likeness.generation.errors.GenerationNotAllowed": 403,
    "likeness.generation.errors.GenerationNotFound": 404,
    "likeness.generation.errors.GenerationNotPermitted": 403,
    "likeness.generation.errors.IdempotencyKeyConflict": 409,
    "likeness.generation.errors.InvalidGenerationRequest": 422,
    "likeness.generation.errors.ModelNotLicensed": 403,
    "likeness.generation.errors.ProcessorNotAllowed": 403,
    "likeness.generation.errors.TaskNotSupported": 422,
    "likeness.jobs.errors.InvalidJobRequest": 422,
    "likeness.ledger.errors.DebtorNotConfigured": 409,
    "likeness.ledger.errors.InvalidLedgerRequest": 422,
    "likeness.ledger.errors.LedgerConflict": 409,
    "likeness.monitoring.errors.CaseNotFound": 404,
    "likeness.monitoring.errors.DismissReasonRequired": 422,
    "likeness.monitoring.errors.InvalidCaseStep": 409,
    "likeness.monitoring.errors.InvalidScanSource": 422,
    "likeness.monitoring.errors.MonitoringError": 422,
    "likeness.monitoring.errors.ScanNotFound": 404,
    "likeness.ledger.errors.LedgerError": 400,
    "likeness.ledger.errors.LedgerForbidden": 403,
    "likeness.ledger.errors.LedgerNotFound": 404,
    "likeness.ledger.errors.UnbalancedTransaction": 500,
    "likeness.jobs.errors.JobCancelled": 409,
    "likeness.jobs.errors.JobError": 400,
    "likeness.jobs.errors.JobFinished": 409,
    "likeness.jobs.errors.JobNotFound": 404,
    "likeness.jobs.errors.StaleJob": 409,
    "likeness.jobs.errors.UnknownJobKind": 422,
    "likeness.licensing.errors.LicenseNotFound": 404,
    "likeness.licensing.errors.LicenseNotRunning": 409,
    "likeness.licensing.errors.LicensingError": 400,
    "likeness.licensing.errors.QuotaExhausted": 409,
    "likeness.licensing.errors.StaleLicense": 409,
    "likeness.monitoring.enrolment.NothingToEnrol": 409,
    "likeness.modelreg._errors.ModelChecksumMismatch": 500,
    "likeness.modelreg._errors.ModelError": 500,
    "likeness.modelreg._errors.ModelLicenseRefused": 500,
    "likeness.modelreg._errors.ModelManifestInvalid": 500,
    "likeness.modelreg._errors.ModelMissing": 500,
    "likeness.modelreg._errors.ModelNotRegistered": 500,
    "likeness.output.errors.GenerationDenied": 403,
    "likeness.output.errors.IdempotencyKeyReused": 409,
    "likeness.output.errors.InvalidOutputRequest": 422,
    "likeness.output.errors.OutputBlocked": 409,
    "likeness.output.errors.OutputError": 400,
    "likeness.output.errors.OutputNotFound": 404,
    "likeness.output.errors.OutputNotReleasable": 409,
    "likeness.output.errors.OutputNotReviewable": 409,
    "likeness.output.errors.ReleaseDenied": 403,
    "likeness.output.errors.ReviewNotPermitted": 403,
    "likeness.output.errors.StaleOutput": 409,
    "likeness.party.errors.AutoRenewalNotAllowed": 422,
    "likeness.party.errors.BrandNotFound": 404,
    "likeness.party.errors.CommissionTooHigh": 422,
    "likeness.party.errors.TermTooLong": 422,
    "likeness.policy._errors.ExclusivityConflict": 409,
    "likeness.policy._errors.IllegalTransition": 409,
    "likeness.policy._errors.InvalidTerms": 422,
    "likeness.policy._errors.InvalidUse": 422,
    "likeness.policy._errors.PolicyError": 400,
    "likeness.policy._errors.TransitionNotPermitted": 403,
    "likeness.portal.pages.LoginRequired": 401,
    "likeness.provenance._errors.ImageRejected": 422,
    "likeness.provenance._errors.ProvenanceError": 400,
    "likeness.provenance._errors.SigningConfigurationError": 500,
    "likeness.provenance._errors.SigningFailed": 500,
    "likeness.provenance._errors.StampRefused": 422,
    "likeness.storage._base.BlobCorrupted": 500,
    "likeness.storage._base.BlobError": 500,
    "likeness.storage._base.BlobNotFound": 404,
    "likeness.storage._base.InvalidBlobKey": 422,
    "likeness.studio.errors.InvalidBasisFile": 422,
    "likeness.studio.errors.InvalidScene": 422,
    "likeness.studio.errors.StudioError": 422,
    "likeness.system.demo.DemoFailed": 500,
    "likeness.twin.errors.TwinError": 422,
    "likeness.twin.errors.TwinNotFound": 404,
    "likeness.vault.errors.DecryptionFailed": 422,
    "likeness.vault.errors.KeyShredded": 410,
    "likeness.vault.errors.KeyUnavailable": 500,
    "likeness.vault.errors.VaultError": 422,
    "likeness.web.limits.RequestTooLarge": 413,
}


def _every_error_class() -> dict[str, int]:
    """Import every module of the package and walk the error tree from its root."""
    import likeness

    for module in pkgutil.walk_packages(likeness.__path__, "likeness."):
        # migrations run inside Alembic; __main__ runs the CLI.
        if module.name.startswith("likeness.migrations") or module.name == "likeness.__main__":
            continue
        importlib.import_module(module.name)
    found: dict[str, int] = {}
    todo = [LikenessError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("likeness."):
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub.status_code
            todo.append(sub)
    return found


def test_every_error_class_of_the_package_keeps_its_status() -> None:
    found = _every_error_class()
    assert {k: v for k, v in found.items() if ALL_STATUSES.get(k) != v} == {}
    assert sorted(set(ALL_STATUSES) - set(found)) == []  # none vanished either


def test_no_error_class_spells_its_status_in_its_body() -> None:
    """The status is declared in the class header (``status=409``) or inherited from
    its kind, never assigned in the body: one spelling, so a review sees it at once."""
    root = Path(__file__).resolve().parents[2] / "src" / "likeness"
    spelled: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name == "LikenessError":
                continue
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign)
                    else []
                )
                if any(isinstance(t, ast.Name) and t.id == "status_code" for t in targets):
                    spelled.append(f"{path.relative_to(root)}:{node.name}")
    assert spelled == []
