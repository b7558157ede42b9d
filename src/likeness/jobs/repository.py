"""Every SQL query of the jobs feature, and nothing else."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from likeness.kit import versioned
from likeness.kit.query import page
from likeness.models.job import Job, JobStatus

#: The statuses a cancel still changes.
LIVE = (JobStatus.queued, JobStatus.running)


def get(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def reload(session: Session, job_id: str) -> Job | None:
    """The row as committed now (another worker may have changed it since it was loaded)."""
    return session.get(Job, job_id, populate_existing=True)


def compare_and_set(
    session: Session, job_id: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """One UPDATE guarded by the version the caller read: of two racers, one wins."""
    return versioned.compare_and_set(session, Job, job_id, expected_version, values)


def _takeable(
    kinds: Collection[str] | None, now: datetime, job_ids: Collection[str] | None = None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        or_(
            Job.status == JobStatus.queued,
            and_(Job.status == JobStatus.running, Job.lease_expires_at < now),
        )
    ]
    if kinds is not None:
        where.append(Job.kind.in_(list(kinds)))
    if job_ids is not None:
        where.append(Job.id.in_(list(job_ids)))
    return where


def lease_candidates(
    session: Session,
    kinds: Collection[str] | None,
    now: datetime,
    limit: int,
    job_ids: Collection[str] | None = None,
) -> Sequence[Job]:
    """Oldest first: queued jobs, and running ones whose lease ran out (a lost worker's);
    only those of ``job_ids`` when given."""
    query = select(Job).where(*_takeable(kinds, now, job_ids))
    query = query.order_by(Job.created_at, Job.id).limit(limit)
    return session.execute(query.execution_options(populate_existing=True)).scalars().all()


def list_jobs(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[Job]:
    query = select(Job).where(*where).order_by(Job.created_at.desc(), Job.id)
    return page(session, query, limit=limit, offset=offset)


def live_where(session: Session, condition: ColumnElement[bool]) -> Sequence[Job]:
    """The queued and running jobs matching ``condition``."""
    query = select(Job).where(condition, Job.status.in_(LIVE)).order_by(Job.created_at, Job.id)
    return session.execute(query).scalars().all()


def statuses(session: Session, job_ids: Sequence[str]) -> dict[str, JobStatus]:
    """job id → status, read fresh (for waiting on jobs)."""
    if not job_ids:
        return {}
    rows = session.execute(select(Job.id, Job.status).where(Job.id.in_(list(job_ids))))
    return {str(row[0]): JobStatus(row[1]) for row in rows}


def count_takeable(session: Session, kinds: Collection[str] | None, now: datetime) -> int:
    """How many jobs a worker could lease now (one ``SELECT count()``)."""
    query = select(func.count()).select_from(Job).where(*_takeable(kinds, now))
    return int(session.execute(query).scalar_one())
