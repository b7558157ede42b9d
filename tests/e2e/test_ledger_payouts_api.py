"""Payees, payouts, collections, dues and payout files over HTTP, role by role."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import xmlschema
from fastapi.testclient import TestClient

from e2e.http_support import bearer
from e2e.test_api_foundation import operator_token
from integration import pay_support as pay
from integration.test_license_support import World
from likeness.api.app import create_app
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.runtime import Runtime
from likeness.settings import LedgerSettings, Settings
from likeness.storage import MemoryBlobStore

XSD = Path(__file__).parents[1] / "fixtures" / "iso20022" / "pain.001.001.09.xsd"
TODAY = utcnow().date()
Parties = tuple[World, dict[str, dict[str, str]]]


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    debtor = LedgerSettings(
        debtor_name="Likeness Platform",
        debtor_iban="FR1420041010050500013M02606",
        debtor_bic="PSSTFRPP",
    )
    runtime = Runtime(
        settings=settings.model_copy(update={"ledger": debtor}), db=db, blobs=MemoryBlobStore()
    )
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def money(parties: Parties, db: Database) -> tuple[World, dict[str, dict[str, str]]]:
    """The world with two uses posted (100.00 due 15 days ago, 50.00 due in 15 days, 15 %
    commission) and an operator header."""
    world, headers = parties
    with db.unit_of_work() as session:
        for gross, used in ((10_000, 60), (5_000, 30)):
            pay.post_fee(
                session,
                talent_id=world.talent.id,
                brand_id=world.brand.id,
                agency_id=world.agency.id,
                commission_bps=1500,
                gross=gross,
                used_on=TODAY - timedelta(days=used),
            )
    headers["operator"] = bearer(operator_token(db))
    return world, headers


def _payee_url(world: World) -> str:
    return f"/api/v1/ledger/payees/talent/{world.talent.id}"


def test_a_talent_sets_and_sees_their_payee_others_get_404(
    client: TestClient, money: Parties
) -> None:
    world, h = money
    body = {"holder_name": "Ada Lovelace", "iban": "DE89 3704 0044 0532 0130 00"}
    put = client.put(_payee_url(world), json=body, headers=h["talent"])
    assert put.status_code == 200, put.text
    assert put.json()["iban"] == pay.IBAN
    assert client.get(_payee_url(world), headers=h["talent"]).json()["iban"] == pay.IBAN
    assert client.get(_payee_url(world), headers=h["operator"]).json()["iban"] == pay.IBAN
    for who in ("other_talent", "brand", "agent"):
        assert client.get(_payee_url(world), headers=h[who]).status_code == 404
        assert client.put(_payee_url(world), json=body, headers=h[who]).status_code == 404


def test_a_bad_iban_is_422_in_the_error_shape(client: TestClient, money: Parties) -> None:
    world, h = money
    bad = {"holder_name": "Ada", "iban": "DE89370400440532013001"}
    response = client.put(_payee_url(world), json=bad, headers=h["talent"])
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidLedgerRequest"
    assert "check digits" in response.json()["detail"]


def test_payouts_operator_only_idempotent_never_more_than_owed(
    client: TestClient, money: Parties
) -> None:
    world, h = money
    body = {
        "party_kind": "talent",
        "party_id": world.talent.id,
        "amount": "50.00",
        "currency": "EUR",
        "reference": "BANK-1",
    }
    assert client.post("/api/v1/ledger/payouts", json=body, headers=h["talent"]).status_code == 403
    first = client.post("/api/v1/ledger/payouts", json=body, headers=h["operator"])
    assert first.status_code == 201, first.text
    assert (first.json()["amount"], first.json()["replayed"]) == (5_000, False)
    again = client.post("/api/v1/ledger/payouts", json=body, headers=h["operator"])
    assert again.json()["replayed"] and again.json()["id"] == first.json()["id"]
    other = client.post(
        "/api/v1/ledger/payouts", json={**body, "amount": "50.01"}, headers=h["operator"]
    )
    assert other.status_code == 409 and other.json()["error"] == "LedgerConflict"
    too_much = client.post(
        "/api/v1/ledger/payouts",
        json={**body, "reference": "BANK-2", "amount": "77.51"},  # 127.50 - 50.00 owed
        headers=h["operator"],
    )
    assert too_much.status_code == 409
    for amount in ("1.001", "-1", "0", "1e2"):
        bad = client.post(
            "/api/v1/ledger/payouts", json={**body, "amount": amount}, headers=h["operator"]
        )
        assert bad.status_code == 422, amount


def test_collections(client: TestClient, money: Parties) -> None:
    world, h = money
    body = {"brand_id": world.brand.id, "amount": "150", "currency": "EUR", "reference": "IN-1"}
    assert (
        client.post("/api/v1/ledger/collections", json=body, headers=h["brand"]).status_code == 403
    )
    response = client.post("/api/v1/ledger/collections", json=body, headers=h["operator"])
    assert response.status_code == 201 and response.json()["amount"] == 15_000
    dues = client.get("/api/v1/ledger/overdue", headers=h["brand"]).json()
    assert dues == []  # the brand has paid all it owes


def test_overdue_is_flagged_with_days_late_and_role_scoped(
    client: TestClient, money: Parties
) -> None:
    world, h = money
    talent = client.get("/api/v1/ledger/overdue", headers=h["talent"]).json()
    assert [(r["party_kind"], r["outstanding"], r["overdue"], r["days_late"]) for r in talent] == [
        ("talent", 8_500, True, 15),
        ("talent", 4_250, False, 0),
    ]
    brand = client.get("/api/v1/ledger/overdue?overdue_only=true", headers=h["brand"]).json()
    assert [(r["party_kind"], r["outstanding_decimal"]) for r in brand] == [("brand", "100.00")]
    agent = client.get("/api/v1/ledger/overdue", headers=h["agent"]).json()
    assert {r["party_kind"] for r in agent} == {"agency"}
    assert client.get("/api/v1/ledger/overdue", headers=h["other_talent"]).json() == []
    everything = client.get("/api/v1/ledger/overdue", headers=h["operator"]).json()
    assert {r["party_kind"] for r in everything} == {"talent", "agency", "brand"}
    hidden = client.get(
        f"/api/v1/ledger/overdue?party_kind=talent&party_id={world.talent.id}",
        headers=h["other_talent"],
    )
    assert hidden.status_code == 404
    past = client.get(
        f"/api/v1/ledger/overdue?as_of={(TODAY - timedelta(days=40)).isoformat()}",
        headers=h["talent"],
    ).json()
    assert [(r["outstanding"], r["overdue"]) for r in past] == [(8_500, False)]


def test_exports_csv_and_pain001_with_problems(client: TestClient, money: Parties) -> None:
    world, h = money
    client.put(
        _payee_url(world), json={"holder_name": "Ada", "iban": pay.IBAN}, headers=h["talent"]
    )
    assert client.post("/api/v1/ledger/payouts/export", headers=h["talent"]).status_code == 403
    due = client.get("/api/v1/ledger/payouts/due?due_within=30", headers=h["operator"]).json()
    assert [i["amount"] for i in due["items"]] == [12_750]
    assert [(p["party_kind"], p["amount"]) for p in due["problems"]] == [("agency", 2_250)]
    csv_file = client.post(
        "/api/v1/ledger/payouts/export?format=csv&due_within=30", headers=h["operator"]
    )
    assert csv_file.status_code == 200 and csv_file.headers["x-payout-problems"] == "1"
    assert csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_file.text)))
    assert [(r["iban"], r["amount"]) for r in rows] == [(pay.IBAN, "127.50")]
    xml = client.post(
        "/api/v1/ledger/payouts/export?format=pain001&due_within=30", headers=h["operator"]
    )
    assert xml.status_code == 200 and xml.headers["content-type"] == "application/xml"
    xmlschema.XMLSchema(str(XSD)).validate(xml.text)
    assert "<CtrlSum>127.50</CtrlSum>" in xml.text
    # exporting paid nothing
    again = client.get("/api/v1/ledger/payouts/due?due_within=30", headers=h["operator"]).json()
    assert [i["amount"] for i in again["items"]] == [12_750]
