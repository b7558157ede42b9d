"""Every SQL query about credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from likeness.auth.rules import Failures
from likeness.kit.clock import ensure_utc
from likeness.models.auth import ApiToken, LoginFailure


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash)
    ).scalar_one_or_none()


def tokens_for_user(session: Session, user_id: str) -> Sequence[ApiToken]:
    return (
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at)
        )
        .scalars()
        .all()
    )


def lock_login(session: Session, email: str) -> None:
    """Serialise logins for one account, so parallel guesses cannot all pass the count.

    PostgreSQL: a transaction-scoped advisory lock on the email. SQLite transactions
    already hold the database write lock (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(email))))


_CLIENT_LOCK_SPACE = 0x4C4B  # "LK"


def lock_login_client(session: Session, client: str) -> None:
    """Serialise logins from one client too (taken after the account's lock, always), so
    parallel guesses at many accounts cannot all pass the client's count.

    The two-key advisory lock lives in a key space apart from the account's one-key lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(func.pg_advisory_xact_lock(_CLIENT_LOCK_SPACE, func.hashtext(client)))
        )


def failures(
    session: Session, since: datetime, *, email: str | None = None, client: str | None = None
) -> Failures:
    """How many logins failed since ``since`` for this account and/or client, and the latest."""
    query = select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at >= since)
    if email is not None:
        query = query.where(LoginFailure.email == email)
    if client is not None:
        query = query.where(LoginFailure.client == client)
    count, last = session.execute(query).one()
    return Failures(count=int(count), last=ensure_utc(last) if last is not None else None)


def clear_failures(session: Session, email: str, client: str) -> None:
    """Forget one client's failures on one account (after it logged in)."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client == client)
    )


def prune_failures(session: Session, before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < before))
