"""The ledger's queries and its one write primitive, :func:`post`.

Everything that moves money goes through :func:`post`: it refuses a transaction whose
entries do not sum to zero, finds (or creates) each account, adds the rows and moves
each account's stored balance by the same amount with an atomic ``UPDATE … SET balance =
balance + :amount``, so a balance always equals the sum of its entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from likeness.ledger.errors import UnbalancedTransaction
from likeness.models.base import new_id
from likeness.models.ledger import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction


@dataclass(frozen=True, slots=True)
class Leg:
    """One entry to post: ``amount`` debits (positive) or credits (negative) an account."""

    kind: AccountKind
    party_id: str
    amount: int


def account(session: Session, kind: AccountKind, party_id: str, currency: str) -> LedgerAccount:
    """The account of this party, kind and currency, created at zero on first use.

    ``INSERT … ON CONFLICT DO NOTHING`` then a read: two transactions opening the same
    account at once both end with the one row.
    """
    found = _find(session, kind, party_id, currency)
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(LedgerAccount)
        .values(id=new_id(), kind=kind, party_id=party_id, currency=currency, balance=0)
        .on_conflict_do_nothing(index_elements=["kind", "party_id", "currency"])
    )
    found = _find(session, kind, party_id, currency)
    assert found is not None
    return found


def _find(
    session: Session, kind: AccountKind, party_id: str, currency: str
) -> LedgerAccount | None:
    query = select(LedgerAccount).where(
        LedgerAccount.kind == kind,
        LedgerAccount.party_id == party_id,
        LedgerAccount.currency == currency,
    )
    return session.execute(query).scalars().first()


def post(session: Session, txn: LedgerTransaction, legs: Sequence[Leg]) -> LedgerTransaction:
    """Add ``txn`` and its entries (zero legs are skipped), moving each account's balance.

    Raises :class:`UnbalancedTransaction` (nothing written) unless the legs sum to zero.
    The caller's unique ``source_key`` makes a second posting of one source fail with an
    IntegrityError at the flush.
    """
    if sum(leg.amount for leg in legs) != 0:
        raise UnbalancedTransaction(
            f"transaction {txn.source_key}: entries sum to {sum(leg.amount for leg in legs)}, "
            "not zero"
        )
    if txn.id is None:
        txn.id = new_id()
    session.add(txn)
    session.flush()
    for leg in legs:
        if leg.amount == 0:
            continue
        acct = account(session, leg.kind, leg.party_id, txn.currency)
        session.add(
            LedgerEntry(id=new_id(), transaction_id=txn.id, account_id=acct.id, amount=leg.amount)
        )
        session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == acct.id)
            .values(balance=LedgerAccount.balance + leg.amount)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return txn


def transaction_by_source(session: Session, source_key: str) -> LedgerTransaction | None:
    query = select(LedgerTransaction).where(LedgerTransaction.source_key == source_key)
    return session.execute(query).scalars().first()
