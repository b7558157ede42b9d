"""Two operators recording payouts for one party at once on PostgreSQL (threads, each with
its own session): never more than owed in total, and one reference posts once.

SQLite serialises whole write transactions, so there is no race to test there; the lock
on the party's account row is what makes PostgreSQL safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration import pay_support as pay
from integration.test_license_support import make_world
from likeness.errors import LikenessError
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.ledger import payouts
from likeness.models.ledger import AccountKind, LedgerTransaction, PayeeKind, TransactionKind

_real_lookup = payouts.repository.transaction_by_source


@pytest.fixture(autouse=True)
def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises write transactions: the race needs PostgreSQL")


@pytest.fixture(autouse=True)
def _slow_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between reading what is owed and posting, so that two payouts
    that did not wait for each other would both pass the check."""

    def slow(session: Session, key: str) -> LedgerTransaction | None:
        time.sleep(0.3)
        return _real_lookup(session, key)

    monkeypatch.setattr(payouts.repository, "transaction_by_source", slow)


def _owed_talent(db: Database) -> str:
    with db.unit_of_work() as session:
        world = make_world(session)
        pay.post_fee(
            session,
            talent_id=world.talent.id,
            brand_id=world.brand.id,
            gross=10_000,
            used_on=utcnow().date() - timedelta(days=10),
        )
        return world.talent.id


def _race(db: Database, calls: list[Callable[[Session], object]]) -> list[object]:
    results: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            with db.unit_of_work() as session:
                results[i] = calls[i](session)
        except LikenessError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _payouts(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as session:
        count = session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == TransactionKind.payout)
        ).scalar_one()
        return count, session.execute(
            select(func.count()).select_from(LedgerTransaction)
        ).scalar_one()


def test_two_payouts_at_once_never_pay_more_than_owed(db: Database) -> None:
    talent = _owed_talent(db)

    def payout(ref: str) -> Callable[[Session], object]:
        return lambda s: payouts.record_payout(
            s, SYSTEM_ACTOR, PayeeKind.talent, talent, 7_000, "EUR", ref
        )

    results = _race(db, [payout("A"), payout("B")])
    assert sorted(type(r).__name__ for r in results) == ["LedgerConflict", "MovementRead"]
    with db.unit_of_work() as session:
        assert pay.balance(session, AccountKind.talent_payable, talent) == -3_000
    assert _payouts(db)[0] == 1


def test_one_reference_sent_twice_at_once_posts_once(db: Database) -> None:
    talent = _owed_talent(db)

    def payout(session: Session) -> object:
        return payouts.record_payout(
            session, SYSTEM_ACTOR, PayeeKind.talent, talent, 4_000, "EUR", "SAME"
        )

    results = _race(db, [payout, payout])
    assert sorted(getattr(r, "replayed", r) for r in results) == [False, True]
    assert _payouts(db)[0] == 1
    with db.unit_of_work() as session:
        assert pay.balance(session, AccountKind.talent_payable, talent) == -6_000
