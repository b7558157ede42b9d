"""A license as its brand or agent negotiates it in the portal: the terms, the state, and
the actions the negotiation table leaves to the viewer (propose and counter take the terms
form, the same terms as the CLI; accept, withdraw, suspend and resume a reason at most).

Both the brand's and the agent's license pages call :func:`license_page` and
:func:`act`; the services decide who may do what (``available_actions``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from likeness.catalogue import service as catalogue
from likeness.errors import InvalidInput, LikenessError
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRead, TermsChangeIn, TransitionIn
from likeness.party import access as party_access
from likeness.policy import InvalidTerms, LicenseAction
from likeness.portal.pages import Viewer, render
from likeness.portal.terms_form import TermsForm, from_terms, read_terms

#: Actions that change the terms (they take the terms form).
TERMS_ACTIONS = (LicenseAction.propose, LicenseAction.counter)
#: Actions that take at most a reason.
SIMPLE_ACTIONS = (
    LicenseAction.accept,
    LicenseAction.withdraw,
    LicenseAction.suspend,
    LicenseAction.resume,
)
#: What the page says once an action went through.
DONE = {
    LicenseAction.propose: "Your terms were proposed to the brand.",
    LicenseAction.counter: "Your counter-offer was sent.",
    LicenseAction.accept: "Accepted: the talent signs the use consent next.",
    LicenseAction.withdraw: "Withdrawn.",
    LicenseAction.suspend: "Suspended.",
    LicenseAction.resume: "Resumed.",
}
_SIMPLE: dict[LicenseAction, Callable[..., Any]] = {
    LicenseAction.accept: licensing.accept,
    LicenseAction.withdraw: licensing.withdraw,
    LicenseAction.suspend: licensing.suspend,
    LicenseAction.resume: licensing.resume,
}


def brand_name(session: Session, viewer: Viewer, brand_id: str) -> str:
    try:
        return party_access.get_brand_for(session, viewer.signed_in, brand_id).name
    except LikenessError:
        return brand_id[:8]


def error_text(exc: LikenessError) -> str:
    if isinstance(exc, InvalidTerms):
        return "; ".join(exc.problems)
    return exc.message


def license_page(
    viewer: Viewer,
    session: Session,
    license_id: str,
    template: str,
    *,
    form: TermsForm | None = None,
    error: str | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> HTMLResponse:
    actor = viewer.signed_in
    read: LicenseRead = licensing.to_read(
        session, actor, licensing.get_for(session, actor, license_id)
    )
    names = catalogue.names(session, actor, [read.talent_id])
    return render(
        viewer,
        template,
        status_code=status_code,
        title=f"License {read.id[:8]}",
        lic=read,
        talent_name=names.get(read.talent_id, f"talent {read.talent_id[:8]}"),
        brand=brand_name(session, viewer, read.brand_id),
        form=form or from_terms(read.terms),
        terms_actions=[a.value for a in read.available_actions if a in TERMS_ACTIONS],
        simple_actions=[a.value for a in read.available_actions if a in SIMPLE_ACTIONS],
        error=error,
        done=done,
    )


def act(
    viewer: Viewer,
    session: Session,
    license_id: str,
    fields: dict[str, str],
    template: str,
    back: str,
) -> Response:
    """Apply the posted action; on an error show the page again with what was typed."""
    actor = viewer.signed_in
    try:
        action = LicenseAction(fields.get("action", ""))
    except ValueError:
        action = None
    version = int(fields["version"]) if fields.get("version", "").isdigit() else None
    form: TermsForm | None = None
    try:
        if action in TERMS_ACTIONS:
            terms, form = read_terms(fields)
            if terms is None:
                return license_page(
                    viewer,
                    session,
                    license_id,
                    template,
                    form=form,
                    error="Check the terms: see the fields marked below.",
                    status_code=422,
                )
            change = TermsChangeIn(terms=terms, version=version)
            step = licensing.propose if action is LicenseAction.propose else licensing.counter
            step(session, actor, license_id, change)
        elif action in _SIMPLE:
            reason = fields.get("reason", "").strip() or None
            _SIMPLE[action](
                session, actor, license_id, TransitionIn(version=version, reason=reason)
            )
        else:
            raise InvalidInput("choose an action")
        assert action is not None
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return license_page(
            viewer,
            session,
            license_id,
            template,
            form=form,
            error=error_text(exc),
            status_code=exc.status_code,
        )
    return RedirectResponse(f"{back}?done={DONE[action]}", status_code=303)
