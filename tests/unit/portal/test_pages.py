"""The portal's pure pieces: which paths are the portal's, dates, navigation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from likeness.identity.actor import Actor
from likeness.models.party import Role
from likeness.portal.nav import NAV, PUBLIC_NAV, nav_for, start_page
from likeness.portal.pages import templates
from likeness.portal.paths import is_portal_path

time = templates.env.globals["time"]


@pytest.mark.parametrize(
    ("path", "portal"),
    [
        ("/", True),
        ("/login", True),
        ("/talent/inbox", True),
        ("/static/portal.css", True),
        ("/verify", True),
        ("/api/v1/verify/x", False),
        ("/api", False),
        ("/docs", False),
        ("/docs-static/x.js", False),
        ("/redoc", False),
        ("/openapi.json", False),
        ("/healthz", False),
    ],
)
def test_which_paths_are_the_portals(path: str, portal: bool) -> None:
    assert is_portal_path(path) is portal


def test_times_are_utc_in_a_time_element() -> None:
    paris = timezone(timedelta(hours=1))
    shown = str(time(datetime(2026, 12, 7, 15, 30, tzinfo=paris)))
    assert shown == (
        '<time datetime="2026-12-07T14:30:00Z" data-style="datetime">2026-12-07 14:30 UTC</time>'
    )
    naive = str(time(datetime(2026, 12, 7, 14, 30)))  # stored UTC without a zone
    assert 'datetime="2026-12-07T14:30:00Z"' in naive
    assert 'data-style="date">2026-12-07<' in str(time(date(2026, 12, 7)))
    assert 'datetime="2026-12-07T14:30:00Z"' in str(time("2026-12-07T14:30:00Z"))
    assert str(time("not a date <b>")) == "not a date &lt;b&gt;"
    assert str(time(None)) == "—"


def test_each_role_sees_its_links_and_the_public_ones() -> None:
    talent = Actor(user_id="u", email="a@x", role=Role.talent, talent_id="t")
    links = nav_for(talent, {"/talent/inbox": 3})
    assert [i.href for i in links] == [i.href for i in [*NAV[Role.talent], *PUBLIC_NAV]]
    assert links[0].badge == 3
    assert all(i.badge == 0 for i in links[1:])
    assert start_page(talent) == "/talent/inbox"
    assert [i.href for i in nav_for(None)] == [i.href for i in PUBLIC_NAV]
