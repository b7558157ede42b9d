"""Every SQL query of the relighting priors, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from likeness.models.relight import PriorStatus, RelightPriorRecord, RelightPriorSource
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus


def get(session: Session, prior_id: str) -> RelightPriorRecord | None:
    return session.get(RelightPriorRecord, prior_id)


def by_name(session: Session, name: str) -> RelightPriorRecord | None:
    return session.scalars(
        select(RelightPriorRecord).where(RelightPriorRecord.name == name)
    ).one_or_none()


def active(session: Session) -> list[RelightPriorRecord]:
    """The active priors, newest first (the service keeps at most one)."""
    query = (
        select(RelightPriorRecord)
        .where(RelightPriorRecord.status == PriorStatus.active)
        .order_by(RelightPriorRecord.created_at.desc(), RelightPriorRecord.id)
    )
    return list(session.scalars(query))


def list_priors(session: Session, *, limit: int, offset: int) -> Sequence[RelightPriorRecord]:
    query = select(RelightPriorRecord).order_by(
        RelightPriorRecord.created_at.desc(), RelightPriorRecord.id
    )
    return session.scalars(query.limit(limit).offset(offset)).all()


def sources_of(session: Session, prior_id: str) -> list[RelightPriorSource]:
    query = (
        select(RelightPriorSource)
        .where(RelightPriorSource.prior_id == prior_id)
        .order_by(RelightPriorSource.kind, RelightPriorSource.source_id)
    )
    return list(session.scalars(query))


def active_priors_learning_from(
    session: Session, talent_id: str
) -> list[tuple[RelightPriorRecord, RelightPriorSource]]:
    """Each active prior with a source of this talent, with that source (one row each)."""
    query = (
        select(RelightPriorRecord, RelightPriorSource)
        .join(RelightPriorSource, RelightPriorSource.prior_id == RelightPriorRecord.id)
        .where(
            RelightPriorRecord.status == PriorStatus.active,
            RelightPriorSource.talent_id == talent_id,
        )
        .order_by(RelightPriorRecord.id, RelightPriorSource.source_id)
    )
    return [(prior, source) for prior, source in session.execute(query)]


def talent_sources_of_active(session: Session) -> list[RelightPriorSource]:
    """The talent sources of every active prior."""
    query = (
        select(RelightPriorSource)
        .join(RelightPriorRecord, RelightPriorSource.prior_id == RelightPriorRecord.id)
        .where(
            RelightPriorRecord.status == PriorStatus.active,
            RelightPriorSource.talent_id.is_not(None),
        )
    )
    return list(session.scalars(query))


def trainable_twins(session: Session) -> list[tuple[Twin, TwinVersion]]:
    """Every active twin with its latest active version (consent is checked by the service)."""
    query = (
        select(Twin, TwinVersion)
        .join(TwinVersion, TwinVersion.twin_id == Twin.id)
        .where(Twin.status == TwinStatus.active, TwinVersion.status == TwinVersionStatus.active)
        .order_by(Twin.created_at, Twin.id, TwinVersion.version.desc())
    )
    seen: set[str] = set()
    found: list[tuple[Twin, TwinVersion]] = []
    for twin, version in session.execute(query):
        if twin.id not in seen:
            seen.add(twin.id)
            found.append((twin, version))
    return found
