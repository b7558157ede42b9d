"""The job use cases: enqueue, lease, heartbeat, succeed, fail, cancel, read.

Every call runs in the caller's transaction and never commits. A worker calls
:func:`lease`, :func:`heartbeat`, :func:`succeed`, :func:`fail` and :func:`stopped`
each in its own short transaction (:mod:`likeness.jobs.worker` does), so a job's row
is never locked while its handler works.

Each change is a compare-and-set UPDATE on ``Job.version``: of two workers leasing one
job exactly one gets it (on PostgreSQL the loser's UPDATE waits for the winner's row
lock, then finds the version gone; SQLite runs one writer at a time). A worker's calls
after the lease check that it still holds the lease (``lease_owner``); a worker whose
lease ran out and was taken by another gets ``False``/``None`` and its outcome is
dropped, so a job is finished once.

Audit events: ``job.enqueued``, ``job.cancel_requested`` (a running job was asked to
stop), ``job.cancelled``, ``job.retrying`` (an attempt failed, another will run),
``job.failed`` and ``job.succeeded``. Leases and heartbeats are not audited (they are
plumbing, and frequent).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.identity.actor import Actor
from likeness.jobs import access, repository
from likeness.jobs.errors import InvalidJobRequest, JobFinished, StaleJob
from likeness.jobs.schemas import JobRead
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.models.base import new_id
from likeness.models.job import FINISHED, Job, JobStatus
from likeness.models.license import License
from likeness.models.party import Role

#: Who the audit log names for what workers and sweeps do to jobs.
JOBS_ACTOR = Actor(user_id=None, email="jobs@localhost", role=Role.operator, via="worker")
DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 3
MAX_ATTEMPTS_LIMIT = 100
MAX_PAYLOAD_CHARS = 1_000_000
MAX_RESULT_CHARS = 1_000_000
MAX_ERROR_CHARS = 2000
MAX_MESSAGE_CHARS = 500
MAX_REASON_CHARS = 500
#: How many takeable jobs one lease call looks at per round.
LEASE_BATCH = 8
#: Compare-and-set retries where losing only means "someone changed it; look again".
_TRIES = 8

_KIND = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# --- checks --------------------------------------------------------------------------


def _one_line(text: str, limit: int, what: str) -> str:
    """A one-line text: stripped, no control characters, cut to ``limit``."""
    cleaned = unicodedata.normalize("NFC", text).strip()
    if not cleaned:
        raise InvalidJobRequest(f"{what} must not be empty")
    if _CONTROL.search(cleaned):
        raise InvalidJobRequest(f"{what} must be one line without control characters")
    if len(cleaned) > limit:
        raise InvalidJobRequest(f"{what} must be at most {limit} characters")
    return cleaned


def _clip(text: str, limit: int) -> str:
    """Worker-made text (an error, a progress message): cleaned and cut, never refused."""
    cleaned = _CONTROL.sub(" ", text).strip() or "(no message)"
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _json(value: Any, limit: int, what: str) -> str:
    try:
        text = canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise InvalidJobRequest(f"{what} must be JSON: {exc}") from None
    if len(text) > limit:
        raise InvalidJobRequest(f"{what} must be at most {limit} characters of JSON")
    return text


def _worker(worker_id: str) -> str:
    if not worker_id or len(worker_id) > 128 or _CONTROL.search(worker_id):
        raise InvalidJobRequest("a worker id must be 1 to 128 characters on one line")
    return worker_id


def fraction(value: float) -> float:
    """A progress fraction, 0..1; anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidJobRequest(f"progress must be a number from 0 to 1, not {value!r}")
    if not 0 <= value <= 1:
        raise InvalidJobRequest(f"progress must be from 0 to 1, not {value}")
    return float(value)


# --- enqueue -------------------------------------------------------------------------


def enqueue(
    session: Session,
    actor: Actor,
    kind: str,
    payload: dict[str, Any],
    *,
    ref_type: str | None = None,
    ref_id: str | None = None,
    license_id: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Job:
    """Queue a job in the caller's transaction: it exists (and a worker may take it) only
    once that transaction commits. ``license_id``: the license the job works under, so
    that revoking the license or its use consent cancels it."""
    if not _KIND.match(kind):
        raise InvalidJobRequest(
            f"job kind {kind!r} must be 1 to 64 of a-z, 0-9, '_', '.', ':' and '-'"
        )
    if not isinstance(payload, dict):
        raise InvalidJobRequest("a job's payload must be a JSON object")
    if not 1 <= max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise InvalidJobRequest(f"max_attempts must be 1..{MAX_ATTEMPTS_LIMIT}")
    for name, value in (("ref_type", ref_type), ("ref_id", ref_id)):
        if value is not None and not 1 <= len(value) <= 64:
            raise InvalidJobRequest(f"{name} must be 1 to 64 characters")
    if license_id is not None and session.get(License, license_id) is None:
        raise InvalidJobRequest(f"no license {license_id}")
    now = utcnow()
    job = Job(
        id=new_id(),
        kind=kind,
        status=JobStatus.queued,
        version=1,
        payload_json=_json(payload, MAX_PAYLOAD_CHARS, "a job's payload"),
        attempts=0,
        max_attempts=max_attempts,
        progress=0.0,
        ref_type=ref_type,
        ref_id=ref_id,
        license_id=license_id,
        requested_by_user_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor,
        "job.enqueued",
        "job",
        job.id,
        {
            "kind": kind,
            "ref_type": ref_type,
            "ref_id": ref_id,
            "license_id": license_id,
            "max_attempts": max_attempts,
        },
    )
    return job


# --- the worker's side ---------------------------------------------------------------


def lease(
    session: Session,
    worker_id: str,
    kinds: Collection[str] | None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    now: datetime | None = None,
    *,
    job_ids: Collection[str] | None = None,
) -> Job | None:
    """Take the oldest takeable job of one of ``kinds`` (None: any kind; ``job_ids``: only
    one of these jobs) for ``lease_seconds``: a queued job, or a running one whose lease
    ran out (its worker was killed or hangs). ``attempts`` goes up by one. A lost
    worker's job that has used all its attempts is failed instead, and one whose cancel
    its worker never saw is cancelled; then the next job is looked at. None when nothing
    is takeable."""
    _worker(worker_id)
    if lease_seconds <= 0:
        raise InvalidJobRequest("a lease must last longer than 0 seconds")
    if (kinds is not None and not kinds) or (job_ids is not None and not job_ids):
        return None
    moment = now or utcnow()
    while True:
        candidates = repository.lease_candidates(session, kinds, moment, LEASE_BATCH, job_ids)
        if not candidates:
            return None
        for job in candidates:
            taken = _take(session, job, worker_id, lease_seconds, moment)
            if taken is not None:
                return taken
        # Every candidate was finished off, or taken by another worker: look again.


def _take(
    session: Session, job: Job, worker_id: str, lease_seconds: float, now: datetime
) -> Job | None:
    lost = job.status is JobStatus.running
    if lost and job.cancel_reason is not None:
        _finish(session, JOBS_ACTOR, job, JobStatus.cancelled, now, {})
        return None
    if lost and job.attempts >= job.max_attempts:
        error = (
            f"worker {job.lease_owner} stopped heartbeating on attempt {job.attempts} of "
            f"{job.max_attempts} (its lease ran out)"
        )
        _finish(session, JOBS_ACTOR, job, JobStatus.failed, now, {"last_error": error})
        return None
    values: dict[str, Any] = {
        "status": JobStatus.running,
        "attempts": job.attempts + 1,
        "lease_owner": worker_id,
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "heartbeat_at": now,
        "started_at": job.started_at or now,
        "updated_at": now,
    }
    if lost:
        values["last_error"] = (
            f"attempt {job.attempts}: worker {job.lease_owner} stopped heartbeating "
            "(its lease ran out)"
        )
    if not repository.compare_and_set(session, job.id, job.version, values):
        return None
    return repository.reload(session, job.id)


def heartbeat(
    session: Session,
    job_id: str,
    worker_id: str,
    progress: float | None = None,
    message: str | None = None,
    *,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    now: datetime | None = None,
) -> bool:
    """Extend the worker's lease by ``lease_seconds`` and record its progress (0..1; None
    keeps the last) and message. False when the worker should stop: the job was
    cancelled, finished, or its lease was lost to another worker."""
    done = None if progress is None else fraction(progress)
    moment = now or utcnow()
    for _ in range(_TRIES):
        job = repository.reload(session, job_id)
        if job is None or not _holds(job, worker_id) or job.cancel_reason is not None:
            return False
        values: dict[str, Any] = {
            "heartbeat_at": moment,
            "lease_expires_at": moment + timedelta(seconds=lease_seconds),
            "updated_at": moment,
        }
        if done is not None:
            values["progress"] = done
        if message is not None:
            values["message"] = _clip(message, MAX_MESSAGE_CHARS)
        if repository.compare_and_set(session, job.id, job.version, values):
            return True
    return False


def _holds(job: Job, worker_id: str) -> bool:
    return job.status is JobStatus.running and job.lease_owner == worker_id


def succeed(
    session: Session, job_id: str, worker_id: str, result: Any = None, now: datetime | None = None
) -> Job | None:
    """Record the handler's result. A cancel asked for while it ran wins: the job ends
    ``cancelled`` (the result is kept). None when the worker no longer holds the job."""
    text = _json(result, MAX_RESULT_CHARS, "a job's result")
    moment = now or utcnow()
    for _ in range(_TRIES):
        job = repository.reload(session, job_id)
        if job is None or not _holds(job, worker_id):
            return None
        target = JobStatus.succeeded if job.cancel_reason is None else JobStatus.cancelled
        values: dict[str, Any] = {"result_json": text}
        if target is JobStatus.succeeded:
            values["progress"] = 1.0
        if _finish(session, JOBS_ACTOR, job, target, moment, values):
            return repository.reload(session, job_id)
    return None


def fail(
    session: Session,
    job_id: str,
    worker_id: str,
    error: str,
    retry: bool,
    now: datetime | None = None,
) -> Job | None:
    """Record a failed attempt: queued again when ``retry`` and attempts are left, else
    ``failed`` with ``error`` as the last error (``cancelled`` if a cancel was asked for).
    None when the worker no longer holds the job."""
    reason = _clip(error, MAX_ERROR_CHARS)
    moment = now or utcnow()
    for _ in range(_TRIES):
        job = repository.reload(session, job_id)
        if job is None or not _holds(job, worker_id):
            return None
        if job.cancel_reason is not None:
            won = _finish(
                session, JOBS_ACTOR, job, JobStatus.cancelled, moment, {"last_error": reason}
            )
        elif retry and job.attempts < job.max_attempts:
            won = _requeue(session, job, reason, moment)
        else:
            won = _finish(
                session, JOBS_ACTOR, job, JobStatus.failed, moment, {"last_error": reason}
            )
        if won:
            return repository.reload(session, job_id)
    return None


def stopped(
    session: Session, job_id: str, worker_id: str, now: datetime | None = None
) -> Job | None:
    """The worker stopped its handler because a heartbeat was refused: a job whose cancel
    was asked for ends ``cancelled``. None when the worker no longer holds the job or no
    cancel was asked for (its lease was lost: the new holder finishes it)."""
    moment = now or utcnow()
    for _ in range(_TRIES):
        job = repository.reload(session, job_id)
        if job is None or not _holds(job, worker_id) or job.cancel_reason is None:
            return None
        if _finish(session, JOBS_ACTOR, job, JobStatus.cancelled, moment, {}):
            return repository.reload(session, job_id)
    return None


def _requeue(session: Session, job: Job, error: str, now: datetime) -> bool:
    values = {
        "status": JobStatus.queued,
        "last_error": error,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
    }
    if not repository.compare_and_set(session, job.id, job.version, values):
        return False
    audit.record(
        session,
        JOBS_ACTOR,
        "job.retrying",
        "job",
        job.id,
        {
            "kind": job.kind,
            "attempt": job.attempts,
            "max_attempts": job.max_attempts,
            "error": error,
        },
    )
    return True


def _finish(
    session: Session,
    actor: Actor,
    job: Job,
    target: JobStatus,
    now: datetime,
    values: dict[str, Any],
) -> bool:
    """Move ``job`` (as read) to a final status with one compare-and-set and one event."""
    attempts, kind, asked = job.attempts, job.kind, job.cancel_reason
    changes = {
        **values,
        "status": target,
        "lease_expires_at": None,
        "finished_at": now,
        "updated_at": now,
    }
    if not repository.compare_and_set(session, job.id, job.version, changes):
        return False
    payload: dict[str, Any] = {"kind": kind, "attempts": attempts}
    if target is JobStatus.failed:
        payload["error"] = values.get("last_error")
    if target is JobStatus.cancelled:
        payload["reason"] = asked or values.get("cancel_reason")
    audit.record(session, actor, f"job.{target.value}", "job", job.id, payload)
    return True


# --- cancelling ----------------------------------------------------------------------


def cancel(session: Session, actor: Actor, job_id: str, reason: str) -> Job:
    """Cancel a job (its requester or an operator). A queued job, or a running one whose
    worker is gone (lease ran out), ends ``cancelled`` now; a running one is asked to
    stop: its worker's next heartbeat is refused and the worker ends it ``cancelled``.
    Asking again while it stops changes nothing."""
    why = _one_line(reason, MAX_REASON_CHARS, "a cancel reason")
    job = access.get_job_for(session, actor, job_id)
    for _ in range(_TRIES):
        if job.status in FINISHED:
            raise JobFinished(f"job {job.id} is {job.status.value}; it can no longer be cancelled")
        if job.status is JobStatus.running and job.cancel_reason is not None:
            return job
        if _cancel_one(session, actor, job, why, utcnow()):
            found = repository.reload(session, job_id)
            assert found is not None
            return found
        reloaded = repository.reload(session, job_id)
        assert reloaded is not None  # jobs are never deleted
        job = reloaded
    raise StaleJob(f"job {job_id} kept changing while it was being cancelled; try again")


def _cancel_one(session: Session, actor: Actor, job: Job, reason: str, now: datetime) -> bool:
    """One compare-and-set: cancel ``job`` now, or ask its live worker to stop."""
    asked = {"cancel_reason": reason, "cancel_requested_at": now}
    worker_alive = (
        job.status is JobStatus.running
        and job.lease_expires_at is not None
        and job.lease_expires_at > now
    )
    if not worker_alive:
        return _finish(session, actor, job, JobStatus.cancelled, now, asked)
    if not repository.compare_and_set(session, job.id, job.version, {**asked, "updated_at": now}):
        return False
    audit.record(
        session,
        actor,
        "job.cancel_requested",
        "job",
        job.id,
        {"kind": job.kind, "reason": reason, "worker": job.lease_owner},
    )
    return True


def _cancel_live(
    session: Session, actor: Actor, condition: ColumnElement[bool], reason: str
) -> list[Job]:
    why = _clip(reason, MAX_REASON_CHARS)
    changed: list[Job] = []
    for job in repository.live_where(session, condition):
        current: Job | None = job
        for _ in range(_TRIES):
            if current is None or current.status in FINISHED:
                break
            if current.status is JobStatus.running and current.cancel_reason is not None:
                break
            if _cancel_one(session, actor, current, why, utcnow()):
                changed.append(current)
                break
            current = repository.reload(session, job.id)
    return changed


def cancel_for_license(
    session: Session, license_id: str, reason: str, *, actor: Actor = JOBS_ACTOR
) -> list[Job]:
    """The license (or its use consent) ended: cancel its queued and running jobs, in the
    caller's transaction. Idempotent: jobs already cancelled or asked to stop are left."""
    return _cancel_live(session, actor, Job.license_id == license_id, reason)


# --- reading -------------------------------------------------------------------------


def get_for(session: Session, actor: Actor, job_id: str) -> Job:
    return access.get_job_for(session, actor, job_id)


def list_for(
    session: Session,
    actor: Actor,
    *,
    status: JobStatus | None = None,
    kind: str | None = None,
    ref_type: str | None = None,
    ref_id: str | None = None,
    license_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Job]:
    """The jobs the actor may see, newest first."""
    require_page(limit, offset, MAX_PAGE)
    where = conditions(
        access.job_filter(actor),
        (Job.status, status),
        (Job.kind, kind),
        (Job.ref_type, ref_type),
        (Job.ref_id, ref_id),
        (Job.license_id, license_id),
    )
    return repository.list_jobs(session, where, limit=limit, offset=offset)


def percentage(job: Job) -> int:
    """0..100: the handler's last report, rounded down; 100 once succeeded."""
    if job.status is JobStatus.succeeded:
        return 100
    return max(0, min(100, math.floor(job.progress * 100)))


def to_read(job: Job) -> JobRead:
    return JobRead(
        id=job.id,
        kind=job.kind,
        status=job.status,
        version=job.version,
        percentage=percentage(job),
        progress=job.progress,
        message=job.message,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        last_error=job.last_error,
        cancel_reason=job.cancel_reason,
        cancel_requested=job.status is JobStatus.running and job.cancel_reason is not None,
        ref_type=job.ref_type,
        ref_id=job.ref_id,
        license_id=job.license_id,
        requested_by_user_id=job.requested_by_user_id,
        payload=json.loads(job.payload_json),
        result=None if job.result_json is None else json.loads(job.result_json),
        lease_owner=job.lease_owner,
        lease_expires_at=job.lease_expires_at,
        heartbeat_at=job.heartbeat_at,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def statuses(session: Session, job_ids: Sequence[str]) -> dict[str, JobStatus]:
    """job id → status as committed now (executors wait on these)."""
    return repository.statuses(session, job_ids)
