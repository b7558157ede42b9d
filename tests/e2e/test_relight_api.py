"""Relighting priors over HTTP: operators train, list and read them; nobody else."""

from __future__ import annotations

from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from integration.test_license_support import World
from likeness.kit.db import Database
from likeness.models.party import Role

Parties = tuple[World, dict[str, dict[str, str]]]


def test_operators_train_list_and_read_priors(
    client: TestClient, db: Database, parties: Parties
) -> None:
    _, h = parties
    with db.unit_of_work() as session:
        op = bearer(factories.token_for(session, factories.create_user(session, Role.operator)))
    nothing = client.post("/api/v1/relight/priors", json={}, headers=op)
    assert nothing.status_code == 409 and nothing.json()["error"] == "NoTrainingData"

    made = client.post(
        "/api/v1/relight/priors", json={"synthetic": [0], "synthetic_size": 64}, headers=op
    )
    assert made.status_code == 201, made.text
    prior = made.json()
    assert prior["status"] == "active" and prior["license"] == "likeness-synthetic"
    listed = client.get("/api/v1/relight/priors", headers=op).json()
    assert [p["id"] for p in listed] == [prior["id"]]
    detail = client.get(f"/api/v1/relight/priors/{prior['id']}", headers=op).json()
    assert detail["manifest"]["prior_sha256"] == prior["sha256"]
    assert client.get("/api/v1/relight/priors/nope", headers=op).status_code == 404

    for who in ("talent", "agent", "brand"):
        assert client.get("/api/v1/relight/priors", headers=h[who]).status_code == 403
        refused = client.post("/api/v1/relight/priors", json={"synthetic": [0]}, headers=h[who])
        assert refused.status_code == 403
