"""Two posters at once post each source event once (decision 0022): they queue on the
cursor row (PostgreSQL: ``SELECT … FOR UPDATE``; SQLite: ``BEGIN IMMEDIATE``), and the
second finds the cursor moved. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from integration.post_support import earn
from integration.test_license_support import make_world
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.ledger import service
from likeness.ledger.schemas import PostingReport
from likeness.models.ledger import LedgerTransaction
from likeness.vault.deps import StorageDeps


def test_two_workers_posting_the_same_events_post_them_once(
    db: Database, deps: StorageDeps
) -> None:
    with db.unit_of_work() as session:
        service.post_pending(session, SYSTEM_ACTOR)  # the cursor row exists: the lock decides
    with db.unit_of_work() as session:
        world = make_world(session)
        earn(session, world, deps, releases=3, publications=2)  # 6 source events
    barrier = threading.Barrier(2)
    reports: list[PostingReport] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            with db.unit_of_work() as session:
                reports.append(service.post_pending(session, SYSTEM_ACTOR))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r.posted for r in reports) == [0, 6]
    with db.unit_of_work() as session:
        count = session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one()
        assert count == 6
        assert service.check(session).ok
