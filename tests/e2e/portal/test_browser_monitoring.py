"""In a real browser: the talent sees the look-alike monitoring found, confirms it and
downloads the take-down notice; her agent sees the same case; axe-core and screenshots
(375 and 1280 px) on every page."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site

pytestmark = pytest.mark.browser


def test_the_talent_confirms_a_look_alike_and_downloads_the_notice(site: Site, page: Any) -> None:
    site.login(page, "talent")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Monitoring").inner_text().startswith("Monitoring 1")
    nav.get_by_role("link", name="Monitoring").click()
    assert "Monitoring of your face" in page.locator("main").inner_text()
    assert page.locator("img.thumb").first.evaluate("i => i.complete && i.naturalWidth") > 0
    check_page(page, "monitoring-cases", site.artifacts)
    page.get_by_role("link", name="A face match in an image with no Likeness mark").click()
    assert "fakes.example.com/look-alike.jpg" in page.locator("main").inner_text()
    check_page(page, "monitoring-case", site.artifacts)
    page.get_by_role("button", name="Dismiss").click()  # no reason: the browser asks for one
    assert page.get_by_label("Why you dismiss it").evaluate("e => !e.validity.valid")
    page.get_by_role("button", name="Confirm: this use is not licensed").click()
    assert page.get_by_role("status").inner_text() == "Case confirmed."
    check_page(page, "monitoring-case-confirmed", site.artifacts)
    page.get_by_label("Send to (optional)").fill("abuse@fakes.example.com")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the notice (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.value.suggested_filename == f"takedown-{site.seed.ids['case']}.pdf"
    page.reload()
    page.get_by_role("button", name="Record that the notice was sent").click()
    assert page.get_by_role("status").inner_text() == "Case notice sent."
    assert "Check whether it is gone" in page.locator("main").inner_text()


def test_the_agent_sees_the_talents_case(site: Site, page: Any) -> None:
    site.login(page, "agent")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Monitoring").click()
    assert "fakes.example.com/look-alike.jpg" in page.locator("main").inner_text()
    assert "Monitoring of your face" not in page.locator("main").inner_text()
    check_page(page, "monitoring-agent", site.artifacts)
