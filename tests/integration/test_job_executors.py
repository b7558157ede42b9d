"""The inline executor: a thread pool draining the job table (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest

from integration import job_handlers
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service, worker
from likeness.jobs.executors import (
    InlineExecutor,
    close_executor,
    executor_for,
    executor_from_settings,
    submit_on_commit,
)
from likeness.kit.db import Database
from likeness.models.job import JobStatus
from likeness.runtime import Runtime
from likeness.settings import JobSettings, Settings


@pytest.fixture(autouse=True)
def _handlers() -> Iterator[None]:
    for kind, target in job_handlers.register_all().items():
        worker.register(kind, target)
    yield
    for kind in job_handlers.register_all():
        worker.unregister(kind)


@pytest.fixture
def rt(settings: Settings, db: Database) -> Runtime:
    return Runtime(settings, db)


def _enqueue(db: Database, kind: str, payload: dict[str, object], **kwargs: object) -> str:
    with db.unit_of_work() as session:
        return service.enqueue(session, SYSTEM_ACTOR, kind, payload, **kwargs).id  # type: ignore[arg-type]


def test_inline_workers_run_every_submitted_job_once(rt: Runtime, db: Database) -> None:
    with InlineExecutor(rt, workers=3) as executor:
        ids = []
        for i in range(10):
            ids.append(_enqueue(db, "test.steps", {"n": 2, "delay": 0.01, "i": i}))
            executor.submit(ids[-1])
        statuses = executor.wait(ids, timeout=60)
        assert set(statuses.values()) == {JobStatus.succeeded}
        assert executor.ran == 10
    with db.unit_of_work() as session:
        jobs = [service.get_for(session, SYSTEM_ACTOR, i) for i in ids]
        assert {j.attempts for j in jobs} == {1}
        assert len({j.lease_owner for j in jobs}) >= 2  # the work was shared


def test_a_job_submitted_while_every_worker_is_busy_still_runs(rt: Runtime, db: Database) -> None:
    with InlineExecutor(rt, workers=1) as executor:
        first = _enqueue(db, "test.steps", {"n": 5, "delay": 0.02})
        executor.submit(first)
        second = _enqueue(db, "test.echo", {})
        executor.submit(second)  # the one worker is busy: it drains again before it ends
        assert executor.wait([first, second], timeout=60) == {
            first: JobStatus.succeeded,
            second: JobStatus.succeeded,
        }


def test_wait_times_out_and_names_the_unfinished_jobs(rt: Runtime, db: Database) -> None:
    job_id = _enqueue(db, "test.echo", {})
    with InlineExecutor(rt, workers=1, kinds=["test.steps"]) as executor:
        with pytest.raises(TimeoutError, match=job_id):
            executor.wait([job_id], timeout=0.2)
        with pytest.raises(KeyError):
            executor.wait(["no-such-job"], timeout=0.2)


def test_a_closed_executor_refuses_work(rt: Runtime) -> None:
    executor = InlineExecutor(rt, workers=1)
    executor.close()
    with pytest.raises(RuntimeError):
        executor.submit("x")


def test_the_settings_choose_the_executor(settings: Settings, db: Database) -> None:
    runtime = Runtime(settings.model_copy(update={"jobs": JobSettings(workers=3)}), db)
    executor = executor_from_settings(runtime)
    try:
        assert isinstance(executor, InlineExecutor) and executor.workers == 3
    finally:
        executor.close()


class _Recorder:
    """An executor that only records what it was handed."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def wait(self, job_ids: Sequence[str], timeout: float | None = None) -> dict[str, JobStatus]:
        return {}

    def close(self) -> None:
        pass


def test_a_job_is_submitted_when_its_transaction_commits_never_on_rollback(db: Database) -> None:
    recorder = _Recorder()
    with db.unit_of_work() as session:
        kept = service.enqueue(session, SYSTEM_ACTOR, "test.echo", {}).id
        submit_on_commit(session, recorder, kept)
        assert recorder.submitted == []  # not before the commit
    assert recorder.submitted == [kept]

    def failing_request() -> None:
        with db.unit_of_work() as session:
            dropped = service.enqueue(session, SYSTEM_ACTOR, "test.echo", {}).id
            submit_on_commit(session, recorder, dropped)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert recorder.submitted == [kept]


def test_one_shared_executor_per_runtime_until_closed(rt: Runtime, db: Database) -> None:
    shared = executor_for(rt)
    try:
        assert executor_for(rt) is shared and isinstance(shared, InlineExecutor)
        job_id = _enqueue(db, "test.echo", {})
        shared.submit(job_id)
        assert shared.wait([job_id], timeout=60) == {job_id: JobStatus.succeeded}
    finally:
        close_executor(rt)
    with pytest.raises(RuntimeError):
        shared.submit("x")
    other = executor_for(rt)
    assert other is not shared
    close_executor(rt)


def test_the_api_server_runs_jobs_left_queued_before_it_started(rt: Runtime, db: Database) -> None:
    from fastapi.testclient import TestClient

    from likeness.api.app import create_app
    from likeness.jobs import executors

    job_id = _enqueue(db, "test.steps", {"n": 1, "delay": 0.0})
    with TestClient(create_app(runtime=rt)):
        statuses = executors._wait(db, [job_id], 30, lambda _job_id: None)
        assert statuses == {job_id: JobStatus.succeeded}
        assert rt in executors._shared
    assert rt not in executors._shared  # closed with the server


def test_the_api_server_runs_a_job_whose_worker_died_while_it_runs(
    settings: Settings, db: Database
) -> None:
    """A job leased after the server started by a worker that was then killed (kill -9:
    no heartbeat, no failure recorded) is taken again once its lease runs out, without
    any new submit: the server wakes its workers every half lease."""
    from fastapi.testclient import TestClient

    from likeness.api.app import create_app
    from likeness.jobs import executors

    short = settings.model_copy(update={"jobs": JobSettings(lease_seconds=0.4)})
    rt = Runtime(short, db)
    # Servers other tests keep running (the portal's browser tests) have wakers of their own.
    before = {t for t in threading.enumerate() if t.name == "likeness-job-waker"}
    with TestClient(create_app(runtime=rt)):
        with db.unit_of_work() as session:  # queued and leased by the dead worker at once
            job_id = service.enqueue(session, SYSTEM_ACTOR, "test.steps", {"n": 1}).id
            assert service.lease(session, "killed:1:0", ["test.steps"], 0.3) is not None
        statuses = executors._wait(db, [job_id], 15, lambda _job_id: None)
        assert statuses == {job_id: JobStatus.succeeded}
    with db.unit_of_work() as session:
        job = service.to_read(service.get_for(session, SYSTEM_ACTOR, job_id))
    assert job.attempts == 2 and "killed:1:0" in (job.last_error or "")
    # The waker stopped with the server.
    assert not [
        t for t in threading.enumerate() if t.name == "likeness-job-waker" and t not in before
    ]
