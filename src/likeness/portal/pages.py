"""The helpers every portal page uses: who is looking, and rendering a template for them.

A page route takes a :class:`Viewer` (``AnyViewer``: anyone, signed in or not) or a
role-bound one (``TalentViewer``, ``BrandViewer``, …, see :func:`signed_in`), calls the
services with ``viewer.actor`` exactly as the API endpoint would, and returns
:func:`render`::

    @router.get("/talent/inbox", response_class=HTMLResponse)
    def inbox(viewer: TalentViewer, session: SessionDep) -> HTMLResponse:
        items = consent_service.list_for_actor(session, viewer.actor)
        return render(viewer, "talent/inbox.html", items=items)

Every template receives ``viewer`` (its ``actor``, ``csrf_token`` and ``nav``), the
``request`` and what the route passes. An anonymous caller of a signed-in page is sent
to the login page (:class:`LoginRequired`, turned into a redirect by
:func:`likeness.portal.errors.page_error`); a caller with the wrong role gets 403, and
things the caller may not see are 404, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from likeness.auth.csrf import token_for_request
from likeness.errors import Forbidden, Unauthorized
from likeness.identity.actor import Actor
from likeness.models.party import Role
from likeness.portal.nav import NavItem, nav_for
from likeness.web.actors import Authenticator
from likeness.web.deps import RuntimeDep, SessionDep

TEMPLATES_DIR = Path(__file__).parent / "templates"


class LoginRequired(Unauthorized):
    """A signed-in page was asked for without a (valid) session: go to the login page."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: the request, the actor (None: anonymous), the CSRF token."""

    request: Request
    actor: Actor | None
    csrf_token: str | None
    nav: list[NavItem] = field(default_factory=list)

    @property
    def signed_in(self) -> Actor:
        """The actor of a page that needs one (role-bound viewers always have it)."""
        if self.actor is None:
            raise LoginRequired("log in to see this page")
        return self.actor


def current_viewer(request: Request, session: SessionDep, runtime: RuntimeDep) -> Viewer:
    """The viewer of any page. A bearer token does not sign into the portal, and a stale or
    invalid cookie reads as anonymous (the page then offers the login)."""
    actor: Actor | None = None
    if request.cookies.get(runtime.settings.session_cookie_name) and not request.headers.get(
        "authorization"
    ):
        authenticate: Authenticator = request.app.state.authenticate
        try:
            actor = authenticate(request, session, runtime)
        except Unauthorized:
            actor = None
    token = token_for_request(request, runtime.settings) if actor is not None else None
    badges = badges_for(session, actor) if actor is not None else {}
    return Viewer(request=request, actor=actor, csrf_token=token, nav=nav_for(actor, badges))


def badges_for(session: Session, actor: Actor) -> dict[str, int]:
    """What waits for ``actor``, by page (href → count), for the header's counts: the
    portal's notifications. Add your role's counts here."""
    from likeness.portal.notifications import unread_count

    badges = {"/notifications": unread_count(session, actor)}
    if actor.role in (Role.talent, Role.agent, Role.operator):
        from likeness.portal.monitoring import open_count

        badges["/monitoring"] = open_count(session, actor)
    if actor.role is Role.talent:
        from likeness.portal.talent import waiting_count

        badges["/talent/inbox"] = waiting_count(session, actor)
    return badges


AnyViewer = Annotated[Viewer, Depends(current_viewer)]


def signed_in(*roles: Role) -> Callable[[Viewer], Viewer]:
    """A dependency: the viewer must be signed in, with one of ``roles`` (any if none)."""
    allowed = frozenset(roles)

    def check(viewer: AnyViewer) -> Viewer:
        actor = viewer.signed_in
        if allowed and actor.role not in allowed:
            raise Forbidden("this page is not for your role")
        return viewer

    return check


SignedInViewer = Annotated[Viewer, Depends(signed_in())]
TalentViewer = Annotated[Viewer, Depends(signed_in(Role.talent))]
AgentViewer = Annotated[Viewer, Depends(signed_in(Role.agent))]
BrandViewer = Annotated[Viewer, Depends(signed_in(Role.brand))]
OperatorViewer = Annotated[Viewer, Depends(signed_in(Role.operator))]


def _time(value: datetime | date | str | None, style: str = "datetime") -> Markup:
    """``<time>`` in UTC; static/portal.js rewrites its text in the viewer's locale. An
    ISO 8601 string (as documents carry them) is read first; one that is not is shown as is."""
    if value is None:
        return Markup("—")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return escape(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        iso = value.isoformat().replace("+00:00", "Z")
        text = value.strftime("%Y-%m-%d %H:%M UTC" if style == "datetime" else "%Y-%m-%d")
    else:
        iso = text = value.isoformat()
        style = "date"
    return Markup('<time datetime="{}" data-style="{}">{}</time>').format(iso, escape(style), text)


def _money(minor: int | None, currency: str = "EUR") -> str:
    if minor is None:
        return "—"
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d} {currency}"


def _amount(minor: int | None, currency: str | None) -> str:
    """Minor units in the currency's own decimals (JPY none, BHD three)."""
    from likeness.catalogue.rules import format_amount

    return "—" if minor is None else format_amount(minor, currency or "EUR")


def _to_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 string from a stored document (license terms) as a datetime."""
    return datetime.fromisoformat(value) if value else None


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["time"] = _time
templates.env.filters["money"] = _money
templates.env.filters["short"] = lambda value: str(value)[:8] if value else ""
templates.env.filters["amount"] = _amount
templates.env.filters["todatetime"] = _to_datetime


def render(
    viewer: Viewer, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render ``template`` for ``viewer``: the layout gets its actor, CSRF token and nav."""
    return templates.TemplateResponse(
        viewer.request,
        template,
        {"viewer": viewer, **context},
        status_code=status_code,
    )
