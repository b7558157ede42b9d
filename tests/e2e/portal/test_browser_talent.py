"""In a real browser, the talent's main journey: the inbox tells her what waits; she
reads the whole consent and signs it; she approves an image; her likeness and her
consents. axe-core and screenshots (375 and 1280 px) on every page."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site
from integration.test_license_support import LEGAL_NAME
from likeness.consent.signing import AFFIRMATION

pytestmark = pytest.mark.browser


def test_talent_signs_a_consent_and_approves_an_output(site: Site, page: Any) -> None:
    site.login(page, "talent")
    assert page.url.endswith("/talent/inbox")
    inbox = page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox")
    assert inbox.inner_text().startswith("Inbox 2")  # a consent to sign, an image to review
    check_page(page, "talent-inbox", site.artifacts)

    # The consent: the whole document, then the signature with a mistake first.
    page.get_by_role("link", name="Consent to use the digital twin").first.click()
    assert "Document SHA-256" in page.locator("article.document").inner_text()
    check_page(page, "talent-consent", site.artifacts)
    page.get_by_label("Your full legal name").fill("Somebody Else")
    page.get_by_label("Type the statement").fill(AFFIRMATION)
    page.get_by_role("button", name="Sign the consent").click()
    assert "full legal name" in page.locator("#f-typed_name-error").inner_text()
    assert page.get_by_label("Type the statement").input_value() == AFFIRMATION  # kept
    check_page(page, "talent-consent-error", site.artifacts)
    page.get_by_label("Your full legal name").fill(LEGAL_NAME)
    page.get_by_role("button", name="Sign the consent").click()
    assert "Signed. Thank you." in page.get_by_role("status").first.inner_text()
    assert f"Signed by {LEGAL_NAME}" in page.locator("article.document").inner_text()
    assert page.get_by_role("heading", name="Revoke this consent").is_visible()
    check_page(page, "talent-consent-signed", site.artifacts)

    # The image waiting for review: look, then approve.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    page.locator("a.thumb").first.click()
    preview = page.locator("img.preview")
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 1080
    check_page(page, "talent-output", site.artifacts)
    page.get_by_role("button", name="Approve").click()
    assert "Approved" in page.get_by_role("status").first.inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    assert "Nothing waits for you." in page.get_by_role("status").first.inner_text()

    page.get_by_role("link", name="My likeness").click()
    assert site.seed.ids["asset"][:8] in page.locator("table").inner_text()
    check_page(page, "talent-likeness", site.artifacts)

    page.get_by_role("link", name="Twins & consents").click()
    assert page.get_by_role("heading", name="Twins", exact=True).is_visible()
    check_page(page, "talent-consents", site.artifacts)
