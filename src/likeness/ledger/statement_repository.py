"""The statement's queries: one per part, over one party's account in one currency.

Each reads the account's entries joined to their transactions (a statement's numbers
are sums of entries, so they tie to the account's balance); :func:`lines` streams.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import String, and_, case, extract, func, select, type_coerce
from sqlalchemy.orm import Session

from likeness.models.ledger import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from likeness.models.party import Agency, Brand, TalentProfile

#: Rows fetched at a time while streaming a statement's lines.
CHUNK = 5_000

_PAYMENTS = ("payout", "collection")


def account_id(session: Session, kind: AccountKind, party_id: str, currency: str) -> str | None:
    query = select(LedgerAccount.id).where(
        LedgerAccount.kind == kind,
        LedgerAccount.party_id == party_id,
        LedgerAccount.currency == currency,
    )
    return session.execute(query).scalar()


def currencies(session: Session, kind: AccountKind, party_id: str) -> list[str]:
    """The currencies this party has an account of this kind in, sorted."""
    query = (
        select(LedgerAccount.currency)
        .where(LedgerAccount.kind == kind, LedgerAccount.party_id == party_id)
        .order_by(LedgerAccount.currency)
    )
    return list(session.execute(query).scalars())


def _joined(account: str) -> Any:
    return and_(
        LedgerEntry.account_id == account, LedgerTransaction.id == LedgerEntry.transaction_id
    )


def lines(
    session: Session, kind: AccountKind, party_id: str, currency: str, start: date, end: date
) -> Iterator[Sequence[Any]]:
    """The account's entries dated ``start`` to ``end`` with their transactions' columns,
    in date order (the fields of :class:`likeness.ledger.statements.LineRow`)."""
    account = account_id(session, kind, party_id, currency)
    if account is None:
        return
    t = LedgerTransaction
    # dates and kind untyped: SQLAlchemy's per-row date parsing and enum lookup cost a
    # quarter of the query on SQLite; assemble() parses each distinct day once
    # (PostgreSQL's driver gives dates) and compares kinds as text
    query = (
        select(
            t.id,
            type_coerce(t.occurred_on, String),
            type_coerce(t.kind, String),
            t.license_id,
            t.asset_id,
            t.channel,
            t.gross,
            t.commission,
            t.platform_fee,
            t.net,
            type_coerce(t.due_on, String),
            t.external_ref,
            t.reason,
            LedgerEntry.amount,
        )
        .where(_joined(account), t.occurred_on >= start, t.occurred_on <= end)
        .order_by(t.occurred_on, t.created_at, t.id)
        .execution_options(yield_per=CHUNK)
    )
    # Core, not the ORM's loading: the rows are plain tuples, read in chunks
    for chunk in session.connection().execute(query).partitions():
        yield from chunk


def due_rows(
    session: Session, kind: AccountKind, party_id: str, currency: str, before: date
) -> list[tuple[date, int, int]]:
    """Dated before ``before``, by due date (a payment's own date): (day, debits, credits)."""
    account = account_id(session, kind, party_id, currency)
    if account is None:
        return []
    t = LedgerTransaction
    day = func.coalesce(t.due_on, t.occurred_on).label("day")
    amount = LedgerEntry.amount
    query = (
        select(
            day,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, amount), else_=0)),
        )
        .where(_joined(account), t.occurred_on < before)
        .group_by(day)
    )
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(query)]


def earnings_by_month(
    session: Session, kind: AccountKind, party_id: str, currency: str, start: date, before: date
) -> list[tuple[int, int]]:
    """(month number, sum of fee and adjustment entries) from ``start`` to before ``before``."""
    account = account_id(session, kind, party_id, currency)
    if account is None or before <= start:
        return []
    t = LedgerTransaction
    month = extract("month", t.occurred_on).label("month")
    query = (
        select(month, func.sum(LedgerEntry.amount))
        .where(
            _joined(account),
            t.occurred_on >= start,
            t.occurred_on < before,
            t.kind.not_in(_PAYMENTS),
        )
        .group_by(month)
    )
    return [(int(row[0]), int(row[1])) for row in session.execute(query)]


def party_names(session: Session, kind: str, party_id: str) -> tuple[str, str | None] | None:
    """(display name, legal name or None) of a talent, agency or brand; None if absent."""
    if kind == "talent":
        row = session.execute(
            select(TalentProfile.stage_name, TalentProfile.legal_name).where(
                TalentProfile.id == party_id
            )
        ).first()
        if row is None:
            return None
        return (row.stage_name or row.legal_name, row.legal_name)
    model = Agency if kind == "agency" else Brand
    name = session.execute(select(model.name).where(model.id == party_id)).scalar()
    return None if name is None else (name, None)
