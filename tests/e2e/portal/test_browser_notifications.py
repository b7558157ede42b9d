"""In a real browser (issue 20): the agent sees the unread count in the header, reads the
notifications and marks them read; the operator says why before looking at a talent's
captures and twins and sees the reason on the record. axe-core and screenshots at 375 and
1280 px on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site

pytestmark = pytest.mark.browser


def _badge(page: Any) -> int:
    link = page.locator('header a[href="/notifications"]')
    found = re.search(r"(\d+)", link.inner_text())
    return int(found.group(1)) if found else 0


def test_the_agent_reads_the_notifications(site: Site, page: Any) -> None:
    site.login(page, "agent")
    before = _badge(page)
    assert before >= 1  # the seeded license requests wait for the agent's answer
    page.locator('header a[href="/notifications"]').click()
    assert "asks to license" in page.locator("main").inner_text()
    check_page(page, "agent-notifications", site.artifacts)
    page.get_by_role("button", name=re.compile("^Mark read")).first.click()
    assert page.get_by_role("status").inner_text() == "Marked read"
    assert _badge(page) == before - 1
    if before > 1:
        page.get_by_role("button", name="Mark all read").click()
        assert "marked read" in page.get_by_role("status").inner_text()
    assert _badge(page) == 0
    check_page(page, "agent-notifications-read", site.artifacts)


def test_the_operator_gives_a_reason_before_looking(site: Site, page: Any) -> None:
    site.login(page, "operator")
    page.goto(f"{site.url}/operator/twins")
    assert "Capture sessions" not in page.locator("main").inner_text()
    page.get_by_label("Talent id").fill(site.seed.ids["talent"])
    page.get_by_label("Reason kind").select_option("quality_check")
    page.get_by_label("Reason", exact=True).fill("too short")
    page.get_by_role("button", name="Show").click()
    assert "10 to 500 characters" in page.locator("#f-reason-error").inner_text()
    check_page(page, "operator-twins-reason-error", site.artifacts)
    page.get_by_label("Reason", exact=True).fill("checking the new capture rig's output")
    page.get_by_role("button", name="Show").click()
    main = page.locator("main").inner_text()
    assert "Capture sessions" in main
    assert "Quality check: checking the new capture rig's output" in main
    check_page(page, "operator-twins-looked", site.artifacts)
