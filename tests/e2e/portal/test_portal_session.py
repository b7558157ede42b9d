"""Logging in and out of the portal: the API's service, throttling and cookies."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import factories
from conftest import TEST_SECRET
from e2e.portal.conftest import Visitors
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.models.party import Role
from likeness.portal.session import safe_next
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import MemoryBlobStore


@pytest.fixture
def ava(db: Database) -> str:
    with db.unit_of_work() as session:
        user = factories.create_user(session, Role.talent, email="ava@portal.example")
        return user.email


def test_login_sets_the_session_and_goes_to_next(client: TestClient, ava: str) -> None:
    page = client.get("/login?next=/verify")
    assert page.status_code == 200
    assert 'name="next" value="/verify"' in page.text
    response = client.post(
        "/login",
        data={"email": ava, "password": factories.PASSWORD, "next": "/verify"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/verify"
    cookie = next(h for h in response.headers.get_list("set-cookie") if "likeness_session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    signed_in = client.get("/verify")
    assert "ava@portal.example" in signed_in.text
    assert "Log out" in signed_in.text
    # Signed in, the login page sends you on.
    again = client.get("/login?next=/verify", follow_redirects=False)
    assert again.status_code == 303


def test_a_wrong_password_keeps_the_email_and_says_why(client: TestClient, ava: str) -> None:
    response = client.post("/login", data={"email": ava, "password": "nope", "next": "/verify"})
    assert response.status_code == 401
    assert "wrong email or password" in response.text
    assert 'value="ava@portal.example"' in response.text
    assert 'name="next" value="/verify"' in response.text
    assert "likeness_session" not in response.headers.get("set-cookie", "")


def test_login_is_throttled_like_the_api(tmp_path: Path, db: Database, ava: str) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=str(db.engine.url.render_as_string(hide_password=False)),
        secret_key=TEST_SECRET,
        login_max_failures=2,
        login_backoff_base_seconds=60,
    )
    runtime = Runtime(settings=settings, db=db, blobs=MemoryBlobStore())
    with TestClient(create_app(runtime=runtime)) as client:
        for _ in range(2):
            assert client.post("/login", data={"email": ava, "password": "x"}).status_code == 401
        # The failures were committed with the pages: the API counts them too.
        api = client.post("/api/v1/auth/login", json={"email": ava, "password": "x"})
        assert api.status_code == 429
        page = client.post("/login", data={"email": ava, "password": factories.PASSWORD})
        assert page.status_code == 429
        assert "too many failed logins" in page.text
        assert int(page.headers["retry-after"]) > 0


def test_logout_ends_the_session_everywhere(visitors: Visitors) -> None:
    talent = visitors["talent"]
    old_cookies = dict(talent.cookies)
    response = talent.post("/logout", data={"csrf_token": visitors.tokens["talent"]})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    # The old cookie no longer signs anyone in (the session epoch moved on).
    talent.cookies.clear()
    for name, value in old_cookies.items():
        talent.cookies.set(name, value)
    page = talent.get("/verify")
    assert "Log out" not in page.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/verify", "/verify"),
        ("/talent/inbox?x=1", "/talent/inbox?x=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/login", "/"),
        ("", "/"),
        (None, "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
    ],
)
def test_next_stays_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
