"""Every SQL query of the subject-access export, and nothing else (all by talent)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from likeness.models.asset import Asset
from likeness.models.audit import AuditEvent
from likeness.models.capture import CaptureSession, TalentReference
from likeness.models.consent import Consent, ConsentSignature
from likeness.models.generation import GenerationRequest
from likeness.models.ledger import LedgerAccount, LedgerTransaction, Payee, PayeeKind
from likeness.models.license import License
from likeness.models.monitoring import MonitoringCase
from likeness.models.monitoring_index import MonitoringEnrolment, MonitoringReference
from likeness.models.output import Output
from likeness.models.party import Agency, Brand, Representation, TalentProfile, User
from likeness.models.twin import Twin, TwinVersion

_CHUNK = 500


def talent_and_user(session: Session, talent_id: str) -> tuple[TalentProfile, User] | None:
    row = session.execute(
        select(TalentProfile, User)
        .join(User, User.id == TalentProfile.user_id)
        .where(TalentProfile.id == talent_id)
    ).first()
    return None if row is None else (row[0], row[1])


def representations(session: Session, talent_id: str) -> list[tuple[Representation, str]]:
    query = (
        select(Representation, Agency.name)
        .join(Agency, Agency.id == Representation.agency_id)
        .where(Representation.talent_id == talent_id)
        .order_by(Representation.starts_on, Representation.id)
    )
    return [(r, n) for r, n in session.execute(query)]


def consents(session: Session, talent_id: str) -> list[tuple[Consent, ConsentSignature | None]]:
    query = (
        select(Consent, ConsentSignature)
        .outerjoin(ConsentSignature, ConsentSignature.consent_id == Consent.id)
        .where(Consent.talent_id == talent_id)
        .order_by(Consent.created_at, Consent.id)
    )
    return [(c, s) for c, s in session.execute(query)]


def licenses(session: Session, talent_id: str) -> list[tuple[License, str]]:
    query = (
        select(License, Brand.name)
        .join(Brand, Brand.id == License.brand_id)
        .where(License.talent_id == talent_id)
        .order_by(License.created_at, License.id)
    )
    return [(lic, n) for lic, n in session.execute(query)]


def assets(session: Session, talent_id: str) -> list[tuple[Asset, str]]:
    query = (
        select(Asset, Brand.name)
        .join(Brand, Brand.id == Asset.brand_id)
        .where(Asset.talent_id == talent_id)
        .order_by(Asset.released_at, Asset.id)
    )
    return [(a, n) for a, n in session.execute(query)]


def output_ids(session: Session, talent_id: str) -> list[tuple[str, str]]:
    """(id, status) of the talent's outputs."""
    query = select(Output.id, Output.status).where(Output.talent_id == talent_id)
    return [(i, getattr(s, "value", str(s))) for i, s in session.execute(query)]


def generation_request_ids(session: Session, talent_id: str) -> list[str]:
    query = select(GenerationRequest.id).where(GenerationRequest.talent_id == talent_id)
    return list(session.scalars(query))


def transactions(session: Session, talent_id: str) -> Sequence[LedgerTransaction]:
    query = (
        select(LedgerTransaction)
        .where(LedgerTransaction.talent_id == talent_id)
        .order_by(LedgerTransaction.occurred_on, LedgerTransaction.id)
    )
    return session.scalars(query).all()


def accounts(session: Session, talent_id: str) -> Sequence[LedgerAccount]:
    query = select(LedgerAccount).where(LedgerAccount.party_id == talent_id)
    return session.scalars(query.order_by(LedgerAccount.kind, LedgerAccount.currency)).all()


def payee(session: Session, talent_id: str) -> Payee | None:
    return session.scalar(
        select(Payee).where(Payee.party_kind == PayeeKind.talent, Payee.party_id == talent_id)
    )


def twins(session: Session, talent_id: str) -> list[tuple[Twin, list[TwinVersion]]]:
    rows = session.scalars(
        select(Twin).where(Twin.talent_id == talent_id).order_by(Twin.created_at, Twin.id)
    ).all()
    result = []
    for twin in rows:
        versions = session.scalars(
            select(TwinVersion).where(TwinVersion.twin_id == twin.id).order_by(TwinVersion.version)
        ).all()
        result.append((twin, list(versions)))
    return result


def capture_sessions(session: Session, talent_id: str) -> Sequence[CaptureSession]:
    query = select(CaptureSession).where(CaptureSession.talent_id == talent_id)
    return session.scalars(query.order_by(CaptureSession.created_at)).all()


def reference(session: Session, talent_id: str) -> tuple[str, str, Any] | None:
    """(id, photo digest, created at) of the talent's reference template — never the
    template itself."""
    row = session.execute(
        select(TalentReference.id, TalentReference.photo_sha256, TalentReference.created_at).where(
            TalentReference.talent_id == talent_id
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def audit_events(session: Session, user_id: str, object_ids: Iterable[str]) -> list[AuditEvent]:
    """The events the talent's user made, or that name one of ``object_ids``, in chain
    order (each once)."""
    ids = sorted(set(object_ids))
    found: dict[int, AuditEvent] = {}
    chunks = [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)] or [[]]
    for index, chunk in enumerate(chunks):
        condition: ColumnElement[bool] = AuditEvent.object_id.in_(chunk)
        if index == 0:
            condition = or_(condition, AuditEvent.actor_user_id == user_id)
        for event in session.scalars(select(AuditEvent).where(condition)):
            found[event.seq] = event
    return [found[seq] for seq in sorted(found)]


def monitoring_enrolment(session: Session, talent_id: str) -> MonitoringEnrolment | None:
    return session.get(MonitoringEnrolment, talent_id)


def monitoring_references(session: Session, talent_id: str) -> list[tuple[str, str, datetime]]:
    """(id, source, created) of the talent's monitoring face references: never the
    embeddings themselves."""
    rows = session.execute(
        select(MonitoringReference.id, MonitoringReference.source, MonitoringReference.created_at)
        .where(MonitoringReference.talent_id == talent_id)
        .order_by(MonitoringReference.created_at, MonitoringReference.id)
    )
    return [(ref_id, source, created) for ref_id, source, created in rows]


def monitoring_cases(session: Session, talent_id: str) -> Sequence[MonitoringCase]:
    return (
        session.execute(
            select(MonitoringCase)
            .where(MonitoringCase.talent_id == talent_id)
            .order_by(MonitoringCase.first_seen_at, MonitoringCase.id)
        )
        .scalars()
        .all()
    )
