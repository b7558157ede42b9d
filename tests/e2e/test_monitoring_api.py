"""Monitoring over HTTP: operators scan; the talent and their agent review cases, get
the notice as PDF and e-mail, record its steps; everyone else sees nothing."""

from __future__ import annotations

import email
import time
from email.policy import default as default_policy
from pathlib import Path

from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from integration import monitoring_scan_support as support
from integration.test_license_support import World
from likeness.kit.db import Database
from likeness.models.party import Role
from likeness.provenance import ensure_signing_material
from likeness.runtime import Runtime
from likeness.system.keys import ensure_key, platform_key_specs

Parties = tuple[World, dict[str, dict[str, str]]]
BASE = "/api/v1/monitoring"


def _operator(db: Database) -> dict[str, str]:
    with db.unit_of_work() as session:
        return bearer(factories.token_for(session, factories.create_user(session, Role.operator)))


def test_the_talent_reviews_a_case_and_gets_its_notice(
    client: TestClient, db: Database, parties: Parties
) -> None:
    world, h = parties
    _, cases = support.seed(db, world.talent.id)
    case_id = cases["https://fakes.example.com/a.jpg"]
    listed = client.get(f"{BASE}/cases", headers=h["talent"])
    assert listed.status_code == 200 and {c["id"] for c in listed.json()} == set(cases.values())
    assert len(client.get(f"{BASE}/cases?status=open", headers=h["agent"]).json()) == 2
    shown = client.get(f"{BASE}/cases/{case_id}", headers=h["talent"]).json()
    assert shown["verdict"] == "unmarked_match" and shown["events"][0]["action"] == "opened"
    thumb = client.get(f"{BASE}/cases/{case_id}/thumbnail", headers=h["talent"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"
    refused = client.get(f"{BASE}/cases/{case_id}/notice", headers=h["talent"])
    assert refused.status_code == 409 and refused.json()["error"] == "InvalidCaseStep"
    done = client.post(f"{BASE}/cases/{case_id}/confirm", headers=h["talent"])
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    pdf = client.get(f"{BASE}/cases/{case_id}/notice", headers=h["agent"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    eml = client.get(f"{BASE}/cases/{case_id}/notice?format=eml", headers=h["talent"])
    message = email.message_from_bytes(eml.content, policy=default_policy)
    assert eml.headers["content-type"].startswith("message/rfc822")
    assert message["To"] == "abuse@fakes.example.com"
    sent = client.post(f"{BASE}/cases/{case_id}/sent", json={"note": "mailed"}, headers=h["talent"])
    assert sent.json()["status"] == "notice_sent"
    ack = client.post(f"{BASE}/cases/{case_id}/acknowledged", headers=h["agent"])
    assert ack.json()["status"] == "acknowledged"
    other = cases["https://fakes.example.com/b.jpg"]
    bad = client.post(f"{BASE}/cases/{other}/dismiss", json={"reason": ""}, headers=h["talent"])
    assert bad.status_code == 422 and set(bad.json()) == {"error", "detail"}
    gone = client.post(f"{BASE}/cases/{other}/dismiss", json={"reason": "me, licensed elsewhere"},
                       headers=h["talent"])  # fmt: skip
    assert gone.json()["status"] == "dismissed"
    assert client.post(f"{BASE}/cases/{other}/explode", headers=h["talent"]).status_code == 422


def test_other_people_see_nothing_and_only_operators_scan(
    client: TestClient, db: Database, parties: Parties
) -> None:
    world, h = parties
    scan_id, cases = support.seed(db, world.talent.id)
    case_id = cases["https://fakes.example.com/a.jpg"]
    for who in ("brand", "other_talent", "stranger_agent"):
        assert client.get(f"{BASE}/cases", headers=h[who]).json() == []
        for answer in (
            client.get(f"{BASE}/cases/{case_id}", headers=h[who]),
            client.post(f"{BASE}/cases/{case_id}/confirm", headers=h[who]),
            client.get(f"{BASE}/cases/{case_id}/notice", headers=h[who]),
        ):
            assert answer.status_code == 404, (who, answer.text)
    for who in ("talent", "agent", "brand"):
        assert (
            client.post(f"{BASE}/scans", json={"source": "s3://x/"}, headers=h[who]).status_code
            == 403
        )
        assert client.get(f"{BASE}/scans/{scan_id}", headers=h[who]).status_code == 403
    operator = _operator(db)
    assert client.get(f"{BASE}/scans/{scan_id}", headers=operator).json()["id"] == scan_id
    findings = client.get(f"{BASE}/scans/{scan_id}/findings", headers=operator).json()
    assert sorted(f["verdict"] for f in findings) == [
        "no_match",
        "unmarked_match",
        "unmarked_match",
    ]
    assert len(client.get(f"{BASE}/cases", headers=operator).json()) == 2
    bad = client.post(f"{BASE}/scans", json={"source": "/no/such/dir"}, headers=operator)
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidScanSource"


def test_an_operator_scan_runs_as_a_job_and_opens_the_case(
    client: TestClient, db: Database, runtime: Runtime, parties: Parties, tmp_path: Path
) -> None:
    from integration.capture_support import ANALYZER
    from reference_photos import portrait_png, portrait_rgb

    world, h = parties
    keys = runtime.settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    ensure_key(keys, next(s for s in platform_key_specs() if s.filename == "watermark.key"))
    ensure_signing_material(keys)
    rgb = portrait_rgb(0)
    face = ANALYZER.largest_face(rgb)
    assert face is not None
    with db.unit_of_work() as session:
        support.enrol(session, world.talent.id, ANALYZER.embed_aligned(rgb, face))
    (tmp_path / "scan").mkdir()
    (tmp_path / "scan" / "me.png").write_bytes(portrait_png(0))
    operator = _operator(db)
    started = client.post(
        f"{BASE}/scans", json={"source": str(tmp_path / "scan")}, headers=operator
    )
    assert started.status_code == 202, started.text
    scan_id = started.json()["id"]
    deadline = time.monotonic() + 120
    while (scan := client.get(f"{BASE}/scans/{scan_id}", headers=operator).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, scan
        time.sleep(0.2)
    assert (scan["status"], scan["images"], scan["cases_opened"]) == ("succeeded", 1, 1), scan
    [case] = client.get(f"{BASE}/cases", headers=h["talent"]).json()
    assert case["verdict"] == "unmarked_match" and case["location"].endswith("me.png")
