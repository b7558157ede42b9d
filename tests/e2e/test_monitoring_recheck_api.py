"""The recheck route over HTTP against a server on 127.0.0.1: the case's picture still
served is left be; once the server answers 404 the case is removed. The fetch goes
through the real URL fetcher (robots, rate, content checks), with the loopback network
allowed by the installation's settings as an operator would allow an internal host."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from e2e.test_monitoring_api import BASE, Parties
from integration import monitoring_scan_support as support
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.monitoring import service
from likeness.settings import Settings
from unit.monitoring.servers import Route, local_server


@pytest.fixture
def settings(settings: Settings) -> Settings:
    sources = settings.monitoring.sources.model_copy(update={"allowed_networks": ["127.0.0.0/8"]})
    monitoring = settings.monitoring.model_copy(update={"sources": sources})
    return settings.model_copy(update={"monitoring": monitoring})


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 90)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_recheck_over_http_sees_the_picture_still_there_then_gone(
    client: TestClient, db: Database, parties: Parties
) -> None:
    world, h = parties
    picture = _jpeg()
    with local_server() as server:
        server.routes["/fakes/a.jpg"] = Route(200, picture, {"Content-Type": "image/jpeg"})
        location = server.url("/fakes/a.jpg")
        parts = support.FakeParts()
        parts.add(
            support.image(location, faces=(support.near(support.person(1)),), content=picture)
        )
        with db.unit_of_work() as session:
            support.enrol(session, world.talent.id, support.person(1))
            scan = service.request_scan(session, SYSTEM_ACTOR, "s3://crawl/today/")
            done = service.record_image(session, scan.id, parts.findings[location], parts.parts())
            [case] = done.opened
            case_id = case.id
        path = f"{BASE}/cases/{case_id}"
        early = client.post(f"{path}/recheck", headers=h["talent"])
        assert early.status_code == 409 and early.json()["error"] == "InvalidCaseStep", early.text
        assert client.post(f"{path}/confirm", headers=h["talent"]).status_code == 200
        assert client.get(f"{path}/notice", headers=h["talent"]).content.startswith(b"%PDF")
        assert client.post(f"{path}/sent", json={"note": "mailed"}, headers=h["agent"]).is_success
        assert client.post(f"{path}/recheck", headers=h["other_talent"]).status_code == 404
        still = client.post(f"{path}/recheck", headers=h["talent"])
        assert still.status_code == 200, still.text
        assert still.json() == {
            "case_id": case_id,
            "status": "notice_sent",
            "gone": False,
            "detail": "still there",
        }
        assert server.hits["/fakes/a.jpg"] == 1
        del server.routes["/fakes/a.jpg"]
        gone = client.post(f"{path}/recheck", headers=h["agent"])
        assert gone.status_code == 200, gone.text
        assert gone.json()["gone"] is True and gone.json()["status"] == "removed"
        assert gone.json()["detail"].startswith("http.404")
        assert server.hits["/fakes/a.jpg"] == 2
    shown = client.get(path, headers=h["talent"]).json()
    assert shown["status"] == "removed"
    assert [e["action"] for e in shown["events"]][-1] == "removed"
