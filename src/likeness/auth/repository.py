"""Every SQL query about credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

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


def count_client_failures(session: Session, client: str, since: datetime) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.client == client, LoginFailure.at >= since)
        ).scalar_one()
    )


def count_failures(session: Session, email: str, since: datetime) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == email, LoginFailure.at >= since)
        ).scalar_one()
    )


def clear_failures(session: Session, email: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))


def prune_failures(session: Session, before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < before))
