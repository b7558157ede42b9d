"""Every portal route, walked as every role: the access rules hold on every page.

:data:`ROUTES` declares each route of the portal and who may use it; a route that is
not declared fails :func:`test_every_portal_route_is_declared`, so a new page cannot
skip this walk. Add your page's line (and the object its path names to ``objects``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from e2e.portal.conftest import Visitors
from e2e.portal.portal_support import EVERYONE, ROLES, SIGNED_IN, Route, listed
from integration import monitoring_scan_support, output_support
from integration.test_license_support import to_status
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.licensing import repository as licenses
from likeness.portal.app import routers
from likeness.portal.nav import NAV, PUBLIC_NAV
from likeness.portal.security import CONTENT_SECURITY_POLICY
from likeness.runtime import Runtime

TALENT, AGENT = frozenset({"talent"}), frozenset({"agent"})
BRAND, OPERATOR = frozenset({"brand"}), frozenset({"operator"})
WATCHERS = frozenset({"talent", "agent", "operator"})
LISTING_FORM = (("public_name", "Ada O."), ("channels", "web"), ("categories", "fashion"))
PUBLICATION = (("channel", "instagram"), ("territory", "FR"), ("published_on", "2026-12-01"))

ROUTES: list[Route] = [
    Route("GET", "/", EVERYONE, ok=None),  # a redirect: see test_home_leads_each_role
    Route("GET", "/login", EVERYONE, ok=None),  # see test_portal_session.py
    Route("POST", "/login", EVERYONE, ok=None),  # see test_portal_session.py
    Route("POST", "/logout", SIGNED_IN, ok=303),
    Route("GET", "/verify", EVERYONE),
    Route("GET", "/verify?asset={unknown_asset}", EVERYONE),
    Route("POST", "/verify", EVERYONE, ok=None),  # see test_portal_verify.py
    # --- notifications (every role's own; see test_portal_notifications.py) ---
    Route("GET", "/notifications", SIGNED_IN),
    Route("GET", "/notifications?page=2", SIGNED_IN),
    Route("POST", "/notifications/read", SIGNED_IN, ok=303),
    Route("POST", "/notifications/{unknown}/read", SIGNED_IN, ok=404),
    # --- talent ---
    Route("GET", "/talent/inbox", TALENT),
    Route("GET", "/talent/likeness", TALENT),
    Route("GET", "/talent/likeness?page=2", TALENT),
    Route("GET", "/talent/consents", TALENT),
    Route("GET", "/talent/consents/{consent}", TALENT, stranger="other_talent"),
    Route("POST", "/talent/consents/{consent}/sign", TALENT, ok=None, stranger="other_talent"),
    Route("POST", "/talent/consents/{consent}/revoke", TALENT, ok=None, stranger="other_talent"),
    Route("GET", "/talent/outputs/{output}", TALENT, stranger="other_talent"),
    Route("GET", "/talent/outputs/{output}/preview", TALENT, stranger="other_talent"),
    Route("POST", "/talent/outputs/{output}/approve", TALENT, ok=None, stranger="other_talent"),
    Route("POST", "/talent/outputs/{output}/reject", TALENT, ok=None, stranger="other_talent"),
    Route("GET", "/talent/catalogue", TALENT),
    Route("POST", "/talent/catalogue", TALENT, ok=303, form=LISTING_FORM),
    Route("POST", "/talent/catalogue/picture", TALENT, ok=422),  # no file: said on the page
    Route("POST", "/talent/catalogue/withdraw", TALENT, ok=None),  # see test_portal_roles.py
    Route("GET", "/catalogue/{talent}/picture", SIGNED_IN, stranger="other_talent"),
    # --- agent ---
    Route("GET", "/agent/roster", AGENT),
    Route("GET", "/agent/negotiations", AGENT),
    Route("GET", "/agent/negotiations/{license}", AGENT, stranger="stranger_agent"),
    Route("POST", "/agent/negotiations/{license}", AGENT, ok=None, stranger="stranger_agent"),
    Route("GET", "/agent/updates", AGENT),
    # --- brand ---
    Route("GET", "/brand/catalogue", BRAND),
    Route("GET", "/brand/catalogue?channel=web&category=fashion", BRAND),
    Route("GET", "/brand/catalogue/{talent}", BRAND),
    Route("POST", "/brand/catalogue/{talent}", BRAND, ok=422),  # empty terms: said on the page
    Route("GET", "/brand/licenses", BRAND),
    Route("GET", "/brand/licenses/{license}", BRAND, stranger="other_brand"),
    Route("POST", "/brand/licenses/{license}", BRAND, ok=None, stranger="other_brand"),
    Route("GET", "/brand/generations", BRAND),
    Route("GET", "/brand/generations/{unknown}/progress", BRAND, ok=404),
    Route("GET", "/brand/assets", BRAND),
    Route("GET", "/brand/assets/{unknown}", BRAND, ok=404),
    Route("GET", "/brand/assets/{unknown}/file", BRAND, ok=404),
    Route("POST", "/brand/assets/{unknown}/publications", BRAND, ok=404, form=PUBLICATION),
    Route("GET", "/brand/takedowns", BRAND),
    Route("POST", "/brand/takedowns/{unknown}", BRAND, ok=404),
    # --- operator ---
    Route("GET", "/operator/parties", OPERATOR),
    Route("GET", "/operator/twins", OPERATOR),
    Route("GET", "/operator/twins?talent={talent}", OPERATOR),
    Route(
        "GET",
        "/operator/twins?talent={talent}&reason_kind=quality_check&reason=route+walk",
        OPERATOR,
    ),
    Route("GET", "/operator/jobs", OPERATOR),
    Route("GET", "/operator/jobs?status=queued", OPERATOR),
    Route("POST", "/operator/jobs/{unknown}/cancel", OPERATOR, ok=404),
    Route("GET", "/operator/models", OPERATOR),
    Route("GET", "/operator/audit", OPERATOR),
    # --- money ---
    Route("GET", "/talent/earnings", TALENT),
    Route("GET", "/talent/earnings?period=2026-11", TALENT),
    Route("GET", "/talent/earnings?period=2026-13", TALENT, ok=422),  # said on the page
    Route("GET", "/talent/earnings/statement?format=csv", TALENT),
    Route("GET", "/talent/earnings/statement?format=pdf&period=2026-11", TALENT),
    Route("GET", "/agent/commission", AGENT),
    Route("GET", "/agent/commission?agency={agency}", AGENT, stranger="stranger_agent"),
    Route(
        "GET",
        "/agent/commission/statement?agency={agency}&format=csv",
        AGENT,
        stranger="stranger_agent",
    ),
    Route("GET", "/brand/payables", BRAND),
    Route("GET", "/brand/payables?brand={brand}", BRAND, stranger="other_brand"),
    Route(
        "GET", "/brand/payables/statement?brand={brand}&format=pdf", BRAND, stranger="other_brand"
    ),
    Route("GET", "/operator/ledger", OPERATOR),
    Route("GET", "/operator/ledger/check", OPERATOR),
    Route("GET", "/operator/ledger/overdue", OPERATOR),
    Route("POST", "/operator/ledger/post-pending", OPERATOR, ok=303),
    # --- monitoring (the talent, her agent, operators; see test_portal_monitoring.py) ---
    Route("GET", "/monitoring", WATCHERS),
    Route("GET", "/monitoring?status=open&page=2", WATCHERS),
    Route("POST", "/monitoring/enrolment", TALENT, ok=None),
    Route("GET", "/monitoring/cases/{case}", WATCHERS, stranger="other_talent"),
    Route("GET", "/monitoring/cases/{case}/thumbnail", WATCHERS, stranger="stranger_agent"),
    Route(
        "POST", "/monitoring/cases/{case}/steps/{step}", WATCHERS, ok=None, stranger="other_talent"
    ),
    Route("POST", "/monitoring/cases/{case}/notice", WATCHERS, ok=None, stranger="other_talent"),
    Route("POST", "/monitoring/cases/{case}/recheck", WATCHERS, ok=None, stranger="other_talent"),
]


class _Objects(dict[str, str]):
    """The objects of the walk, each made when a path first names it."""

    def __init__(self, visitors: Visitors, runtime: Runtime, db: Database) -> None:
        super().__init__(unknown_asset="0" * 32, unknown="0" * 32, step="confirm")
        self._made = (visitors.world, runtime, db)

    def __missing__(self, name: str) -> str:
        world, runtime, db = self._made
        if name == "case":  # an open monitoring case of the talent (seeded in its own unit)
            _, cases = monitoring_scan_support.seed(db, world.talent.id)
            self[name] = cases["https://fakes.example.com/a.jpg"]
            return self[name]
        with db.unit_of_work() as session:
            if name == "agency":  # the agent's agency
                self[name] = world.agency.id
            elif name == "brand":  # the brand member's brand
                self[name] = world.brand.id
            elif name == "talent":  # opted in to the catalogue, with a picture
                listed(session, runtime, world)
                self[name] = world.talent.id
            elif name == "license":  # in negotiation
                self[name] = to_status(session, world, "proposed").id
            elif name == "output":  # pending the talent's review
                s = output_support.setup(
                    session, world, runtime.storage,
                    output_support.stamp_config(runtime.settings.keys_dir),
                )  # fmt: skip
                self[name] = output_support.create(session, runtime.storage, s).id
            elif name == "consent":  # a use consent waiting for the talent's signature
                waiting = to_status(session, world, "accepted")
                consent = licenses.use_consent_of(session, waiting.id)
                assert consent is not None
                self[name] = consent.id
            else:
                raise KeyError(name)
        return self[name]


@pytest.fixture
def objects(visitors: Visitors, runtime: Runtime, db: Database) -> dict[str, str]:
    """What the ``{placeholders}`` of :data:`ROUTES` name, made as the walk needs them."""
    return _Objects(visitors, runtime, db)


def _portal_routes() -> Iterator[tuple[str, str]]:
    for router in routers():
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods - {"HEAD"}):
                yield method, route.path


def test_every_portal_route_is_declared() -> None:
    undeclared = [
        (method, path)
        for method, path in _portal_routes()
        if not any(r.method == method and _same_shape(r.path.split("?")[0], path) for r in ROUTES)
    ]
    assert undeclared == [], "declare these in ROUTES with who may use them"


def _same_shape(declared: str, route: str) -> bool:
    a, b = declared.strip("/").split("/"), route.strip("/").split("/")
    return len(a) == len(b) and all(
        x == y or (x.startswith("{") and y.startswith("{")) for x, y in zip(a, b, strict=True)
    )


def _call(visitors: Visitors, role: str, route: Route, objects: dict[str, str]) -> Any:
    client = visitors[role]
    path = route.path.format_map(objects)
    if route.method == "GET":
        return client.get(path)
    data = dict(route.form)
    if role in visitors.tokens:
        data["csrf_token"] = visitors.tokens[role]
    return client.request(route.method, path, data=data)


CASES = [
    pytest.param(route, role, id=f"{route.method} {route.path} as {role}")
    for route in ROUTES
    for role in ROLES
    if not (role in route.allowed and route.ok is None)
]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_route_as_role(
    visitors: Visitors, request: pytest.FixtureRequest, route: Route, role: str
) -> None:
    # The objects only where the path names one (making them takes a moment).
    objects = request.getfixturevalue("objects") if "{" in route.path else {}
    response = _call(visitors, role, route, objects)
    if role in route.allowed:
        assert response.status_code == route.ok, response.text[:500]
        return
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        return
    assert response.status_code == 403, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")


STRANGERS = [
    pytest.param(route, id=f"{route.method} {route.path} as {route.stranger}")
    for route in ROUTES
    if route.stranger
]


@pytest.mark.parametrize("route", STRANGERS)
def test_route_as_a_stranger_is_not_found(
    visitors: Visitors, objects: dict[str, str], route: Route
) -> None:
    """Someone of the right role who may not see the object gets 404, as from the API."""
    assert route.stranger is not None
    response = _call(visitors, route.stranger, route, objects)
    assert response.status_code == 404, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")


def test_home_leads_each_role(visitors: Visitors) -> None:
    assert visitors["anonymous"].get("/").headers["location"] == "/login"
    for role in SIGNED_IN:
        response = visitors[role].get("/")
        links = NAV[_role(role)]
        if links:
            assert response.status_code == 303
            assert response.headers["location"] == links[0].href
        else:
            assert response.status_code == 200
            assert "You are signed in as" in response.text


def _role(name: str) -> Any:
    from likeness.models.party import Role

    return Role(name)


def test_every_navigation_link_opens_for_its_role(visitors: Visitors) -> None:
    """No dead links: each role's header links open for that role."""
    for role in SIGNED_IN:
        page = visitors[role].get("/verify")
        for item in [*NAV[_role(role)], *PUBLIC_NAV]:
            assert f'href="{item.href}"' in page.text
            assert visitors[role].get(item.href).status_code == 200, (role, item.href)


def test_pages_carry_the_security_headers(visitors: Visitors) -> None:
    for role in ROLES:
        for path in ("/", "/login", "/verify", "/no-such-page", "/static/portal.css"):
            response = visitors[role].get(path)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["x-content-type-options"] == "nosniff"
    api = visitors["anonymous"].get("/api/v1/verify/" + "0" * 32)
    assert api.headers["content-type"] == "application/json"
    assert "content-security-policy" not in api.headers  # the API and /docs keep theirs


def test_a_state_change_without_the_csrf_token_is_refused(visitors: Visitors) -> None:
    """A cookie-authenticated form post from nowhere (no Origin, no token) is refused."""
    response = visitors["talent"].post("/logout", data={})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")  # a page, not JSON
    assert "Reload the page and try again." in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    response = visitors["talent"].post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    foreign = visitors["talent"].post(
        "/logout",
        data={"csrf_token": visitors.tokens["talent"]},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert visitors["talent"].get("/verify").text.count("Log out") == 1  # still signed in


def test_an_unknown_page_is_an_html_404(visitors: Visitors) -> None:
    response = visitors["anonymous"].get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text


def test_an_unexpected_error_on_a_page_is_an_html_500_without_internals(
    runtime: Runtime,
) -> None:
    app = create_app(runtime=runtime)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    assert "secret" not in response.text
