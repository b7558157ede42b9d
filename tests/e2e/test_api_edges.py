"""Inputs at the edge of every range get a clear 422, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from e2e.http_support import bearer
from e2e.test_api_foundation import operator_token
from integration.test_license_support import World
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.runtime import Runtime

Parties = tuple[World, dict[str, dict[str, str]]]


@pytest.fixture
def lenient(runtime: Runtime) -> Iterator[TestClient]:
    """A client that shows a server error as the 500 a real client would get."""
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        yield client


def _terms(starts: str, ends: str) -> dict[str, Any]:
    return {
        "channels": ["instagram"],
        "territories": ["FR"],
        "categories": ["fashion"],
        "starts_at": starts,
        "ends_at": ends,
        "max_outputs": 3,
        "purpose": "Edge of time",
    }


def _use(world: World, at: str) -> dict[str, Any]:
    return {
        "twin": world.talent.id,
        "brand_id": world.brand.id,
        "action": "generate",
        "channel": "web",
        "at": at,
    }


def _invalid(response: Any, *needles: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "InvalidInput"
    for needle in needles:
        assert needle in response.text


def test_times_outside_the_supported_range(
    lenient: TestClient, db: Database, parties: Parties
) -> None:
    world, headers = parties
    brand, operator = headers["brand"], bearer(operator_token(db))
    far = {"talent_id": world.talent.id, "brand_id": world.brand.id}
    far["terms"] = _terms("8999-01-01T00:00:00Z", "9999-12-31T00:00:00Z")  # type: ignore[assignment]
    _invalid(lenient.post("/api/v1/licenses", headers=brand, json=far), "ends_at", "9000-01-01")
    for at in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"):
        _invalid(lenient.post("/api/v1/decide", headers=brand, json=_use(world, at)), "1900")
    since = {"since": "0001-01-01T00:00:00+05:00"}
    _invalid(lenient.get("/api/v1/audit/events", headers=operator, params=since), "since")


@pytest.mark.parametrize(
    "path", ["/api/v1/users", "/api/v1/licenses", "/api/v1/consents", "/api/v1/audit/events"]
)
def test_offsets_no_database_can_hold(lenient: TestClient, db: Database, path: str) -> None:
    response = lenient.get(path, headers=bearer(operator_token(db)), params={"offset": 10**20})
    _invalid(response, "offset")


def test_versions_no_database_can_hold(lenient: TestClient, db: Database, parties: Parties) -> None:
    world, headers = parties
    operator = bearer(operator_token(db))
    retire = {"reason": "test", "version": 10**20}
    _invalid(lenient.post("/api/v1/twins/any/retire", headers=operator, json=retire), "version")
    big_fee = {"talent_id": world.talent.id, "brand_id": world.brand.id}
    big_fee["terms"] = {  # type: ignore[assignment]
        **_terms("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
        "creation_fee_minor": 10**20,
    }
    _invalid(lenient.post("/api/v1/licenses", headers=headers["brand"], json=big_fee))


USER = '{{"email": "{email}", "display_name": "{name}", "role": "talent"}}'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (USER.format(email="a@example.com", name="\\udc00x").encode(), "lone surrogate"),
        (USER.format(email="b@example.com", name="A").encode()[:-3] + b"\xed\xa0\x80}", "UTF-8"),
        (USER.format(email="c@example.com", name="\\udc00").encode("utf-16-le"), "UTF-8"),
    ],
    ids=["escaped-lone-surrogate", "raw-surrogate-bytes", "utf-16"],
)
def test_json_text_no_database_can_store_is_refused_before_any_route(
    lenient: TestClient, db: Database, body: bytes, message: str
) -> None:
    operator = {**bearer(operator_token(db)), "content-type": "application/json"}
    _invalid(lenient.post("/api/v1/users", headers=operator, content=body), message)


def test_a_real_emoji_escaped_as_a_surrogate_pair_is_fine(
    lenient: TestClient, db: Database
) -> None:
    operator = {**bearer(operator_token(db)), "content-type": "application/json"}
    pair = USER.format(email="d@example.com", name="Bo \\ud83d\\ude00").encode()
    created = lenient.post("/api/v1/users", headers=operator, content=pair)
    assert created.status_code == 201, created.text
    assert created.json()["display_name"] == "Bo \U0001f600"


@pytest.mark.parametrize("depth", [600, 5000])
def test_deeply_nested_json_is_refused_before_any_parser(lenient: TestClient, depth: int) -> None:
    body = '{"email": "a@example.com", "password": "\\u0041", "x": ' + "[" * depth
    body += "]" * depth + "}"
    answer = lenient.post(
        "/api/v1/auth/login", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    # FastAPI reads a body without a content type as JSON: the same bound holds for it.
    bare = lenient.post("/api/v1/auth/login", content=body.encode())
    assert bare.status_code == 422 and bare.json() == answer.json(), bare.text
    assert answer.json() == {
        "error": "InvalidInput",
        "detail": "the JSON body nests lists or objects deeper than 64 levels",
    }
