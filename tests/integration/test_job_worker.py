"""The worker loop on a migrated database: outcomes, retries, cancel, a worker killed with
``kill -9``, and two workers leasing at once (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import TEST_AUDIT_KEY
from integration import job_handlers
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service, worker
from likeness.jobs.errors import InvalidJobRequest, UnknownJobKind
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.job import Job, JobStatus
from likeness.runtime import Runtime
from likeness.settings import JobSettings, Settings

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _handlers() -> Iterator[None]:
    for kind, target in job_handlers.register_all().items():
        worker.register(kind, target)
    yield
    for kind in job_handlers.register_all():
        worker.unregister(kind)


def _runtime(settings: Settings, db: Database, lease_seconds: float = 30) -> Runtime:
    jobs = JobSettings(lease_seconds=lease_seconds)
    return Runtime(settings.model_copy(update={"jobs": jobs}), db)


@pytest.fixture
def rt(settings: Settings, db: Database) -> Runtime:
    return _runtime(settings, db)


def _enqueue(db: Database, kind: str, payload: dict[str, object], **kwargs: object) -> str:
    with db.unit_of_work() as session:
        return service.enqueue(session, SYSTEM_ACTOR, kind, payload, **kwargs).id  # type: ignore[arg-type]


def _job(db: Database, job_id: str) -> Job:
    with db.unit_of_work() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _actions(db: Database, job_id: str) -> list[str]:
    with db.unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action).where(AuditEvent.object_id == job_id).order_by(AuditEvent.seq)
        )
        return [str(a) for a in rows.scalars()]


def test_run_next_runs_the_handler_and_records_its_result(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.echo", {"x": 1})
    outcome = worker.run_next(rt, "w1")
    assert outcome is not None
    assert (outcome.job_id, outcome.status, outcome.attempt) == (job_id, JobStatus.succeeded, 1)
    job = _job(db, job_id)
    assert service.to_read(job).result == {"payload": {"x": 1}, "attempt": 1}
    assert worker.run_next(rt, "w1") is None  # nothing left
    assert _actions(db, job_id) == ["job.enqueued", "job.succeeded"]


def test_a_crash_is_retried_until_it_succeeds(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.flaky", {"succeed_on": 3}, max_attempts=3)
    assert worker.drain(rt, "w1") == 3
    job = _job(db, job_id)
    assert job.status is JobStatus.succeeded and job.attempts == 3
    assert job.last_error == "RuntimeError: crash on attempt 2"


def test_a_crash_on_the_last_attempt_fails_the_job(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.flaky", {"succeed_on": 9}, max_attempts=2)
    outcomes: list[worker.JobOutcome] = []
    worker.drain(rt, "w1", on_outcome=outcomes.append)
    assert [o.status for o in outcomes] == [JobStatus.queued, JobStatus.failed]
    job = _job(db, job_id)
    assert job.status is JobStatus.failed and job.last_error == "RuntimeError: crash on attempt 2"


def test_a_refusal_is_not_retried(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.refuse", {}, max_attempts=3)
    outcome = worker.run_next(rt, "w1")
    assert outcome is not None and outcome.status is JobStatus.failed
    job = _job(db, job_id)
    assert job.attempts == 1
    assert job.last_error == "InvalidInput: the brief names no garment"


def test_a_result_that_is_not_json_fails_the_job(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.not_json", {})
    outcome = worker.run_next(rt, "w1")
    assert outcome is not None and outcome.status is JobStatus.failed
    assert "must be JSON" in (_job(db, job_id).last_error or "")


def test_progress_is_recorded_as_the_handler_reports_it(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.steps", {"n": 4, "delay": 0})
    worker.run_next(rt, "w1")
    job = _job(db, job_id)
    assert job.status is JobStatus.succeeded and job.message == "step 4 of 4"
    assert service.to_read(job).percentage == 100


def test_a_cancel_stops_a_running_handler(rt: Runtime, db: Database, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    job_id = _enqueue(db, "test.steps", {"n": 500, "delay": 0.01, "marker": str(marker)})
    outcomes: list[worker.JobOutcome | None] = []
    thread = threading.Thread(target=lambda: outcomes.append(worker.run_next(rt, "w1")))
    thread.start()
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    with db.unit_of_work() as session:
        service.cancel(session, SYSTEM_ACTOR, job_id, "not needed any more")
    thread.join(30)
    assert outcomes and outcomes[0] is not None
    assert outcomes[0].status is JobStatus.cancelled
    job = _job(db, job_id)
    assert job.status is JobStatus.cancelled and job.progress < 1
    assert _actions(db, job_id) == [
        "job.enqueued",
        "job.cancel_requested",
        "job.cancelled",
    ]


def test_the_cache_lives_as_long_as_the_worker(rt: Runtime, db: Database) -> None:
    ids = [_enqueue(db, "test.cached", {}) for _ in range(3)]
    cache: dict[str, object] = {}
    assert worker.drain(rt, "w1", cache=cache) == 3
    assert [service.to_read(_job(db, i)).result["loads"] for i in ids] == [1, 1, 1]  # type: ignore[index]
    assert cache["model"] == {"loaded_by": ids[0]}


def test_unknown_kinds_and_bad_targets_are_refused(rt: Runtime) -> None:
    with pytest.raises(UnknownJobKind):
        worker.run_next(rt, "w1", ["no.such.kind"])
    with pytest.raises(InvalidJobRequest):
        worker.register("x", "not a target")
    with pytest.raises(UnknownJobKind):
        worker.resolve("integration.job_handlers:missing")


def test_a_handler_that_cannot_be_imported_fails_its_job(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.gone", {}, max_attempts=3)
    outcome = worker.run_next(rt, "w1", handlers={"test.gone": "no_such_module_here:run"})
    assert outcome is not None and outcome.status is JobStatus.failed
    assert "UnknownJobKind" in (_job(db, job_id).last_error or "")


def test_the_keeper_heartbeats_while_a_silent_handler_runs(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    rt = _runtime(settings, db, lease_seconds=0.6)
    job_id = _enqueue(db, "test.steps", {"n": 1, "delay": 1.5})  # longer than the lease
    outcome = worker.run_next(rt, "w1")
    assert outcome is not None and outcome.status is JobStatus.succeeded
    assert _job(db, job_id).attempts == 1  # nobody took it over meanwhile


_KILLED_WORKER = textwrap.dedent(
    """
    import sys
    from likeness.jobs import worker
    from likeness.kit.db import Database
    from likeness.runtime import Runtime
    from likeness.settings import JobSettings, Settings

    url, home, key = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
    worker.register("test.hang_first", "integration.job_handlers:hang_first")
    settings = Settings(home=home, database_url=url, jobs=JobSettings(lease_seconds=1))
    runtime = Runtime(settings, Database(url, audit_key=key))
    worker.run_next(runtime, "doomed")
    """
)


@pytest.mark.slow
def test_a_job_of_a_worker_killed_with_sigkill_is_finished_by_another(
    settings: Settings, db: Database, database_url: str, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    job_id = _enqueue(db, "test.hang_first", {"marker": str(marker)}, max_attempts=3)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_WORKER,
            database_url,
            str(tmp_path / "h"),
            TEST_AUDIT_KEY.hex(),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.05)
        running = _job(db, job_id)
        assert running.status is JobStatus.running and running.lease_owner == "doomed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    rt = _runtime(settings, db, lease_seconds=5)
    assert worker.run_next(rt, "rescuer") is None  # the lease still holds
    time.sleep(1.2)  # the dead worker's lease (1 s) runs out
    outcome = worker.run_next(rt, "rescuer")
    assert outcome is not None and outcome.job_id == job_id
    assert outcome.status is JobStatus.succeeded and outcome.attempt == 2
    job = _job(db, job_id)
    assert service.to_read(job).result == {"attempt": 2, "pid": os.getpid()}
    assert job.last_error is not None and "doomed stopped heartbeating" in job.last_error
    assert _actions(db, job_id) == ["job.enqueued", "job.succeeded"]


def _lease_race(db: Database, workers: int, rounds: int) -> list[list[str]]:
    """``workers`` threads, each with its own session, lease at the same moment."""
    barrier = threading.Barrier(workers)
    taken: list[list[str]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(30)
                with db.unit_of_work() as session:
                    job = service.lease(session, f"w{n}", None, 60)
                    if job is not None:
                        taken[n].append(job.id)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return taken


def test_two_workers_leasing_one_job_at_once_one_gets_it(db: Database) -> None:
    job_id = _enqueue(db, "test.echo", {})
    taken = _lease_race(db, workers=2, rounds=1)
    assert sorted(len(t) for t in taken) == [0, 1]
    assert [i for t in taken for i in t] == [job_id]
    job = _job(db, job_id)
    assert job.attempts == 1 and job.lease_owner in {"w0", "w1"}


def test_workers_racing_over_many_jobs_lease_each_exactly_once(db: Database) -> None:
    ids = {_enqueue(db, "test.echo", {"i": i}) for i in range(12)}
    taken = _lease_race(db, workers=4, rounds=4)
    leased = [i for t in taken for i in t]
    assert sorted(leased) == sorted(ids)  # every job once, none twice
    with db.unit_of_work() as session:
        rows = session.execute(select(Job.attempts).where(Job.id.in_(ids))).scalars().all()
    assert set(rows) == {1}


def test_a_handler_that_stops_on_its_own_fails_its_job_instead_of_holding_it(
    rt: Runtime, db: Database
) -> None:
    job_id = _enqueue(db, "test.quits", {}, max_attempts=3)
    outcome = worker.run_next(rt, "w1", handlers={"test.quits": f"{job_handlers.HERE}:quits"})
    assert outcome is not None and outcome.status is JobStatus.failed
    job = _job(db, job_id)
    assert job.attempts == 1 and job.lease_owner == "w1" and job.lease_expires_at is None
    assert job.last_error == "JobCancelled: nothing to do"
