"""Notifications in the portal and over the API (issue 20): talent and agents are told
what waits for them, see an unread count in the header, mark one or all read (CSRF);
brands' rights notifications keep working in the same shape."""

from __future__ import annotations

import re

from e2e.portal.conftest import Visitors
from integration.test_license_support import to_status
from likeness.kit.db import Database
from likeness.licensing import notifications as rights


def _count(html: str) -> int:
    found = re.search(r'href="/notifications"[^>]*>Notifications <span class="count">(\d+)', html)
    return int(found.group(1)) if found else 0


def test_an_agent_and_a_talent_are_told_and_mark_read(visitors: Visitors, db: Database) -> None:
    with db.unit_of_work() as session:
        lic = to_status(session, visitors.world, "requested")
    page = visitors["agent"].get("/notifications")
    assert page.status_code == 200 and "asks to license" in page.text
    assert visitors.world.brand.name in page.text and _count(page.text) == 1
    assert _count(visitors["agent"].get("/agent/roster").text) == 1  # the header, every page
    assert "No notifications yet." in visitors["stranger_agent"].get("/notifications").text
    # the API: the same, for talent and agents, in the brands' shape
    api = visitors["talent"].get("/api/v1/notifications")
    assert api.status_code == 200, api.text
    (told,) = api.json()
    assert told["kind"] == "license.awaiting_answer" and told["license_id"] == lic.id
    assert told["brand_id"] is None and told["read_at"] is None
    assert told["object_type"] == "license" and told["object_id"] == lic.id
    # mark one read: CSRF-checked; another user's reads as absent
    (agent_row,) = visitors["agent"].get("/api/v1/notifications").json()
    no_token = visitors["agent"].post(f"/notifications/{agent_row['id']}/read")
    assert no_token.status_code == 403
    theirs = visitors["talent"].post(
        f"/notifications/{agent_row['id']}/read", data={"csrf_token": visitors.tokens["talent"]}
    )
    assert theirs.status_code == 404
    done = visitors["agent"].post(
        f"/notifications/{agent_row['id']}/read", data={"csrf_token": visitors.tokens["agent"]}
    )
    assert done.status_code == 303
    after = visitors["agent"].get("/notifications")
    assert _count(after.text) == 0 and "Mark all read" not in after.text
    assert visitors["agent"].get("/api/v1/notifications?unread=true").json() == []
    # the talent: mark all read over the API (CSRF header with the cookie)
    marked = visitors["talent"].post(
        "/api/v1/notifications/read", headers={"X-CSRF-Token": visitors.tokens["talent"]}
    )
    assert marked.status_code == 200 and marked.json() == {"marked_read": 1}
    assert _count(visitors["talent"].get("/notifications").text) == 0


def test_brands_keep_their_rights_notifications(visitors: Visitors, db: Database) -> None:
    with db.unit_of_work() as session:
        world = visitors.world
        rights.notify(
            session,
            brand_id=world.brand.id,
            talent_id=world.talent.id,
            kind="license.revoked",
            message="The talent revoked the license: take down by Friday.",
            payload={"remove_by": "2027-01-01"},
        )
    page = visitors["brand"].get("/notifications")
    assert "take down by Friday" in page.text and _count(page.text) == 1
    (row,) = visitors["brand"].get("/api/v1/notifications").json()
    assert row["brand_id"] == visitors.world.brand.id and row["payload"]["remove_by"]
    assert "take down by Friday" not in visitors["other_brand"].get("/notifications").text
    done = visitors["brand"].post(
        "/notifications/read", data={"csrf_token": visitors.tokens["brand"]}
    )
    assert done.status_code == 303 and "1%20marked%20read" in done.headers["location"]
    assert _count(visitors["brand"].get("/notifications").text) == 0
