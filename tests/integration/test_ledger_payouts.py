"""Payees, payouts, collections, dues and payout exports through the service, on SQLite
and PostgreSQL: balanced postings, idempotent references, never more than owed, FIFO dues,
role scoping, audit events in the same transaction."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration import pay_support as pay
from integration.test_license_support import World
from likeness.errors import Forbidden
from likeness.kit.clock import utcnow
from likeness.ledger import payouts
from likeness.ledger.errors import (
    DebtorNotConfigured,
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerNotFound,
)
from likeness.ledger.payout_schemas import PayeeIn
from likeness.models.ledger import (
    PLATFORM,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    Payee,
    PayeeKind,
)
from likeness.settings import LedgerSettings

TODAY = utcnow().date()
DEBTOR = LedgerSettings(
    debtor_name="Likeness Platform", debtor_iban="FR1420041010050500013M02606", debtor_bic=None
)
TALENT = PayeeKind.talent
AGENCY = PayeeKind.agency


def _op(world: World, session: Session):  # type: ignore[no-untyped-def]
    return world.actor(session, "operator")


def _fees(session: Session, world: World) -> None:
    """Two uses: 100.00 due 15 days ago, 50.00 due in 15 days (15 % commission)."""
    for gross, used in ((10_000, 60), (5_000, 30)):
        pay.post_fee(
            session,
            talent_id=world.talent.id,
            brand_id=world.brand.id,
            agency_id=world.agency.id,
            commission_bps=1500,
            gross=gross,
            used_on=TODAY - timedelta(days=used),
        )


def _payee(session: Session, world: World) -> None:
    payouts.set_payee(
        session,
        _op(world, session),
        TALENT,
        world.talent.id,
        PayeeIn(holder_name="Ada Lovelace", iban=pay.IBAN),
    )


# --- payees ------------------------------------------------------------------------------


def test_a_talent_sets_their_own_payee_and_the_audit_masks_the_iban(
    session: Session, world: World
) -> None:
    talent = world.actor(session, "talent")
    read = payouts.set_payee(
        session,
        talent,
        TALENT,
        world.talent.id,
        PayeeIn(holder_name=" Ada  Lovelace ", iban="de89 3704 0044 0532 0130 00", bic="cobadeff"),
    )
    assert (read.iban, read.bic, read.holder_name) == (pay.IBAN, "COBADEFF", "Ada Lovelace")
    assert read.iban_masked == "DE89**************3000"
    [event] = pay.events(session, "ledger.payee_set")
    assert event["iban"] == "DE89**************3000" and pay.IBAN not in str(event)
    assert event["previous_iban"] is None
    # replaced: the audit names the old account, masked
    payouts.set_payee(
        session,
        talent,
        TALENT,
        world.talent.id,
        PayeeIn(holder_name="Ada Lovelace", iban=pay.AGENCY_IBAN),
    )
    assert pay.events(session, "ledger.payee_set")[-1]["previous_iban"] == "DE89**************3000"
    assert session.execute(select(func.count()).select_from(Payee)).scalar_one() == 1
    assert payouts.show_payee(session, talent, TALENT, world.talent.id).iban == pay.AGENCY_IBAN


def test_an_agent_sets_their_agencys_payee(session: Session, world: World) -> None:
    read = payouts.set_payee(
        session,
        world.actor(session, "agent"),
        AGENCY,
        world.agency.id,
        PayeeIn(holder_name="Agency Ltd", iban=pay.AGENCY_IBAN, bic="NWBKGB2L"),
    )
    assert read.party_kind is AGENCY


@pytest.mark.parametrize("who", ["other_talent", "brand", "agent", "stranger_agent"])
def test_nobody_else_sets_or_sees_a_talents_payee(session: Session, world: World, who: str) -> None:
    _payee(session, world)
    actor = world.actor(session, who)
    with pytest.raises(LedgerNotFound):
        payouts.set_payee(
            session, actor, TALENT, world.talent.id, PayeeIn(holder_name="X", iban=pay.IBAN)
        )
    with pytest.raises(LedgerNotFound):
        payouts.show_payee(session, actor, TALENT, world.talent.id)


def test_a_bad_iban_writes_nothing(session: Session, world: World) -> None:
    with pytest.raises(InvalidLedgerRequest, match="check digits"):
        payouts.set_payee(
            session,
            _op(world, session),
            TALENT,
            world.talent.id,
            PayeeIn(holder_name="Ada", iban="DE89370400440532013001"),
        )
    assert session.execute(select(func.count()).select_from(Payee)).scalar_one() == 0
    assert pay.events(session, "ledger.payee_set") == []


def test_a_payee_for_an_unknown_talent_is_404(session: Session, world: World) -> None:
    with pytest.raises(LedgerNotFound):
        payouts.set_payee(
            session, _op(world, session), TALENT, "0" * 32, PayeeIn(holder_name="X", iban=pay.IBAN)
        )


# --- payouts and collections ---------------------------------------------------------------


def test_partial_then_full_payout_posts_dr_payable_cr_cash(session: Session, world: World) -> None:
    _fees(session, world)
    op = _op(world, session)
    owed = -pay.balance(session, AccountKind.talent_payable, world.talent.id)
    assert owed == 8_500 + 4_250
    first = payouts.record_payout(session, op, TALENT, world.talent.id, 5_000, "EUR", "BANK-1")
    assert not first.replayed and first.amount_decimal == "50.00"
    assert first.source_key == f"payout:talent:{world.talent.id}:BANK-1"
    payouts.record_payout(session, op, TALENT, world.talent.id, owed - 5_000, "EUR", "BANK-2")
    assert pay.balance(session, AccountKind.talent_payable, world.talent.id) == 0
    assert pay.balance(session, AccountKind.cash, PLATFORM) == -owed
    txn = session.get(LedgerTransaction, first.id)
    assert txn is not None and txn.external_ref == "BANK-1" and txn.talent_id == world.talent.id
    amounts = session.execute(
        select(LedgerEntry.amount).where(LedgerEntry.transaction_id == first.id)
    ).scalars()
    assert sorted(amounts) == [-5_000, 5_000]
    recorded = pay.events(session, "ledger.payout_recorded")
    assert [e["reference"] for e in recorded] == ["BANK-1", "BANK-2"]
    assert recorded[0]["amount"] == 5_000 and recorded[0]["party_id"] == world.talent.id


def test_the_same_reference_twice_is_harmless_and_another_amount_conflicts(
    session: Session, world: World
) -> None:
    _fees(session, world)
    op = _op(world, session)
    first = payouts.record_payout(session, op, TALENT, world.talent.id, 1_000, "EUR", "REF")
    again = payouts.record_payout(session, op, TALENT, world.talent.id, 1_000, "EUR", "REF")
    assert again.replayed and again.id == first.id
    with pytest.raises(LedgerConflict, match="already recorded"):
        payouts.record_payout(session, op, TALENT, world.talent.id, 1_001, "EUR", "REF")
    assert len(pay.events(session, "ledger.payout_recorded")) == 1
    assert pay.balance(session, AccountKind.talent_payable, world.talent.id) == -(12_750 - 1_000)


def test_never_more_than_owed(session: Session, world: World) -> None:
    _fees(session, world)
    op = _op(world, session)
    with pytest.raises(LedgerConflict, match=r"more than the EUR 127\.50 owed"):
        payouts.record_payout(session, op, TALENT, world.talent.id, 12_751, "EUR", "R1")
    with pytest.raises(LedgerConflict, match=r"more than the USD 0\.00"):
        payouts.record_payout(session, op, TALENT, world.talent.id, 1, "USD", "R2")
    # the agency is owed its commission only
    payouts.record_payout(session, op, AGENCY, world.agency.id, 2_250, "EUR", "R3")
    with pytest.raises(LedgerConflict):
        payouts.record_payout(session, op, AGENCY, world.agency.id, 1, "EUR", "R4")
    assert pay.events(session, "ledger.payout_recorded")[-1]["reference"] == "R3"


def test_only_an_operator_records_payouts(session: Session, world: World) -> None:
    _fees(session, world)
    with pytest.raises(Forbidden):
        payouts.record_payout(
            session, world.actor(session, "talent"), TALENT, world.talent.id, 1, "EUR", "R"
        )


def test_payout_input_is_checked(session: Session, world: World) -> None:
    _fees(session, world)
    op = _op(world, session)
    with pytest.raises(InvalidLedgerRequest, match="future"):
        payouts.record_payout(
            session, op, TALENT, world.talent.id, 1, "EUR", "R", TODAY + timedelta(days=1)
        )
    with pytest.raises(InvalidLedgerRequest, match="ISO 4217"):
        payouts.record_payout(session, op, TALENT, world.talent.id, 1, "EURO", "R")
    with pytest.raises(InvalidLedgerRequest, match="1 to 35"):
        payouts.record_payout(session, op, TALENT, world.talent.id, 1, "EUR", "R" * 36)
    with pytest.raises(LedgerNotFound):
        payouts.record_payout(session, op, TALENT, "0" * 32, 1, "EUR", "R")


def test_collections_post_dr_cash_cr_receivable_and_never_more_than_owed(
    session: Session, world: World
) -> None:
    _fees(session, world)
    op = _op(world, session)
    read = payouts.record_collection(session, op, world.brand.id, 10_000, "EUR", "SEPA-IN-1")
    assert read.kind == "collection" and read.party_kind == "brand"
    assert pay.balance(session, AccountKind.brand_receivable, world.brand.id) == 5_000
    assert pay.balance(session, AccountKind.cash, PLATFORM) == 10_000
    with pytest.raises(LedgerConflict, match="owed by brand"):
        payouts.record_collection(session, op, world.brand.id, 5_001, "EUR", "SEPA-IN-2")
    assert payouts.record_collection(
        session, op, world.brand.id, 10_000, "EUR", "SEPA-IN-1"
    ).replayed
    [event] = pay.events(session, "ledger.collection_recorded")
    assert event["party_id"] == world.brand.id and event["amount"] == 10_000


# --- dues ------------------------------------------------------------------------------------


def test_dues_fifo_overdue_and_days_late(session: Session, world: World) -> None:
    _fees(session, world)
    op = _op(world, session)
    payouts.record_payout(session, op, TALENT, world.talent.id, 5_000, "EUR", "B1")
    rows = payouts.due_rows(session, op, party_kind="talent", party_id=world.talent.id)
    # 85.00 due 15 days ago, 50.00 paid against it first; 42.50 due in 15 days
    assert [
        (r.due_on, r.amount, r.covered, r.outstanding, r.overdue, r.days_late) for r in rows
    ] == [
        (TODAY - timedelta(days=15), 8_500, 5_000, 3_500, True, 15),
        (TODAY + timedelta(days=15), 4_250, 0, 4_250, False, 0),
    ]
    # as of before the payout was made? Payouts dated later do not count.
    earlier = payouts.due_rows(
        session, op, as_of=TODAY - timedelta(days=1), party_kind="talent", party_id=world.talent.id
    )
    assert earlier[0].outstanding == 8_500
    # the brand owes the gross; the agency is owed its commission
    brand = payouts.due_rows(session, op, party_kind="brand", party_id=world.brand.id)
    assert [(r.outstanding, r.overdue) for r in brand] == [(10_000, True), (5_000, False)]
    agency = payouts.due_rows(session, op, party_kind="agency", party_id=world.agency.id)
    assert [r.outstanding for r in agency] == [1_500, 750]
    # paid in full: nothing open
    payouts.record_payout(session, op, TALENT, world.talent.id, 7_750, "EUR", "B2")
    assert payouts.due_rows(session, op, party_kind="talent") == []


def test_a_reversal_without_a_due_date_reduces_the_original_due_date(
    session: Session, world: World
) -> None:
    first = pay.post_fee(
        session,
        talent_id=world.talent.id,
        brand_id=world.brand.id,
        gross=10_000,
        used_on=TODAY - timedelta(days=60),
    )
    pay.post_fee(
        session,
        talent_id=world.talent.id,
        brand_id=world.brand.id,
        gross=2_000,
        used_on=TODAY - timedelta(days=50),
    )
    pay.reverse(session, first, TODAY - timedelta(days=1))
    rows = payouts.due_rows(session, _op(world, session), party_kind="talent")
    assert [(r.due_on, r.outstanding) for r in rows] == [(TODAY - timedelta(days=5), 2_000)]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("talent", {"talent"}),
        ("agent", {"agency"}),
        ("brand", {"brand"}),
        ("other_talent", set()),
        ("other_brand", set()),
        ("stranger_agent", set()),
        ("operator", {"talent", "agency", "brand"}),
    ],
)
def test_dues_are_role_scoped(session: Session, world: World, who: str, expected: set[str]) -> None:
    _fees(session, world)
    rows = payouts.due_rows(session, world.actor(session, who))
    assert {r.party_kind for r in rows} == expected


def test_asking_for_someone_elses_dues_is_404(session: Session, world: World) -> None:
    with pytest.raises(LedgerNotFound):
        payouts.due_rows(
            session,
            world.actor(session, "other_talent"),
            party_kind="talent",
            party_id=world.talent.id,
        )


# --- exports ---------------------------------------------------------------------------------


def test_payouts_due_lists_a_payee_without_bank_details_as_a_problem(
    session: Session, world: World
) -> None:
    _fees(session, world)
    _payee(session, world)
    due = payouts.payouts_due(session, _op(world, session))
    assert [(i.party_kind, i.amount, i.execution_on) for i in due.items] == [
        ("talent", 8_500, TODAY)
    ]
    assert [(p.party_kind, p.party_id, p.amount) for p in due.problems] == [
        ("agency", world.agency.id, 1_500)
    ]
    ahead = payouts.payouts_due(session, _op(world, session), due_within=30)
    assert [i.amount for i in ahead.items] == [8_500 + 4_250]
    assert ahead.items[0].due_on == TODAY - timedelta(days=15)


def test_export_csv_and_pain001_mark_nothing_paid_and_are_audited(
    session: Session, world: World
) -> None:
    _fees(session, world)
    _payee(session, world)
    op = _op(world, session)
    before = pay.balance(session, AccountKind.talent_payable, world.talent.id)
    exported = payouts.export_payouts(session, op, DEBTOR, file_format="csv", due_within=30)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["payee"], r["iban"], r["amount"], r["currency"]) for r in rows] == [
        ("Ada Lovelace", pay.IBAN, "127.50", "EUR")
    ]
    xml = payouts.export_payouts(session, op, DEBTOR, file_format="pain001", due_within=30)
    root = SafeET.fromstring(xml.content)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "127.50"
    assert root.findtext(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == pay.IBAN
    assert pay.balance(session, AccountKind.talent_payable, world.talent.id) == before
    events = pay.events(session, "ledger.payouts_exported")
    assert [(e["format"], e["transfers"], e["problems"]) for e in events] == [
        ("csv", 1, 1),
        ("pain001", 1, 1),
    ]
    assert events[1]["totals"] == {"EUR": 12_750}


def test_pain001_needs_the_debtor_account(session: Session, world: World) -> None:
    _fees(session, world)
    _payee(session, world)
    with pytest.raises(DebtorNotConfigured, match="LIKENESS_LEDGER__DEBTOR_IBAN"):
        payouts.export_payouts(
            session, _op(world, session), LedgerSettings(), file_format="pain001"
        )
    bad = LedgerSettings(debtor_name="P", debtor_iban="DE00370400440532013000")
    with pytest.raises(DebtorNotConfigured, match="check digits"):
        payouts.export_payouts(session, _op(world, session), bad, file_format="pain001")


def test_an_empty_pain001_is_refused_and_only_operators_export(
    session: Session, world: World
) -> None:
    with pytest.raises(LedgerConflict, match="nothing to put"):
        payouts.export_payouts(session, _op(world, session), DEBTOR, file_format="pain001")
    with pytest.raises(Forbidden):
        payouts.export_payouts(session, world.actor(session, "talent"), DEBTOR, file_format="csv")
    with pytest.raises(InvalidLedgerRequest, match="csv or pain001"):
        payouts.export_payouts(session, _op(world, session), DEBTOR, file_format="xlsx")


def test_a_due_date_past_the_calendar_is_refused(session: Session, world: World) -> None:
    with pytest.raises(InvalidLedgerRequest, match="last date"):
        payouts.payouts_due(session, _op(world, session), as_of=date.max, due_within=1)


def test_a_payout_tells_the_talent_once_and_an_agency_payout_tells_no_talent(
    session: Session, world: World
) -> None:
    from likeness.inbox import service as inbox

    _fees(session, world)
    op, talent = _op(world, session), world.actor(session, "talent")
    before = {n.id for n in inbox.list_for(session, talent)}
    payouts.record_payout(session, op, TALENT, world.talent.id, 5_000, "EUR", "BANK-1")
    payouts.record_payout(session, op, TALENT, world.talent.id, 5_000, "EUR", "BANK-1")  # replay
    payouts.record_payout(session, op, AGENCY, world.agency.id, 1_000, "EUR", "AG-1")
    new = [n for n in inbox.list_for(session, talent) if n.id not in before]
    assert [(n.kind, n.object_type) for n in new] == [("payout.sent", "ledger_transaction")]
    assert new[0].message == "A payout of EUR 50.00 was sent to you (bank reference BANK-1)."
    agent_kinds = [n.kind for n in inbox.list_for(session, world.actor(session, "agent"))]
    assert "payout.sent" not in agent_kinds
