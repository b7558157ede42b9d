"""The HTTP API end to end: health, errors, login, tokens, role and ownership denials."""

from __future__ import annotations

from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from likeness.kit.db import Database
from likeness.models.party import Role


def operator_token(db: Database) -> str:
    with db.unit_of_work() as session:
        return factories.token_for(session, factories.create_user(session, Role.operator))


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/v1/users" in spec["paths"] and "/api/v1/audit/verify" in spec["paths"]


def test_errors_have_one_shape(client: TestClient, db: Database) -> None:
    response = client.get("/api/v1/users")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "detail": "authentication required"}
    token = operator_token(db)
    bad = client.post(
        "/api/v1/agencies", json={"name": "A", "commission_percent": 25}, headers=bearer(token)
    )
    assert bad.status_code == 422 and bad.json()["error"] == "CommissionTooHigh"
    invalid = client.post("/api/v1/users", json={"email": "x"}, headers=bearer(token))
    assert invalid.status_code == 422 and invalid.json()["error"] == "InvalidInput"
    assert client.get("/api/v1/nope").json()["error"] == "HTTPError"


def test_operator_creates_parties_and_the_chain_holds(client: TestClient, db: Database) -> None:
    headers = bearer(operator_token(db))
    user = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "email": "ava@example.com",
            "display_name": "Ava",
            "role": "talent",
            "password": "long-enough-pw",
        },
    ).json()
    talent = client.post(
        "/api/v1/talents", headers=headers, json={"user_id": user["id"], "legal_name": "Ava Stone"}
    )
    assert talent.status_code == 201
    agency = client.post(
        "/api/v1/agencies", headers=headers, json={"name": "North", "commission_percent": 20}
    ).json()
    assert agency["commission_bps"] == 2000
    rep = client.post(
        "/api/v1/representations",
        headers=headers,
        json={
            "talent_id": talent.json()["id"],
            "agency_id": agency["id"],
            "starts_on": "2026-01-01",
            "ends_on": "2030-01-01",
        },
    )
    assert rep.status_code == 422 and rep.json()["error"] == "TermTooLong"
    verify = client.get("/api/v1/audit/verify", headers=headers).json()
    assert verify["ok"] and verify["events_checked"] == 5  # 2 users, token, talent, agency
    events = client.get("/api/v1/audit/events?action=talent.created", headers=headers).json()
    assert len(events) == 1


def test_login_sets_a_cookie_that_authenticates(client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.brand, email="lea@example.com")
    assert client.get("/api/v1/auth/me").status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"email": "lea@example.com", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    assert client.get("/api/v1/auth/me").json()["email"] == "lea@example.com"
    old_cookie = dict(client.cookies)
    # A cookie-authenticated state change carries the CSRF token that login handed out.
    csrf = {"X-CSRF-Token": client.cookies["likeness_csrf"]}
    assert client.post("/api/v1/auth/logout", headers=csrf).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.update(old_cookie)  # a copied cookie no longer works either
    assert client.get("/api/v1/auth/me").status_code == 401


def test_failed_logins_are_rate_limited(client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.brand, email="max@example.com")
    answers = [
        client.post(
            "/api/v1/auth/login", json={"email": "max@example.com", "password": "wrong-password"}
        )
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    limited = answers[-1]
    assert limited.json()["error"] == "LoginRateLimited"
    assert limited.headers["Retry-After"] == "1"  # the back-off starts at one second


def test_tokens_are_shown_once_and_revocable(client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        user = factories.create_user(session, Role.brand)
        token = factories.token_for(session, user)
    created = client.post("/api/v1/tokens", json={"name": "ci"}, headers=bearer(token)).json()
    listed = client.get("/api/v1/tokens", headers=bearer(token)).json()
    assert all("token" not in t for t in listed) and len(listed) == 2
    assert client.get("/api/v1/auth/me", headers=bearer(created["token"])).status_code == 200
    client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(token))
    revoked = client.get("/api/v1/auth/me", headers=bearer(created["token"]))
    assert revoked.status_code == 401


def test_role_and_ownership_denials(client: TestClient, db: Database) -> None:
    with db.unit_of_work() as session:
        ava = factories.create_talent(session, "Ava")
        bea = factories.create_talent(session, "Bea")
        mine, member = factories.create_brand(session)
        theirs, _ = factories.create_brand(session)
        ava_token = factories.token_for(session, session.get(factories.User, ava.user_id))
        brand_token = factories.token_for(session, member)
    # a brand cannot read another brand's data, nor any talent's profile
    assert client.get(f"/api/v1/brands/{theirs.id}", headers=bearer(brand_token)).status_code == 404
    assert client.get(f"/api/v1/brands/{mine.id}", headers=bearer(brand_token)).status_code == 200
    assert client.get(f"/api/v1/talents/{ava.id}", headers=bearer(brand_token)).status_code == 404
    # a talent cannot see another talent
    assert client.get(f"/api/v1/talents/{bea.id}", headers=bearer(ava_token)).status_code == 404
    assert client.get(f"/api/v1/talents/{ava.id}", headers=bearer(ava_token)).status_code == 200
    # non-operators cannot create parties or read the audit log
    for token in (ava_token, brand_token):
        assert (
            client.post("/api/v1/brands", json={"name": "X"}, headers=bearer(token)).status_code
            == 403
        )
        assert client.get("/api/v1/audit/events", headers=bearer(token)).status_code == 403


def test_malformed_authorization_header(client: TestClient) -> None:
    for header in ("Basic abc", "Bearer ", "Bearer not-a-token"):
        response = client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert response.status_code == 401


def test_unexpected_errors_do_not_leak_internals(runtime) -> None:  # type: ignore[no-untyped-def]
    from likeness.api.app import create_app

    app = create_app(runtime=runtime)

    @app.get("/api/v1/boom")  # under the API (a portal path answers an HTML page)
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json()["error"] == "InternalError"
    assert "secret" not in response.text
