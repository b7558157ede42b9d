"""Every SQL query of monitoring, nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from likeness.kit.query import conditions
from likeness.models.monitoring import (
    MonitoringCase,
    MonitoringCaseEvent,
    MonitoringFinding,
    MonitoringScan,
    MonitoringThumbnail,
)


def get_scan(session: Session, scan_id: str) -> MonitoringScan | None:
    return session.get(MonitoringScan, scan_id)


def get_case(session: Session, case_id: str) -> MonitoringCase | None:
    return session.get(MonitoringCase, case_id)


def add(session: Session, row: Any) -> None:
    session.add(row)
    session.flush()


def set_scan(session: Session, scan_id: str, values: dict[str, Any]) -> None:
    session.execute(update(MonitoringScan).where(MonitoringScan.id == scan_id).values(**values))


def list_scans(session: Session, limit: int, offset: int) -> Sequence[MonitoringScan]:
    query = select(MonitoringScan).order_by(MonitoringScan.created_at.desc(), MonitoringScan.id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def finding_at(session: Session, scan_id: str, location_key: str) -> MonitoringFinding | None:
    return session.scalars(
        select(MonitoringFinding).where(
            MonitoringFinding.scan_id == scan_id, MonitoringFinding.location_key == location_key
        )
    ).one_or_none()


def findings_of(session: Session, scan_id: str) -> Sequence[MonitoringFinding]:
    return session.scalars(
        select(MonitoringFinding)
        .where(MonitoringFinding.scan_id == scan_id)
        .order_by(MonitoringFinding.created_at, MonitoringFinding.id)
    ).all()


def case_by_key(
    session: Session, talent_id: str, location_key: str, content_sha256: str
) -> MonitoringCase | None:
    return session.scalars(
        select(MonitoringCase).where(
            MonitoringCase.talent_id == talent_id,
            MonitoringCase.location_key == location_key,
            MonitoringCase.content_sha256 == content_sha256,
        )
    ).one_or_none()


def list_cases(
    session: Session,
    visible: ColumnElement[bool] | None,
    *,
    talent_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Sequence[MonitoringCase]:
    where = conditions(
        visible, (MonitoringCase.talent_id, talent_id), (MonitoringCase.status, status)
    )
    query = (
        select(MonitoringCase)
        .where(*where)
        .order_by(MonitoringCase.last_seen_at.desc(), MonitoringCase.id)
    )
    return session.scalars(query.limit(limit).offset(offset)).all()


def count_cases(
    session: Session, visible: ColumnElement[bool] | None, *, status: str | None
) -> int:
    where = conditions(visible, (MonitoringCase.status, status))
    return session.scalar(select(func.count()).select_from(MonitoringCase).where(*where)) or 0


def events_of(session: Session, case_id: str) -> Sequence[MonitoringCaseEvent]:
    return session.scalars(
        select(MonitoringCaseEvent)
        .where(MonitoringCaseEvent.case_id == case_id)
        .order_by(MonitoringCaseEvent.created_at, MonitoringCaseEvent.id)
    ).all()


def thumbnail(session: Session, sha256: str) -> MonitoringThumbnail | None:
    return session.get(MonitoringThumbnail, sha256)
