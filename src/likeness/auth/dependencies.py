"""Role requirements as typed dependency aliases.

    @router.post("/brands")
    def create_brand(actor: OperatorActor, session: SessionDep, ...): ...

The caller is found from ``Authorization: Bearer <token>`` first, then from the
signed session cookie. A role alias answers 401 without credentials and 403 with the
wrong role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from likeness.api.deps import RuntimeDep, SessionDep
from likeness.auth import cookies
from likeness.auth import service as auth_service
from likeness.auth.actor import Actor
from likeness.errors import Forbidden, Unauthorized
from likeness.models.party import Role
from likeness.settings import Settings

# Declared so that the OpenAPI description shows which operations authenticate, and how;
# neither refuses anything itself (current_actor reads the header and the cookie).
_BEARER = HTTPBearer(
    scheme_name="bearer", description="an API token (`likeness token create`)", auto_error=False
)
_SESSION = APIKeyCookie(
    name=str(Settings.model_fields["session_cookie_name"].default),
    scheme_name="session",
    description="the session cookie set by POST /api/v1/auth/login",
    auto_error=False,
)
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
SessionCookieDoc = Annotated[str | None, Depends(_SESSION)]


def current_actor(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    _bearer: BearerDoc = None,
    _cookie: SessionCookieDoc = None,
) -> Actor:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
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


AnyActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: Role) -> Callable[[Actor], Actor]:
    allowed = frozenset(roles)

    def check(actor: AnyActor) -> Actor:
        if actor.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"this needs one of the roles: {names}")
        return actor

    return check


OperatorActor = Annotated[Actor, Depends(require(Role.operator))]
TalentActor = Annotated[Actor, Depends(require(Role.talent))]
AgentActor = Annotated[Actor, Depends(require(Role.agent))]
BrandActor = Annotated[Actor, Depends(require(Role.brand))]
TalentOrAgentActor = Annotated[Actor, Depends(require(Role.talent, Role.agent, Role.operator))]
BrandOrOperatorActor = Annotated[Actor, Depends(require(Role.brand, Role.operator))]
