"""Every SQL query about credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select
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
    session: Session, since: datetime, *, email: str, client: str
) -> tuple[Failures, Failures, Failures]:
    """How many logins failed since ``since``, and the latest, for this client on this
    account, for this client on any account, and for anyone on this account: one query."""
    of_account = LoginFailure.email == email
    of_client = LoginFailure.client == client
    columns: list[ColumnElement[Any]] = []
    for scope in (and_(of_account, of_client), of_client, of_account):
        columns += [func.count(case((scope, 1))), func.max(case((scope, LoginFailure.at)))]
    query = select(*columns).where(LoginFailure.at >= since, or_(of_account, of_client))
    row = session.execute(query).one()
    pair, by_client, by_account = (
        Failures(count=int(row[i]), last=None if row[i + 1] is None else ensure_utc(row[i + 1]))
        for i in (0, 2, 4)
    )
    return pair, by_client, by_account


def clear_failures(session: Session, email: str, client: str) -> None:
    """Forget one client's failures on one account (after it logged in)."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client == client)
    )


def prune_failures(session: Session, before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < before))
