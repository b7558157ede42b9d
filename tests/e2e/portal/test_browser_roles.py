"""In a real browser: the agent counters a brand's request; the brand finds the talent in
the catalogue, requests a license, downloads an asset and reports its publication; every
page of the brand, the agent, the operator and the talent's catalogue page with axe-core
and screenshots at 375 and 1280 px."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from e2e.portal.browser_support import check_page
from e2e.portal.conftest import Site
from integration.test_catalogue import picture

pytestmark = pytest.mark.browser


def test_the_agent_counters_a_request(site: Site, page: Any) -> None:
    site.login(page, "agent")
    assert page.url.endswith("/agent/negotiations")
    check_page(page, "agent-negotiations", site.artifacts)
    license_id = site.seed.ids["requested_license"]
    page.get_by_role("link", name=f"Answer {license_id[:8]}").click()
    assert page.get_by_label("Channels").input_value() == "instagram, web"  # the request's
    check_page(page, "agent-negotiation", site.artifacts)
    page.get_by_label("Territories").fill("FR")
    page.get_by_label("Fee per published use, by channel").fill("instagram=oops")
    page.get_by_role("button", name="Propose").click()
    assert "write channel=amount" in page.locator("#f-per_use_fees-error").inner_text()
    assert page.get_by_label("Territories").input_value() == "FR"  # kept as typed
    check_page(page, "agent-negotiation-error", site.artifacts)
    page.get_by_label("Fee per published use, by channel").fill("instagram=200000")
    page.get_by_role("button", name="Propose").click()
    assert page.get_by_role("status").inner_text() == "Your terms were proposed to the brand."
    assert "Proposed" in page.locator("main").inner_text()
    assert "instagram 2,000.00 EUR" in page.locator("main").inner_text()
    for name in ("Roster", "Updates"):
        page.get_by_role("link", name=name, exact=True).click()
        check_page(page, f"agent-{name.lower()}", site.artifacts)
    assert "Ada O." in page.locator("main").inner_text()


def test_the_brand_requests_downloads_and_reports(site: Site, page: Any) -> None:
    site.login(page, "brand")
    assert page.url.endswith("/brand/catalogue")
    check_page(page, "brand-catalogue", site.artifacts)
    assert "Ada Okafor" not in page.content()  # never the legal name
    page.get_by_role("link", name="Ada O.").first.click()
    assert page.locator("img.preview").evaluate("i => i.naturalWidth") == 640
    check_page(page, "brand-listing", site.artifacts)
    page.get_by_label("Territories").fill("FR, BE")
    page.get_by_label("Purpose").fill("Winter knitwear campaign")
    page.get_by_role("button", name="Request the license").click()
    assert page.get_by_role("status").inner_text() == "License requested."
    assert "Winter knitwear campaign" in page.locator("main").inner_text()
    check_page(page, "brand-license", site.artifacts)
    page.get_by_role("link", name="Licenses", exact=True).click()
    check_page(page, "brand-licenses", site.artifacts)
    page.get_by_role("link", name="Generations", exact=True).click()
    check_page(page, "brand-generations", site.artifacts)

    page.get_by_role("link", name="Assets", exact=True).click()
    check_page(page, "brand-assets", site.artifacts)
    asset_id = site.seed.ids["asset"]
    with page.expect_download() as download:
        page.locator(f'a[href="/brand/assets/{asset_id}/file"]').click()
    saved = download.value.path()
    with open(saved, "rb") as handle:
        assert handle.read(2) == b"\xff\xd8"
    assert download.value.suggested_filename == f"{asset_id}.jpg"
    page.get_by_role("link", name=asset_id[:8]).click()
    check_page(page, "brand-asset", site.artifacts)
    page.get_by_label("Territory").fill("FR")
    page.get_by_label("Published on").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Where (URL, optional)").fill("https://example.com/aurel/post/1")
    page.get_by_role("button", name="Report").click()
    assert page.get_by_role("status").inner_text() == "Publication reported."
    assert "instagram in FR" in page.locator("main").inner_text()
    check_page(page, "brand-asset-reported", site.artifacts)
    page.get_by_role("link", name="Take-downs", exact=True).click()
    check_page(page, "brand-takedowns", site.artifacts)


def test_the_talent_catalogue_page(site: Site, page: Any, tmp_path: Path) -> None:
    site.login(page, "talent")
    page.get_by_role("link", name="Catalogue", exact=True).click()
    assert "In the catalogue" in page.locator("main").inner_text()
    check_page(page, "talent-catalogue", site.artifacts)
    before = page.locator("img.preview").evaluate("i => i.currentSrc")
    photo = tmp_path / "me.png"
    photo.write_bytes(picture(900, 1200))
    page.set_input_files("#f-photo", str(photo))
    page.get_by_role("button", name="Upload").click()  # multipart: the browser's Origin
    assert page.get_by_role("status").inner_text() == "Picture saved."
    assert page.locator("img.preview").evaluate("i => i.naturalHeight") == 800
    assert page.locator("img.preview").evaluate("i => i.currentSrc") != before  # not cached


@pytest.mark.parametrize("name", ["parties", "twins", "jobs", "models", "audit"])
def test_the_operator_pages(site: Site, page: Any, name: str) -> None:
    site.login(page, "operator")
    page.goto(f"{site.url}/operator/{name}")
    assert page.locator("h1").count() == 1
    check_page(page, f"operator-{name}", site.artifacts)
