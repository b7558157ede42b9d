"""In a real browser, the money pages: the talent's earnings (the chart, overdue in red, a
month's statement downloaded), the agent's commission, the brand's payables and the
operator's ledger (the check, the post-pending button, the overdue report). axe-core
and screenshots (375 and 1280 px) on each."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site
from likeness.kit.clock import utcnow

pytestmark = pytest.mark.browser


def _nav(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def _last_month() -> str:
    return (utcnow().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def test_the_talent_sees_her_earnings_and_downloads_a_statement(site: Site, page: Any) -> None:
    site.login(page, "talent")
    _nav(page, "Earnings")
    assert page.url.endswith("/talent/earnings")
    main = page.locator("main")
    assert "Owed to you" in main.inner_text()
    assert page.locator("tr.overdue").first.is_visible()  # the use due a month ago
    red = page.locator("tr.overdue td").first.evaluate("td => getComputedStyle(td).color")
    assert red == "rgb(161, 29, 43)"  # var(--bad)
    assert page.locator("svg.chart-svg rect").count() == utcnow().date().month
    assert "creation fee" in main.inner_text()  # the seeded license's fee, posted
    check_page(page, "talent-earnings", site.artifacts)

    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.endswith(f"{utcnow():%Y-%m}.pdf")

    page.get_by_label("Month", exact=True).fill(_last_month())
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert f"Lines of {_last_month()}" in main.inner_text()
    with page.expect_download() as csv:
        page.get_by_role("link", name="CSV").click()
    assert csv.value.suggested_filename.endswith(f"{_last_month()}.csv")
    assert "opening_balance" in csv.value.path().read_text()
    check_page(page, "talent-earnings-last-month", site.artifacts)


def test_the_agent_sees_the_commission(site: Site, page: Any) -> None:
    site.login(page, "agent")
    _nav(page, "Commission")
    main = page.locator("main")
    assert "Owed to the agency" in main.inner_text()
    assert "overdue" in page.locator("tr.overdue").first.inner_text()
    check_page(page, "agent-commission", site.artifacts)
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename.startswith("statement-agency-")


def test_the_brand_sees_its_payables(site: Site, page: Any) -> None:
    site.login(page, "brand")
    _nav(page, "Payables")
    main = page.locator("main")
    assert "You owe" in main.inner_text()
    due = date.fromisoformat(page.locator("tr.overdue time").first.get_attribute("datetime"))
    assert due < utcnow().date()
    check_page(page, "brand-payables", site.artifacts)
    with page.expect_download() as csv:
        page.get_by_role("link", name="CSV").click()
    assert csv.value.suggested_filename.startswith("statement-brand-")


def test_the_operator_checks_the_books_and_posts(site: Site, page: Any) -> None:
    site.login(page, "operator")
    _nav(page, "Ledger")
    check_page(page, "operator-ledger", site.artifacts)
    page.get_by_role("button", name="Post pending fees").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Posted ")
    check_page(page, "operator-ledger-posted", site.artifacts)
    page.get_by_role("link", name="Check the books").click()
    assert "The books balance" in page.locator("main").inner_text()
    check_page(page, "operator-ledger-check", site.artifacts)
    page.get_by_role("link", name="Back to the ledger").click()
    page.get_by_role("link", name="Overdue report").click()
    assert page.locator("tr.overdue").count() == 3  # talent, agency, brand
    check_page(page, "operator-ledger-overdue", site.artifacts)
