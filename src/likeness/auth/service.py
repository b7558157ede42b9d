"""Authentication: who is this, and may they log in now?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.auth import access, repository, rules
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.errors import InvalidInput, NotFound, Unauthorized
from likeness.identity.actor import Actor
from likeness.identity.passwords import verify_password
from likeness.kit.clock import utcnow
from likeness.models.auth import ApiToken, LoginFailure
from likeness.models.party import User
from likeness.party import repository as parties
from likeness.party.rules import has_control_characters, normalise_email
from likeness.settings import Settings

LAST_USED_RESOLUTION = timedelta(minutes=1)


def actor_for_user(session: Session, user: User, via: str) -> Actor:
    talent = parties.talent_for_user(session, user.id)
    return Actor(
        user_id=user.id,
        email=user.email,
        role=user.role,
        talent_id=talent.id if talent else None,
        agency_ids=frozenset(parties.agency_ids_for_user(session, user.id)),
        brand_ids=frozenset(parties.brand_ids_for_user(session, user.id)),
        via=via,
    )


def login_throttle(settings: Settings) -> rules.LoginThrottle:
    base, cap = settings.login_backoff_base_seconds, settings.login_backoff_max_seconds
    return rules.LoginThrottle(
        pair=rules.Backoff(settings.login_max_failures, base, cap),
        client=rules.Backoff(settings.login_max_failures_per_client, base, cap),
        account=rules.Backoff(
            settings.login_max_failures_per_account,
            base,
            settings.login_account_backoff_max_seconds,
        ),
    )


def login(session: Session, settings: Settings, email: str, password: str, client: str) -> User:
    """Check a password unless this client must back off (see :func:`rules.login_wait`).

    ``client`` is the peer address (the forwarded one only behind a trusted proxy).
    Failures are counted per account and client within a sliding window; a success
    forgets this client's failures on this account.
    """
    try:
        email = normalise_email(email)
    except InvalidInput:
        raise InvalidCredentials("wrong email or password") from None
    now = utcnow()
    window_start = now - timedelta(seconds=settings.login_failure_window_seconds)
    client = rules.client_key(client)
    repository.lock_login(session, email)
    repository.lock_login_client(session, client)
    pair, by_client, by_account = repository.failures(
        session, window_start, email=email, client=client
    )
    wait = rules.login_wait(
        login_throttle(settings), pair=pair, client=by_client, account=by_account, now=now
    )
    if wait > 0:
        seconds = math.ceil(wait)
        raise LoginRateLimited(
            f"too many failed logins; try again in {seconds} seconds",
            retry_after_seconds=seconds,
        )
    user = parties.user_by_email(session, email)
    # Always run one Argon2 check, so response time reveals nothing about the account.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not password_ok:
        repository.prune_failures(session, window_start)
        # Stamped after the slow check, so the back-off runs from when the answer went out.
        session.add(LoginFailure(email=email, client=client, at=utcnow()))
        session.flush()
        raise InvalidCredentials("wrong email or password")
    repository.clear_failures(session, email, client)
    return user


def authenticate_token(session: Session, token: str) -> Actor:
    if not rules.looks_like_token(token):
        raise Unauthorized("invalid API token")
    record = repository.token_by_hash(session, rules.hash_token(token))
    if record is None or record.revoked_at is not None:
        raise Unauthorized("invalid or revoked API token")
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the token's user is disabled")
    now = utcnow()
    # Writing on every request would serialise parallel requests on the token row.
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        record.last_used_at = now
    return actor_for_user(session, user, via="token")


def authenticate_session(session: Session, user_id: str, epoch: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.session_epoch != epoch:
        raise Unauthorized("session expired; log in again")
    return actor_for_user(session, user, via="session")


def logout_everywhere(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("no such user")
    user.session_epoch += 1
    audit.record(session, actor, "user.sessions_revoked", "user", user.id, {})


def create_token(session: Session, actor: Actor, name: str) -> tuple[ApiToken, str]:
    if actor.user_id is None:
        raise InvalidInput("the local CLI operator has no user; create tokens for a user (--as)")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("token name must be 1..100 characters")
    if has_control_characters(name):
        raise InvalidInput("token name must not contain control characters")
    fresh = rules.new_token()
    token = ApiToken(
        user_id=actor.user_id, name=name, token_hash=fresh.token_hash, prefix=fresh.prefix
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.created", "api_token", token.id, {"name": name})
    return token, fresh.plaintext


def list_tokens(session: Session, actor: Actor) -> Sequence[ApiToken]:
    if actor.user_id is None:
        return []
    return repository.tokens_for_user(session, actor.user_id)


def revoke_token(session: Session, actor: Actor, token_id: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or not access.may_manage_token(actor, token):
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "token.revoked", "api_token", token.id, {})
    return token
