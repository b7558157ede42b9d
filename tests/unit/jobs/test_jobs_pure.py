"""The jobs feature's pure parts: progress fractions and percentages, who may see a job,
the handler registry's target form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.jobs import access, service, worker
from likeness.jobs.errors import InvalidJobRequest, UnknownJobKind
from likeness.models.job import Job, JobStatus
from likeness.models.party import Role


def _job(
    status: JobStatus = JobStatus.running, progress: float = 0.0, by: str | None = None
) -> Job:
    return Job(kind="k", status=status, progress=progress, requested_by_user_id=by)


@given(st.floats(min_value=0, max_value=1))
def test_a_fraction_becomes_a_percentage_from_0_to_100_rounded_down(value: float) -> None:
    percent = service.percentage(_job(progress=service.fraction(value)))
    assert 0 <= percent <= 100 and percent == int(value * 100)


def test_a_succeeded_job_is_at_100_percent_whatever_it_last_reported() -> None:
    assert service.percentage(_job(JobStatus.succeeded, progress=0.3)) == 100
    assert service.percentage(_job(JobStatus.failed, progress=0.3)) == 30


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), float("inf"), True, "0.5", None])
def test_progress_outside_0_to_1_is_refused(bad: object) -> None:
    with pytest.raises(InvalidJobRequest):
        service.fraction(bad)  # type: ignore[arg-type]


def test_the_requester_and_operators_see_a_job_nobody_else() -> None:
    job = _job(by="u1")
    requester = Actor(user_id="u1", email="a@x.com", role=Role.brand)
    other = Actor(user_id="u2", email="b@x.com", role=Role.brand)
    nobody = Actor(user_id=None, email="c@x.com", role=Role.talent)
    assert access.may_see(requester, job) and access.may_see(SYSTEM_ACTOR, job)
    assert not access.may_see(other, job) and not access.may_see(nobody, job)
    assert not access.may_see(nobody, _job(by=None))
    assert access.job_filter(SYSTEM_ACTOR) is None


@pytest.mark.parametrize("target", ["pkg.mod:fn", "a:b", "likeness.jobs.worker:drain"])
def test_handler_targets_are_module_colon_function(target: str) -> None:
    worker.register("unit.kind", target)
    try:
        assert worker.registered()["unit.kind"] == target
    finally:
        worker.unregister("unit.kind")
    assert "unit.kind" not in worker.registered()


@pytest.mark.parametrize("target", ["", "mod", "mod:", ":fn", "mod:fn:x", "mod.fn", "a b:c"])
def test_malformed_handler_targets_are_refused(target: str) -> None:
    with pytest.raises(InvalidJobRequest):
        worker.register("unit.kind", target)


def test_resolving_a_target_that_is_not_callable_is_refused() -> None:
    with pytest.raises(UnknownJobKind):
        worker.resolve("likeness.jobs.worker:PROCESS_CACHE")
    assert worker.resolve("likeness.jobs.worker:drain") is worker.drain
