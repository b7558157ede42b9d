"""Signing in and out of the portal, and the home page that leads each role to its work.

The login form calls the same service as ``POST /api/v1/auth/login`` (so the same
throttling applies, and failures are counted the same way) and sets the same cookies.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from likeness.auth import service as auth_service
from likeness.auth.endpoints import end_session, start_session
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.portal.nav import start_page
from likeness.portal.pages import AnyViewer, SignedInViewer, render
from likeness.web.deps import RuntimeDep, SessionDep

router = APIRouter()


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another site, a scheme) is ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\t") or target.startswith("/login"):
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(viewer: AnyViewer) -> Response:
    """Anonymous: the login page. Signed in: the role's start page (or a welcome page)."""
    if viewer.actor is None:
        return RedirectResponse("/login", status_code=303)
    target = start_page(viewer.actor)
    if target is not None:
        return RedirectResponse(target, status_code=303)
    return render(viewer, "welcome.html", title="Welcome")


@router.get("/login", response_class=HTMLResponse)
def login_form(viewer: AnyViewer, next: str | None = None) -> Response:
    if viewer.actor is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(viewer, "login.html", title="Log in", next=safe_next(next), email="", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    viewer: AnyViewer,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        user = auth_service.login(session, runtime.settings, email, password, client)
    except (InvalidCredentials, LoginRateLimited) as exc:
        # Rendered, not raised: the failure the service counted is committed with the page.
        response = render(
            viewer,
            "login.html",
            status_code=exc.status_code,
            title="Log in",
            next=safe_next(next),
            email=email,
            error=exc.message,
        )
        for name, value in exc.headers.items():
            response.headers[name] = value
        return response
    redirect = RedirectResponse(safe_next(next), status_code=303)
    start_session(redirect, runtime.settings, user)
    return redirect


@router.post("/logout")
def logout(viewer: SignedInViewer, session: SessionDep, runtime: RuntimeDep) -> Response:
    """End the session everywhere (as the API's logout does) and go to the login page."""
    auth_service.logout_everywhere(session, viewer.signed_in)
    response = RedirectResponse("/login", status_code=303)
    end_session(response, runtime.settings)
    return response
