"""Every SQL query of the capture feature, and nothing else."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from likeness.models.capture import CaptureFile, CaptureSession, TalentReference
from likeness.models.party import TalentProfile


def talent(session: Session, talent_id: str) -> TalentProfile | None:
    return session.get(TalentProfile, talent_id)


def get(session: Session, session_id: str) -> CaptureSession | None:
    return session.get(CaptureSession, session_id)


def live_sessions_of_talent(session: Session, talent_id: str) -> list[CaptureSession]:
    stmt = (
        select(CaptureSession)
        .where(CaptureSession.talent_id == talent_id, CaptureSession.deleted_at.is_(None))
        .order_by(CaptureSession.created_at)
    )
    return list(session.scalars(stmt))


def files_of(session: Session, session_id: str) -> list[CaptureFile]:
    stmt = (
        select(CaptureFile).where(CaptureFile.session_id == session_id).order_by(CaptureFile.name)
    )
    return list(session.scalars(stmt))


def reference_of(session: Session, talent_id: str) -> TalentReference | None:
    stmt = select(TalentReference).where(TalentReference.talent_id == talent_id)
    return session.scalars(stmt).one_or_none()
