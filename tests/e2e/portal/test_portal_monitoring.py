"""Monitoring in the portal: the talent and her agent see the cases opened against images
of her face, with a count of those waiting in the header; they confirm or dismiss (with a
reason), download the take-down notice, record its progress, have the place checked
again; the talent turns monitoring on and off. Strangers see nothing; forms need CSRF."""

from __future__ import annotations

import email
import re
from email.policy import default as default_policy

from sqlalchemy import select

from e2e.portal.conftest import Visitors
from integration import monitoring_scan_support as support
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.monitoring import CaseStatus, MonitoringCase
from likeness.monitoring import enrolment

LOOK_ALIKE = "https://fakes.example.com/a.jpg"


def _count(html: str) -> int:
    found = re.search(r'href="/monitoring"[^>]*>Monitoring <span class="count">(\d+)', html)
    return int(found.group(1)) if found else 0


def _post(visitors: Visitors, who: str, path: str, **form: str):  # type: ignore[no-untyped-def]
    return visitors[who].post(path, data={"csrf_token": visitors.tokens[who], **form})


def _status(db: Database, case_id: str) -> CaseStatus:
    with db.unit_of_work() as session:
        case = session.get(MonitoringCase, case_id)
        assert case is not None
        return case.status


def test_the_talent_reviews_a_case_and_takes_it_down(visitors: Visitors, db: Database) -> None:
    _, cases = support.seed(db, visitors.world.talent.id)
    case_id = cases[LOOK_ALIKE]
    listing = visitors["talent"].get("/monitoring")
    assert listing.status_code == 200
    assert (
        LOOK_ALIKE in listing.text
        and "A face match in an image with no Likeness mark" in listing.text
    )
    assert _count(listing.text) == 2  # two look-alikes wait for a review
    assert "Monitoring of your face" in listing.text and "Turn monitoring off" in listing.text
    page = visitors["talent"].get(f"/monitoring/cases/{case_id}")
    assert page.status_code == 200 and "Confirm: this use is not licensed" in page.text
    assert "Face match distance" in page.text and "Download the notice" not in page.text
    thumb = visitors["talent"].get(f"/monitoring/cases/{case_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.content.startswith(support.THUMB)
    # a step without the CSRF token is refused; with it, the case moves on
    assert visitors["talent"].post(f"/monitoring/cases/{case_id}/steps/confirm").status_code == 403
    confirmed = _post(visitors, "talent", f"/monitoring/cases/{case_id}/steps/confirm")
    assert confirmed.status_code == 303 and _status(db, case_id) is CaseStatus.confirmed
    # "sent" before a notice exists: said on the page, nothing changes
    early = _post(visitors, "talent", f"/monitoring/cases/{case_id}/steps/sent")
    assert early.status_code == 409 and "generate it first" in early.text
    assert _status(db, case_id) is CaseStatus.confirmed
    notice = _post(
        visitors,
        "talent",
        f"/monitoring/cases/{case_id}/notice",
        format="eml",
        to="abuse@fakes.example.com",
    )
    assert notice.status_code == 200 and notice.headers["content-type"] == "message/rfc822"
    message = email.message_from_bytes(notice.content, policy=default_policy)
    assert (
        message["To"] == "abuse@fakes.example.com"
        and LOOK_ALIKE in message.get_body().get_content()
    )
    pdf = _post(visitors, "talent", f"/monitoring/cases/{case_id}/notice", format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for step, status in (
        ("sent", CaseStatus.notice_sent),
        ("acknowledged", CaseStatus.acknowledged),
    ):
        assert (
            _post(visitors, "talent", f"/monitoring/cases/{case_id}/steps/{step}").status_code
            == 303
        )
        assert _status(db, case_id) is status
    with db.unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == case_id)
            .order_by(AuditEvent.seq)
        ).all()
    assert "monitoring.case_confirm" in actions and "monitoring.notice_generated" in actions
    history = visitors["talent"].get(f"/monitoring/cases/{case_id}")
    assert "Check whether it is gone" in history.text and "notice sent" in history.text


def test_dismissing_needs_a_reason_and_keeps_it(visitors: Visitors, db: Database) -> None:
    _, cases = support.seed(db, visitors.world.talent.id)
    case_id = cases["https://fakes.example.com/b.jpg"]
    empty = _post(visitors, "agent", f"/monitoring/cases/{case_id}/steps/dismiss", note="  ")
    assert empty.status_code == 422 and "needs a reason" in empty.text
    assert _status(db, case_id) is CaseStatus.open
    done = _post(
        visitors, "agent", f"/monitoring/cases/{case_id}/steps/dismiss", note="our own test upload"
    )
    assert done.status_code == 303 and _status(db, case_id) is CaseStatus.dismissed
    page = visitors["agent"].get(f"/monitoring/cases/{case_id}")
    assert "our own test upload" in page.text and "Close the case" in page.text
    agent_list = visitors["agent"].get("/monitoring?status=dismissed")
    assert "fakes.example.com/b.jpg" in agent_list.text
    assert "fakes.example.com/a.jpg" not in agent_list.text  # still open: not in this filter


def test_strangers_and_brands_see_no_case(visitors: Visitors, db: Database) -> None:
    _, cases = support.seed(db, visitors.world.talent.id)
    case_id = cases[LOOK_ALIKE]
    for who in ("other_talent", "stranger_agent"):
        assert LOOK_ALIKE not in visitors[who].get("/monitoring").text
        assert visitors[who].get(f"/monitoring/cases/{case_id}").status_code == 404
        refused = _post(visitors, who, f"/monitoring/cases/{case_id}/steps/confirm")
        assert refused.status_code == 404
    assert visitors["brand"].get("/monitoring").status_code == 403
    assert LOOK_ALIKE in visitors["operator"].get("/monitoring").text
    assert _status(db, case_id) is CaseStatus.open


def test_the_talent_turns_monitoring_off_and_cannot_turn_it_on_without_a_face(
    visitors: Visitors, db: Database
) -> None:
    support.seed(db, visitors.world.talent.id)
    off = _post(visitors, "talent", "/monitoring/enrolment", action="out")
    assert off.status_code == 303 and "deleted" in off.headers["location"].replace("%20", " ")
    with db.unit_of_work() as session:
        status = enrolment.enrolment(session, visitors.world.talent.id)
    assert not status.enrolled and status.references == 0
    page = visitors["talent"].get("/monitoring")
    assert "Turn monitoring on" in page.text
    # the test world's talent has no reference photo or twin: said on the page, nothing kept
    on = _post(visitors, "talent", "/monitoring/enrolment", action="in")
    assert on.status_code == 409
    assert "Turn monitoring on" in on.text and "alert-error" in on.text
    with db.unit_of_work() as session:
        assert not enrolment.enrolment(session, visitors.world.talent.id).enrolled
    assert _post(visitors, "agent", "/monitoring/enrolment", action="out").status_code == 403
