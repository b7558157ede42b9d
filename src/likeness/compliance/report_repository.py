"""Every SQL query of the compliance report, and nothing else.

The queries count and group in SQL and return only what a rule must look at one by one
(the suspects, or small sets such as the licenses in force): over 100,000 releases the
report loads the release ids once (to draw the sample) and never a row object per
release. Each query takes the report's :class:`Scope` (a talent, a brand or neither).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from likeness.models.asset import Asset, AssetKind
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent
from likeness.models.generation import GenerationRequest
from likeness.models.ledger import (
    FEE_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from likeness.models.license import License
from likeness.models.output import Output
from likeness.models.party import Agency, Representation
from likeness.models.twin import Twin, TwinStatus, TwinVersion


@dataclass(frozen=True, slots=True)
class Scope:
    talent_id: str | None = None
    brand_id: str | None = None


def _scoped(
    scope: Scope,
    talent: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    brand: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if scope.talent_id is not None:
        conditions.append(talent == scope.talent_id)
    if scope.brand_id is not None:
        conditions.append(brand == scope.brand_id)
    return and_(true(), *conditions)


def _releases(scope: Scope, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(
        Asset.kind == AssetKind.release,
        Asset.released_at >= start,
        Asset.released_at < end,
        _scoped(scope, Asset.talent_id, Asset.brand_id),
    )


# --- releases -------------------------------------------------------------------------------


def release_ids(session: Session, scope: Scope, start: datetime, end: datetime) -> list[str]:
    """The ids of the releases in the period, in id order (the sample is drawn from it)."""
    query = select(Asset.id).where(_releases(scope, start, end)).order_by(Asset.id)
    return list(session.scalars(query))


def release_files(
    session: Session, ids: Sequence[str]
) -> list[tuple[str, str, str, str, TwinStatus]]:
    """(asset id, twin id, blob key, file digest, twin status) of the sampled releases."""
    rows: list[tuple[str, str, str, str, TwinStatus]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = (
            select(Asset.id, Asset.twin_id, Asset.blob_key, Asset.file_sha256, Twin.status)
            .join(Twin, Twin.id == Asset.twin_id)
            .where(Asset.id.in_(chunk))
        )
        rows.extend(tuple(r) for r in session.execute(query))  # type: ignore[misc]
    rows.sort()
    return rows


def unapproved_releases(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str, str | None, str | None, datetime | None, str]]:
    """(asset id, its approval digest, its output's approval digest, reviewed at, output
    status) of the releases in the period whose approval is missing or differs."""
    query = (
        select(
            Asset.id,
            Asset.approval_sha256,
            Output.approval_sha256,
            Output.reviewed_at,
            Output.status,
        )
        .join(Output, Output.id == Asset.output_id)
        .where(
            _releases(scope, start, end),
            or_(
                Asset.approval_sha256.is_(None),
                Output.approval_sha256.is_(None),
                Output.approval_sha256 != Asset.approval_sha256,
                Output.reviewed_at.is_(None),
            ),
        )
        .order_by(Asset.id)
    )
    return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def releases_with_bad_consent(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[str]:
    """Licenses of releases in the period whose consent is not their own signed use
    consent."""
    query = (
        select(Asset.license_id)
        .join(Consent, Consent.id == Asset.consent_id)
        .where(
            _releases(scope, start, end),
            or_(
                Consent.kind != "use",
                Consent.signed_at.is_(None),
                Consent.license_id.is_(None),
                Consent.license_id != Asset.license_id,
            ),
        )
        .distinct()
    )
    return sorted(session.scalars(query))


# --- consents, licenses, agencies, representations ---------------------------------------


def consents_in_force(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str, str, datetime | None, str, str | None]]:
    """(id, kind, signed at, document, license id) of the signed consents in force at any
    time in the period (a brand's scope: the use consents of its licenses)."""
    query = select(
        Consent.id, Consent.kind, Consent.signed_at, Consent.document, Consent.license_id
    ).where(
        Consent.signed_at.is_not(None),
        Consent.signed_at < end,
        Consent.valid_from < end,
        Consent.valid_until >= start,
        or_(Consent.revoked_at.is_(None), Consent.revoked_at >= start),
    )
    if scope.talent_id is not None:
        query = query.where(Consent.talent_id == scope.talent_id)
    if scope.brand_id is not None:
        brand_licenses = select(License.id).where(License.brand_id == scope.brand_id)
        query = query.where(Consent.license_id.in_(brand_licenses))
    return [tuple(r) for r in session.execute(query.order_by(Consent.id))]  # type: ignore[misc]


def licenses_in_force(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime, str, int]]:
    """(id, starts at, ends at, terms JSON, commission bps) of the licenses activated
    before the period ends whose term overlaps it."""
    query = select(
        License.id, License.starts_at, License.ends_at, License.terms, License.commission_bps
    ).where(
        License.activated_at.is_not(None),
        License.activated_at < end,
        License.starts_at < end,
        License.ends_at >= start,
        _scoped(scope, License.talent_id, License.brand_id),
    )
    return [tuple(r) for r in session.execute(query.order_by(License.id))]  # type: ignore[misc]


def agency_commissions(session: Session, scope: Scope, day: date) -> list[tuple[str, int]]:
    """(agency id, commission bps) of every agency (a talent's scope: theirs in the
    period; a brand's scope: none, agencies are not the brand's)."""
    if scope.brand_id is not None:
        return []
    query = select(Agency.id, Agency.commission_bps)
    if scope.talent_id is not None:
        query = query.where(
            Agency.id.in_(
                select(Representation.agency_id).where(Representation.talent_id == scope.talent_id)
            )
        )
    return [(a, int(b)) for a, b in session.execute(query.order_by(Agency.id))]


def representations_in_force(
    session: Session, scope: Scope, start: date, end: date
) -> list[tuple[str, date, date]]:
    """(id, starts on, ends on) of the representation agreements in force in the period."""
    query = select(Representation.id, Representation.starts_on, Representation.ends_on).where(
        Representation.starts_on <= end, Representation.ends_on >= start
    )
    if scope.talent_id is not None:
        query = query.where(Representation.talent_id == scope.talent_id)
    return [tuple(r) for r in session.execute(query.order_by(Representation.id))]  # type: ignore[misc]


# --- money -----------------------------------------------------------------------------------

_PAYABLE = {AccountKind.talent_payable: "talent", AccountKind.agency_payable: "agency"}


def postings_over_cap(
    session: Session, scope: Scope, start: date, end: date, cap_bps: int
) -> tuple[int, list[tuple[str, int]]]:
    """How many fee postings in the period carry a commission rate, and (id, bps) of
    those above ``cap_bps``."""
    where = and_(
        LedgerTransaction.occurred_on >= start,
        LedgerTransaction.occurred_on <= end,
        LedgerTransaction.kind.in_(FEE_KINDS),
        _scoped(scope, LedgerTransaction.talent_id, LedgerTransaction.brand_id),
    )
    total = session.scalar(select(func.count()).select_from(LedgerTransaction).where(where))
    over = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.commission_bps)
        .where(where, LedgerTransaction.commission_bps > cap_bps)
        .order_by(LedgerTransaction.id)
    )
    return int(total or 0), [(i, int(b)) for i, b in over]


def due_gaps(
    session: Session, scope: Scope, start: date, end: date
) -> list[tuple[date, date, str]]:
    """(used on, due on, one posting id) for each distinct pair of dates among the fee
    postings in the period (the rule measures each gap once)."""
    query = (
        select(
            LedgerTransaction.occurred_on,
            LedgerTransaction.due_on,
            func.min(LedgerTransaction.id),
        )
        .where(
            LedgerTransaction.occurred_on >= start,
            LedgerTransaction.occurred_on <= end,
            LedgerTransaction.due_on.is_not(None),
            LedgerTransaction.kind.in_(FEE_KINDS),
            _scoped(scope, LedgerTransaction.talent_id, LedgerTransaction.brand_id),
        )
        .group_by(LedgerTransaction.occurred_on, LedgerTransaction.due_on)
    )
    return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def dues_and_payments(
    session: Session, scope: Scope, as_of: date
) -> tuple[list[tuple[str, str, str, date, int]], list[tuple[str, str, str, date, int]]]:
    """Per talent or agency payable, currency and date, summed in SQL up to ``as_of``:
    what fell due (fee postings and their reversals, by due date) and what was paid
    (payouts, by payment date). Rows are (party kind, party id, currency, date, amount
    owed or paid)."""
    reversed_txn = aliased(LedgerTransaction)
    due = func.coalesce(
        LedgerTransaction.due_on, reversed_txn.due_on, LedgerTransaction.occurred_on
    )
    accounts = LedgerAccount.kind.in_(list(_PAYABLE))
    party: ColumnElement[bool] = true()
    if scope.talent_id is not None:
        party = and_(
            LedgerAccount.kind == AccountKind.talent_payable,
            LedgerAccount.party_id == scope.talent_id,
        )
    base = (
        select(LedgerAccount.kind, LedgerAccount.party_id, LedgerAccount.currency)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(accounts, party, LedgerTransaction.occurred_on <= as_of)
    )
    owed_query = (
        base.add_columns(due, -func.sum(LedgerEntry.amount))
        .outerjoin(reversed_txn, reversed_txn.id == LedgerTransaction.reverses_id)
        .where(LedgerTransaction.kind.not_in([TransactionKind.payout, TransactionKind.collection]))
        .group_by(LedgerAccount.kind, LedgerAccount.party_id, LedgerAccount.currency, due)
    )
    paid_query = (
        base.add_columns(LedgerTransaction.occurred_on, func.sum(LedgerEntry.amount))
        .where(LedgerTransaction.kind == TransactionKind.payout)
        .group_by(
            LedgerAccount.kind,
            LedgerAccount.party_id,
            LedgerAccount.currency,
            LedgerTransaction.occurred_on,
        )
    )

    def rows(query: object) -> list[tuple[str, str, str, date, int]]:
        return [
            (_PAYABLE[AccountKind(k)], p, c, _day(d), int(a))
            for k, p, c, d, a in session.execute(query)  # type: ignore[call-overload]
        ]

    return rows(owed_query), rows(paid_query)


def _day(value: object) -> date:
    """A date from SQL (SQLite's COALESCE of dates answers text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- take-downs, generation, shredding -------------------------------------------------------


def takedowns(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str, datetime, str, datetime | None]]:
    """(asset id, take-down by, status, status changed at) of the take-downs due in the
    period, and of those due before it that are still not confirmed."""
    query = (
        select(Asset.id, Asset.takedown_by, Asset.status, Asset.status_changed_at)
        .where(
            Asset.kind == AssetKind.release,
            Asset.takedown_by.is_not(None),
            Asset.takedown_by < end,
            or_(Asset.takedown_by >= start, Asset.status != "taken_down"),
            _scoped(scope, Asset.talent_id, Asset.brand_id),
        )
        .order_by(Asset.id)
    )
    return [
        (a, t, str(getattr(s, "value", s)), c)
        for a, t, s, c in session.execute(query)
        if t is not None
    ]


def generation_requests(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> tuple[int, list[tuple[str, str]]]:
    """How many generation requests were made in the period, and the audit payloads
    (request id, payload) of those whose ``noncommercial_models`` is not empty."""
    scoped = _scoped(scope, GenerationRequest.talent_id, GenerationRequest.brand_id)
    total = session.scalar(
        select(func.count())
        .select_from(GenerationRequest)
        .where(GenerationRequest.created_at >= start, GenerationRequest.created_at < end, scoped)
    )
    flagged = session.execute(
        select(AuditEvent.object_id, AuditEvent.payload)
        .join(GenerationRequest, GenerationRequest.id == AuditEvent.object_id)
        .where(
            AuditEvent.action == "generation.requested",
            AuditEvent.at >= start,
            AuditEvent.at < end,
            AuditEvent.payload.like('%"noncommercial_models":[%'),
            AuditEvent.payload.not_like('%"noncommercial_models":[]%'),
            scoped,
        )
        .order_by(AuditEvent.seq)
    )
    return int(total or 0), [(i, p) for i, p in flagged]


def twins_to_shred(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[tuple[str, str, TwinStatus]]:
    """(twin id, why, status) of every twin deleted in the period and every twin built
    under a creation consent revoked in the period."""
    talent = Twin.talent_id == scope.talent_id if scope.talent_id is not None else true()
    brand = (
        Twin.id.in_(select(Output.twin_id).where(Output.brand_id == scope.brand_id))
        if scope.brand_id is not None
        else true()
    )
    deleted = session.execute(
        select(Twin.id, Twin.status).where(
            Twin.deleted_at >= start, Twin.deleted_at < end, talent, brand
        )
    )
    found: dict[str, tuple[str, TwinStatus]] = {t: ("deleted in the period", s) for t, s in deleted}
    revoked = session.execute(
        select(Twin.id, Twin.status, Consent.id)
        .join(TwinVersion, TwinVersion.twin_id == Twin.id)
        .join(Consent, Consent.id == TwinVersion.consent_id)
        .where(
            Consent.kind == "creation",
            Consent.revoked_at >= start,
            Consent.revoked_at < end,
            talent,
            brand,
        )
    )
    for twin_id, status, consent_id in revoked:
        found.setdefault(twin_id, (f"creation consent {consent_id} revoked", status))
    return sorted((t, why, s) for t, (why, s) in found.items())


def blobs_of_twin(session: Session, twin_id: str, limit: int) -> list[tuple[str, str, str]]:
    """Up to ``limit`` stored blobs sealed under the twin's key: (kind, id, blob key) of
    its assets and outputs."""
    assets = session.execute(
        select(Asset.id, Asset.blob_key).where(Asset.twin_id == twin_id).limit(limit)
    )
    outputs = session.execute(
        select(Output.id, Output.blob_key).where(Output.twin_id == twin_id).limit(limit)
    )
    return [("asset", i, k) for i, k in assets] + [("output", i, k) for i, k in outputs]
