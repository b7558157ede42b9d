"""The job service on a migrated database (SQLite, and PostgreSQL in CI): enqueue, lease,
heartbeat, retry, fail, cancel, and who may see a job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import actor as actor_of
from factories import create_user
from integration.test_license_support import World, to_status
from likeness.consent import service as consent_service
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service
from likeness.jobs.errors import InvalidJobRequest, JobFinished, JobNotFound
from likeness.kit.clock import utcnow
from likeness.licensing import repository as licenses
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.audit import AuditEvent
from likeness.models.job import Job, JobStatus
from likeness.models.party import Role


def _events(session: Session, job_id: str) -> list[str]:
    rows = session.execute(
        select(AuditEvent.action).where(AuditEvent.object_id == job_id).order_by(AuditEvent.seq)
    )
    return [str(action) for action in rows.scalars()]


def _job(session: Session, kind: str = "test.echo", **kwargs: object) -> Job:
    return service.enqueue(session, SYSTEM_ACTOR, kind, {"n": 1}, **kwargs)  # type: ignore[arg-type]


def test_enqueue_queues_the_job_and_audits_it(session: Session) -> None:
    job = _job(session, ref_type="thing", ref_id="t1", max_attempts=2)
    assert job.status is JobStatus.queued
    assert job.attempts == 0 and job.max_attempts == 2 and job.version == 1
    read = service.to_read(job)
    assert read.percentage == 0 and read.payload == {"n": 1} and read.result is None
    assert _events(session, job.id) == ["job.enqueued"]


@pytest.mark.parametrize(
    ("kind", "payload", "max_attempts"),
    [
        ("Bad Kind", {}, 3),
        ("", {}, 3),
        ("ok", [1, 2], 3),
        ("ok", {"x": float("nan")}, 3),
        ("ok", {"x": object()}, 3),
        ("ok", {}, 0),
        ("ok", {}, 101),
    ],
)
def test_enqueue_refuses_bad_input(
    session: Session, kind: str, payload: object, max_attempts: int
) -> None:
    with pytest.raises(InvalidJobRequest):
        service.enqueue(session, SYSTEM_ACTOR, kind, payload, max_attempts=max_attempts)  # type: ignore[arg-type]
    assert session.execute(select(Job)).first() is None


def test_enqueue_refuses_a_license_that_does_not_exist(session: Session) -> None:
    with pytest.raises(InvalidJobRequest, match="no license"):
        _job(session, license_id="f" * 32)


def test_lease_takes_the_oldest_queued_job_of_the_kinds_asked_once(session: Session) -> None:
    first = _job(session)
    second = _job(session)
    _job(session, kind="other.kind")
    taken = service.lease(session, "w1", ["test.echo"], 30)
    assert taken is not None and taken.id == first.id
    assert taken.status is JobStatus.running and taken.attempts == 1
    assert taken.lease_owner == "w1" and taken.started_at is not None
    assert taken.lease_expires_at is not None and taken.lease_expires_at > utcnow()
    again = service.lease(session, "w2", ["test.echo"], 30)
    assert again is not None and again.id == second.id
    assert service.lease(session, "w3", ["test.echo"], 30) is None
    assert service.lease(session, "w3", [], 30) is None
    other = service.lease(session, "w3", None, 30)
    assert other is not None and other.kind == "other.kind"


def test_a_lost_workers_job_is_leased_again_once_its_lease_runs_out(session: Session) -> None:
    job = _job(session)
    now = utcnow()
    assert service.lease(session, "dead", None, 10, now=now) is not None
    assert service.lease(session, "w2", None, 10, now=now + timedelta(seconds=5)) is None
    taken = service.lease(session, "w2", None, 10, now=now + timedelta(seconds=11))
    assert taken is not None and taken.id == job.id
    assert taken.attempts == 2 and taken.lease_owner == "w2"
    assert taken.last_error is not None and "dead stopped heartbeating" in taken.last_error
    # the lost worker wakes up: it no longer holds the job, and cannot finish it
    assert not service.heartbeat(session, job.id, "dead", 0.5, "late")
    assert service.succeed(session, job.id, "dead", {"late": True}) is None
    assert service.fail(session, job.id, "dead", "late", retry=True) is None
    done = service.succeed(session, job.id, "w2", {"ok": True})
    assert done is not None and done.status is JobStatus.succeeded
    assert service.to_read(done).result == {"ok": True}


def test_a_lost_worker_on_the_last_attempt_fails_the_job(session: Session) -> None:
    job = _job(session, max_attempts=1)
    waiting = _job(session)
    now = utcnow()
    assert service.lease(session, "dead", None, 10, now=now) is not None
    taken = service.lease(session, "w2", None, 10, now=now + timedelta(seconds=11))
    assert taken is not None and taken.id == waiting.id  # the dead one was failed, not leased
    failed = session.get(Job, job.id)
    assert failed is not None and failed.status is JobStatus.failed
    assert failed.last_error is not None and "attempt 1 of 1" in failed.last_error
    assert failed.finished_at is not None
    assert _events(session, job.id) == ["job.enqueued", "job.failed"]


def test_heartbeat_extends_the_lease_and_records_progress(session: Session) -> None:
    job = _job(session)
    now = utcnow()
    service.lease(session, "w1", None, 10, now=now)
    later = now + timedelta(seconds=8)
    assert service.heartbeat(session, job.id, "w1", 0.25, "a quarter", lease_seconds=10, now=later)
    session.refresh(job)
    assert job.progress == 0.25 and job.message == "a quarter"
    assert job.lease_expires_at == later + timedelta(seconds=10)
    assert service.to_read(job).percentage == 25
    # a heartbeat without progress keeps the last one
    assert service.heartbeat(session, job.id, "w1", lease_seconds=10, now=later)
    session.refresh(job)
    assert job.progress == 0.25
    # still held at +12 s (the heartbeat moved the lease): nobody else gets it
    assert service.lease(session, "w2", None, 10, now=now + timedelta(seconds=12)) is None
    assert not service.heartbeat(session, job.id, "someone-else", 0.5, None)
    for bad in (-0.1, 1.5, float("nan"), float("inf")):
        with pytest.raises(InvalidJobRequest):
            service.heartbeat(session, job.id, "w1", bad, None)


def test_failures_are_retried_until_max_attempts(session: Session) -> None:
    job = _job(session, max_attempts=2)
    service.lease(session, "w1", None, 10)
    retried = service.fail(session, job.id, "w1", "boom 1", retry=True)
    assert retried is not None and retried.status is JobStatus.queued
    assert retried.last_error == "boom 1" and retried.lease_owner is None
    service.lease(session, "w1", None, 10)
    failed = service.fail(session, job.id, "w1", "boom 2", retry=True)
    assert failed is not None and failed.status is JobStatus.failed
    assert failed.attempts == 2 and failed.last_error == "boom 2"
    assert service.lease(session, "w1", None, 10) is None
    assert _events(session, job.id) == ["job.enqueued", "job.retrying", "job.failed"]


def test_a_failure_no_retry_can_fix_fails_at_once(session: Session) -> None:
    job = _job(session, max_attempts=5)
    service.lease(session, "w1", None, 10)
    failed = service.fail(session, job.id, "w1", "InvalidInput: bad brief", retry=False)
    assert failed is not None and failed.status is JobStatus.failed and failed.attempts == 1


def test_succeed_records_the_result_and_audits_it(session: Session) -> None:
    job = _job(session)
    service.lease(session, "w1", None, 10)
    service.heartbeat(session, job.id, "w1", 0.4, None)
    done = service.succeed(session, job.id, "w1", {"outputs": ["a", "b"]})
    assert done is not None and done.status is JobStatus.succeeded
    read = service.to_read(done)
    assert read.percentage == 100 and read.result == {"outputs": ["a", "b"]}
    assert read.finished_at is not None and read.lease_expires_at is None
    assert _events(session, job.id) == ["job.enqueued", "job.succeeded"]
    with pytest.raises(JobFinished):
        service.cancel(session, SYSTEM_ACTOR, job.id, "too late")


def test_cancelling_a_queued_job_ends_it_at_once(session: Session) -> None:
    job = _job(session)
    cancelled = service.cancel(session, SYSTEM_ACTOR, job.id, "not needed")
    assert cancelled.status is JobStatus.cancelled and cancelled.cancel_reason == "not needed"
    assert service.lease(session, "w1", None, 10) is None
    assert _events(session, job.id) == ["job.enqueued", "job.cancelled"]
    with pytest.raises(JobFinished):
        service.cancel(session, SYSTEM_ACTOR, job.id, "again")


def test_cancelling_a_running_job_asks_its_worker_to_stop(session: Session) -> None:
    job = _job(session)
    service.lease(session, "w1", None, 60)
    asked = service.cancel(session, SYSTEM_ACTOR, job.id, "stop it")
    assert asked.status is JobStatus.running and service.to_read(asked).cancel_requested
    assert service.cancel(session, SYSTEM_ACTOR, job.id, "stop it").version == asked.version
    assert not service.heartbeat(session, job.id, "w1", 0.5, None)
    assert service.stopped(session, job.id, "other") is None
    stopped = service.stopped(session, job.id, "w1")
    assert stopped is not None and stopped.status is JobStatus.cancelled
    assert _events(session, job.id) == ["job.enqueued", "job.cancel_requested", "job.cancelled"]


def test_a_cancel_wins_over_a_result_that_arrives_after_it(session: Session) -> None:
    job = _job(session)
    service.lease(session, "w1", None, 60)
    service.cancel(session, SYSTEM_ACTOR, job.id, "stop it")
    ended = service.succeed(session, job.id, "w1", {"made": 1})
    assert ended is not None and ended.status is JobStatus.cancelled
    assert service.to_read(ended).result == {"made": 1}  # kept: the work was done


def test_a_failure_after_a_cancel_ends_cancelled(session: Session) -> None:
    job = _job(session)
    service.lease(session, "w1", None, 60)
    service.cancel(session, SYSTEM_ACTOR, job.id, "stop it")
    ended = service.fail(session, job.id, "w1", "boom", retry=True)
    assert ended is not None and ended.status is JobStatus.cancelled


def test_cancelling_a_lost_workers_job_ends_it_at_once(session: Session) -> None:
    job = _job(session)
    service.lease(session, "dead", None, 10, now=utcnow() - timedelta(seconds=60))
    cancelled = service.cancel(session, SYSTEM_ACTOR, job.id, "worker is gone")
    assert cancelled.status is JobStatus.cancelled


def test_a_cancel_the_lost_worker_never_saw_is_finished_by_the_next_lease(
    session: Session,
) -> None:
    job = _job(session)
    now = utcnow()
    service.lease(session, "dead", None, 10, now=now)
    service.cancel(session, SYSTEM_ACTOR, job.id, "stop")  # asked while the lease was live
    assert service.lease(session, "w2", None, 10, now=now + timedelta(seconds=11)) is None
    session.refresh(job)
    assert job.status is JobStatus.cancelled and job.attempts == 1


def test_a_cancel_needs_a_reason(session: Session) -> None:
    job = _job(session)
    for bad in ("", "   ", "two\nlines", "x" * 501):
        with pytest.raises(InvalidJobRequest):
            service.cancel(session, SYSTEM_ACTOR, job.id, bad)


def test_the_requester_and_operators_see_and_cancel_a_job_nobody_else(session: Session) -> None:
    requester = actor_of(session, create_user(session, Role.brand))
    stranger = actor_of(session, create_user(session, Role.brand))
    operator = actor_of(session, create_user(session, Role.operator))
    mine = service.enqueue(session, requester, "test.echo", {})
    theirs = _job(session)
    assert [j.id for j in service.list_for(session, requester)] == [mine.id]
    assert service.list_for(session, stranger) == []
    assert {j.id for j in service.list_for(session, operator)} == {mine.id, theirs.id}
    assert service.get_for(session, requester, mine.id).id == mine.id
    for who, job_id in ((stranger, mine.id), (requester, theirs.id)):
        with pytest.raises(JobNotFound):
            service.get_for(session, who, job_id)
        with pytest.raises(JobNotFound):
            service.cancel(session, who, job_id, "mine now")
    assert service.cancel(session, requester, mine.id, "changed plans").status is (
        JobStatus.cancelled
    )
    assert service.cancel(session, operator, theirs.id, "ops").status is JobStatus.cancelled


def test_list_filters_by_status_kind_and_ref(session: Session) -> None:
    a = _job(session, ref_type="req", ref_id="1")
    b = _job(session, kind="other.kind", ref_type="req", ref_id="2")
    service.lease(session, "w1", ["other.kind"], 10)
    ids = lambda **f: [j.id for j in service.list_for(session, SYSTEM_ACTOR, **f)]  # noqa: E731
    assert ids(status=JobStatus.running) == [b.id]
    assert ids(kind="test.echo") == [a.id]
    assert ids(ref_type="req", ref_id="2") == [b.id]
    assert ids() == [b.id, a.id]  # newest first


def test_revoking_a_license_cancels_its_jobs(session: Session, world: World) -> None:
    lic = to_status(session, world, "active")
    other = to_status(session, world, "active")
    queued = _job(session, license_id=lic.id)
    running = _job(session, license_id=lic.id)
    untouched = _job(session, license_id=other.id)
    service.lease(session, "w1", None, 60)  # the oldest: ``queued``
    licensing.revoke(
        session, world.actor(session, "operator"), lic.id, TransitionIn(reason="court order")
    )
    for job in (queued, running, untouched):
        session.refresh(job)
    assert queued.status is JobStatus.running and queued.cancel_reason is not None
    assert not service.heartbeat(session, queued.id, "w1", 0.5, None)
    assert running.status is JobStatus.cancelled
    assert running.cancel_reason == f"license {lic.id} was revoked"
    assert untouched.status is JobStatus.queued


def test_revoking_a_use_consent_cancels_its_licenses_jobs(session: Session, world: World) -> None:
    lic = to_status(session, world, "active")
    job = _job(session, license_id=lic.id)
    consent = licenses.use_consent_of(session, lic.id)
    assert consent is not None
    # the consent's own revocation (the license may still read active until it is swept)
    consent_service.mark_revoked(session, world.actor(session, "talent"), consent, utcnow(), "no")
    session.refresh(job)
    assert job.status is JobStatus.cancelled
    assert job.cancel_reason == f"the use consent of license {lic.id} was revoked"


@pytest.mark.parametrize("how", ["suspend", "expire", "expire_due", "withdraw"])
def test_suspending_expiring_or_withdrawing_a_license_cancels_its_jobs(
    session: Session, world: World, how: str
) -> None:
    lic = to_status(session, world, "accepted" if how == "withdraw" else "active")
    other = to_status(session, world, "active")
    queued = _job(session, license_id=lic.id)
    untouched = _job(session, license_id=other.id)
    operator = world.actor(session, "operator")
    if how == "suspend":
        licensing.suspend(session, operator, lic.id, TransitionIn(reason="audit"))
    elif how == "expire":
        licensing.expire(session, operator, lic.id, TransitionIn(reason="ended"))
    elif how == "expire_due":
        later = utcnow() + timedelta(days=400)  # past both licenses' terms
        assert {x.id for x in licensing.expire_due(session, operator, later)} >= {lic.id}
    else:
        licensing.withdraw(session, world.actor(session, "brand"), lic.id, TransitionIn())
    session.refresh(queued)
    session.refresh(untouched)
    assert queued.status is JobStatus.cancelled
    assert queued.cancel_reason == f"license {lic.id} was {licenses.get(session, lic.id).status}"
    assert _events(session, queued.id)[-1] == "job.cancelled"
    if how != "expire_due":
        assert untouched.status is JobStatus.queued


def test_lease_can_be_limited_to_given_jobs(session: Session) -> None:
    older = _job(session)
    mine = _job(session)
    assert service.lease(session, "w1", None, 60, job_ids=[]) is None
    taken = service.lease(session, "w1", None, 60, job_ids=[mine.id])
    assert taken is not None and taken.id == mine.id  # not the older job
    assert service.lease(session, "w2", None, 60, job_ids=[mine.id]) is None  # held
    session.refresh(older)
    assert older.status is JobStatus.queued


def test_count_takeable_counts_queued_and_lost_jobs_in_one_query(session: Session) -> None:
    from likeness.jobs import repository

    now = utcnow()
    for _ in range(3):
        _job(session)
    assert service.lease(session, "w1", None, 60, now=now) is not None
    assert repository.count_takeable(session, None, now) == 2
    assert repository.count_takeable(session, ["other.kind"], now) == 0
    # the leased one counts again once its lease has run out
    assert repository.count_takeable(session, None, now + timedelta(seconds=61)) == 3
