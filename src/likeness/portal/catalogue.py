"""The catalogue in the portal: the talent's opt-in page (what brands will see, with the
stamped picture) and the picture itself for whoever may see the listing. The brand's
catalogue pages are in :mod:`likeness.portal.brand`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from likeness.catalogue import service as catalogue
from likeness.catalogue.errors import InvalidListing, ListingNotFound
from likeness.catalogue.schemas import ListingIn
from likeness.errors import LikenessError
from likeness.policy import DEFAULT_CATEGORIES, DEFAULT_CHANNELS
from likeness.portal.forms import FormData, FormFiles
from likeness.portal.pages import SignedInViewer, TalentViewer, Viewer, render
from likeness.portal.terms_form import read_words
from likeness.provenance import StampConfig
from likeness.web.deps import RuntimeDep, SessionDep

router = APIRouter()

FIELDS = ("public_name", "bio", "channels", "categories", "currency", "rates")


def _values(session: SessionDep, viewer: Viewer, talent_id: str) -> dict[str, str] | None:
    try:
        row = catalogue.read(session, catalogue.get(session, viewer.signed_in, talent_id))
    except ListingNotFound:
        return None
    return {
        "public_name": row.public_name,
        "bio": row.bio or "",
        "channels": ", ".join(row.channels),
        "categories": ", ".join(row.categories),
        "currency": row.currency or "",
        "rates": ", ".join(f"{c}={v}" for c, v in row.rates_minor.items()),
        "opted_in": "on" if row.opted_in else "",
    }


def _page(
    viewer: Viewer,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> HTMLResponse:
    talent_id = viewer.signed_in.talent_id or ""
    saved = _values(session, viewer, talent_id) if talent_id else None
    listing = None
    if saved is not None:
        listing = catalogue.read(session, catalogue.get(session, viewer.signed_in, talent_id))
    return render(
        viewer,
        "talent/catalogue.html",
        status_code=status_code,
        title="Catalogue",
        listing=listing,
        values=values or saved or {"opted_in": "on", "currency": "EUR"},
        errors=errors or {},
        done=done,
        known_channels=DEFAULT_CHANNELS,
        known_categories=DEFAULT_CATEGORIES,
    )


@router.get("/talent/catalogue", response_class=HTMLResponse)
def catalogue_page(
    viewer: TalentViewer,
    session: SessionDep,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    return _page(viewer, session, done=done)


def _rates(text: str) -> dict[str, int] | str:
    rates: dict[str, int] = {}
    for pair in read_words(text):
        channel, sep, amount = pair.partition("=")
        if not sep or not amount.strip().isdigit() or not channel.strip():
            return f"write channel=amount in minor units, got {pair!r:.40}"
        rates[channel.strip()] = int(amount)
    return rates


@router.post("/talent/catalogue", response_class=HTMLResponse)
def save_listing(viewer: TalentViewer, session: SessionDep, fields: FormData) -> Response:
    """Write the listing (the same service as ``PUT /catalogue/{talent_id}``)."""
    values = {name: fields.get(name, "").strip() for name in FIELDS}
    values["opted_in"] = "on" if fields.get("opted_in") else ""
    rates = _rates(values["rates"])
    if isinstance(rates, str):
        return _page(viewer, session, values=values, errors={"rates": rates}, status_code=422)
    try:
        data = ListingIn(
            opted_in=bool(values["opted_in"]),
            public_name=values["public_name"],
            bio=values["bio"] or None,
            channels=read_words(values["channels"]),
            categories=read_words(values["categories"]),
            currency=values["currency"] or None,
            rates_minor=rates,
        )
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors() if e.get("loc")}
        errors = {("rates" if k == "rates_minor" else k): v for k, v in errors.items()}
        return _page(viewer, session, values=values, errors=errors, status_code=422)
    try:
        catalogue.save(session, viewer.signed_in, viewer.signed_in.talent_id or "", data)
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _page(
            viewer,
            session,
            values=values,
            errors={"_form": exc.message},
            # no listing yet ("save one first") is a form error, not a missing page
            status_code=422 if exc.status_code == 404 else exc.status_code,
        )
    shown = "saved+and+shown+to+brands" if data.opted_in else "saved,+hidden+from+brands"
    return RedirectResponse(f"/talent/catalogue?done={shown}", status_code=303)


@router.post("/talent/catalogue/picture", response_class=HTMLResponse)
def set_picture(
    viewer: TalentViewer, session: SessionDep, runtime: RuntimeDep, files: FormFiles
) -> Response:
    """Put the picture on file: stamped "CATALOGUE PREVIEW" and watermarked."""
    data = files.get("photo", b"")
    try:
        if not data:
            raise InvalidListing("choose a picture (JPEG, PNG or WebP)")
        catalogue.set_preview(
            session,
            viewer.signed_in,
            viewer.signed_in.talent_id or "",
            data,
            lambda: StampConfig.from_settings(runtime.settings),
        )
    except LikenessError as exc:
        session.rollback()
        return _page(
            viewer,
            session,
            errors={"photo": exc.message},
            status_code=exc.status_code,
        )
    return RedirectResponse("/talent/catalogue?done=picture+saved", status_code=303)


@router.post("/talent/catalogue/withdraw", response_class=HTMLResponse)
def withdraw(viewer: TalentViewer, session: SessionDep) -> Response:
    """Leave the catalogue: the listing and its picture are deleted."""
    catalogue.withdraw(session, viewer.signed_in, viewer.signed_in.talent_id or "")
    return RedirectResponse("/talent/catalogue?done=you+left+the+catalogue", status_code=303)


@router.get("/catalogue/{talent_id}/picture")
def picture(viewer: SignedInViewer, session: SessionDep, talent_id: str) -> Response:
    """The stamped catalogue picture, for whoever may see the listing (404 otherwise)."""
    found = catalogue.preview(session, viewer.signed_in, talent_id)
    return Response(
        content=found.image,
        media_type=found.media_type,
        headers={"Cache-Control": "private, max-age=60", "X-Content-SHA256": found.sha256},
    )
