"""Thin routes of the asset registry (role-scoped), and the public lookup.

``GET /verify/{asset_id}`` needs no login: it answers what a member of the public needs
about an id or watermark mark, and nothing private (see :class:`PublicVerifyRead`).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse

from likeness.asset import service
from likeness.asset.errors import (
    AlreadyTakenDown,
    AssetNotFound,
    InvalidAsset,
    NotDownloadable,
    PublicationRefused,
)
from likeness.asset.schemas import (
    AssetRead,
    PublicationIn,
    PublicationRead,
    PublicVerifyRead,
    SettleRead,
    TakedownRead,
    TakenDownIn,
)
from likeness.errors import Forbidden
from likeness.kit.clock import utcnow
from likeness.models.asset import AssetKind, AssetStatus
from likeness.web.actors import AnyActor, OperatorActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["assets"],
    responses=error_responses(
        AssetNotFound,
        NotDownloadable,
        PublicationRefused,
        AlreadyTakenDown,
        InvalidAsset,
        Forbidden,
    ),
)

CHUNK = 64 * 1024


@router.get("/assets", response_model=list[AssetRead])
def list_assets(
    actor: AnyActor,
    session: SessionDep,
    status: AssetStatus | None = None,
    kind: AssetKind | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    license_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AssetRead]:
    """The assets you may see (a brand its own, a talent theirs, an agent those of the
    talent they represent, an operator all), each with where it was published."""
    rows = service.list_for(
        session,
        actor,
        status=status,
        kind=kind,
        talent_id=talent_id,
        brand_id=brand_id,
        license_id=license_id,
        limit=limit,
        offset=offset,
    )
    return service.to_reads(session, rows)


@router.get("/assets/takedowns", response_model=list[TakedownRead])
def list_takedowns(
    actor: AnyActor, session: SessionDep, brand_id: str | None = None
) -> list[TakedownRead]:
    """What must come down, by when: released assets whose license ended or whose
    consent was revoked, not yet confirmed taken down."""
    return service.takedowns_for(session, actor, brand_id=brand_id)


@router.post("/assets/settle", response_model=SettleRead)
def settle_assets(actor: OperatorActor, session: SessionDep) -> SettleRead:
    """Operators: mark now every asset whose license ended or consent was revoked."""
    del actor
    changed = service.settle(session, utcnow())
    return SettleRead(changed=[a.id for a in changed])


@router.get("/assets/{asset_id}", response_model=AssetRead)
def show_asset(asset_id: str, actor: AnyActor, session: SessionDep) -> AssetRead:
    return service.to_read(session, service.get_for(session, actor, asset_id))


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


@router.get(
    "/assets/{asset_id}/file",
    responses={200: {"content": {m: {} for m in sorted(service.MEDIA_TYPES)}}},
)
def download_asset(
    asset_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> StreamingResponse:
    """The released file (a brand: only its active releases); every download is audited."""
    asset, data = service.read_file(session, actor, runtime.storage, asset_id)
    extension = service.EXTENSIONS[asset.media_type]
    return StreamingResponse(
        _chunks(data),
        media_type=asset.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{asset.id}.{extension}"',
            "Content-Length": str(len(data)),
            "X-Content-SHA256": asset.file_sha256,
        },
    )


@router.post(
    "/assets/{asset_id}/publications",
    response_model=PublicationRead,
    status_code=status.HTTP_201_CREATED,
)
def report_publication(
    asset_id: str, body: PublicationIn, actor: AnyActor, session: SessionDep
) -> PublicationRead:
    """The brand reports where it published a release; refused (403, nothing stored)
    unless the license covers publishing on that channel in that territory."""
    return PublicationRead.model_validate(
        service.report_publication(session, actor, asset_id, body)
    )


@router.get("/assets/{asset_id}/publications", response_model=list[PublicationRead])
def list_publications(asset_id: str, actor: AnyActor, session: SessionDep) -> list[PublicationRead]:
    return [
        PublicationRead.model_validate(p)
        for p in service.publications_for(session, actor, asset_id)
    ]


@router.post("/assets/{asset_id}/taken-down", response_model=AssetRead)
def mark_taken_down(
    asset_id: str, body: TakenDownIn, actor: AnyActor, session: SessionDep
) -> AssetRead:
    """The brand confirms it removed the asset everywhere."""
    return service.to_read(session, service.mark_taken_down(session, actor, asset_id, body.note))


@router.get("/verify/{asset_id}", response_model=PublicVerifyRead)
def public_verify(asset_id: str, session: SessionDep) -> PublicVerifyRead:
    """Public, no login: is this (full asset id or 16-hex watermark mark) an authorised
    Likeness release, is it AI-generated, its status and until when it is valid."""
    return service.public_lookup(session, asset_id)
