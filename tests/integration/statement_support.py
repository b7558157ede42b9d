"""Ledger rows for statement tests, posted through ``repository.post`` with the legs of
decision 0022 (fee: Dr brand receivable gross / Cr talent payable net / Cr agency payable
commission / Cr platform revenue fee; payout: Dr payable / Cr cash; collection: Dr cash /
Cr brand receivable), and the worked example of docs/guide/money.md ("Statements")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from likeness.identity.actor import SYSTEM_ACTOR
from likeness.ledger import rules
from likeness.ledger.repository import Leg, post
from likeness.models.ledger import PLATFORM, AccountKind, LedgerTransaction, TransactionKind
from likeness.models.party import Role
from likeness.party import service as party
from likeness.party.schemas import AgencyCreate, BrandCreate, TalentCreate, UserCreate


def post_fee(
    session: Session,
    *,
    on: date,
    talent_id: str,
    brand_id: str,
    agency_id: str | None,
    gross: int,
    commission_bps: int,
    platform_fee_bps: int = 0,
    kind: TransactionKind = TransactionKind.use_fee,
    channel: str | None = None,
    license_id: str | None = None,
    asset_id: str | None = None,
    payment_days: int = 45,
    currency: str = "EUR",
) -> LedgerTransaction:
    bps = commission_bps if agency_id else 0
    part = rules.split(gross, bps, platform_fee_bps)
    txn = LedgerTransaction(
        kind=kind,
        source_key=f"test:{uuid.uuid4().hex}",
        occurred_on=on,
        currency=currency,
        license_id=license_id or uuid.uuid4().hex,
        talent_id=talent_id,
        brand_id=brand_id,
        agency_id=agency_id,
        asset_id=asset_id
        or (uuid.uuid4().hex if kind is not TransactionKind.creation_fee else None),
        channel=channel if kind is TransactionKind.use_fee else None,
        gross=part.gross,
        commission=part.commission,
        platform_fee=part.platform_fee,
        net=part.net,
        commission_bps=bps,
        platform_fee_bps=platform_fee_bps,
        due_on=rules.due_on(on, payment_days),
    )
    legs = [
        Leg(AccountKind.brand_receivable, brand_id, part.gross),
        Leg(AccountKind.talent_payable, talent_id, -part.net),
        Leg(AccountKind.platform_revenue, PLATFORM, -part.platform_fee),
    ]
    if agency_id:
        legs.append(Leg(AccountKind.agency_payable, agency_id, -part.commission))
    return post(session, txn, legs)


def post_payment(
    session: Session,
    party_kind: str,
    party_id: str,
    amount: int,
    on: date,
    ref: str,
    currency: str = "EUR",
) -> LedgerTransaction:
    """A payout to a talent or agency, or (``brand``) a collection from a brand."""
    collection = party_kind == "brand"
    txn = LedgerTransaction(
        kind=TransactionKind.collection if collection else TransactionKind.payout,
        source_key=f"{'collection' if collection else 'payout'}:{party_id}:{ref}",
        occurred_on=on,
        currency=currency,
        talent_id=party_id if party_kind == "talent" else None,
        agency_id=party_id if party_kind == "agency" else None,
        brand_id=party_id if collection else None,
        gross=amount,
        net=amount,
        external_ref=ref,
    )
    if collection:
        legs = [
            Leg(AccountKind.cash, PLATFORM, amount),
            Leg(AccountKind.brand_receivable, party_id, -amount),
        ]
    else:
        payable = (
            AccountKind.talent_payable if party_kind == "talent" else AccountKind.agency_payable
        )
        legs = [Leg(payable, party_id, amount), Leg(AccountKind.cash, PLATFORM, -amount)]
    return post(session, txn, legs)


@dataclass
class Example:
    """The worked example's parties (docs/guide/money.md, "Statements")."""

    talent_id: str
    talent_user_id: str
    agency_id: str
    brand_id: str
    license_id: str


#: The worked example's fees: (day, kind, channel, gross in cents). Commission 15 %,
#: platform fee 5 %, payment within 30 days; a payout of 700.00 on 2026-11-20.
EXAMPLE_FEES = (
    (date(2026, 10, 20), TransactionKind.creation_fee, None, 100_000),
    (date(2026, 11, 3), TransactionKind.output_fee, None, 5_000),
    (date(2026, 11, 5), TransactionKind.use_fee, "instagram", 2_500),
    (date(2026, 11, 12), TransactionKind.use_fee, "web", 1_235),
)
EXAMPLE_COMMISSION_BPS = 1_500
EXAMPLE_FEE_BPS = 500
EXAMPLE_PAYMENT_DAYS = 30
EXAMPLE_PAYOUT = (date(2026, 11, 20), 70_000, "BANK-2026-11-20")


def make_parties(
    session: Session, legal_name: str = "Zoë Łukasiewicz", stage_name: str | None = "Zoë L."
) -> Example:
    tag = uuid.uuid4().hex[:6]
    user = party.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(email=f"stmt-{tag}@example.com", display_name=legal_name, role=Role.talent),
    )
    talent = party.create_talent(
        session,
        SYSTEM_ACTOR,
        TalentCreate(user_id=user.id, legal_name=legal_name, stage_name=stage_name),
    )
    agency = party.create_agency(
        session, SYSTEM_ACTOR, AgencyCreate(name=f"Maison Étoile {tag}", commission_percent=15)
    )
    brand = party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=f"Atelier Nord {tag}"))
    return Example(talent.id, user.id, agency.id, brand.id, uuid.uuid4().hex)


def post_example(session: Session, who: Example) -> None:
    for on, kind, channel, gross in EXAMPLE_FEES:
        post_fee(
            session,
            on=on,
            kind=kind,
            channel=channel,
            talent_id=who.talent_id,
            brand_id=who.brand_id,
            agency_id=who.agency_id,
            license_id=who.license_id,
            gross=gross,
            commission_bps=EXAMPLE_COMMISSION_BPS,
            platform_fee_bps=EXAMPLE_FEE_BPS,
            payment_days=EXAMPLE_PAYMENT_DAYS,
        )
    on, amount, ref = EXAMPLE_PAYOUT
    post_payment(session, "talent", who.talent_id, amount, on, ref)
