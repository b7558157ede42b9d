"""The reports end to end: `likeness report compliance|my-data` and GET /api/v1/reports/…,
role-scoped (a talent: their own; a brand: only its own brand; my data: the talent)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from e2e.cli_support import as_, run
from integration.test_license_support import World
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.models.party import Representation

YEAR = str(utcnow().year)


def _long_representation(db: Database, world: World) -> None:
    today = utcnow().date()
    with db.unit_of_work() as session:
        session.add(
            Representation(
                talent_id=world.talent.id,
                agency_id=world.agency.id,
                starts_on=today - timedelta(days=1),
                ends_on=today + timedelta(days=5 * 365),
            )
        )


def test_the_cli_writes_json_and_pdf_and_exits_3_on_exceptions(
    world: World, db: Database, tmp_path: Path
) -> None:
    base = ["report", "compliance", "--period", YEAR, "--talent", world.talent.id]
    code, out = run(*base)
    assert code == 0, out
    data = json.loads(out)
    assert data["schema"] == "likeness.compliance-report/1"
    assert data["scope"]["talent_id"] == world.talent.id
    assert data["summary"]["compliant"] is True

    _long_representation(db, world)
    target = tmp_path / "q.pdf"
    code, out = run(*base, "--format", "pdf", "-o", str(target))
    assert code == 3, out
    assert "wrote" in out and "1 failed" in out
    assert target.read_bytes().startswith(b"%PDF-")
    code, out = run(*base, "--format", "pdf", "-o", str(target))
    assert code == 1 and "already exists" in out


def test_the_cli_refuses_bad_input_and_other_scopes(world: World) -> None:
    code, out = run("report", "compliance", "--period", "2026-Q5")
    assert code == 1 and out.startswith("error: period '2026-Q5'")
    code, out = run(
        "report",
        "compliance",
        "--period",
        YEAR,
        "--talent",
        world.talent.id,
        "--brand",
        world.brand.id,
    )
    assert code == 2 and "name one scope" in out
    code, out = run(
        "report",
        "compliance",
        "--period",
        YEAR,
        "--talent",
        world.talent.id,
        *as_(world, "other_talent"),
    )
    assert code == 1 and "error: a talent may have only their own" in out


def test_my_data_from_the_cli_for_the_talent_only(world: World) -> None:
    code, out = run("report", "my-data", "--talent", world.talent.id, *as_(world, "talent"))
    assert code == 0, out
    export = json.loads(out)
    assert export["profile"]["legal_name"] == world.talent.legal_name
    code, out = run("report", "my-data", "--talent", world.talent.id, *as_(world, "agent"))
    assert code == 1 and "only the talent themself" in out


def test_the_api_scopes_reports_by_role(
    client: TestClient, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, h = parties
    url = "/api/v1/reports/compliance"
    got = client.get(url, params={"period": YEAR}, headers=h["talent"])
    assert got.status_code == 200, got.text
    assert got.json()["scope"]["talent_id"] == world.talent.id
    got = client.get(url, params={"period": YEAR}, headers=h["brand"])
    assert got.status_code == 200 and got.json()["scope"]["brand_id"] == world.brand.id
    pdf = client.get(url, params={"period": YEAR, "format": "pdf"}, headers=h["brand"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    for who, params in (
        ("other_brand", {"brand": world.brand.id}),
        ("talent", {"brand": world.brand.id}),
        ("other_talent", {"talent": world.talent.id}),
        ("stranger_agent", {"talent": world.talent.id}),
    ):
        denied = client.get(url, params={"period": YEAR, **params}, headers=h[who])
        assert denied.status_code == 403, (who, denied.text)
        assert denied.json()["error"] == "ReportForbidden"
    bad = client.get(url, params={"period": "last year"}, headers=h["talent"])
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidReportRequest"

    mine = client.get("/api/v1/reports/my-data", headers=h["talent"])
    assert mine.status_code == 200 and mine.json()["profile"]["talent_id"] == world.talent.id
    denied = client.get(
        "/api/v1/reports/my-data", params={"talent": world.talent.id}, headers=h["agent"]
    )
    assert denied.status_code == 403
