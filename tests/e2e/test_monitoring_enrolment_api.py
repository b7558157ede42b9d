"""Monitoring enrolment over HTTP: the talent or their agent opts in and out; a brand,
another talent and strangers get 404; bad states get the API's {"error","detail"}."""

from __future__ import annotations

from fastapi.testclient import TestClient

from integration.capture_support import ANALYZER
from integration.test_license_support import World
from likeness.api.app import API_PREFIX
from likeness.capture import service as captures
from likeness.kit.db import Database
from likeness.monitoring import enrolment_endpoints
from likeness.monitoring.index import index_for
from likeness.runtime import Runtime
from reference_photos import portrait_png, portrait_rgb

Parties = tuple[World, dict[str, dict[str, str]]]


def _mounted(client: TestClient) -> TestClient:
    """The routes, once (``monitoring/endpoints.py`` includes them where it exists)."""
    path = API_PREFIX + enrolment_endpoints.PATH
    if not any(getattr(r, "path", None) == path for r in client.app.routes):  # type: ignore[attr-defined]
        client.app.include_router(enrolment_endpoints.router, prefix=API_PREFIX)  # type: ignore[attr-defined]
    return client


def test_opt_in_and_out_over_http(
    client: TestClient, runtime: Runtime, db: Database, parties: Parties
) -> None:
    world, h = parties
    client = _mounted(client)
    url = f"{API_PREFIX}/monitoring/talents/{world.talent.id}/enrolment"
    assert client.get(url, headers=h["talent"]).json()["enrolled"] is False

    refused = client.put(url, headers=h["talent"])
    assert refused.status_code == 409, refused.text
    assert set(refused.json()) == {"error", "detail"} and "reference photo" in refused.text

    with db.unit_of_work() as session:
        captures.set_reference(
            session, world.actor(session, "talent"), runtime.storage, world.talent.id,
            portrait_png(0), analyzer=ANALYZER,
        )  # fmt: skip
    for who in ("brand", "other_brand", "other_talent"):
        assert client.put(url, headers=h[who]).status_code == 404
        assert client.get(url, headers=h[who]).status_code == 404
    done = client.put(url, headers=h["agent"])
    assert done.status_code == 200, done.text
    assert done.json()["enrolled"] is True and done.json()["references"] == 1
    assert "embedding" not in done.text  # biometric data never leaves

    rgb = portrait_rgb(0)
    face = ANALYZER.embed_aligned(rgb, ANALYZER.largest_face(rgb))
    with db.unit_of_work() as session:
        assert [m.talent_id for m in index_for(session).match(face)] == [world.talent.id]

    assert client.delete(url, headers=h["brand"]).status_code == 404
    out = client.delete(url, headers=h["talent"])
    assert out.status_code == 200 and out.json()["enrolled"] is False
    assert out.json()["references"] == 0
    again = client.delete(url, headers=h["talent"])
    assert again.status_code == 409 and again.json()["error"]
    with db.unit_of_work() as session:
        assert index_for(session).match(face) == []
