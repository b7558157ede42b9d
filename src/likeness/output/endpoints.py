"""Thin routes for outputs: the review queue, review, the reviewer's preview and release.

A brand sees only its own outputs' metadata and never an image in quarantine; the
preview is for the talent, their agents and operators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from likeness.asset.errors import AssetError
from likeness.licensing.errors import (
    LicenseNotFound,
    LicenseNotRunning,
    QuotaExhausted,
    StaleLicense,
)
from likeness.models.output import OutputStatus
from likeness.output import service
from likeness.output.errors import (
    GenerationDenied,
    IdempotencyKeyReused,
    InvalidOutputRequest,
    OutputBlocked,
    OutputNotFound,
    OutputNotReleasable,
    OutputNotReviewable,
    ReleaseDenied,
    ReviewNotPermitted,
    StaleOutput,
)
from likeness.output.schemas import ApproveIn, OutputRead, RejectIn, ReleaseIn, ReleaseRead
from likeness.provenance import StampConfig
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_response, error_responses

router = APIRouter(
    tags=["outputs"],
    responses=error_responses(
        OutputNotFound,
        StaleOutput,
        OutputNotReviewable,
        ReviewNotPermitted,
        InvalidOutputRequest,
        GenerationDenied,
    ),
)


@router.get("/outputs", response_model=list[OutputRead])
def list_outputs(
    actor: AnyActor,
    session: SessionDep,
    status: OutputStatus | None = None,
    license_id: str | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    queue: Annotated[bool, Query(description="only the outputs waiting for your review")] = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[OutputRead]:
    """The outputs you may see (metadata only); ``queue=true``: your review queue."""
    rows = service.list_for(
        session,
        actor,
        status=status,
        license_id=license_id,
        talent_id=talent_id,
        brand_id=brand_id,
        queue=queue,
        limit=limit,
        offset=offset,
    )
    return service.to_reads(session, rows)


@router.get("/outputs/{output_id}", response_model=OutputRead)
def get_output(output_id: str, actor: AnyActor, session: SessionDep) -> OutputRead:
    """An output's metadata: its license, use, decision, engine, review and release."""
    return service.to_read(session, service.get_for(session, actor, output_id))


@router.get(
    "/outputs/{output_id}/preview",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        **error_responses(AssetError),
    },
)
def get_preview(
    output_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The reviewer's preview (visible "PREVIEW — not for publication" mark and the
    watermark): for the talent, their agents and operators; never for a brand."""
    _, asset, data = service.preview(session, actor, runtime.storage, output_id)
    return Response(
        content=data,
        media_type=asset.media_type,
        headers={"Content-Disposition": f'inline; filename="preview-{asset.id}"'},
    )


@router.post("/outputs/{output_id}/approve", response_model=OutputRead)
def approve(output_id: str, body: ApproveIn, actor: AnyActor, session: SessionDep) -> OutputRead:
    """The talent (or the agent, where the license delegates review) approves."""
    output = service.approve(
        session, actor, output_id, reason=body.reason, expected_version=body.version
    )
    return service.to_read(session, output)


@router.post("/outputs/{output_id}/reject", response_model=OutputRead)
def reject(output_id: str, body: RejectIn, actor: AnyActor, session: SessionDep) -> OutputRead:
    """The talent (or the delegated agent) rejects, with a reason; it is never released."""
    output = service.reject(
        session, actor, output_id, reason=body.reason, expected_version=body.version
    )
    return service.to_read(session, output)


@router.post(
    "/outputs/{output_id}/release",
    response_model=ReleaseRead,
    responses=error_responses(
        OutputNotReleasable,
        OutputBlocked,
        ReleaseDenied,
        IdempotencyKeyReused,
        QuotaExhausted,
        StaleLicense,
        LicenseNotRunning,
        LicenseNotFound,
    ),
)
def release(
    output_id: str,
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    body: ReleaseIn | None = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=128,
            description="retries with the same key return the same asset, counted once",
        ),
    ] = None,
) -> ReleaseRead | JSONResponse:
    """Stamp an approved output for a channel (label, watermark with a fresh asset ID,
    IPTC/XMP, signed C2PA), register the asset and count it against the license, in one
    transaction. A revoked consent or an ended license blocks the output instead (409)."""
    result = service.release(
        session,
        actor,
        runtime.storage,
        output_id,
        lambda: StampConfig.from_settings(runtime.settings),
        channel=body.channel if body else None,
        idempotency_key=idempotency_key,
    )
    if isinstance(result, service.Blocked):
        # The output is marked blocked; that change commits, the caller hears why.
        return error_response(result.error)
    return service.to_release_read(result)
