"""Statements from real ledger rows, on SQLite and PostgreSQL: the worked example of
docs/guide/money.md, totals against an independent computation, FIFO dues and overdue,
scoping, and the PDF rendered to PNG (written under ``LIKENESS_STATEMENT_PNG_DIR`` when
set, to look at)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import factories
from integration.statement_support import (
    EXAMPLE_COMMISSION_BPS,
    EXAMPLE_FEE_BPS,
    EXAMPLE_FEES,
    EXAMPLE_PAYOUT,
    Example,
    make_parties,
    post_example,
    post_fee,
    post_payment,
)
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.ledger.errors import InvalidLedgerRequest, LedgerNotFound
from likeness.ledger.statement_render import to_csv, to_dict, to_pdf
from likeness.ledger.statements import Statement, parse_period, statement
from likeness.models.ledger import TransactionKind
from likeness.models.party import Role

GENERATED = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
NOVEMBER = parse_period("2026-11")


@pytest.fixture
def example(session: Session) -> Example:
    who = make_parties(session)
    post_example(session, who)
    session.flush()
    return who


def _statement(session: Session, kind: str, party_id: str, period: str = "2026-11") -> Statement:
    return statement(session, SYSTEM_ACTOR, kind, party_id, parse_period(period), now=GENERATED)


def _pages(pdf: bytes, name: str) -> int:
    """Render every page to PNG (pypdfium2); write them out when asked; the page count."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    out = os.environ.get("LIKENESS_STATEMENT_PNG_DIR")
    for index in range(len(document)):
        image = document[index].render(scale=1.6).to_pil()
        assert image.width > 0
        # not blank: a statement page has ink on it
        assert image.convert("L").getextrema()[0] < 100
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            image.save(Path(out) / f"{name}-{index + 1}.png")
    return len(document)


def _text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_the_worked_example_for_the_talent(session: Session, example: Example) -> None:
    result = _statement(session, "talent", example.talent_id)

    # independent computation from the raw fee inputs (not the code's split)
    def net(gross: int) -> int:
        return gross - gross * EXAMPLE_COMMISSION_BPS // 10_000 - gross * EXAMPLE_FEE_BPS // 10_000

    opening = sum(net(g) for day, _, _, g in EXAMPLE_FEES if day < NOVEMBER.start)
    earned = sum(net(g) for day, _, _, g in EXAMPLE_FEES if day >= NOVEMBER.start)
    assert (opening, earned) == (80_000, 4_000 + 2_000 + 989)
    assert result.opening == opening
    assert result.totals.earned == earned
    assert result.totals.paid == EXAMPLE_PAYOUT[1]
    assert result.closing == opening + earned - EXAMPLE_PAYOUT[1] == 16_989
    assert result.totals.gross == 5_000 + 2_500 + 1_235
    assert result.totals.commission == 750 + 375 + 185
    assert result.totals.platform_fee == 250 + 125 + 61
    assert [line.kind for line in result.lines] == [
        "output_fee",
        "use_fee",
        "use_fee",
        "payout",
    ]
    assert result.party.name == "Zoë L." and result.party.legal_name == "Zoë Łukasiewicz"
    # the payout (700.00) covers 700.00 of the 800.00 due on 19 November: 100.00 overdue
    assert [(d.due_on, d.amount, d.overdue) for d in result.dues] == [
        (date(2026, 11, 19), 10_000, True),
        (date(2026, 12, 3), 4_000, False),
        (date(2026, 12, 5), 2_000, False),
        (date(2026, 12, 12), 989, False),
    ]
    assert result.totals.overdue == 10_000
    assert sum(d.amount for d in result.dues) == result.closing
    assert result.due_next is not None and result.due_next.due_on == date(2026, 12, 3)
    assert dict(result.by_month)["2026-10"] == 80_000
    assert dict(result.by_month)["2026-11"] == earned
    assert len(result.by_month) == 11
    assert dict(result.by_channel) == {"per-output fee": 4_000, "instagram": 2_000, "web": 989}


def test_agency_and_brand_statements(session: Session, example: Example) -> None:
    agency = _statement(session, "agency", example.agency_id)
    assert agency.opening == 15_000
    assert [line.amount for line in agency.lines] == [750, 375, 185]
    assert agency.closing == 15_000 + 1_310
    assert agency.party.legal_name is None

    post_payment(session, "brand", example.brand_id, 60_000, date(2026, 11, 25), "SEPA-77")
    brand = _statement(session, "brand", example.brand_id)
    assert brand.opening == 100_000
    assert brand.totals.earned == 5_000 + 2_500 + 1_235
    assert brand.totals.paid == 60_000
    assert brand.closing == 100_000 + 8_735 - 60_000
    # the brand owes the gross on the day the talent is due; 40,000 of 19 Nov uncovered
    assert brand.dues[0].due_on == date(2026, 11, 19) and brand.dues[0].amount == 40_000
    assert brand.dues[0].overdue
    assert brand.lines[-1].kind == "collection" and brand.lines[-1].amount == -60_000


def test_the_year_and_date_periods(session: Session, example: Example) -> None:
    year = _statement(session, "talent", example.talent_id, "2026")
    assert year.opening == 0
    assert year.totals.earned == 80_000 + 6_989
    assert year.closing == 80_000 + 6_989 - 70_000
    dates = statement(
        session,
        SYSTEM_ACTOR,
        "talent",
        example.talent_id,
        parse_period(start=date(2026, 11, 4), end=date(2026, 11, 12)),
        now=GENERATED,
    )
    assert dates.opening == 80_000 + 4_000
    assert [line.amount for line in dates.lines] == [2_000, 989]
    # a current period: overdue is judged as of the generation day
    assert year.as_of == GENERATED.date()


def test_random_books_match_an_independent_sum(session: Session) -> None:
    """Any mix of fees and payouts: every total equals a sum over the raw inputs."""
    who = make_parties(session, "Søren Ødegård", None)
    rng = random.Random(19)
    inputs = []
    for _ in range(120):
        on = date(2026, rng.randint(1, 12), rng.randint(1, 28))
        gross = rng.randint(1, 500_000)
        bps = rng.choice([0, 1000, 1500, 2000])
        fee = rng.choice([0, 250, 500])
        channel = rng.choice(["instagram", "web", "print"])
        post_fee(
            session,
            on=on,
            talent_id=who.talent_id,
            brand_id=who.brand_id,
            agency_id=who.agency_id,
            gross=gross,
            commission_bps=bps,
            platform_fee_bps=fee,
            channel=channel,
        )
        inputs.append((on, gross, bps, fee, channel))
    payouts = [(date(2026, m, 15), rng.randint(1, 300_000)) for m in range(1, 13)]
    for on, amount in payouts:
        post_payment(session, "talent", who.talent_id, amount, on, f"R{on}")
    session.flush()
    q3 = parse_period(start=date(2026, 7, 1), end=date(2026, 9, 30))
    result = statement(session, SYSTEM_ACTOR, "talent", who.talent_id, q3, now=GENERATED)

    def net(gross: int, bps: int, fee: int) -> int:
        return gross - (gross * bps) // 10_000 - (gross * fee) // 10_000

    inside = [i for i in inputs if q3.start <= i[0] <= q3.end]
    before = [i for i in inputs if i[0] < q3.start]
    paid_before = sum(a for on, a in payouts if on < q3.start)
    paid_in = sum(a for on, a in payouts if q3.start <= on <= q3.end)
    assert result.opening == sum(net(g, b, f) for _, g, b, f, _ in before) - paid_before
    assert result.totals.gross == sum(g for _, g, _, _, _ in inside)
    assert result.totals.commission == sum(g * b // 10_000 for _, g, b, _, _ in inside)
    assert result.totals.platform_fee == sum(g * f // 10_000 for _, g, _, f, _ in inside)
    assert result.totals.earned == sum(net(g, b, f) for _, g, b, f, _ in inside)
    assert result.totals.paid == paid_in
    assert result.closing == result.opening + result.totals.earned - paid_in
    for channel in ("instagram", "web", "print"):
        expected = sum(net(g, b, f) for _, g, b, f, c in inside if c == channel)
        assert dict(result.by_channel).get(channel, 0) == expected
    # what is due adds up to the closing balance (nothing prepaid here)
    if result.closing > 0:
        assert sum(d.amount for d in result.dues) == result.closing
    # CSV: the amounts column sums to the closing balance, to the cent
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert rows[0]["kind"] == "opening_balance" and rows[-1]["kind"] == "closing_balance"
    cents = sum(Decimal(r["amount"]) * 100 for r in rows[:-1])
    assert cents == result.closing == Decimal(rows[-1]["amount"]) * 100


def test_scoping_and_errors(session: Session, example: Example) -> None:
    other = factories.create_user(session, Role.talent)
    stranger = factories.actor(session, other)
    with pytest.raises(LedgerNotFound):
        statement(session, stranger, "talent", example.talent_id, NOVEMBER)
    with pytest.raises(LedgerNotFound):
        statement(session, SYSTEM_ACTOR, "brand", "nope", NOVEMBER)
    with pytest.raises(InvalidLedgerRequest):
        statement(session, SYSTEM_ACTOR, "platform", "platform", NOVEMBER)
    with pytest.raises(InvalidLedgerRequest):
        statement(session, SYSTEM_ACTOR, "talent", example.talent_id, NOVEMBER, "EURO")
    # the talent themself may
    from likeness.models.party import User

    own = factories.actor(session, session.get(User, example.talent_user_id))  # type: ignore[arg-type]
    assert statement(session, own, "talent", example.talent_id, NOVEMBER).closing == 16_989


def test_a_party_with_two_currencies_must_choose(session: Session, example: Example) -> None:
    post_fee(
        session,
        on=date(2026, 11, 9),
        talent_id=example.talent_id,
        brand_id=example.brand_id,
        agency_id=None,
        gross=9_000,
        commission_bps=0,
        currency="USD",
        channel="web",
    )
    with pytest.raises(InvalidLedgerRequest, match="EUR, USD"):
        statement(session, SYSTEM_ACTOR, "talent", example.talent_id, NOVEMBER)
    usd = statement(session, SYSTEM_ACTOR, "talent", example.talent_id, NOVEMBER, "usd")
    assert usd.currency == "USD" and usd.closing == 9_000


def test_json_carries_minor_units_and_decimals(session: Session, example: Example) -> None:
    data = json.loads(json.dumps(to_dict(_statement(session, "talent", example.talent_id))))
    assert data["closing_balance"] == {"minor": 16_989, "decimal": "169.89"}
    assert data["lines"][-1]["amount"] == {"minor": -70_000, "decimal": "-700.00"}
    assert data["due"][0] == {
        "due_on": "2026-11-19",
        "amount": {"minor": 10_000, "decimal": "100.00"},
        "overdue": True,
    }


@pytest.mark.parametrize("kind", ["talent", "agency", "brand"])
def test_pdf_statements_render(session: Session, example: Example, kind: str) -> None:
    party_id = {
        "talent": example.talent_id,
        "agency": example.agency_id,
        "brand": example.brand_id,
    }[kind]
    if kind == "brand":
        post_payment(session, "brand", example.brand_id, 60_000, date(2026, 11, 25), "SEPA-77")
    pdf = to_pdf(_statement(session, kind, party_id))
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf, f"statement-{kind}") == 1
    text = _text(pdf)
    assert "Likeness" in text and "2026-11" in text
    if kind == "talent":
        assert "Zoë L." in text and "Zoë Łukasiewicz" in text
        assert "€169.89" in text and "OVERDUE" in text and "€40.00" in text


def test_a_long_statement_repeats_its_header(session: Session) -> None:
    who = make_parties(session, "Amélie Ørsted", "Amélie")
    rng = random.Random(3)
    for i in range(150):
        post_fee(
            session,
            on=date(2026, 11, 1 + i % 30),
            talent_id=who.talent_id,
            brand_id=who.brand_id,
            agency_id=who.agency_id,
            gross=rng.randint(1_000, 90_000),
            commission_bps=2000,
            platform_fee_bps=300,
            channel=rng.choice(["instagram", "web", "print", "tiktok", "billboard"]),
        )
    post_payment(session, "talent", who.talent_id, 150_000, date(2026, 11, 28), "BANK-1128")
    session.flush()
    pdf = to_pdf(_statement(session, "talent", who.talent_id))
    pages = _pages(pdf, "statement-long")
    assert pages >= 3
    text = _text(pdf)
    assert text.count("Commission") >= pages  # the table header on every page of lines
    assert f"Page {pages} of {pages}" in text


def test_a_huge_statement_groups_its_pdf_lines(session: Session) -> None:
    who = make_parties(session, "Grace Ng", None)
    for i in range(900):
        post_fee(
            session,
            on=date(2026, 1 + i % 12, 1 + i % 28),
            talent_id=who.talent_id,
            brand_id=who.brand_id,
            agency_id=None,
            gross=1_000 + i,
            commission_bps=0,
            channel="web" if i % 2 else "instagram",
            kind=TransactionKind.use_fee,
            license_id=who.license_id,
        )
    session.flush()
    result = _statement(session, "talent", who.talent_id, "2026")
    assert result.totals.lines == 900
    pdf = to_pdf(result)
    text = _text(pdf)
    assert "grouped per day" in text
    assert "900 lines in CSV/JSON" in text
    assert len(to_csv(result).splitlines()) == 900 + 3
    _pages(pdf, "statement-grouped")
    assert io.BytesIO(pdf).getbuffer().nbytes < 1_000_000
