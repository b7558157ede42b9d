"""Thin routes for jobs: list, show (status, percentage, message, last error), cancel.

Who sees a job is :mod:`likeness.jobs.access`: the user who enqueued it and operators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from likeness.jobs import service
from likeness.jobs.errors import InvalidJobRequest, JobFinished, JobNotFound, StaleJob
from likeness.jobs.schemas import JobCancelIn, JobRead
from likeness.models.job import JobStatus
from likeness.web.actors import AnyActor
from likeness.web.deps import SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(tags=["jobs"], responses=error_responses(JobNotFound, InvalidJobRequest))

RefText = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("/jobs", response_model=list[JobRead])
def list_jobs(
    actor: AnyActor,
    session: SessionDep,
    status: JobStatus | None = None,
    kind: RefText = None,
    ref_type: RefText = None,
    ref_id: RefText = None,
    license_id: RefText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[JobRead]:
    """The jobs you may see (yours; every job for an operator), newest first."""
    rows = service.list_for(
        session,
        actor,
        status=status,
        kind=kind,
        ref_type=ref_type,
        ref_id=ref_id,
        license_id=license_id,
        limit=limit,
        offset=offset,
    )
    return [service.to_read(job) for job in rows]


@router.get("/jobs/{job_id}", response_model=JobRead)
def get_job(job_id: str, actor: AnyActor, session: SessionDep) -> JobRead:
    """A job: its status and percentage, the last progress message and the last error."""
    return service.to_read(service.get_for(session, actor, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobRead,
    responses=error_responses(JobFinished, StaleJob),
)
def cancel_job(
    job_id: str, actor: AnyActor, session: SessionDep, body: JobCancelIn | None = None
) -> JobRead:
    """Cancel a job: a queued one ends at once; a running one is asked to stop
    (``cancel_requested`` until its worker stops it). A finished job answers 409."""
    reason = (body or JobCancelIn()).reason
    return service.to_read(service.cancel(session, actor, job_id, reason))
