"""CSRF over HTTP: cookie-authenticated state changes must prove they are same-origin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

import factories
from e2e.http_support import bearer
from integration.capture_support import allow_capture
from integration.test_license_support import make_world
from likeness.api.app import create_app
from likeness.auth import cookies, csrf
from likeness.kit.db import Database
from likeness.licensing import notifications
from likeness.models.consent import RightsNotification
from likeness.models.party import Role, User
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import MemoryBlobStore

OWN = "http://testserver"  # TestClient's base URL
FOREIGN = "https://evil.example"


@dataclass
class Site:
    """A running app, a talent and a brand member logged in by cookie, and their tokens."""

    talent: TestClient
    brand: TestClient
    talent_token: str
    brand_token: str
    talent_id: str
    note_id: str
    db: Database


def _sign_in(client: TestClient, settings: Settings, user: User) -> None:
    """What a login leaves in the browser, without its Argon2 check (see the login test)."""
    secret = settings.platform_secret()
    cookie = cookies.issue(secret, cookies.SessionClaims(user.id, user.session_epoch))
    client.cookies.set(settings.session_cookie_name, cookie)
    client.cookies.set(settings.csrf_cookie_name, csrf.token_for_cookie(secret, cookie))


def _site(runtime: Runtime, db: Database) -> Iterator[Site]:
    with db.unit_of_work() as session:
        world = make_world(session)
        allow_capture(session, world)  # so an upload that passes CSRF reaches the zip check
        note = notifications.notify(
            session,
            brand_id=world.brand.id,
            talent_id=world.talent.id,
            kind="license.revoked",
            message="revoked",
            payload={},
        )
        tokens = (
            factories.token_for(session, world.talent_user),
            factories.token_for(session, world.brand_user),
        )
        ids = (world.talent.id, note.id)
    app = create_app(runtime=runtime)
    with TestClient(app) as talent_client, TestClient(app) as brand_client:
        _sign_in(talent_client, runtime.settings, world.talent_user)
        _sign_in(brand_client, runtime.settings, world.brand_user)
        yield Site(talent_client, brand_client, *tokens, *ids, db)


@pytest.fixture
def site(runtime: Runtime, db: Database) -> Iterator[Site]:
    yield from _site(runtime, db)


Send = Callable[[Site, dict[str, str]], httpx.Response]


def _upload(site: Site, headers: dict[str, str]) -> httpx.Response:
    files = {"archive": ("shoot.zip", b"not a zip at all", "application/zip")}
    form = {"talent_id": site.talent_id}
    return site.talent.post("/api/v1/captures", data=form, files=files, headers=headers)


def _read_notification(site: Site, headers: dict[str, str]) -> httpx.Response:
    return site.brand.post(f"/api/v1/notifications/{site.note_id}/read", headers=headers)


def _qc(site: Site, headers: dict[str, str]) -> httpx.Response:
    return site.talent.post("/api/v1/captures/no-such-capture/qc", headers=headers)


def _logout(site: Site, headers: dict[str, str]) -> httpx.Response:
    return site.talent.post("/api/v1/auth/logout", headers=headers)


ROUTES: dict[str, Send] = {
    "upload": _upload,
    "notification": _read_notification,
    "qc": _qc,
    "logout": _logout,
}


def _nothing_changed(site: Site, route: str) -> None:
    """The refused request left no trace: still logged in, notification still unread."""
    assert site.talent.get("/api/v1/auth/me").status_code == 200
    with site.db.unit_of_work() as session:
        note = session.get(RightsNotification, site.note_id)
        assert note is not None and note.read_at is None, route


def _token_of(client: TestClient) -> str:
    token = client.cookies.get("likeness_csrf")
    assert token, "login hands the page its CSRF token"
    return token


@pytest.mark.parametrize("route", ROUTES)
def test_a_foreign_origin_cannot_use_the_session_cookie(site: Site, route: str) -> None:
    answer = ROUTES[route](site, {"Origin": FOREIGN})
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "CsrfRefused"
    assert "evil.example" in answer.json()["detail"]
    _nothing_changed(site, route)
    # Even with the right token: the browser says where the request comes from.
    with_token = {"Origin": FOREIGN, "X-CSRF-Token": _token_of(site.talent)}
    assert ROUTES[route](site, with_token).json()["error"] == "CsrfRefused"
    assert ROUTES[route](site, {"Origin": "null"}).json()["error"] == "CsrfRefused"
    cross_site = ROUTES[route](site, {"Sec-Fetch-Site": "cross-site"})
    assert cross_site.json()["error"] == "CsrfRefused"
    same_site = ROUTES[route](site, {"Sec-Fetch-Site": "same-site"})  # a sibling subdomain
    assert same_site.json()["error"] == "CsrfRefused"
    _nothing_changed(site, route)


@pytest.mark.parametrize("route", ROUTES)
def test_missing_origin_and_missing_token_is_refused_for_cookie_auth(
    site: Site, route: str
) -> None:
    answer = ROUTES[route](site, {})
    assert answer.status_code == 403 and answer.json()["error"] == "CsrfRefused"
    assert "X-CSRF-Token" in answer.json()["detail"]
    wrong = ROUTES[route](site, {"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403 and "does not match" in wrong.json()["detail"]
    other_session = _token_of(site.brand if route != "notification" else site.talent)
    stolen = ROUTES[route](site, {"X-CSRF-Token": other_session})
    assert stolen.status_code == 403, "a token is bound to its own session"
    _nothing_changed(site, route)


@pytest.mark.parametrize(
    "proof",
    [{"Origin": OWN}, {"Origin": "HTTP://TESTSERVER:80"}, {"Sec-Fetch-Site": "same-origin"}, {}],
    ids=["origin", "origin-spelled-differently", "sec-fetch-site", "token"],
)
@pytest.mark.parametrize("route", ROUTES)
def test_same_origin_requests_pass(site: Site, route: str, proof: dict[str, str]) -> None:
    client = site.brand if route == "notification" else site.talent
    headers = proof or {"X-CSRF-Token": _token_of(client)}
    answer = ROUTES[route](site, headers)
    assert answer.status_code != 403 and "CsrfRefused" not in answer.text, answer.text
    if route == "notification":
        assert answer.status_code == 200 and answer.json()["read_at"] is not None
    if route == "logout":
        assert answer.status_code == 204
        assert site.talent.get("/api/v1/auth/me").status_code == 401
        cleared = " ".join(answer.headers.get_list("set-cookie"))
        assert 'likeness_csrf=""' in cleared and "Max-Age=0" in cleared


@pytest.mark.parametrize("route", ROUTES)
def test_bearer_requests_are_unaffected(site: Site, route: str) -> None:
    """A bearer token is never sent by a browser on its own: no Origin or token is needed,
    even when the caller also holds a cookie."""
    token = site.brand_token if route == "notification" else site.talent_token
    answer = ROUTES[route](site, {**bearer(token), "Origin": FOREIGN})
    assert "CsrfRefused" not in answer.text, answer.text
    if route == "notification":
        assert answer.status_code == 200
    if route == "logout":
        assert answer.status_code == 204


@pytest.mark.parametrize("route", ROUTES)
def test_an_empty_authorization_header_does_not_skip_the_check(site: Site, route: str) -> None:
    """An empty header authenticates nothing, so the cookie does, and must prove its origin."""
    answer = ROUTES[route](site, {"Authorization": "", "Origin": FOREIGN})
    assert answer.status_code == 403 and answer.json()["error"] == "CsrfRefused", answer.text
    _nothing_changed(site, route)


def test_a_form_may_carry_the_token_as_a_field(site: Site) -> None:
    token = _token_of(site.talent)
    wrong = site.talent.post("/api/v1/auth/logout", data={"csrf_token": "nope"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "CsrfRefused"
    assert site.talent.post("/api/v1/auth/logout", data={"csrf_token": token}).status_code == 204


def test_a_foreign_page_cannot_log_the_browser_in(runtime: Runtime, db: Database) -> None:
    """Login CSRF: a foreign page must not sign the browser into the attacker's account."""
    with db.unit_of_work() as session:
        user = factories.create_user(session, Role.brand)
    with TestClient(create_app(runtime=runtime)) as client:
        body = {"email": user.email, "password": factories.PASSWORD}
        refused = client.post("/api/v1/auth/login", json=body, headers={"Origin": FOREIGN})
        assert refused.status_code == 403 and refused.json()["error"] == "CsrfRefused"
        assert not client.cookies
        # A script or a page of our own logs in; a stale cookie needs no token to log in again.
        assert client.post("/api/v1/auth/login", json=body).status_code == 200
        session_cookie = client.cookies[runtime.settings.session_cookie_name]
        expected = csrf.token_for_cookie(runtime.settings.platform_secret(), session_cookie)
        assert client.cookies["likeness_csrf"] == expected
        assert client.post("/api/v1/auth/login", json=body).status_code == 200
        own = client.post("/api/v1/auth/login", json=body, headers={"Origin": OWN})
        assert own.status_code == 200


def test_configured_origins_are_allowed(settings: Settings, db: Database) -> None:
    portal = "https://portal.example"
    allowed = Settings(**{**settings.model_dump(), "allowed_origins": [portal + ":443"]})
    runtime = Runtime(settings=allowed, db=db, blobs=MemoryBlobStore())
    for site in _site(runtime, db):
        assert _read_notification(site, {"Origin": FOREIGN}).status_code == 403
        answer = _read_notification(site, {"Origin": portal})
        assert answer.status_code == 200, answer.text
