"""The money pages show what the ledger's own services say, to whom they say it: the
talent's earnings, the agent's commission, the brand's payables, the operator's check,
posting button and overdue report."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from e2e.portal.conftest import Visitors
from integration import pay_support as pay
from integration.test_license_support import to_status
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.ledger import payouts, service, statement_render, statements
from likeness.models.audit import AuditEvent
from likeness.models.ledger import AccountKind, LedgerAccount, PayeeKind
from likeness.portal.money import chart

TODAY = utcnow().date()


def _fees(visitors: Visitors, db: Database) -> None:
    """One use due 30 days ago (overdue), one due in 15 days, a partial payout."""
    world = visitors.world
    with db.unit_of_work() as session:
        for gross, days in ((100_000, 60), (40_000, 30)):
            pay.post_fee(
                session,
                talent_id=world.talent.id,
                brand_id=world.brand.id,
                agency_id=world.agency.id,
                commission_bps=1_500,
                gross=gross,
                used_on=TODAY - timedelta(days=days),
                payment_days=45 if days == 30 else 30,
            )
        payouts.record_payout(
            session,
            world.actor(session, "operator"),
            PayeeKind.talent,
            world.talent.id,
            10_000,
            "EUR",
            "SEPA-1",
        )


def _text(html: str) -> str:
    main = html.split('<main id="main">')[1].split("</main>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_talent_sees_her_earnings_as_the_ledger_counts_them(
    visitors: Visitors, db: Database
) -> None:
    _fees(visitors, db)
    world = visitors.world
    page = visitors["talent"].get("/talent/earnings")
    assert page.status_code == 200
    with db.unit_of_work() as session:
        talent = world.actor(session, "talent")
        month = statements.parse_period(TODAY.strftime("%Y-%m"))
        expected = statements.statement(session, talent, "talent", world.talent.id, month)
    text = _text(page.text)
    assert f"Owed to you {statements.money(expected.closing, 2)} EUR" in text
    assert f"Overdue {statements.money(expected.totals.overdue, 2)} EUR" in text
    overdue = [d for d in expected.dues if d.overdue]
    assert overdue and all(f"{statements.money(d.amount, 2)} EUR overdue" in text for d in overdue)
    assert 'class="overdue"' in page.text  # the overdue rows are marked (red)
    # the chart: one bar per month of the year to date, from the statement's numbers
    bars = chart(expected)
    assert len(bars) == TODAY.month
    assert page.text.count("<rect ") == len(bars)
    assert ' style="' not in page.text  # the CSP forbids inline styles
    # the downloads are the statement the API serves
    csv = visitors["talent"].get(f"/talent/earnings/statement?format=csv&period={month.label}")
    assert csv.headers["content-type"].startswith("text/csv")
    api = visitors["talent"].get(
        f"/api/v1/ledger/statements/talent/{world.talent.id}?format=csv&period={month.label}"
    )
    assert csv.text == api.text
    assert csv.headers["content-disposition"] == api.headers["content-disposition"]
    pdf = visitors["talent"].get("/talent/earnings/statement?format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_a_month_that_does_not_exist_is_said_next_to_the_field(visitors: Visitors) -> None:
    page = visitors["talent"].get("/talent/earnings?period=2026-13")
    assert page.status_code == 422
    assert 'id="f-period-error"' in page.text and "no such month" in page.text
    assert 'value="2026-13"' in page.text  # what was typed is kept


def test_chart_scales_the_months_to_the_largest(visitors: Visitors, db: Database) -> None:
    _fees(visitors, db)
    world = visitors.world
    with db.unit_of_work() as session:
        op = world.actor(session, "operator")
        found = statements.statement(
            session, op, "talent", world.talent.id, statements.parse_period(str(TODAY.year))
        )
    bars = chart(found)
    tallest = max(bars, key=lambda b: b.amount)
    assert tallest.height == max(b.height for b in bars) > 0
    assert all(b.height == 0 for b in bars if b.amount <= 0)
    assert all(b.in_period for b in bars)  # a whole year: every month is in it


def test_the_agent_sees_the_commission_and_the_brand_its_payables(
    visitors: Visitors, db: Database
) -> None:
    _fees(visitors, db)
    world = visitors.world
    with db.unit_of_work() as session:
        month = statements.parse_period(TODAY.strftime("%Y-%m"))
        agency = statements.statement(
            session, world.actor(session, "agent"), "agency", world.agency.id, month
        )
        brand = statements.statement(
            session, world.actor(session, "brand"), "brand", world.brand.id, month
        )
    commission = _text(visitors["agent"].get("/agent/commission").text)
    assert f"Owed to the agency {statements.money(agency.closing, 2)} EUR" in commission
    payables = visitors["brand"].get(f"/brand/payables?brand={world.brand.id}")
    assert f"You owe {statements.money(brand.closing, 2)} EUR" in _text(payables.text)
    assert 'class="overdue"' in payables.text
    body, _ = statement_render.render(brand, "csv")
    download = visitors["brand"].get(
        f"/brand/payables/statement?brand={world.brand.id}&format=csv&period={month.label}"
    )
    assert download.content == body
    # someone else's agency or brand: not found, as from the API
    assert (
        visitors["stranger_agent"].get(f"/agent/commission?agency={world.agency.id}").status_code
        == 404
    )
    assert visitors["other_brand"].get(f"/brand/payables?brand={world.brand.id}").status_code == 404


def test_the_operator_posts_pending_fees_and_sees_the_check(
    visitors: Visitors, db: Database
) -> None:
    with db.unit_of_work() as session:
        to_status(session, visitors.world, "active")  # its creation fee waits to be posted
        assert not service.caught_up(session)
    page = visitors["operator"].get("/operator/ledger")
    assert "Fees wait to be posted" in page.text
    assert "The books balance" in visitors["operator"].get("/operator/ledger/check").text
    posted = visitors["operator"].post(
        "/operator/ledger/post-pending", data={"csrf_token": visitors.tokens["operator"]}
    )
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/operator/ledger?done=posted%201%20fee")
    with db.unit_of_work() as session:
        assert service.caught_up(session)
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ledger.posted")
        ).all()
        assert len(events) == 1 and events[0].actor.endswith(visitors.operator.email)
    after = visitors["operator"].get(posted.headers["location"])
    assert "Posted 1 fee." in after.text and "nothing waits to be posted" in after.text
    # without the CSRF token: refused, nothing posted
    refused = visitors["operator"].post("/operator/ledger/post-pending", data={})
    assert refused.status_code == 403


def test_the_operator_sees_each_problem_the_check_finds_and_the_overdue(
    visitors: Visitors, db: Database
) -> None:
    _fees(visitors, db)
    with db.unit_of_work() as session:
        account = session.scalars(
            select(LedgerAccount).where(LedgerAccount.kind == AccountKind.talent_payable)
        ).one()
        account.balance += 1  # a drifted balance: the check names it
    with db.unit_of_work() as session:
        report = service.check(session)
        overdue = [
            r
            for r in payouts.due_rows(session, visitors.world.actor(session, "operator"))
            if r.overdue
        ]
    assert not report.ok
    page = visitors["operator"].get("/operator/ledger/check")
    assert "The books have problems" in page.text
    text = _text(page.text)
    assert all(problem in text for problem in report.problems)
    assert len(overdue) == 3  # talent, agency, brand: the use due 30 days ago
    report_page = _text(visitors["operator"].get("/operator/ledger/overdue").text)
    assert all(
        f"{row.party_kind} {row.party_id[:8]}" in report_page
        and f"{statements.money(row.outstanding, 2)} EUR {row.days_late} days" in report_page
        for row in overdue
    )


def test_money_pages_refuse_other_roles(visitors: Visitors) -> None:
    for path, role in (
        ("/talent/earnings", "brand"),
        ("/agent/commission", "talent"),
        ("/brand/payables", "agent"),
        ("/operator/ledger", "brand"),
    ):
        assert visitors[role].get(path).status_code == 403
        assert visitors["anonymous"].get(path).status_code == 303


def test_money_in_two_currencies_asks_which(visitors: Visitors, db: Database) -> None:
    _fees(visitors, db)
    world = visitors.world
    with db.unit_of_work() as session:
        pay.post_fee(
            session,
            talent_id=world.talent.id,
            brand_id=world.brand.id,
            gross=30_000,
            used_on=TODAY,
            currency="USD",
        )
    page = visitors["talent"].get("/talent/earnings")
    assert page.status_code == 422
    assert "choose one with currency" in page.text
    assert '<select id="f-currency" name="currency">' in page.text
    usd = visitors["talent"].get("/talent/earnings?currency=USD")
    assert usd.status_code == 200
    assert "<option selected>USD</option>" in usd.text and "<option>EUR</option>" in usd.text
    assert "Owed to you 300.00 USD" in _text(usd.text)  # no agency, no platform fee: all hers
