"""Relighting priors over HTTP: operators train, list and read them; nobody else."""

from __future__ import annotations

from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from integration.test_license_support import World
from likeness.jobs import worker
from likeness.kit.db import Database
from likeness.models.job import JobStatus
from likeness.models.party import Role
from likeness.relighting import service
from likeness.runtime import Runtime

Parties = tuple[World, dict[str, dict[str, str]]]


def test_operators_train_list_and_read_priors(
    client: TestClient, db: Database, runtime: Runtime, parties: Parties
) -> None:
    _, h = parties
    with db.unit_of_work() as session:
        op = bearer(factories.token_for(session, factories.create_user(session, Role.operator)))
    nothing = client.post("/api/v1/relight/priors", json={}, headers=op)
    assert nothing.status_code == 409 and nothing.json()["error"] == "NoTrainingData"

    twice = client.post("/api/v1/relight/priors", json={"synthetic": [3, 3]}, headers=op)
    assert twice.status_code == 422 and "named more than once" in twice.json()["detail"]

    # Training takes minutes on a real cast: the request queues a job and answers at once.
    queued = client.post(
        "/api/v1/relight/priors", json={"synthetic": [0], "synthetic_size": 64}, headers=op
    )
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert job["kind"] == service.RETRAIN_JOB and job["status"] == "queued"
    assert client.get("/api/v1/relight/priors", headers=op).json() == []
    outcome = worker.run_next(runtime, "test-worker", [service.RETRAIN_JOB], only=[job["id"]])
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    listed = client.get("/api/v1/relight/priors", headers=op).json()
    [prior] = listed
    assert prior["status"] == "active" and prior["license"] == "likeness-synthetic"
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=op).json()["status"] == "succeeded"
    detail = client.get(f"/api/v1/relight/priors/{prior['id']}", headers=op).json()
    assert detail["manifest"]["prior_sha256"] == prior["sha256"]
    assert client.get("/api/v1/relight/priors/nope", headers=op).status_code == 404

    for who in ("talent", "agent", "brand"):
        assert client.get("/api/v1/relight/priors", headers=h[who]).status_code == 403
        refused = client.post("/api/v1/relight/priors", json={"synthetic": [0]}, headers=h[who])
        assert refused.status_code == 403
