"""Thin routes of the catalogue: brands and operators browse; the talent writes their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile, status

from likeness.catalogue import service
from likeness.catalogue.errors import InvalidListing, ListingNotFound, PreviewTooLarge
from likeness.catalogue.schemas import ListingIn, ListingRead
from likeness.errors import Forbidden
from likeness.provenance import ImageRejected, StampConfig
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["catalogue"],
    responses=error_responses(ListingNotFound, InvalidListing, Forbidden),
)

Slug = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/catalogue", response_model=list[ListingRead])
def browse_catalogue(
    actor: AnyActor,
    session: SessionDep,
    channel: Slug = None,
    category: Slug = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ListingRead]:
    """Brands and operators: the talents who opted in to be found, as they chose to be
    shown (public name, bio, channels and categories accepted, indicative rates, whether a
    watermarked picture is on file); ``channel``/``category`` keep those that accept it.
    Request a license with a listing's ``talent_id``."""
    rows = service.browse(
        session, actor, channel=channel, category=category, limit=limit, offset=offset
    )
    return service.to_reads(session, rows)


@router.get("/catalogue/{talent_id}", response_model=ListingRead)
def show_listing(talent_id: str, actor: AnyActor, session: SessionDep) -> ListingRead:
    """One listing: a brand sees it while it is opted in; the talent and their agent
    always."""
    return service.read(session, service.get(session, actor, talent_id))


@router.put("/catalogue/{talent_id}", response_model=ListingRead)
def save_listing(
    talent_id: str, body: ListingIn, actor: AnyActor, session: SessionDep
) -> ListingRead:
    """The talent writes their listing (the whole of it); ``opted_in: false`` keeps it
    out of the catalogue."""
    return service.read(session, service.save(session, actor, talent_id, body))


@router.delete("/catalogue/{talent_id}", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_listing(talent_id: str, actor: AnyActor, session: SessionDep) -> None:
    """The talent leaves the catalogue: the listing and its picture are deleted."""
    service.withdraw(session, actor, talent_id)


@router.put(
    "/catalogue/{talent_id}/preview",
    response_model=ListingRead,
    responses=error_responses(ImageRejected, PreviewTooLarge),
)
def set_preview(
    talent_id: str, photo: UploadFile, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> ListingRead:
    """The talent's catalogue picture (JPEG, PNG or WebP): kept only scaled down and
    stamped "CATALOGUE PREVIEW — not for publication" with an invisible watermark."""
    data = photo.file.read(service.MAX_PREVIEW_UPLOAD_BYTES + 1)
    listing = service.set_preview(
        session, actor, talent_id, data, lambda: StampConfig.from_settings(runtime.settings)
    )
    return service.read(session, listing)


@router.delete("/catalogue/{talent_id}/preview", response_model=ListingRead)
def remove_preview(talent_id: str, actor: AnyActor, session: SessionDep) -> ListingRead:
    return service.read(session, service.remove_preview(session, actor, talent_id))


@router.get(
    "/catalogue/{talent_id}/preview",
    response_class=Response,
    responses={200: {"content": {service.PREVIEW_MEDIA_TYPE: {}}}},
)
def get_preview(talent_id: str, actor: AnyActor, session: SessionDep) -> Response:
    """The watermarked catalogue picture, for whoever may see the listing."""
    found = service.preview(session, actor, talent_id)
    return Response(
        content=found.image,
        media_type=found.media_type,
        headers={"X-Content-SHA256": found.sha256, "Cache-Control": "private, max-age=60"},
    )
