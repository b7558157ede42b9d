"""Posting fees from the audit chain (decision 0022): amounts, idempotency, commission
by the agreement in force on the use day, platform fee, due dates, adjustments, check."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from integration.post_support import balance, earn, publish, transactions
from integration.test_license_support import World
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.ledger import service
from likeness.ledger.errors import (
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerForbidden,
    LedgerNotFound,
)
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.audit import AuditEvent
from likeness.models.ledger import (
    PLATFORM,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from likeness.models.party import Representation, RepresentationStatus
from likeness.vault.deps import StorageDeps


def post(session: Session, **kwargs: int) -> service.PostingReport:
    return service.post_pending(session, SYSTEM_ACTOR, **kwargs)


def test_each_source_event_becomes_one_balanced_fee(
    session: Session, world: World, deps: StorageDeps
) -> None:
    money = earn(session, world, deps, releases=2, publications=1)
    report = post(session)
    assert report.posted == 4  # activation, two releases, one publication
    rows = transactions(session)
    kinds = sorted(r.kind.value for r in rows)
    assert kinds == ["creation_fee", "output_fee", "output_fee", "use_fee"]
    today = utcnow().date()
    by_kind = {r.kind: r for r in rows}
    creation = by_kind[TransactionKind.creation_fee]
    assert (creation.gross, creation.commission, creation.net) == (100_000, 15_000, 85_000)
    assert creation.agency_id == world.agency.id and creation.commission_bps == 1500
    assert creation.occurred_on == today and creation.due_on == today + timedelta(days=45)
    use = by_kind[TransactionKind.use_fee]
    assert (use.gross, use.commission, use.net, use.channel) == (2_500, 375, 2_125, "instagram")
    assert use.asset_id == money.assets[0].id
    # Dr brand receivable gross / Cr talent net / Cr agency commission
    gross = 100_000 + 2 * 5_000 + 2_500
    assert balance(session, "brand_receivable", world.brand.id) == gross
    assert balance(session, "talent_payable", world.talent.id) == -(gross - gross * 15 // 100)
    assert balance(session, "agency_payable", world.agency.id) == -(gross * 15 // 100)
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "ledger.posted")
    ).scalar_one()
    payload = json.loads(event.payload)
    assert payload["count"] == 4 and payload["gross"] == {"EUR": gross}
    assert service.check(session).ok


def test_running_again_posts_nothing_twice(
    session: Session, world: World, deps: StorageDeps
) -> None:
    earn(session, world, deps)
    assert post(session).posted == 3
    again = post(session)
    assert again.posted == 0 and again.from_seq is None
    assert len(transactions(session)) == 3
    assert len({t.source_key for t in transactions(session)}) == 3


def test_a_later_event_is_posted_by_the_next_run(
    session: Session, world: World, deps: StorageDeps
) -> None:
    money = earn(session, world, deps, publications=0)
    assert post(session).posted == 2
    publish(session, world, money.assets[0])
    report = post(session)
    assert report.posted == 1
    assert [t.kind for t in transactions(session)].count(TransactionKind.use_fee) == 1


def test_a_preview_is_no_fee_and_a_zero_fee_is_an_empty_transaction(
    session: Session, world: World, deps: StorageDeps
) -> None:
    earn(session, world, deps, publications=0, per_output_fee_minor=0)
    post(session)
    fee = [t for t in transactions(session) if t.kind is TransactionKind.output_fee]
    assert len(fee) == 1 and fee[0].gross == 0
    entries = session.execute(
        select(LedgerEntry).where(LedgerEntry.transaction_id == fee[0].id)
    ).all()
    assert entries == []
    assert service.check(session).ok


def test_limit_posts_part_and_says_more_is_pending(
    session: Session, world: World, deps: StorageDeps
) -> None:
    earn(session, world, deps, releases=2, publications=0)
    first = post(session, limit=1)
    assert first.posted == 1 and first.pending
    rest = post(session)
    assert rest.posted == 2 and not rest.pending
    assert service.check(session).ok


def test_platform_fee_and_payment_days(session: Session, world: World, deps: StorageDeps) -> None:
    earn(session, world, deps, releases=0, publications=0, payment_days=10)
    post(session, platform_fee_bps=250)
    (creation,) = transactions(session)
    assert (creation.commission, creation.platform_fee, creation.net) == (15_000, 2_500, 82_500)
    assert creation.due_on == creation.occurred_on + timedelta(days=10)
    assert balance(session, "platform_revenue", PLATFORM) == -2_500


def _agreement(session: Session, world: World) -> Representation:
    return session.execute(
        select(Representation).where(Representation.talent_id == world.talent.id)
    ).scalar_one()


def test_an_agreement_terminated_after_the_use_still_earns_its_commission(
    session: Session, world: World, deps: StorageDeps
) -> None:
    earn(session, world, deps, releases=0, publications=0)
    rep = _agreement(session, world)
    rep.status = RepresentationStatus.terminated
    rep.terminated_at = utcnow() + timedelta(days=1)  # terminated the day after the use
    session.flush()
    post(session)
    (creation,) = transactions(session)
    assert creation.agency_id == world.agency.id and creation.commission == 15_000


@pytest.mark.parametrize("how", ["terminated_before", "terminated_without_date", "ended"])
def test_no_agreement_in_force_on_the_use_day_means_no_commission(
    session: Session, world: World, deps: StorageDeps, how: str
) -> None:
    earn(session, world, deps, releases=0, publications=0)
    rep = _agreement(session, world)
    if how == "ended":
        rep.starts_on = utcnow().date() - timedelta(days=60)
        rep.ends_on = utcnow().date()  # its last day was yesterday
    else:
        rep.status = RepresentationStatus.terminated
        rep.terminated_at = utcnow() - timedelta(days=1) if how == "terminated_before" else None
    session.flush()
    post(session)
    (creation,) = transactions(session)
    assert creation.agency_id is None
    assert (creation.commission, creation.commission_bps, creation.net) == (0, 0, 100_000)


def test_revocation_and_take_down_erase_no_money(
    session: Session, world: World, deps: StorageDeps
) -> None:
    money = earn(session, world, deps)
    post(session)
    before = {t.id: (t.gross, t.net) for t in transactions(session)}
    owed = balance(session, "talent_payable", world.talent.id)
    licensing.revoke(
        session, SYSTEM_ACTOR, money.released.license.id, TransitionIn(reason="breach")
    )
    from likeness.asset import service as assets

    assets.mark_taken_down(session, world.actor(session, "brand"), money.assets[0].id, "removed")
    post(session)
    assert {t.id: (t.gross, t.net) for t in transactions(session)} == before
    assert balance(session, "talent_payable", world.talent.id) == owed
    assert service.check(session).ok


def test_adjust_reverses_a_fee_of_a_license_revoked_for_cause(
    session: Session, world: World, deps: StorageDeps
) -> None:
    money = earn(session, world, deps, publications=0)
    post(session)
    fee = next(t for t in transactions(session) if t.kind is TransactionKind.output_fee)
    with pytest.raises(LedgerConflict, match="revoked for cause"):
        service.adjust(session, SYSTEM_ACTOR, fee.id, "fraud")
    licensing.revoke(session, SYSTEM_ACTOR, money.released.license.id, TransitionIn(reason="fraud"))
    with pytest.raises(LedgerForbidden):
        service.adjust(session, world.actor(session, "talent"), fee.id, "fraud")
    with pytest.raises(InvalidLedgerRequest, match="reason"):
        service.adjust(session, SYSTEM_ACTOR, fee.id, "  ")
    with pytest.raises(LedgerNotFound):
        service.adjust(session, SYSTEM_ACTOR, "nope", "fraud")
    owed = balance(session, "talent_payable", world.talent.id)
    reversal = service.adjust(session, SYSTEM_ACTOR, fee.id, "the release was forged")
    assert reversal.kind is TransactionKind.adjustment and reversal.reverses_id == fee.id
    assert (reversal.gross, reversal.net) == (-fee.gross, -fee.net)
    assert reversal.reason == "the release was forged"
    assert balance(session, "talent_payable", world.talent.id) == owed + fee.net
    with pytest.raises(LedgerConflict, match="already adjusted"):
        service.adjust(session, SYSTEM_ACTOR, fee.id, "again")
    with pytest.raises(LedgerConflict, match="only fees"):
        service.adjust(session, SYSTEM_ACTOR, reversal.id, "reverse the reversal")
    assert fee.id in {t.id for t in transactions(session)}  # nothing deleted
    assert service.check(session).ok


def test_only_an_operator_posts(session: Session, world: World) -> None:
    with pytest.raises(LedgerForbidden):
        service.post_pending(session, world.actor(session, "brand"))


def test_balances_are_role_scoped(session: Session, world: World, deps: StorageDeps) -> None:
    earn(session, world, deps)
    post(session)
    talent = world.actor(session, "talent")
    (mine,) = service.balances(session, talent, "talent", world.talent.id)
    assert mine.amount == -mine.balance > 0 and mine.next_due_on is not None
    (brand_line,) = service.balances(
        session, world.actor(session, "brand"), "brand", world.brand.id
    )
    assert brand_line.amount == 100_000 + 5_000 + 2_500
    with pytest.raises(LedgerNotFound):
        service.balances(session, talent, "brand", world.brand.id)
    with pytest.raises(LedgerNotFound):
        service.balances(session, world.actor(session, "agent"), "talent", world.talent.id)
    with pytest.raises(InvalidLedgerRequest):
        service.balances(session, talent)
    assert len(service.balances(session, SYSTEM_ACTOR)) == 3


def test_check_names_each_problem(session: Session, world: World, deps: StorageDeps) -> None:
    earn(session, world, deps)
    post(session)
    fees = transactions(session)
    # a drifted balance
    session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.party_id == world.talent.id)
        .values(balance=LedgerAccount.balance + 1)
    )
    # an unbalanced transaction: one entry changed
    entry = (
        session.execute(select(LedgerEntry).where(LedgerEntry.transaction_id == fees[0].id))
        .scalars()
        .first()
    )
    assert entry is not None
    entry.amount += 7
    # a source event never posted: its fee row removed (entries first)
    lost = fees[1]
    session.execute(LedgerEntry.__table__.delete().where(LedgerEntry.transaction_id == lost.id))
    session.execute(LedgerTransaction.__table__.delete().where(LedgerTransaction.id == lost.id))
    session.flush()
    report = service.check(session)
    assert not report.ok
    text = "\n".join(report.problems)
    assert "sum to 7, not zero" in text
    assert "account" in text and "balance" in text
    assert f"audit event {lost.source_seq} is behind the cursor but was never posted" in text


def test_a_read_catches_up_behind_a_savepoint_and_survives_a_failing_poster(
    session: Session, world: World, deps: StorageDeps
) -> None:
    from likeness.audit import service as audit

    earn(session, world, deps, releases=0, publications=0)
    assert not service.caught_up(session)
    report = service.catch_up_inside(session)
    assert report is not None and report.posted == 1 and service.caught_up(session)
    assert service.catch_up_inside(session) is None  # nothing to do: no write
    # An event naming a license that does not exist: the poster fails, the savepoint
    # rolls back what it wrote, the caller's transaction goes on.
    audit.record(session, SYSTEM_ACTOR, "license.approved", "license", "gone", {"to": "active"})
    before = service.caught_up(session)
    assert service.catch_up_inside(session) is None and not before
    assert not service.caught_up(session)  # the cursor did not move past it
    assert len(transactions(session)) == 1
    with pytest.raises(LedgerConflict, match="do not exist"):
        post(session)
