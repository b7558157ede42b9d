"""The brand's pages: the catalogue (and a license request from it), license requests and
their state, generation requests with their progress, the asset library with downloads
and publication reports, the take-down list. Each route calls the service the API calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from likeness.asset import service as assets
from likeness.asset.schemas import PublicationIn
from likeness.catalogue import service as catalogue
from likeness.errors import LikenessError
from likeness.generation import service as generation
from likeness.generation.schemas import GenerationRead
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRequestIn
from likeness.models.asset import AssetKind
from likeness.models.generation import GenerationStatus
from likeness.party import service as party
from likeness.portal.forms import FormData
from likeness.portal.negotiation import act, error_text, license_page
from likeness.portal.pages import BrandViewer, Viewer, render
from likeness.portal.paging import PageNo, cut, window
from likeness.portal.terms_form import TermsForm, blank, read_terms
from likeness.web.deps import RuntimeDep, SessionDep

router = APIRouter()

Done = Annotated[str | None, Query(max_length=200)]
Slug = Annotated[str | None, Query(max_length=64)]
#: Generation requests still moving: their progress is polled.
MOVING = frozenset({GenerationStatus.queued, GenerationStatus.running})


def _brands(session: SessionDep, viewer: Viewer) -> list[tuple[str, str]]:
    rows = party.list_brands(session, viewer.signed_in, limit=100)
    return [(b.id, b.name) for b in rows]


# --- the catalogue -----------------------------------------------------------------------


@router.get("/brand/catalogue", response_class=HTMLResponse)
def catalogue_page(
    viewer: BrandViewer,
    session: SessionDep,
    channel: Slug = None,
    category: Slug = None,
    page: PageNo = 1,
) -> HTMLResponse:
    actor = viewer.signed_in
    error, more = None, False
    limit, offset = window(page)
    try:
        found, more = cut(
            catalogue.browse(
                session,
                actor,
                channel=channel or None,
                category=category or None,
                limit=limit,
                offset=offset,
            )
        )
        rows = catalogue.to_reads(session, found)
    except LikenessError as exc:
        rows, error = [], exc.message
    query = urlencode({k: v for k, v in (("channel", channel), ("category", category)) if v})
    return render(
        viewer,
        "brand/catalogue.html",
        title="Catalogue",
        rows=rows,
        channel=channel or "",
        category=category or "",
        error=error,
        page=page,
        more=more,
        query=f"{query}&" if query else "",
    )


def _listing_page(
    viewer: Viewer,
    session: SessionDep,
    talent_id: str,
    *,
    form: TermsForm | None = None,
    brand_id: str = "",
    twin_id: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    listing = catalogue.read(session, catalogue.get(session, viewer.signed_in, talent_id))
    if form is None:
        rates = ", ".join(f"{c}={v}" for c, v in listing.rates_minor.items())
        form = blank(
            channels=", ".join(listing.channels),
            categories=", ".join(listing.categories),
            currency=listing.currency or "EUR",
            per_use_fees=rates,
        )
    return render(
        viewer,
        "brand/listing.html",
        status_code=status_code,
        title=listing.public_name,
        listing=listing,
        form=form,
        brands=_brands(session, viewer),
        brand_id=brand_id,
        twin_id=twin_id,
        error=error,
    )


@router.get("/brand/catalogue/{talent_id}", response_class=HTMLResponse)
def listing_page(viewer: BrandViewer, session: SessionDep, talent_id: str) -> HTMLResponse:
    return _listing_page(viewer, session, talent_id)


@router.post("/brand/catalogue/{talent_id}", response_class=HTMLResponse)
def request_license(
    viewer: BrandViewer, session: SessionDep, talent_id: str, fields: FormData
) -> Response:
    """Request a license from a listing: the same terms as `likeness license request`."""
    catalogue.get(session, viewer.signed_in, talent_id)  # 404 unless the brand may see it
    brand_id = fields.get("brand_id", "").strip()
    if not brand_id and len(viewer.signed_in.brand_ids) == 1:
        (brand_id,) = viewer.signed_in.brand_ids
    twin_id = fields.get("twin_id", "").strip()
    terms, form = read_terms(fields)
    if terms is None:
        return _listing_page(
            viewer,
            session,
            talent_id,
            form=form,
            brand_id=brand_id,
            twin_id=twin_id,
            error="Check the terms: see the fields marked below.",
            status_code=422,
        )
    try:
        lic = licensing.request(
            session,
            viewer.signed_in,
            LicenseRequestIn(
                talent_id=talent_id, twin_id=twin_id or None, brand_id=brand_id, terms=terms
            ),
        )
    except LikenessError as exc:
        session.rollback()
        return _listing_page(
            viewer,
            session,
            talent_id,
            form=form,
            brand_id=brand_id,
            twin_id=twin_id,
            error=error_text(exc),
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/brand/licenses/{lic.id}?done=License+requested.", status_code=303)


# --- licenses ----------------------------------------------------------------------------


@router.get("/brand/licenses", response_class=HTMLResponse)
def licenses_page(
    viewer: BrandViewer, session: SessionDep, done: Done = None, page: PageNo = 1
) -> HTMLResponse:
    actor = viewer.signed_in
    limit, offset = window(page)
    found, more = cut(
        licensing.list_for(session, actor, limit=limit, offset=offset, latest_first=True)
    )
    rows = licensing.to_reads(session, actor, found)
    names = catalogue.names(session, actor, [r.talent_id for r in rows])
    return render(
        viewer,
        "brand/licenses.html",
        title="Licenses",
        rows=rows,
        names=names,
        done=done,
        page=page,
        more=more,
    )


@router.get("/brand/licenses/{license_id}", response_class=HTMLResponse)
def license_detail(
    viewer: BrandViewer, session: SessionDep, license_id: str, done: Done = None
) -> HTMLResponse:
    return license_page(viewer, session, license_id, "brand/license.html", done=done)


@router.post("/brand/licenses/{license_id}", response_class=HTMLResponse)
def license_action(
    viewer: BrandViewer, session: SessionDep, license_id: str, fields: FormData
) -> Response:
    return act(
        viewer, session, license_id, fields, "brand/license.html", f"/brand/licenses/{license_id}"
    )


# --- generation requests -----------------------------------------------------------------


def _generations(viewer: Viewer, session: SessionDep) -> list[GenerationRead]:
    actor = viewer.signed_in
    return [
        generation.to_read(session, actor, row)
        for row in generation.list_for(session, actor, limit=100)
    ]


@router.get("/brand/generations", response_class=HTMLResponse)
def generations_page(viewer: BrandViewer, session: SessionDep) -> HTMLResponse:
    return render(
        viewer,
        "brand/generations.html",
        title="Generation requests",
        rows=_generations(viewer, session),
        moving=MOVING,
    )


@router.get("/brand/generations/{request_id}/progress", response_class=HTMLResponse)
def generation_progress(viewer: BrandViewer, session: SessionDep, request_id: str) -> HTMLResponse:
    """The progress cell of one request (htmx polls it while the request is moving)."""
    actor = viewer.signed_in
    row = generation.to_read(session, actor, generation.get_for(session, actor, request_id))
    return render(viewer, "brand/_progress.html", row=row, moving=MOVING)


# --- assets ------------------------------------------------------------------------------


@router.get("/brand/assets", response_class=HTMLResponse)
def assets_page(
    viewer: BrandViewer, session: SessionDep, done: Done = None, page: PageNo = 1
) -> HTMLResponse:
    actor = viewer.signed_in
    limit, offset = window(page)
    found, more = cut(
        assets.list_for(session, actor, kind=AssetKind.release, limit=limit, offset=offset)
    )
    rows = assets.to_reads(session, found)
    names = catalogue.names(session, actor, [r.talent_id for r in rows])
    return render(
        viewer,
        "brand/assets.html",
        title="Assets",
        rows=rows,
        names=names,
        done=done,
        page=page,
        more=more,
    )


def _asset_page(
    viewer: Viewer,
    session: SessionDep,
    asset_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> HTMLResponse:
    actor = viewer.signed_in
    row = assets.to_read(session, assets.get_for(session, actor, asset_id))
    defaults = {"channel": row.channel or "", "territory": "", "published_on": str(date.today())}
    return render(
        viewer,
        "brand/asset.html",
        status_code=status_code,
        title=f"Asset {row.id[:8]}",
        asset=row,
        values=values or defaults,
        errors=errors or {},
        done=done,
    )


@router.get("/brand/assets/{asset_id}", response_class=HTMLResponse)
def asset_page(
    viewer: BrandViewer, session: SessionDep, asset_id: str, done: Done = None
) -> HTMLResponse:
    return _asset_page(viewer, session, asset_id, done=done)


@router.get("/brand/assets/{asset_id}/file")
def download_asset(
    viewer: BrandViewer, session: SessionDep, runtime: RuntimeDep, asset_id: str
) -> Response:
    """The released file (only active releases); every download is audited."""
    asset, data = assets.read_file(session, viewer.signed_in, runtime.storage, asset_id)
    extension = assets.EXTENSIONS[asset.media_type]
    return Response(
        content=data,
        media_type=asset.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{asset.id}.{extension}"',
            "X-Content-SHA256": asset.file_sha256,
        },
    )


@router.post("/brand/assets/{asset_id}/publications", response_class=HTMLResponse)
def report_publication(
    viewer: BrandViewer, session: SessionDep, asset_id: str, fields: FormData
) -> Response:
    """Report where a release was published (the decision point checks it)."""
    values = {k: fields.get(k, "").strip() for k in ("channel", "territory", "published_on", "url")}
    try:
        body = PublicationIn.model_validate({**values, "url": values["url"] or None})
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors() if e.get("loc")}
        return _asset_page(viewer, session, asset_id, values=values, errors=errors, status_code=422)
    try:
        assets.report_publication(session, viewer.signed_in, asset_id, body)
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _asset_page(
            viewer,
            session,
            asset_id,
            values=values,
            errors={"_form": exc.message},
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/brand/assets/{asset_id}?done=reported", status_code=303)


# --- take-downs --------------------------------------------------------------------------


@router.get("/brand/takedowns", response_class=HTMLResponse)
def takedowns_page(viewer: BrandViewer, session: SessionDep, done: Done = None) -> HTMLResponse:
    rows = assets.takedowns_for(session, viewer.signed_in)
    return render(viewer, "brand/takedowns.html", title="Take-downs", rows=rows, done=done)


@router.post("/brand/takedowns/{asset_id}", response_class=HTMLResponse)
def confirm_taken_down(
    viewer: BrandViewer, session: SessionDep, asset_id: str, fields: FormData
) -> Response:
    note = fields.get("note", "").strip()[:500] or None
    assets.mark_taken_down(session, viewer.signed_in, asset_id, note)
    return RedirectResponse("/brand/takedowns?done=taken+down", status_code=303)
