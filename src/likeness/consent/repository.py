"""Every SQL query of the consent feature, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from likeness.kit import versioned
from likeness.kit.query import page
from likeness.models.consent import Consent, ConsentSignature, TalentStandingLimit
from likeness.policy import ConsentKind, ConsentStatus


def get(session: Session, consent_id: str) -> Consent | None:
    return session.get(Consent, consent_id)


def signature_of(session: Session, consent_id: str) -> ConsentSignature | None:
    return session.execute(
        select(ConsentSignature).where(ConsentSignature.consent_id == consent_id)
    ).scalar_one_or_none()


def standing_creation_consents(
    session: Session,
    talent_id: str,
    twin_id: str | None,
    now: datetime,
    *,
    any_twin: bool = False,
) -> list[Consent]:
    """The talent's signed, unrevoked creation consents in force at ``now``, newest first.

    One with no ``twin_id`` covers any twin of the talent, one with a ``twin_id`` only that
    twin; ``any_twin`` takes both kinds (a capture is not tied to a twin yet).
    """
    stmt = (
        select(Consent)
        .where(
            Consent.talent_id == talent_id,
            Consent.kind == ConsentKind.creation,
            Consent.status == ConsentStatus.signed,
            Consent.signed_at.is_not(None),
            Consent.revoked_at.is_(None),
            Consent.valid_from <= now,
            Consent.valid_until > now,
        )
        .order_by(Consent.signed_at.desc(), Consent.id)
    )
    if twin_id is None and not any_twin:
        stmt = stmt.where(Consent.twin_id.is_(None))
    elif not any_twin:
        stmt = stmt.where(or_(Consent.twin_id.is_(None), Consent.twin_id == twin_id))
    return list(session.scalars(stmt))


def compare_and_set(
    session: Session, consent_id: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """Guarded UPDATE: a consent signed or revoked twice at once changes only once."""
    return versioned.compare_and_set(session, Consent, consent_id, expected_version, values)


def list_consents(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[Consent]:
    query = select(Consent).where(*where).order_by(Consent.created_at, Consent.id)
    return page(session, query, limit=limit, offset=offset)


def replace_limits(
    session: Session, talent_id: str, categories: Iterable[str], note: str | None
) -> None:
    session.execute(delete(TalentStandingLimit).where(TalentStandingLimit.talent_id == talent_id))
    session.add_all(
        TalentStandingLimit(talent_id=talent_id, category=c, note=note) for c in categories
    )
    session.flush()


def creation_consents_of(session: Session, talent_id: str) -> Sequence[Consent]:
    return (
        session.execute(
            select(Consent)
            .where(Consent.talent_id == talent_id, Consent.kind == ConsentKind.creation)
            .order_by(Consent.created_at, Consent.id)
        )
        .scalars()
        .all()
    )


def never_allowed(session: Session, talent_id: str) -> list[str]:
    return list(
        session.execute(
            select(TalentStandingLimit.category)
            .where(TalentStandingLimit.talent_id == talent_id)
            .order_by(TalentStandingLimit.category)
        )
        .scalars()
        .all()
    )
