"""The ledger's routes: post, balances (role-scoped), adjust, check; and the server's
own poster, which posts new fees without anyone asking."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select

import factories
from e2e.http_support import bearer
from integration.post_support import earn
from integration.test_license_support import World
from likeness.api.app import create_app
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.ledger import LedgerTransaction, TransactionKind
from likeness.models.party import Role
from likeness.runtime import Runtime

LEDGER = "/api/v1/ledger"


def _operator(runtime: Runtime) -> dict[str, str]:
    with runtime.db.unit_of_work() as session:
        user = factories.create_user(session, Role.operator)
        return bearer(factories.token_for(session, user))


def _earn(runtime: Runtime, world: World) -> str:
    with runtime.db.unit_of_work() as session:
        return earn(session, world, runtime.storage).released.license.id


def test_routes_are_role_scoped(
    client: TestClient, runtime: Runtime, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, headers = parties
    license_id = _earn(runtime, world)
    op = _operator(runtime)
    assert client.post(f"{LEDGER}/post-pending", headers=headers["brand"]).status_code == 403
    got = client.post(f"{LEDGER}/post-pending", headers=op)
    assert got.status_code == 200, got.text
    assert got.json()["posted"] in (0, 3)  # the server's own poster may have been first
    mine = client.get(f"{LEDGER}/balances", params={"talent": world.talent.id},
                      headers=headers["talent"])  # fmt: skip
    assert mine.status_code == 200 and mine.json()[0]["amount"] == 107_500 - 16_125
    brand = client.get(f"{LEDGER}/balances", params={"brand": world.brand.id},
                       headers=headers["brand"])  # fmt: skip
    assert brand.json()[0]["amount"] == 107_500
    agency = client.get(f"{LEDGER}/balances", params={"agency": world.agency.id},
                        headers=headers["agent"])  # fmt: skip
    assert agency.json()[0]["amount"] == 16_125
    for who, params in (
        ("talent", {"brand": world.brand.id}),
        ("other_brand", {"brand": world.brand.id}),
        ("stranger_agent", {"agency": world.agency.id}),
        ("other_talent", {"talent": world.talent.id}),
    ):
        refused = client.get(f"{LEDGER}/balances", params=params, headers=headers[who])
        assert refused.status_code == 404, (who, refused.text)
        assert refused.json()["error"] == "LedgerNotFound"
    assert client.get(f"{LEDGER}/balances", headers=headers["talent"]).status_code == 422
    assert client.get(f"{LEDGER}/check", headers=headers["talent"]).status_code == 403
    report = client.get(f"{LEDGER}/check", headers=op).json()
    assert report["ok"] is True and report["source_events"] == 3

    with runtime.db.unit_of_work() as session:
        fee = session.execute(
            select(LedgerTransaction.id).where(LedgerTransaction.kind == TransactionKind.use_fee)
        ).scalar_one()
    url = f"{LEDGER}/transactions/{fee}/adjust"
    refused = client.post(url, json={"reason": "forged"}, headers=op)
    assert refused.status_code == 409 and "revoked for cause" in refused.json()["detail"]
    with runtime.db.unit_of_work() as session:
        licensing.revoke(session, SYSTEM_ACTOR, license_id, TransitionIn(reason="fraud"))
    assert client.post(url, json={"reason": ""}, headers=op).status_code == 422
    assert client.post(url, json={"reason": "forged"}, headers=headers["talent"]).status_code == 403
    made = client.post(url, json={"reason": "forged"}, headers=op)
    assert made.status_code == 201 and made.json()["reverses_id"] == fee
    assert client.post(url, json={"reason": "forged"}, headers=op).status_code == 409
    missing = client.post(f"{LEDGER}/transactions/nope/adjust", json={"reason": "x"}, headers=op)
    assert missing.status_code == 404


def test_the_server_posts_new_fees_on_its_own(
    runtime: Runtime, parties: tuple[World, dict[str, dict[str, str]]]
) -> None:
    world, _headers = parties
    runtime.settings.ledger.post_interval_seconds = 0.05
    with TestClient(create_app(runtime=runtime)):
        _earn(runtime, world)
        deadline = time.monotonic() + 10
        count = 0
        while time.monotonic() < deadline and count < 3:
            time.sleep(0.05)
            with runtime.db.unit_of_work() as session:
                count = session.execute(
                    select(func.count()).select_from(LedgerTransaction)
                ).scalar_one()
    assert count == 3
