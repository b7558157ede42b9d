"""The compliance feature's SQL: the compliance report's queries are
``report_repository.py``, the subject-access export's ``subject_access_repository.py``
(re-exported here); a proof bundle's are below."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from likeness.compliance import report_repository, subject_access_repository
from likeness.compliance.report_repository import Scope
from likeness.models.asset import Asset
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent
from likeness.models.ledger import FEE_KINDS, LedgerTransaction, TransactionKind
from likeness.models.license import License
from likeness.models.output import Output
from likeness.models.twin import TwinVersion

__all__ = [
    "Scope",
    "creation_consent",
    "events_about",
    "ledger_rows",
    "paid_on",
    "report_repository",
    "subject_access_repository",
]


def creation_consent(session: Session, output: Output | None) -> Consent | None:
    if output is None:
        return None
    consent_id = session.execute(
        select(TwinVersion.consent_id).where(
            TwinVersion.twin_id == output.twin_id, TwinVersion.version == output.twin_version
        )
    ).scalar_one_or_none()
    return session.get(Consent, consent_id) if consent_id else None


def events_about(
    session: Session, object_ids: set[str], seqs: set[int], upto: int
) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(
            or_(AuditEvent.object_id.in_(sorted(object_ids)), AuditEvent.seq.in_(sorted(seqs))),
            AuditEvent.seq <= upto,
        )
        .order_by(AuditEvent.seq)
    )
    return list(session.execute(stmt).scalars())


def paid_on(session: Session, talent_id: str, currency: str) -> dict[str, date | None]:
    """When each of the talent's fee lines was paid: the talent's payouts cover the fee
    lines oldest due date first (FIFO, as the statements count them)."""
    fees = session.execute(
        select(LedgerTransaction)
        .where(
            LedgerTransaction.talent_id == talent_id,
            LedgerTransaction.currency == currency,
            LedgerTransaction.kind.in_([*FEE_KINDS, TransactionKind.adjustment]),
        )
        .order_by(LedgerTransaction.due_on, LedgerTransaction.created_at, LedgerTransaction.id)
    ).scalars()
    payouts = list(
        session.execute(
            select(LedgerTransaction.occurred_on, LedgerTransaction.net)
            .where(
                LedgerTransaction.kind == TransactionKind.payout,
                LedgerTransaction.currency == currency,
                LedgerTransaction.source_key.startswith(f"payout:talent:{talent_id}:"),
            )
            .order_by(LedgerTransaction.occurred_on, LedgerTransaction.id)
        ).all()
    )
    paid: dict[str, date | None] = {}
    credit, i, when = 0, 0, None
    for fee in fees:
        owed = max(fee.net, 0)
        while credit < owed and i < len(payouts):
            when, amount = payouts[i]
            credit += amount
            i += 1
        if owed and credit >= owed:
            credit -= owed
            paid[fee.id] = when
        else:
            paid[fee.id] = None
            credit = 0 if owed else credit
    return paid


def ledger_rows(session: Session, asset: Asset, lic: License) -> list[LedgerTransaction]:
    """The asset's fee lines and its license's creation fee."""
    return list(
        session.execute(
            select(LedgerTransaction)
            .where(
                or_(
                    LedgerTransaction.asset_id == asset.id,
                    (LedgerTransaction.license_id == lic.id)
                    & (LedgerTransaction.kind == TransactionKind.creation_fee),
                )
            )
            .order_by(LedgerTransaction.occurred_on, LedgerTransaction.id)
        ).scalars()
    )
