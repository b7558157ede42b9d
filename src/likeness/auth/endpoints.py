"""Login, logout, who-am-I and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from likeness.auth import cookies, csrf
from likeness.auth import service as auth_service
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.auth.schemas import LoginRequest, Me, TokenCreate, TokenCreated, TokenRead
from likeness.errors import NotFound
from likeness.models.party import User
from likeness.settings import Settings
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["auth"])


def _me(actor: AnyActor) -> Me:
    return Me(
        user_id=actor.user_id,
        email=actor.email,
        role=actor.role,
        talent_id=actor.talent_id,
        agency_ids=sorted(actor.agency_ids),
        brand_ids=sorted(actor.brand_ids),
    )


def start_session(response: Response, settings: Settings, user: User) -> None:
    """Set the session cookie (HttpOnly, SameSite=Lax, Secure in production) and the CSRF
    cookie the page's scripts echo; the portal's login form uses this too."""
    secret = settings.platform_secret()
    cookie = cookies.issue(secret, cookies.SessionClaims(user.id, user.session_epoch))
    response.set_cookie(
        settings.session_cookie_name,
        cookie,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
    )
    # Readable by the page's scripts: they echo it in the X-CSRF-Token header.
    response.set_cookie(
        settings.csrf_cookie_name,
        csrf.token_for_cookie(secret, cookie),
        max_age=settings.session_max_age_seconds,
        httponly=False,
        samesite="strict",
        secure=settings.is_production,
    )


def end_session(response: Response, settings: Settings) -> None:
    response.delete_cookie(settings.session_cookie_name)
    response.delete_cookie(settings.csrf_cookie_name)


@router.post(
    "/auth/login",
    response_model=Me,
    responses=error_responses(InvalidCredentials, LoginRateLimited),
)
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Me:
    settings = runtime.settings
    # The peer address; uvicorn replaces it with the forwarded client only when the peer
    # is one of LIKENESS_TRUSTED_PROXIES (see `likeness serve`).
    client = request.client.host if request.client else "unknown"
    user = auth_service.login(session, settings, body.email, body.password, client)
    start_session(response, settings, user)
    return _me(auth_service.actor_for_user(session, user, via="session"))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    actor: AnyActor, session: SessionDep, response: Response, runtime: RuntimeDep
) -> Response:
    """End the session: the cookie is cleared and every issued cookie stops working."""
    auth_service.logout_everywhere(session, actor)
    end_session(response, runtime.settings)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/auth/me", response_model=Me)
def me(actor: AnyActor) -> Me:
    return _me(actor)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, actor: AnyActor, session: SessionDep) -> TokenCreated:
    token, plaintext = auth_service.create_token(session, actor, body.name)
    return TokenCreated.shown_once(token, plaintext)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(actor: AnyActor, session: SessionDep) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in auth_service.list_tokens(session, actor)]


@router.delete("/tokens/{token_id}", response_model=TokenRead, responses=error_responses(NotFound))
def revoke_token(token_id: str, actor: AnyActor, session: SessionDep) -> TokenRead:
    return TokenRead.model_validate(auth_service.revoke_token(session, actor, token_id))
