"""Statements end to end: `likeness ledger statement` and GET /api/v1/ledger/statements/…,
role-scoped (a talent cannot fetch another's statement: 404)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from e2e.cli_support import as_, run, runner
from integration.statement_support import Example, post_example, post_payment
from integration.test_license_support import World
from likeness.cli import app
from likeness.kit.db import Database

URL = "/api/v1/ledger/statements"


def _books(db: Database, world: World) -> Example:
    """The worked example's postings for the world's talent, agency and brand."""
    who = Example(world.talent.id, world.talent_user.id, world.agency.id, world.brand.id, "l1")
    with db.unit_of_work() as session:
        post_example(session, who)
    return who


def test_the_cli_prints_csv_and_json_and_writes_a_pdf(
    world: World, db: Database, tmp_path: Path
) -> None:
    _books(db, world)
    base = ["ledger", "statement", "--talent", world.talent.id, "--period", "2026-11"]
    code, out = run(*base, "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["closing_balance"] == {"minor": 16_989, "decimal": "169.89"}
    assert data["party"]["name"] == world.talent.legal_name

    code, out = run(*base)
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["kind"] for r in rows] == [
        "opening_balance",
        "output_fee",
        "use_fee",
        "use_fee",
        "payout",
        "closing_balance",
    ]
    assert rows[-1]["amount"] == "169.89"

    target = tmp_path / "nov.pdf"
    code, out = run(*base, "--format", "pdf", "-o", str(target))
    assert code == 0, out
    assert "wrote" in out and "169.89 EUR" in out
    assert target.read_bytes().startswith(b"%PDF")
    code, out = run(*base, "--format", "pdf", "-o", str(target))
    assert code == 1 and "already exists" in out
    code, out = run(*base, "--format", "pdf", "-o", str(target), "--force")
    assert code == 0, out

    # piped, a PDF goes to stdout as bytes
    piped = runner.invoke(app, [*base, "--format", "pdf"])
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"%PDF")


def test_the_cli_refuses_a_pdf_on_a_terminal_and_bad_input(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _books(db, world)
    monkeypatch.setattr("likeness.ledger.cli._terminal", lambda: True)
    base = ["ledger", "statement", "--talent", world.talent.id]
    code, out = run(*base, "--period", "2026-11", "--format", "pdf")
    assert code == 1 and out.startswith("error: a PDF is binary")
    code, out = run(*base, "--period", "2026-13")
    assert code == 1 and "error: no such month '2026-13'" in out
    code, out = run(*base, "--period", "Nov")
    assert code == 1 and "YYYY-MM" in out
    code, out = run("ledger", "statement", "--period", "2026-11")
    assert code == 2 and "name one party" in out
    code, out = run(*base, "--from", "2026-11-10", "--to", "2026-11-01")
    assert code == 1 and "before it starts" in out
    code, out = run(*base, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
    assert code == 0 and json.loads(out)["period"]["label"] == "2026-11-01..2026-11-30"


def test_the_cli_scopes_by_role(world: World, db: Database) -> None:
    _books(db, world)
    base = ["ledger", "statement", "--period", "2026-11", "--format", "json"]
    code, out = run(*base, "--talent", world.talent.id, *as_(world, "talent"))
    assert code == 0, out
    code, out = run(*base, "--talent", world.talent.id, *as_(world, "other_talent"))
    assert code == 1 and out.startswith("error: no talent")
    code, out = run(*base, "--agency", world.agency.id, *as_(world, "agent"))
    assert code == 0 and json.loads(out)["closing_balance"]["minor"] == 15_000 + 1_310
    code, out = run(*base, "--agency", world.agency.id, *as_(world, "stranger_agent"))
    assert code == 1
    code, out = run(*base, "--brand", world.brand.id, *as_(world, "brand"))
    assert code == 0, out
    code, out = run(*base, "--brand", world.brand.id, *as_(world, "other_brand"))
    assert code == 1


def test_the_api_serves_each_format_to_its_party_only(
    client: TestClient, parties: tuple[World, dict[str, dict[str, str]]], db: Database
) -> None:
    world, h = parties
    who = _books(db, world)
    with db.unit_of_work() as session:
        post_payment(session, "brand", who.brand_id, 60_000, date(2026, 11, 25), "SEPA-1")
    talent = f"{URL}/talent/{world.talent.id}"

    got = client.get(talent, params={"period": "2026-11"}, headers=h["talent"])
    assert got.status_code == 200, got.text
    assert got.json()["closing_balance"]["decimal"] == "169.89"
    csv_got = client.get(talent, params={"period": "2026-11", "format": "csv"}, headers=h["talent"])
    assert csv_got.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_got.headers["content-disposition"]
    pdf = client.get(talent, params={"period": "2026-11", "format": "pdf"}, headers=h["talent"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # another talent, an agent of another agency, another brand: 404, nothing leaks
    for who_asks, url in (
        ("other_talent", talent),
        ("brand", talent),
        ("stranger_agent", f"{URL}/agency/{world.agency.id}"),
        ("other_brand", f"{URL}/brand/{world.brand.id}"),
    ):
        denied = client.get(url, params={"period": "2026-11"}, headers=h[who_asks])
        assert denied.status_code == 404, (who_asks, denied.text)
        assert denied.json()["error"] == "LedgerNotFound"

    agency = client.get(
        f"{URL}/agency/{world.agency.id}", params={"period": "2026-11"}, headers=h["agent"]
    )
    assert agency.status_code == 200 and agency.json()["totals"]["earned"]["minor"] == 1_310
    brand = client.get(
        f"{URL}/brand/{world.brand.id}", params={"period": "2026-11"}, headers=h["brand"]
    )
    assert brand.status_code == 200
    assert brand.json()["totals"]["paid"]["minor"] == 60_000

    bad = client.get(talent, params={"period": "11/2026"}, headers=h["talent"])
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidLedgerRequest"
    bad = client.get(f"{URL}/platform/x", params={"period": "2026-11"}, headers=h["talent"])
    assert bad.status_code == 422
