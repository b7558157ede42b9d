"""Outputs over HTTP: the review queue, review, the reviewer's preview and release with an
Idempotency-Key, each role seeing only what it may."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from integration import output_support as support
from integration.test_license_support import World
from likeness.kit.db import Database
from likeness.output import service
from likeness.provenance import StampConfig, VerifyConfig, ensure_signing_material, verify
from likeness.runtime import Runtime
from likeness.system.keys import ensure_key, platform_key_specs


@pytest.fixture
def outputs(
    runtime: Runtime, db: Database, parties: tuple[World, dict[str, dict[str, str]]]
) -> tuple[World, dict[str, dict[str, str]], list[str], str]:
    """Three pending outputs under an active every_output license (made by the service,
    as `likeness render --twin` does), with the installation's stamping keys."""
    keys = runtime.settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    ensure_key(keys, next(s for s in platform_key_specs() if s.filename == "watermark.key"))
    ensure_signing_material(keys)
    config = StampConfig.from_settings(runtime.settings)
    world, headers = parties
    deps = runtime.storage
    with db.unit_of_work() as session:
        s = support.setup(session, world, deps, config)
        ids = [support.create(session, deps, s, seed=n).id for n in range(3)]
    return world, headers, ids, s.license.id


def test_queue_review_preview_and_release_over_http(
    client: TestClient,
    runtime: Runtime,
    outputs: tuple[World, dict[str, dict[str, str]], list[str], str],
) -> None:
    _, h, ids, license_id = outputs
    queue = client.get("/api/v1/outputs", params={"queue": "true"}, headers=h["talent"])
    assert queue.status_code == 200 and sorted(o["id"] for o in queue.json()) == sorted(ids)
    assert client.get("/api/v1/outputs?queue=true", headers=h["brand"]).json() == []
    assert len(client.get("/api/v1/outputs", headers=h["brand"]).json()) == 3
    assert client.get("/api/v1/outputs", headers=h["other_brand"]).json() == []
    missing = client.get(f"/api/v1/outputs/{ids[0]}", headers=h["other_brand"])
    assert missing.status_code == 404 and missing.json()["error"] == "OutputNotFound"
    shown = client.get(f"/api/v1/outputs/{ids[0]}", headers=h["brand"]).json()
    assert shown["status"] == "pending" and "blob_key" not in shown

    # The preview: the reviewing side only.
    preview = client.get(f"/api/v1/outputs/{ids[0]}/preview", headers=h["talent"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    report = verify(preview.content, VerifyConfig.from_settings(runtime.settings))
    assert report.c2pa.manifest is not None and report.c2pa.manifest.likeness is not None
    assert report.c2pa.manifest.likeness["asset_kind"] == "preview"
    assert client.get(f"/api/v1/outputs/{ids[0]}/preview", headers=h["agent"]).status_code == 200
    hidden = client.get(f"/api/v1/outputs/{ids[0]}/preview", headers=h["brand"])
    assert hidden.status_code == 404

    # Review.
    denied = client.post(f"/api/v1/outputs/{ids[0]}/approve", json={}, headers=h["brand"])
    assert denied.status_code == 403 and denied.json()["error"] == "ReviewNotPermitted"
    no_reason = client.post(f"/api/v1/outputs/{ids[2]}/reject", json={}, headers=h["talent"])
    assert no_reason.status_code == 422
    stale = client.post(
        f"/api/v1/outputs/{ids[0]}/approve", json={"version": 7}, headers=h["talent"]
    )
    assert stale.status_code == 409 and stale.json()["error"] == "StaleOutput"
    ok = client.post(f"/api/v1/outputs/{ids[0]}/approve", json={"version": 1}, headers=h["talent"])
    assert ok.status_code == 200 and ok.json()["approval_sha256"]
    rejected = client.post(
        f"/api/v1/outputs/{ids[2]}/reject", json={"reason": "not me"}, headers=h["talent"]
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"

    # Release, retried with the same key: one asset, counted once.
    url = f"/api/v1/outputs/{ids[0]}/release"
    key = {"Idempotency-Key": "campaign-1"}
    first = client.post(url, json={"channel": "instagram"}, headers={**h["brand"], **key})
    assert first.status_code == 200, first.text
    again = client.post(url, headers={**h["brand"], **key})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["asset_id"] == first.json()["asset_id"]
    assert again.json()["released_count"] == 1 and first.json()["license_id"] == license_id
    twice = client.post(url, headers=h["brand"])
    assert twice.status_code == 409 and twice.json()["error"] == "OutputNotReleasable"
    never = client.post(f"/api/v1/outputs/{ids[2]}/release", headers=h["brand"])
    assert never.status_code == 409 and "never released" in never.json()["detail"]
    pending = client.post(f"/api/v1/outputs/{ids[1]}/release", headers=h["brand"])
    assert pending.status_code == 409
    by_talent = client.post(f"/api/v1/outputs/{ids[0]}/release", headers=h["talent"])
    assert by_talent.status_code in (403, 409)


def test_a_blocked_release_answers_409_and_the_block_is_kept(
    client: TestClient,
    db: Database,
    outputs: tuple[World, dict[str, dict[str, str]], list[str], str],
) -> None:
    _, h, ids, license_id = outputs
    assert client.post(f"/api/v1/outputs/{ids[0]}/approve", json={}, headers=h["talent"]).is_success
    revoked = client.post(
        f"/api/v1/licenses/{license_id}/revoke", json={"reason": "stop"}, headers=h["talent"]
    )
    assert revoked.status_code == 200, revoked.text
    blocked = client.post(f"/api/v1/outputs/{ids[0]}/release", headers=h["brand"])
    assert blocked.status_code == 409 and blocked.json()["error"] == "OutputBlocked"
    assert "license.revoked" in blocked.json()["detail"]
    with db.unit_of_work() as session:
        assert service.repository.get(session, ids[0]).status.value == "blocked"  # type: ignore[union-attr]
