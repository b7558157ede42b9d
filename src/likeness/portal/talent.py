"""The talent's pages: the inbox (what waits for her), consents (read the whole document,
sign it, revoke it), outputs to review, "my likeness" (every released image of her) and
her twins.

Every page calls the services the API calls, with the talent's Actor: signing goes
through :func:`likeness.licensing.service.sign_consent` (the same typed name, statement,
SHA-256 binding and audit event as ``likeness consent sign`` and
``POST /api/v1/consents/{id}/sign``), reviewing through
:func:`likeness.output.service.approve` / ``reject``, revoking through
:func:`likeness.licensing.service.revoke_consent`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from likeness.asset import service as assets
from likeness.consent import service as consents
from likeness.consent.errors import IntentNotShown
from likeness.consent.signing import AFFIRMATION, TalentKeyring
from likeness.errors import LikenessError
from likeness.identity.actor import Actor
from likeness.licensing import service as licensing
from likeness.models.asset import AssetKind, AssetStatus
from likeness.models.party import Brand
from likeness.output import service as outputs
from likeness.policy import ConsentStatus, LicenseStatus
from likeness.portal.pages import TalentViewer, Viewer, render
from likeness.twin import service as twins
from likeness.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/talent")

PAGE_SIZE = 50
INBOX_LIMIT = 50
#: Negotiation states shown in the inbox, with what happens next.
NEGOTIATION_STEPS: dict[LicenseStatus, str] = {
    LicenseStatus.requested: "requested by the brand; your agent proposes terms",
    LicenseStatus.proposed: "terms proposed; the brand answers",
    LicenseStatus.countered: "the brand countered; your agent answers",
    LicenseStatus.accepted: "terms accepted; sign its use consent (above) to start it",
}


def _talent_id(actor: Actor) -> str | None:
    return actor.talent_id


def brand_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The names of the brands these ids name (the counterparties of her own licenses)."""
    names: dict[str, str] = {}
    for brand_id in set(ids):
        brand = session.get(Brand, brand_id)
        names[brand_id] = brand.name if brand is not None else brand_id[:8]
    return names


def waiting_count(session: Session, actor: Actor) -> int:
    """What waits for the talent: consents to sign and outputs to review (the inbox badge)."""
    drafts = consents.list_for(
        session, actor, talent_id=actor.talent_id, status=ConsentStatus.draft, limit=INBOX_LIMIT
    )
    queue = outputs.list_for(session, actor, queue=True, limit=INBOX_LIMIT)
    return len(drafts) + len(queue)


def _done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={quote(message)}", status_code=303)


# --- the inbox ---------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox(viewer: TalentViewer, session: SessionDep, done: str | None = None) -> HTMLResponse:
    actor = viewer.signed_in
    talent_id = _talent_id(actor)
    to_sign = [
        consents.to_read(session, c)
        for c in consents.list_for(
            session, actor, talent_id=talent_id, status=ConsentStatus.draft, limit=INBOX_LIMIT
        )
    ]
    to_review = outputs.to_reads(
        session, outputs.list_for(session, actor, queue=True, limit=INBOX_LIMIT)
    )
    negotiations = [
        lic
        for status in NEGOTIATION_STEPS
        for lic in licensing.list_for(
            session, actor, status=status, talent_id=talent_id, limit=INBOX_LIMIT
        )
    ]
    taken_down = assets.list_for(
        session, actor, talent_id=talent_id, status=AssetStatus.taken_down, limit=20
    )
    names = brand_names(
        session,
        [o.brand_id for o in to_review]
        + [lic.brand_id for lic in negotiations]
        + [a.brand_id for a in taken_down],
    )
    return render(
        viewer,
        "talent/inbox.html",
        title="Inbox",
        done=done,
        to_sign=to_sign,
        to_review=to_review,
        negotiations=negotiations,
        steps=NEGOTIATION_STEPS,
        taken_down=taken_down,
        brands=names,
    )


# --- consents: read, sign, revoke -------------------------------------------------------


def _consent_page(
    viewer: Viewer,
    session: Session,
    consent_id: str,
    *,
    status_code: int = 200,
    done: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    actor = viewer.signed_in
    consent, document = consents.document_view(session, actor, consent_id)
    read = consents.to_read(session, consent)
    effects = None
    active_images = 0
    if consent.status is ConsentStatus.signed:
        effects = licensing.revocation_effects(session, actor, consent.id)
        active_images = assets.active_releases_under(session, [lic.id for lic in effects.licenses])
    names = brand_names(session, [lic.brand_id for lic in effects.licenses] if effects else [])
    return render(
        viewer,
        "talent/consent.html",
        status_code=status_code,
        title=document["title"],
        consent=read,
        document=document,
        affirmation=AFFIRMATION,
        effects=effects,
        active_images=active_images,
        brands=names,
        done=done,
        form=form or {},
        errors=errors or {},
    )


@router.get("/consents/{consent_id}", response_class=HTMLResponse)
def consent_page(
    consent_id: str, viewer: TalentViewer, session: SessionDep, done: str | None = None
) -> HTMLResponse:
    """The whole consent document, as it will be signed; the sign or revoke form."""
    return _consent_page(viewer, session, consent_id, done=done)


@router.post("/consents/{consent_id}/sign", response_class=HTMLResponse)
def sign(
    consent_id: str,
    viewer: TalentViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    document_sha256: Annotated[str, Form(max_length=64)] = "",
    typed_name: Annotated[str, Form(max_length=200)] = "",
    statement: Annotated[str, Form(max_length=500)] = "",
    sign_with_key: Annotated[bool, Form()] = False,
) -> Response:
    """Sign as the CLI and the API sign: typed legal name, the statement, the document's
    SHA-256 (the one shown on the page), optionally an Ed25519 key; audited the same way."""
    intent = consents.Intent(typed_name, statement, sign_with_key, shown_sha256=document_sha256)
    keyring = TalentKeyring(runtime.settings.keys_dir)
    try:
        licensing.sign_consent(session, viewer.signed_in, consent_id, intent, keyring)
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()  # nothing of a refused signature is kept
        fields = exc.fields if isinstance(exc, IntentNotShown) else {}
        return _consent_page(
            viewer,
            session,
            consent_id,
            status_code=exc.status_code,
            form={"typed_name": typed_name, "statement": statement, "sign_with_key": sign_with_key},
            errors=fields or {"sign": exc.message},
        )
    return _done(f"/talent/consents/{consent_id}", "Signed. Thank you.")


@router.post("/consents/{consent_id}/revoke", response_class=HTMLResponse)
def revoke(
    consent_id: str,
    viewer: TalentViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    reason: Annotated[str, Form(max_length=500)] = "",
    understood: Annotated[bool, Form()] = False,
) -> Response:
    """Revoke after the warning: no new use from now on; brands are told to take down."""
    if not understood:
        return _consent_page(
            viewer,
            session,
            consent_id,
            status_code=422,
            form={"reason": reason},
            errors={"understood": "tick the box to confirm you understand what revoking ends"},
        )
    try:
        licensing.revoke_consent(
            session, viewer.signed_in, runtime.storage, consent_id, reason.strip() or None
        )
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _consent_page(
            viewer,
            session,
            consent_id,
            status_code=exc.status_code,
            form={"reason": reason},
            errors={"revoke": exc.message},
        )
    return _done(f"/talent/consents/{consent_id}", "Consent revoked.")


# --- outputs: review ---------------------------------------------------------------------


def _output_page(
    viewer: Viewer,
    session: Session,
    output_id: str,
    *,
    status_code: int = 200,
    done: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    output = outputs.get_for(session, viewer.signed_in, output_id)
    read = outputs.to_read(session, output)
    return render(
        viewer,
        "talent/output.html",
        status_code=status_code,
        title="Output to review",
        output=read,
        brands=brand_names(session, [read.brand_id]),
        done=done,
        form=form or {},
        errors=errors or {},
    )


@router.get("/outputs/{output_id}", response_class=HTMLResponse)
def output_page(
    output_id: str, viewer: TalentViewer, session: SessionDep, done: str | None = None
) -> HTMLResponse:
    return _output_page(viewer, session, output_id, done=done)


@router.get("/outputs/{output_id}/preview")
def output_preview(
    output_id: str, viewer: TalentViewer, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """The marked preview ("PREVIEW — not for publication"); reading it is audited."""
    _, asset, data = outputs.preview(session, viewer.signed_in, runtime.storage, output_id)
    return Response(
        content=data,
        media_type=asset.media_type,
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("/outputs/{output_id}/approve", response_class=HTMLResponse)
def approve_output(
    output_id: str,
    viewer: TalentViewer,
    session: SessionDep,
    version: Annotated[int | None, Form()] = None,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        outputs.approve(
            session, viewer.signed_in, output_id, reason=note or None, expected_version=version
        )
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _output_page(
            viewer, session, output_id, status_code=exc.status_code,
            form={"note": note}, errors={"approve": exc.message},
        )  # fmt: skip
    return _done(f"/talent/outputs/{output_id}", "Approved: the brand may now release it.")


@router.post("/outputs/{output_id}/reject", response_class=HTMLResponse)
def reject_output(
    output_id: str,
    viewer: TalentViewer,
    session: SessionDep,
    version: Annotated[int | None, Form()] = None,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        outputs.reject(
            session, viewer.signed_in, output_id, reason=reason, expected_version=version
        )
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        field = "reason" if not reason.strip() else "reject"
        return _output_page(
            viewer, session, output_id, status_code=exc.status_code,
            form={"reason": reason}, errors={field: exc.message},
        )  # fmt: skip
    return _done(f"/talent/outputs/{output_id}", "Rejected: it will never be released.")


# --- my likeness, my twins ---------------------------------------------------------------


@router.get("/likeness", response_class=HTMLResponse)
def my_likeness(viewer: TalentViewer, session: SessionDep, page: int = 1) -> HTMLResponse:
    """Every image released of her: where, for whom, under which license, status, downloads."""
    actor = viewer.signed_in
    page = max(1, min(page, 10_000))
    rows = assets.list_for(
        session,
        actor,
        talent_id=_talent_id(actor),
        kind=AssetKind.release,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(
        viewer,
        "talent/likeness.html",
        title="My likeness",
        assets=assets.to_reads(session, rows),
        downloads=assets.download_counts(session, rows),
        brands=brand_names(session, [a.brand_id for a in rows]),
        page=page,
        more=more,
    )


@router.get("/consents", response_class=HTMLResponse)
def twins_and_consents(viewer: TalentViewer, session: SessionDep, page: int = 1) -> HTMLResponse:
    actor = viewer.signed_in
    page = max(1, min(page, 10_000))
    rows = consents.list_for(
        session,
        actor,
        talent_id=_talent_id(actor),
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    more = len(rows) > PAGE_SIZE
    return render(
        viewer,
        "talent/consents.html",
        title="My twins and consents",
        twins=twins.list_twins(session, actor, _talent_id(actor)),
        consents=[consents.to_read(session, c) for c in rows[:PAGE_SIZE]],
        page=page,
        more=more,
    )
