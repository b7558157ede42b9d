"""`likeness ledger post-pending | balance | adjust | check`, end to end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from e2e.cli_support import as_, ok_json, run
from integration.post_support import earn
from integration.test_license_support import World
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.ledger import LedgerAccount
from likeness.runtime import Runtime
from likeness.settings import Settings


@pytest.fixture
def earned(world: World, db: Database) -> Iterator[str]:
    """An active license with one release published once; returns the license id."""
    runtime = Runtime.from_settings(Settings())
    try:
        with db.unit_of_work() as session:
            license_id = earn(session, world, runtime.storage).released.license.id
        yield license_id
    finally:
        runtime.close()


def test_post_then_balance_then_check(world: World, earned: str) -> None:
    report = ok_json("ledger", "post-pending")
    assert report["posted"] == 3 and report["gross_by_currency"] == {"EUR": 107_500}
    code, out = run("ledger", "post-pending")
    assert code == 0 and "nothing to post" in out
    (mine,) = ok_json("ledger", "balance", "--talent", world.talent.id, *as_(world, "talent"))
    assert mine["amount"] == 107_500 - 107_500 * 15 // 100
    code, out = run("ledger", "balance", "--brand", world.brand.id, *as_(world, "brand"))
    assert code == 0 and "EUR 1,075.00" in out and "brand_receivable" in out
    code, out = run("ledger", "balance", "--brand", world.brand.id, *as_(world, "talent"))
    assert code == 1 and out.startswith("error: ") and "no brand" in out
    code, out = run("ledger", "balance", "--brand", world.brand.id, "--talent", world.talent.id)
    assert code == 1 and "name one of" in out
    code, out = run("ledger", "check")
    assert code == 0 and "ledger OK" in out and "3 source events" in out


def test_balance_catches_up_first(world: World, earned: str) -> None:
    (agency,) = ok_json("ledger", "balance", "--agency", world.agency.id, *as_(world, "agent"))
    assert agency["amount"] == 107_500 * 15 // 100


def test_check_exits_3_naming_each_problem(world: World, earned: str, db: Database) -> None:
    ok_json("ledger", "post-pending")
    with db.unit_of_work() as session:
        session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.party_id == world.talent.id)
            .values(balance=LedgerAccount.balance - 1)
        )
    code, out = run("ledger", "check")
    assert code == 3
    assert "problem: account" in out and "but its entries sum to" in out
    report = ok_json_exit(("ledger", "check"), 3)
    assert report["ok"] is False and len(report["problems"]) == 1


def ok_json_exit(args: tuple[str, ...], code: int) -> dict[str, object]:
    import json

    got, out = run(*args, "--json")
    assert got == code, out
    return dict(json.loads(out[: out.rindex("}") + 1]))


def test_adjust_only_after_revocation_for_cause(world: World, earned: str, db: Database) -> None:
    ok_json("ledger", "post-pending")
    code, out = run("ledger", "balance", "--json")
    assert code == 0
    from sqlalchemy import select

    from likeness.models.ledger import LedgerTransaction, TransactionKind

    with db.unit_of_work() as session:
        fee = session.execute(
            select(LedgerTransaction.id).where(LedgerTransaction.kind == TransactionKind.use_fee)
        ).scalar_one()
    code, out = run("ledger", "adjust", fee, "--reason", "forged report")
    assert code == 1 and "revoked for cause" in out
    with db.unit_of_work() as session:
        licensing.revoke(session, SYSTEM_ACTOR, earned, TransitionIn(reason="fraud"))
    code, out = run("ledger", "adjust", fee, "--reason", "forged report", *as_(world, "talent"))
    assert code == 1 and "only an operator" in out
    code, out = run("ledger", "adjust", fee)
    assert code == 2  # --reason is required
    row = ok_json("ledger", "adjust", fee, "--reason", "forged report")
    assert row["reverses_id"] == fee and row["gross"] == -2_500
    code, out = run("ledger", "adjust", fee, "--reason", "again")
    assert code == 1 and "already adjusted" in out
    code, out = run("ledger", "check")
    assert code == 0, out
