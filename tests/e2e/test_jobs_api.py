"""Jobs over HTTP: the requester and operators see a job's status, percentage, message and
last error, and cancel it; nobody else sees it."""

from __future__ import annotations

from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from integration.test_license_support import World
from likeness.jobs import service
from likeness.kit.db import Database
from likeness.models.party import Role


def _enqueue(db: Database, world: World, kind: str = "test.echo") -> str:
    with db.unit_of_work() as session:
        brand = world.actor(session, "brand")
        return service.enqueue(session, brand, kind, {"brief": "a coat"}, ref_type="r").id


def test_the_requester_follows_and_cancels_a_job(
    client: TestClient, db: Database, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, h = parties
    job_id = _enqueue(db, world)
    listed = client.get("/api/v1/jobs", headers=h["brand"])
    assert listed.status_code == 200 and [j["id"] for j in listed.json()] == [job_id]
    shown = client.get(f"/api/v1/jobs/{job_id}", headers=h["brand"]).json()
    assert shown["status"] == "queued" and shown["percentage"] == 0
    assert shown["payload"] == {"brief": "a coat"} and shown["last_error"] is None
    for who in ("other_brand", "talent"):
        missing = client.get(f"/api/v1/jobs/{job_id}", headers=h[who])
        assert missing.status_code == 404 and missing.json()["error"] == "JobNotFound"
        assert client.get("/api/v1/jobs", headers=h[who]).json() == []
        refused = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=h[who])
        assert refused.status_code == 404
    cancelled = client.post(
        f"/api/v1/jobs/{job_id}/cancel", json={"reason": "wrong garment"}, headers=h["brand"]
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "wrong garment"
    again = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=h["brand"])
    assert again.status_code == 409 and again.json()["error"] == "JobFinished"
    bad = client.post(f"/api/v1/jobs/{job_id}/cancel", json={"reason": ""}, headers=h["brand"])
    assert bad.status_code == 422


def test_a_running_job_shows_its_progress_and_its_last_error(
    client: TestClient, db: Database, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, h = parties
    job_id = _enqueue(db, world)
    with db.unit_of_work() as session:
        operator = factories.create_user(session, Role.operator)
        op = bearer(factories.token_for(session, operator))
        service.lease(session, "w1", None, 60)
        service.heartbeat(session, job_id, "w1", 0.426, "relighting")
    shown = client.get(f"/api/v1/jobs/{job_id}", headers=op).json()
    assert (shown["status"], shown["percentage"], shown["message"]) == ("running", 42, "relighting")
    assert shown["attempts"] == 1 and shown["lease_owner"] == "w1"
    assert [j["id"] for j in client.get("/api/v1/jobs?status=running", headers=op).json()] == [
        job_id
    ]
    asked = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=op).json()
    assert asked["status"] == "running" and asked["cancel_requested"] is True
    with db.unit_of_work() as session:
        service.fail(session, job_id, "w1", "RuntimeError: the GPU fell off", retry=True)
    ended = client.get(f"/api/v1/jobs/{job_id}", headers=h["brand"]).json()
    assert ended["status"] == "cancelled"
    assert ended["last_error"] == "RuntimeError: the GPU fell off"
