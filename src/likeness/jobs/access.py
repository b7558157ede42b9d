"""Who may see a job, and who may cancel one: the one place that decides.

Kept deliberately simple, because a job is plumbing, not a right:

* an **operator** sees and cancels every job;
* the **user who enqueued it** (``requested_by_user_id``) sees and cancels it;

(whoever may see a job may cancel it);
* nobody else sees it: others get 404, so job ids do not leak.

A job enqueued by the system (no user: a sweep, the local command line) is an
operator's. A feature that wants others to follow its jobs (a brand following its
generation request) shows them through its own object and its own access rules, reading
the job with :func:`likeness.jobs.service.to_read`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.jobs import repository
from likeness.jobs.errors import JobNotFound
from likeness.models.job import Job


def job_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the jobs an actor may see (None: everything)."""
    if actor.is_operator:
        return None
    if actor.user_id is None:
        return false()
    return Job.requested_by_user_id == actor.user_id


def may_see(actor: Actor, job: Job) -> bool:
    return actor.is_operator or (
        actor.user_id is not None and job.requested_by_user_id == actor.user_id
    )


def get_job_for(session: Session, actor: Actor, job_id: str) -> Job:
    """The job, if the actor may see it; otherwise 404."""
    job = repository.get(session, job_id)
    if job is None or not may_see(actor, job):
        raise JobNotFound(f"no job {job_id}")
    return job
