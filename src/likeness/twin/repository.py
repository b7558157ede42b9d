"""Every SQL query of the twin feature, and nothing else."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from likeness.models.capture import CaptureSession
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus


def get(session: Session, twin_id: str) -> Twin | None:
    return session.get(Twin, twin_id)


def all_twins(session: Session) -> list[Twin]:
    return list(session.scalars(select(Twin).order_by(Twin.created_at)))


def twins_of_talent(session: Session, talent_id: str) -> list[Twin]:
    stmt = select(Twin).where(Twin.talent_id == talent_id).order_by(Twin.created_at)
    return list(session.scalars(stmt))


def active_twins_of_talent(session: Session, talent_id: str) -> list[Twin]:
    stmt = select(Twin).where(Twin.talent_id == talent_id, Twin.status == TwinStatus.active)
    return list(session.scalars(stmt))


def versions_of(session: Session, twin_id: str) -> list[TwinVersion]:
    stmt = select(TwinVersion).where(TwinVersion.twin_id == twin_id).order_by(TwinVersion.version)
    return list(session.scalars(stmt))


def version_of(session: Session, twin_id: str, version: int | None) -> TwinVersion | None:
    """Version ``version`` of the twin, or (``None``) its latest active one."""
    stmt = select(TwinVersion).where(TwinVersion.twin_id == twin_id)
    if version is None:
        stmt = stmt.where(TwinVersion.status == TwinVersionStatus.active).order_by(
            TwinVersion.version.desc()
        )
    else:
        stmt = stmt.where(TwinVersion.version == version)
    return session.scalars(stmt).first()


def active_versions(session: Session) -> list[tuple[Twin, TwinVersion]]:
    """Every active version of every active twin, by twin (oldest first), then version."""
    stmt = (
        select(Twin, TwinVersion)
        .join(TwinVersion, TwinVersion.twin_id == Twin.id)
        .where(Twin.status == TwinStatus.active, TwinVersion.status == TwinVersionStatus.active)
        .order_by(Twin.created_at, Twin.id, TwinVersion.version)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def capture_session(session: Session, session_id: str) -> CaptureSession | None:
    return session.get(CaptureSession, session_id)
