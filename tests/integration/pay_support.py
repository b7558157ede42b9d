"""Ledger rows for the payout tests, posted through ``repository.post`` the way the poster
does (until ledger-post's posting is merged): a fee is Dr brand receivable gross / Cr
talent payable net / Cr agency payable commission / Cr platform revenue fee."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from likeness.ledger import repository, rules
from likeness.ledger.repository import Leg
from likeness.models.audit import AuditEvent
from likeness.models.base import new_id
from likeness.models.ledger import PLATFORM, AccountKind, LedgerAccount, LedgerTransaction
from likeness.models.ledger import TransactionKind as Kind

IBAN = "DE89370400440532013000"
AGENCY_IBAN = "GB29NWBK60161331926819"


def post_fee(
    session: Session,
    *,
    talent_id: str,
    brand_id: str,
    gross: int,
    used_on: date,
    agency_id: str | None = None,
    commission_bps: int = 0,
    platform_fee_bps: int = 0,
    payment_days: int = 45,
    currency: str = "EUR",
) -> LedgerTransaction:
    parts = rules.split(gross, commission_bps if agency_id else 0, platform_fee_bps)
    txn = LedgerTransaction(
        id=new_id(),
        kind=Kind.use_fee,
        source_key=f"test:{new_id()}",
        occurred_on=used_on,
        currency=currency,
        talent_id=talent_id,
        brand_id=brand_id,
        agency_id=agency_id,
        channel="web",
        gross=parts.gross,
        commission=parts.commission,
        platform_fee=parts.platform_fee,
        net=parts.net,
        commission_bps=commission_bps if agency_id else 0,
        platform_fee_bps=platform_fee_bps,
        due_on=rules.due_on(used_on, payment_days),
    )
    legs = [
        Leg(AccountKind.brand_receivable, brand_id, parts.gross),
        Leg(AccountKind.talent_payable, talent_id, -parts.net),
        Leg(AccountKind.platform_revenue, PLATFORM, -parts.platform_fee),
    ]
    if agency_id:
        legs.append(Leg(AccountKind.agency_payable, agency_id, -parts.commission))
    return repository.post(session, txn, legs)


def reverse(session: Session, original: LedgerTransaction, on: date) -> LedgerTransaction:
    """An adjustment reversing ``original`` (no due date of its own, as a reversal may be)."""
    txn = LedgerTransaction(
        id=new_id(),
        kind=Kind.adjustment,
        source_key=f"test-reverse:{original.id}",
        occurred_on=on,
        currency=original.currency,
        talent_id=original.talent_id,
        brand_id=original.brand_id,
        agency_id=original.agency_id,
        gross=-original.gross,
        commission=-original.commission,
        platform_fee=-original.platform_fee,
        net=-original.net,
        commission_bps=original.commission_bps,
        platform_fee_bps=original.platform_fee_bps,
        reverses_id=original.id,
        reason="revoked for cause",
    )
    legs = [
        Leg(AccountKind.brand_receivable, original.brand_id or "", -original.gross),
        Leg(AccountKind.talent_payable, original.talent_id or "", original.net),
        Leg(AccountKind.platform_revenue, PLATFORM, original.platform_fee),
    ]
    if original.agency_id:
        legs.append(Leg(AccountKind.agency_payable, original.agency_id, original.commission))
    return repository.post(session, txn, legs)


def balance(session: Session, kind: AccountKind, party_id: str, currency: str = "EUR") -> int:
    query = select(LedgerAccount.balance).where(
        LedgerAccount.kind == kind,
        LedgerAccount.party_id == party_id,
        LedgerAccount.currency == currency,
    )
    return int(session.execute(query).scalar_one_or_none() or 0)


def events(session: Session, action: str) -> list[dict[str, object]]:
    query = select(AuditEvent.payload).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return [json.loads(p) for p in session.execute(query).scalars()]
