"""The caller of a request, and role requirements as typed dependency aliases.

    @router.post("/brands")
    def create_brand(actor: OperatorActor, session: SessionDep, ...): ...

Who the caller is, is decided by the authenticator the app was built with
(:func:`likeness.web.actors.authenticate`, put on ``app.state.authenticate`` by
:func:`likeness.api.app.create_app`): request dependencies sit below the features, and
authentication is itself a feature (it needs users, tokens and the audit chain), so it
is injected rather than imported. A role alias answers 401 without credentials and 403
with the wrong role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.models.party import Role
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.web.deps import RuntimeDep, SessionDep

#: ``authenticate(request, session, runtime) -> Actor``, raising ``Unauthorized``.
Authenticator = Callable[[Request, Session, Runtime], Actor]


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
    authenticate: Authenticator = request.app.state.authenticate
    return authenticate(request, session, runtime)


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
