"""The notifications page of every role that has notifications: talent and agents read
their inbox (:mod:`likeness.inbox`), brands their rights notifications; mark one or all
read (CSRF-checked forms). The header shows the unread count next to the link."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.inbox import service as inbox
from likeness.licensing import notifications as rights
from likeness.models.party import Role
from likeness.portal.pages import SignedInViewer, render
from likeness.portal.paging import PageNo, cut, window
from likeness.web.deps import SessionDep

router = APIRouter()

PATH = "/notifications"
#: The roles with notifications (operators read every brand's through the API).
ROLES = (Role.talent, Role.agent, Role.brand)
Done = Annotated[str | None, Query(max_length=200)]


def unread_count(session: Session, actor: Actor) -> int:
    """The header's count: unread notifications of ``actor``."""
    if actor.role is Role.brand:
        return len(rights.list_for(session, actor, unread_only=True, limit=100))
    if actor.role in ROLES:
        return inbox.unread_count(session, actor)
    return 0


def _rows(session: Session, actor: Actor, *, limit: int, offset: int) -> list[Any]:
    if actor.role is Role.brand:
        return list(rights.list_for(session, actor, limit=limit, offset=offset))
    if actor.role in ROLES:
        return list(inbox.list_for(session, actor, limit=limit, offset=offset))
    return []


@router.get(PATH, response_class=HTMLResponse)
def notifications_page(
    viewer: SignedInViewer, session: SessionDep, done: Done = None, page: PageNo = 1
) -> HTMLResponse:
    actor = viewer.signed_in
    limit, offset = window(page)
    rows, more = cut(_rows(session, actor, limit=limit, offset=offset))
    return render(
        viewer,
        "notifications.html",
        title="Notifications",
        rows=rows,
        done=done,
        page=page,
        more=more,
        unread=unread_count(session, actor),
    )


@router.post(f"{PATH}/read", response_class=HTMLResponse)
def mark_all_read(viewer: SignedInViewer, session: SessionDep) -> RedirectResponse:
    actor = viewer.signed_in
    if actor.role is Role.brand:
        count = rights.mark_all_read(session, actor)
    else:
        count = inbox.mark_all_read(session, actor)
    message = f"{count} marked read" if count else "Nothing was unread"
    return RedirectResponse(f"{PATH}?done={quote(message)}", status_code=303)


@router.post(f"{PATH}/{{notification_id}}/read", response_class=HTMLResponse)
def mark_read(
    notification_id: str, viewer: SignedInViewer, session: SessionDep
) -> RedirectResponse:
    actor = viewer.signed_in
    if actor.role is Role.brand:
        rights.mark_read(session, actor, notification_id)
    else:
        inbox.mark_read(session, actor, notification_id)  # another's: 404
    return RedirectResponse(f"{PATH}?done={quote('Marked read')}", status_code=303)
