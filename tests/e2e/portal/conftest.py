"""Fixtures for the portal's tests: a signed-in TestClient for each role (route and access
tests), and, for the browser tests, a live server on a free port with a seeded data home
(see browser_support.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import factories
from e2e.portal.browser_support import LiveServer, browser_wanted, launch_chromium, settings_for
from e2e.portal.portal_seed import PASSWORD, Seed, seed_home
from e2e.portal.portal_support import ROLES, sign_in
from integration.test_license_support import World, make_world
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.models.party import Role, User
from likeness.runtime import Runtime


@dataclass
class Visitors:
    """The rights world, a client for each role (and a stranger of each), CSRF tokens."""

    world: World
    operator: User
    clients: dict[str, TestClient]
    tokens: dict[str, str]

    def __getitem__(self, role: str) -> TestClient:
        return self.clients[role]


@pytest.fixture
def visitors(runtime: Runtime, db: Database) -> Iterator[Visitors]:
    with db.unit_of_work() as session:
        world = make_world(session)
        operator = factories.create_user(session, Role.operator)
    users = {
        "talent": world.talent_user,
        "agent": world.agent_user,
        "brand": world.brand_user,
        "operator": operator,
        "other_talent": world.other_talent_user,
        "other_brand": world.other_brand_user,
        "stranger_agent": world.stranger_agent,
    }
    app = create_app(runtime=runtime)
    clients: dict[str, TestClient] = {}
    tokens: dict[str, str] = {}
    for who in (*ROLES, *users):
        if who in clients:
            continue
        client = TestClient(app, follow_redirects=False)
        clients[who] = client
        if who in users:
            tokens[who] = sign_in(client, runtime.settings, users[who])
    with clients["anonymous"]:  # runs the app's lifespan once for all of them
        yield Visitors(world, operator, clients, tokens)


# --- the browser tests: a live server with a seeded home, and chromium ----------------------


@dataclass
class Site:
    """The running portal: its URL, the seeded home and what was seeded in it."""

    url: str
    home: Path
    seed: Seed
    artifacts: Path

    def login(self, page: Any, role: str) -> None:
        """Log in through the form, as a person would."""
        page.goto(f"{self.url}/login")
        page.get_by_label("Email").fill(self.seed.logins[role])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not browser_wanted():
        pytest.skip("LIKENESS_SKIP_BROWSER=1")
    home = tmp_path_factory.mktemp("portal") / "home"
    settings = settings_for(home)
    seed = seed_home(settings)
    runtime = Runtime.from_settings(settings)
    server = LiveServer(runtime).start()
    artifacts = Path(
        os.environ.get("LIKENESS_ARTIFACTS", str(tmp_path_factory.getbasetemp() / "artifacts"))
    )
    try:
        yield Site(server.url, home, seed, artifacts / "portal")
    finally:
        server.stop()
        runtime.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context at desktop width. Console errors (a CSP refusal among
    them), uncaught script errors and a failed load of a script, style or picture fail
    the test (a page itself may answer 4xx: a form with an error)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        yield page
    finally:
        context.close()
    assert problems == [], f"the browser reported errors: {problems}"
