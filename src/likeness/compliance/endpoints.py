"""Thin compliance routes: parse, call the service, return.

The reports (``/reports/…``) are role-scoped by ``compliance/report_access.py``: an
operator any scope; a talent their own; an agent a talent they represent; a brand member
only their brand (its own licenses and assets); subject access for the talent themself and
operators. A proof bundle is for the asset's parties; a signed head for anyone signed in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from likeness.asset.errors import AssetNotFound
from likeness.audit.heads import HeadKeyError
from likeness.audit.heads_service import AuditChainBroken
from likeness.compliance import service
from likeness.compliance.errors import NotProvable
from likeness.compliance.files import MEDIA_TYPES, FileFormat, report_file, subject_access_file
from likeness.compliance.report_errors import InvalidReportRequest, ReportForbidden
from likeness.compliance.schemas import SignedHeadRead
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["compliance"])


@router.get(
    "/assets/{asset_id}/proof",
    responses={
        200: {"content": {"application/zip": {}}},
        **error_responses(AssetNotFound, NotProvable, AuditChainBroken, HeadKeyError),
    },
)
def proof_bundle(
    asset_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The proof bundle of a release (zip), for its brand, its talent, the talent's agency
    or an operator; check it offline with `likeness prove --check`."""
    made = service.prove(session, actor, runtime.storage, runtime.settings.keys_dir, asset_id)
    return Response(
        made.data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="proof-{made.asset_id}.zip"'},
    )


@router.get(
    "/audit/head",
    response_model=SignedHeadRead,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses=error_responses(AuditChainBroken, HeadKeyError),
)
def signed_head(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    since: Annotated[list[int] | None, Query(description="Sizes of earlier heads.")] = None,
) -> SignedHeadRead:
    """The audit chain's head, verified and signed now (Ed25519), for anyone signed in to
    keep; `since` adds consistency proofs from earlier heads of those sizes."""
    doc = service.signed_head(session, runtime.settings.keys_dir, since or ())
    return SignedHeadRead.model_validate(doc)


reports = APIRouter(
    prefix="/reports",
    tags=["reports"],
    responses=error_responses(InvalidReportRequest, ReportForbidden),
)

_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}}
}
ScopeId = Annotated[str | None, Query(min_length=1, max_length=64)]


@reports.get("/compliance", responses=_CONTENT)
def get_compliance_report(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    period: Annotated[str, Query(description="YYYY-Qn, YYYY-MM or YYYY.", max_length=16)],
    talent: ScopeId = None,
    brand: ScopeId = None,
    format: FileFormat = "json",
    full: bool = False,
    sample: Annotated[int, Query(ge=1, le=100_000)] = 200,
    seed: Annotated[int | None, Query(ge=0, le=2**32 - 1)] = None,
) -> Response:
    """The compliance report for a period, rule by rule with evidence counts and every
    exception (JSON or an auditor's PDF)."""
    from likeness.compliance.report import compliance_report
    from likeness.provenance import VerifyConfig

    report = compliance_report(
        session,
        actor,
        runtime.storage,
        lambda: VerifyConfig.from_settings(runtime.settings),
        period,
        talent_id=talent,
        brand_id=brand,
        full=full,
        sample_size=sample,
        seed=seed,
    )
    body = report_file(report, format)
    name = f"compliance-{report.period.label}.{format}"
    return Response(
        content=body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@reports.get("/my-data", responses=_CONTENT)
def get_my_data(
    actor: AnyActor,
    session: SessionDep,
    talent: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    format: FileFormat = "json",
) -> Response:
    """Everything held about a talent (GDPR art. 15): the talent themself (``talent``
    defaults to them) or an operator naming one."""
    from likeness.compliance.subject_access import subject_access

    talent_id = talent or actor.talent_id
    if talent_id is None:
        raise InvalidReportRequest("name the talent (talent=ID)")
    export = subject_access(session, actor, talent_id)
    body = subject_access_file(export, format)
    return Response(
        content=body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="my-data-{talent_id[:8]}.{format}"'},
    )


router.include_router(reports)
