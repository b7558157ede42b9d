"""Every SQL query of the consent feature, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, delete, select, update
from sqlalchemy.orm import Session

from likeness.models.consent import Consent, ConsentSignature, TalentStandingLimit


def get(session: Session, consent_id: str) -> Consent | None:
    return session.get(Consent, consent_id)


def signature_of(session: Session, consent_id: str) -> ConsentSignature | None:
    return session.execute(
        select(ConsentSignature).where(ConsentSignature.consent_id == consent_id)
    ).scalar_one_or_none()


def compare_and_set(
    session: Session, consent_id: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """Guarded UPDATE: a consent signed or revoked twice at once changes only once."""
    result = session.execute(
        update(Consent)
        .where(Consent.id == consent_id, Consent.version == expected_version)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    won = result.rowcount == 1
    if won:
        session.expire_all()
    return won


def list_consents(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[Consent]:
    query = select(Consent).where(*where).order_by(Consent.created_at, Consent.id)
    return session.execute(query.limit(limit).offset(offset)).scalars().all()


def replace_limits(
    session: Session, talent_id: str, categories: Iterable[str], note: str | None
) -> None:
    session.execute(delete(TalentStandingLimit).where(TalentStandingLimit.talent_id == talent_id))
    session.add_all(
        TalentStandingLimit(talent_id=talent_id, category=c, note=note) for c in categories
    )
    session.flush()
