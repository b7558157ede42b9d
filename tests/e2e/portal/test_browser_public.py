"""In a real browser: the login page and the public verify page (a released file, a
stripped copy, an asset ID), with axe-core and screenshots at 375 and 1280 px."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site

pytestmark = pytest.mark.browser


def test_login_page(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    assert page.url.endswith("/login")
    check_page(page, "login", site.artifacts)
    page.get_by_label("Email").fill(site.seed.logins["talent"])
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "wrong email or password"
    assert page.get_by_label("Email").input_value() == site.seed.logins["talent"]
    check_page(page, "login-error", site.artifacts)


def test_public_verifies_a_released_file_and_a_stripped_copy(site: Site, page: Any) -> None:
    page.goto(site.url + "/verify")
    check_page(page, "verify", site.artifacts)
    page.set_input_files("#f-image", str(site.seed.files["release"]))
    page.get_by_role("button", name="Check the image").click()
    verdict = page.locator("#verdict")
    assert verdict.get_by_role("heading").inner_text() == "Authorised Likeness release"
    text = verdict.inner_text()
    assert "AI-generated\nYes" in text or "AI-generated\tYes" in text
    assert "Ada O." in text  # the public (stage) name
    assert "Ada Okafor" not in page.content()  # never the legal name
    assert site.seed.ids["license"] not in page.content()
    assert site.seed.ids["brand"] not in page.content()
    page.get_by_text("Content Credentials (C2PA) and marks").click()
    assert "Trusted" in verdict.inner_text()
    check_page(page, "verify-release", site.artifacts)

    page.set_input_files("#f-image", str(site.seed.files["stripped"]))
    page.get_by_role("button", name="Check the image").click()
    text = page.locator("#verdict").inner_text()
    assert "Authorised Likeness release" in text
    assert "invisible watermark" in text
    check_page(page, "verify-stripped", site.artifacts)

    page.get_by_label("Asset ID (32 characters) or watermark mark (16)").fill("not-an-id")
    page.get_by_role("button", name="Look it up").click()
    assert "neither an asset id" in page.locator("#f-asset-error").inner_text()
    check_page(page, "verify-bad-id", site.artifacts)
