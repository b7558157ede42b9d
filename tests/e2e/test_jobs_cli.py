"""`likeness job list|show|cancel|work` against the test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.cli_support import ok_json, run
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service, worker
from likeness.kit.db import Database

STEPS = "test.steps=integration.job_handlers:steps"
FLAKY = "test.flaky=integration.job_handlers:flaky"


@pytest.fixture
def home(cli_home: Path) -> Iterator[Path]:
    code, out = run("init")
    assert code == 0, out
    yield cli_home
    worker.unregister("test.steps")
    worker.unregister("test.flaky")


def _enqueue(db: Database, kind: str, payload: dict[str, object], **kw: object) -> str:
    with db.unit_of_work() as session:
        return service.enqueue(session, SYSTEM_ACTOR, kind, payload, **kw).id  # type: ignore[arg-type]


def test_work_runs_the_queue_until_it_is_empty(home: Path, db: Database) -> None:
    a = _enqueue(db, "test.steps", {"n": 3, "delay": 0})
    b = _enqueue(db, "test.flaky", {"succeed_on": 9}, max_attempts=2)
    outcomes = ok_json("job", "work", "--handler", STEPS, "--handler", FLAKY)
    assert sorted((o["job_id"], o["status"]) for o in outcomes) == sorted(
        [(a, "succeeded"), (b, "queued"), (b, "failed")]
    )
    code, out = run("job", "work", "--handler", STEPS)
    assert code == 0 and "no job was waiting" in out
    listed = ok_json("job", "list")
    assert {(j["id"], j["status"]) for j in listed} == {(a, "succeeded"), (b, "failed")}
    shown = ok_json("job", "show", a[:8])
    assert shown["percentage"] == 100 and shown["result"] == {"steps": 3}
    code, out = run("job", "show", b)
    assert code == 0 and "RuntimeError: crash on attempt 2" in out


def test_work_shows_progress_and_a_summary(home: Path, db: Database) -> None:
    _enqueue(db, "test.steps", {"n": 2, "delay": 0})
    code, out = run("job", "work", "--handler", STEPS, "--workers", "2")
    assert code == 0, out
    assert "test.steps" in out and "ran 1 job(s): 1 succeeded" in out


def test_work_refuses_kinds_it_cannot_run(home: Path) -> None:
    code, out = run("job", "work", "--kind", "no.such.kind")
    assert code == 1 and out.startswith("error:") and "no.such.kind" in out
    code, out = run("job", "work", "--handler", "broken")
    assert code == 1 and "KIND=package.module:function" in out


def test_cancel_ends_a_queued_job_and_refuses_a_finished_one(home: Path, db: Database) -> None:
    job_id = _enqueue(db, "test.steps", {"n": 1})
    code, out = run("job", "cancel", job_id, "--reason", "not needed")
    assert code == 0 and "cancelled" in out
    assert ok_json("job", "show", job_id)["cancel_reason"] == "not needed"
    code, out = run("job", "cancel", job_id)
    assert code == 1 and out.startswith("error:") and "cancelled" in out
    code, out = run("job", "show", "f" * 32)
    assert code == 1 and out.startswith("error:")
