"""Generation over HTTP: submit (JSON, base64 inputs) → 202 → the server's inline
executor runs the job → poll status and percentage → outputs; refusals in the error
shape; cancel."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

import factories
from e2e.http_support import bearer
from integration import generation_support as gs
from likeness.api.app import create_app
from likeness.generation import service
from likeness.jobs import worker
from likeness.jobs.executors import close_executor
from likeness.kit.db import Database
from likeness.models.party import User
from likeness.runtime import Runtime
from likeness.settings import EnginesSettings, Settings
from likeness.storage import MemoryBlobStore

API = "/api/v1"


@pytest.fixture
def setup(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, gs.Setup, dict[str, dict[str, str]]]]:
    engines = EnginesSettings.model_validate({"enabled": "memory", "memory": {"tasks": "tryon"}})
    runtime = Runtime(settings.model_copy(update={"engines": engines}), db, MemoryBlobStore())
    s = gs.setup(db, runtime, tmp_path / "keys")
    monkeypatch.setattr(service, "default_checks", gs.FakeChecks)
    monkeypatch.setitem(worker.PROCESS_CACHE, service.CACHE_STAMP, s.config)
    with db.unit_of_work() as session:
        headers = {
            who: bearer(factories.token_for(session, session.get(User, user_id)))  # type: ignore[arg-type]
            for who, user_id in s.world.user_ids.items()
        }
    app = create_app(runtime=runtime)
    with TestClient(app) as client:
        yield client, s, headers
    close_executor(runtime)
    # What the server's workers kept in this process's cache belongs to this test.
    for key in [k for k in worker.PROCESS_CACHE if k.startswith("generation:")]:
        del worker.PROCESS_CACHE[key]


def _body(s: gs.Setup, **changes: Any) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buffer, format="PNG")
    body: dict[str, Any] = {
        "license_id": s.license_id,
        "twin_id": s.twin_id,
        "use": {"channel": "instagram", "territory": "FR", "category": "fashion"},
        "engine": "memory",
        "task": "tryon",
        "brief": {"prompt": "a linen shirt"},
        "inputs": {"garment": base64.b64encode(buffer.getvalue()).decode()},
        "width": 240,
        "height": 300,
        "count": 2,
        "seed": 3,
    }
    body.update(changes)
    return body


def _until_finished(client: TestClient, request_id: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = client.get(f"{API}/generations/{request_id}", headers=headers).json()
        if row["status"] in ("succeeded", "failed", "cancelled"):
            return row
        time.sleep(0.1)
    raise AssertionError(f"generation {request_id} did not finish: {row}")


def test_submit_poll_and_read_over_http(setup: Any) -> None:
    client, s, headers = setup
    answer = client.post(
        f"{API}/generations", json=_body(s), headers={**headers["brand"], "Idempotency-Key": "a1"}
    )
    assert answer.status_code == 202, answer.text
    submitted = answer.json()
    assert submitted["status"] == "queued" and submitted["job_id"]
    row = _until_finished(client, submitted["id"], headers["brand"])
    assert row["status"] == "succeeded" and row["percentage"] == 100, row
    assert len(row["output_ids"]) == 2
    again = client.post(
        f"{API}/generations", json=_body(s), headers={**headers["brand"], "Idempotency-Key": "a1"}
    )
    assert again.status_code == 202 and again.json()["id"] == submitted["id"]
    assert again.json()["replayed"] is True
    listed = client.get(f"{API}/generations", headers=headers["brand"]).json()
    assert [r["id"] for r in listed] == [submitted["id"]]
    by_status = client.get(f"{API}/generations?status=succeeded", headers=headers["brand"])
    assert [r["id"] for r in by_status.json()] == [submitted["id"]]
    assert client.get(f"{API}/generations?status=queued", headers=headers["brand"]).json() == []
    assert client.get(f"{API}/generations", headers=headers["other_brand"]).json() == []
    assert (
        client.get(
            f"{API}/generations/{submitted['id']}", headers=headers["other_brand"]
        ).status_code
        == 404
    )
    done = client.post(f"{API}/generations/{submitted['id']}/cancel", headers=headers["brand"])
    assert done.status_code == 409 and done.json()["error"] == "GenerationFinished"


def test_refusals_answer_in_the_error_shape(setup: Any) -> None:
    client, s, headers = setup
    cases = [
        (_body(s, task="scene"), 422, "TaskNotSupported"),
        (_body(s, engine="studio"), 422, "UnknownEngine"),
        (_body(s, use={"channel": "tiktok", "category": "fashion"}), 403, "GenerationNotAllowed"),
        (_body(s, inputs={"garment": "@@@"}), 422, "InvalidGenerationRequest"),
    ]
    for body, status, error in cases:
        answer = client.post(f"{API}/generations", json=body, headers=headers["brand"])
        assert (answer.status_code, answer.json()["error"]) == (status, error), answer.text
        if error == "GenerationNotAllowed":
            # The decision's reasons, by code: what the brand must change.
            detail = answer.json()["detail"]
            assert "channel.not_licensed:" in detail and "channel 'tiktok'" in detail
    answer = client.post(f"{API}/generations", json=_body(s), headers=headers["talent"])
    assert answer.status_code == 403 and answer.json()["error"] == "GenerationNotPermitted"
    assert client.get(f"{API}/generations", headers=headers["brand"]).json() == []
