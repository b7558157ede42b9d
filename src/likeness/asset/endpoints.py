"""Thin routes of the asset registry: list, show, download (role-scoped)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from likeness.asset import service
from likeness.asset.errors import AssetNotFound, NotDownloadable
from likeness.asset.schemas import AssetRead
from likeness.kit.bounds import MAX_OFFSET
from likeness.models.asset import AssetKind, AssetStatus
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["assets"], responses=error_responses(AssetNotFound, NotDownloadable))

Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
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
    """The assets you may see: a brand its own, a talent theirs, an agent those of the
    talent they represent, an operator all."""
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
    return [AssetRead.model_validate(row) for row in rows]


@router.get("/assets/{asset_id}", response_model=AssetRead)
def show_asset(asset_id: str, actor: AnyActor, session: SessionDep) -> AssetRead:
    return AssetRead.model_validate(service.get_for(session, actor, asset_id))


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
