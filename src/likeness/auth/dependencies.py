"""Who is calling: ``Authorization: Bearer <token>`` first, then the signed session cookie.

:func:`authenticate` is what :func:`likeness.web.actors.current_actor` runs for every
request; the app puts it on ``app.state.authenticate`` when it is built, so the role
aliases (``AnyActor``, ``OperatorActor``, …) live below the features in :mod:`likeness.web`.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from likeness.auth import cookies
from likeness.auth import service as auth_service
from likeness.auth.csrf import sends_credentials_header
from likeness.errors import Unauthorized
from likeness.identity.actor import Actor
from likeness.runtime import Runtime


def authenticate(request: Request, session: Session, runtime: Runtime) -> Actor:
    if sends_credentials_header(request.headers):
        scheme, _, token = request.headers["authorization"].partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use 'Authorization: Bearer <API token>'")
        return auth_service.authenticate_token(session, token.strip())
    settings = runtime.settings
    cookie = request.cookies.get(settings.session_cookie_name)
    if cookie:
        claims = cookies.read(settings.platform_secret(), cookie, settings.session_max_age_seconds)
        if claims is None:
            raise Unauthorized("session expired or invalid; log in again")
        return auth_service.authenticate_session(session, claims.user_id, claims.epoch)
    raise Unauthorized("authentication required")
