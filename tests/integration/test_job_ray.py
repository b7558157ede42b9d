"""The Ray executor: long-lived actors, each a process with its own cache, draining the
same job table as every other worker. One local Ray for the module (slow: Ray takes a
few seconds to start; still run in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import ray

from integration import job_handlers
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service, worker
from likeness.jobs.executors import RayExecutor, executor_from_settings, start_ray
from likeness.kit.db import Database
from likeness.models.job import JobStatus
from likeness.runtime import Runtime
from likeness.settings import JobSettings, Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _ray() -> Iterator[None]:
    start_ray(None, 2)
    yield
    ray.shutdown()


@pytest.fixture(autouse=True)
def _handlers() -> Iterator[None]:
    for kind, target in job_handlers.register_all().items():
        worker.register(kind, target)
    yield
    for kind in job_handlers.register_all():
        worker.unregister(kind)


def _enqueue(db: Database, kind: str, payload: dict[str, object]) -> str:
    with db.unit_of_work() as session:
        return service.enqueue(session, SYSTEM_ACTOR, kind, payload).id


def _results(db: Database, ids: list[str]) -> list[dict[str, object]]:
    with db.unit_of_work() as session:
        jobs = [service.get_for(session, SYSTEM_ACTOR, i) for i in ids]
        assert {j.status for j in jobs} == {JobStatus.succeeded}
        assert {j.attempts for j in jobs} == {1}
        return [service.to_read(j).result for j in jobs]


def test_ray_actors_run_the_jobs_in_their_own_processes_and_keep_their_cache(
    settings: Settings, db: Database
) -> None:
    runtime = Runtime(settings, db)
    with RayExecutor(runtime, workers=2) as executor:
        pids = executor.pids()
        assert len(set(pids)) == 2 and os.getpid() not in pids
        ids = [_enqueue(db, "test.cached", {"i": i}) for i in range(6)]
        for job_id in ids:
            executor.submit(job_id)
        statuses = executor.wait(ids, timeout=120)
        assert set(statuses.values()) == {JobStatus.succeeded}
    results = _results(db, ids)
    assert {r["pid"] for r in results} <= set(pids)
    assert {r["loads"] for r in results} == {1}  # each actor loaded "the model" once


def test_the_settings_choose_ray_and_its_workers_report_progress(
    settings: Settings, db: Database
) -> None:
    jobs = JobSettings(executor="ray", workers=1, lease_seconds=30)
    runtime = Runtime(settings.model_copy(update={"jobs": jobs}), db)
    executor = executor_from_settings(runtime)
    try:
        assert isinstance(executor, RayExecutor) and executor.workers == 1
        job_id = _enqueue(db, "test.steps", {"n": 3, "delay": 0.01})
        executor.submit(job_id)
        assert executor.wait([job_id], timeout=120) == {job_id: JobStatus.succeeded}
    finally:
        executor.close()
    with db.unit_of_work() as session:
        job = service.get_for(session, SYSTEM_ACTOR, job_id)
        assert job.message == "step 3 of 3" and service.to_read(job).percentage == 100
    assert ray.is_initialized()  # the executor did not start Ray, so it left it running
