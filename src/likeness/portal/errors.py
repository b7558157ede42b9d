"""Errors on portal pages answer HTML: a page saying what went wrong, or the login page.

:func:`likeness.api.app.create_app` sends every error raised on a portal path
(:func:`likeness.portal.paths.is_portal_path`) here instead of to the API's JSON handler.
The status codes are the API's: 404 for what the caller may not see, 403 for the wrong
role, 413 for a body over the limit; an anonymous caller of a signed-in page is
redirected (303) to ``/login?next=…``.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Scope

from likeness.errors import LikenessError, Unauthorized
from likeness.portal.nav import nav_for
from likeness.portal.pages import Viewer, templates
from likeness.portal.paths import is_portal_path

logger = logging.getLogger("likeness.portal")

_TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not for your account",
    404: "Not found",
    405: "Not allowed",
    409: "That cannot be done now",
    413: "Too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Unavailable",
}


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.method != "GET":
        target = "/"
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """A plain error page in the portal's layout (no actor: it may be the session that failed)."""
    viewer = Viewer(request=request, actor=None, csrf_token=None, nav=nav_for(None))
    title = _TITLES.get(status_code, "That did not work")
    return templates.TemplateResponse(
        request,
        "error.html",
        {"viewer": viewer, "title": title, "message": message, "status": status_code},
        status_code=status_code,
    )


def page_error(request: Request, exc: LikenessError) -> Response:
    if isinstance(exc, Unauthorized):
        return login_redirect(request)
    response = error_page(request, exc.status_code, exc.message)
    for name, value in exc.headers.items():
        response.headers[name] = value
    return response


def unexpected_page_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on a portal page", exc_info=exc)
    return error_page(request, 500, "Unexpected server error; it has been logged.")


def csrf_refusal(scope: Scope, exc: LikenessError) -> Response | None:
    """A refused cross-site or stale form on a portal page: a page that says what to do
    (the CSRF middleware answers the API's JSON everywhere else)."""
    if scope.get("type") != "http" or not is_portal_path(scope.get("path", "")):
        return None
    message = (
        "This form could not be accepted: it expired (you logged in again elsewhere) or it "
        f"came from another site. Reload the page and try again. ({exc.message})"
    )
    return error_page(Request(scope), exc.status_code, message)
