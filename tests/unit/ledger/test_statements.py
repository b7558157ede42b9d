"""Statements as pure code: periods, assembly from rows, FIFO dues, the renderers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.ledger.errors import InvalidLedgerRequest
from likeness.ledger.statement_render import MAX_PDF_ROWS, pdf_rows, to_csv, to_dict
from likeness.ledger.statements import (
    DueRow,
    LineRow,
    PartyKind,
    Statement,
    StatementParty,
    assemble,
    decimal_string,
    money,
    parse_period,
)

TALENT = StatementParty(PartyKind.talent, "t1", "Zoë L.", "Zoë Łukasiewicz")
BRAND = StatementParty(PartyKind.brand, "b1", "Atelier Nord")
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def fee(
    day: date,
    gross: int,
    *,
    bps: int = 1500,
    fee_bps: int = 500,
    days: int = 30,
    channel: str = "web",
    sign: int = -1,
) -> LineRow:
    """A use fee line as the talent's (sign -1: credit) or brand's (+1) entry sees it."""
    commission, platform = gross * bps // 10_000, gross * fee_bps // 10_000
    net = gross - commission - platform
    own = net if sign < 0 else gross
    return LineRow(
        f"x{day}{gross}",
        day,
        "use_fee",
        "lic",
        "asset",
        channel,
        gross,
        commission,
        platform,
        net,
        day + timedelta(days=days),
        None,
        None,
        sign * own,
    )


def payment(day: date, amount: int, *, sign: int = -1) -> LineRow:
    kind = "payout" if sign < 0 else "collection"
    return LineRow(
        f"p{day}",
        day,
        kind,
        None,
        None,
        None,
        amount,
        0,
        0,
        amount,
        None,
        "REF",
        None,
        -sign * amount,
    )


def test_periods() -> None:
    assert parse_period("2026-02") == parse_period(
        start=date(2026, 2, 1), end=date(2026, 2, 28)
    ).__class__(date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2026").start == date(2026, 1, 1)
    assert parse_period("2026").end == date(2026, 12, 31)
    span = parse_period(start=date(2026, 3, 5), end=date(2026, 3, 5))
    assert span.label == "2026-03-05..2026-03-05"
    for bad in ("2026-13", "2026-00", "26-01", "Nov 2026", ""):
        with pytest.raises(InvalidLedgerRequest):
            parse_period(bad)
    with pytest.raises(InvalidLedgerRequest, match="before it starts"):
        parse_period(start=date(2026, 3, 5), end=date(2026, 3, 4))
    with pytest.raises(InvalidLedgerRequest, match="either"):
        parse_period("2026", start=date(2026, 3, 5))
    with pytest.raises(InvalidLedgerRequest):
        parse_period(start=date(2026, 3, 5))


def test_amounts_as_text() -> None:
    assert decimal_string(-1234, 2) == "-12.34"
    assert decimal_string(5, 2) == "0.05"
    assert decimal_string(-5, 2) == "-0.05"
    assert decimal_string(1234, 0) == "1234"
    assert decimal_string(1234, 3) == "1.234"
    assert money(123456789, 2) == "1,234,567.89"
    assert money(-100, 2) == "-1.00"


@given(st.integers(-(10**15), 10**15), st.sampled_from([0, 2, 3]))
def test_decimal_strings_are_exact(amount: int, digits: int) -> None:
    assert Decimal(decimal_string(amount, digits)) == Decimal(amount).scaleb(-digits)


def test_assembly_from_rows() -> None:
    november = parse_period("2026-11")
    lines = [
        fee(date(2026, 11, 3), 5_000),
        fee(date(2026, 11, 5), 2_500, channel="instagram"),
        payment(date(2026, 11, 20), 70_000),
        fee(date(2026, 11, 12), 1_235),
    ]
    result = assemble(
        TALENT,
        "EUR",
        november,
        NOW,
        opening_entries=-80_000,
        lines=lines,
        # 800.00 owed before November, due on 19 November
        dues_before=[DueRow(date(2026, 11, 19), 0, -80_000)],
        months_before=[(10, -80_000)],
    )
    assert result.opening == 80_000
    assert result.totals.earned == 4_000 + 2_000 + 989
    assert result.totals.paid == 70_000
    assert result.closing == 80_000 + 6_989 - 70_000
    assert result.totals.gross == 8_735 and result.totals.commission == 1_310
    assert result.totals.platform_fee == 436 and result.totals.net == 6_989
    assert [(d.due_on, d.amount, d.overdue) for d in result.dues] == [
        (date(2026, 11, 19), 10_000, True),
        (date(2026, 12, 3), 4_000, False),
        (date(2026, 12, 5), 2_000, False),
        (date(2026, 12, 12), 989, False),
    ]
    assert result.as_of == date(2026, 11, 30)
    assert result.by_month[9] == ("2026-10", 80_000)
    assert result.by_month[10] == ("2026-11", 6_989)
    assert result.by_channel == (("web", 4_989), ("instagram", 2_000))
    assert [line.amount for line in result.lines] == [4_000, 2_000, -70_000, 989]
    assert not any(line.overdue for line in result.lines)


def test_fifo_covers_the_oldest_first_and_marks_the_rest_overdue() -> None:
    year = parse_period("2026")
    lines = [
        fee(date(2026, 1, 10), 10_000, bps=0, fee_bps=0, days=10),  # due 01-20
        fee(date(2026, 2, 10), 10_000, bps=0, fee_bps=0, days=10),  # due 02-20
        fee(date(2026, 3, 10), 10_000, bps=0, fee_bps=0, days=10),  # due 03-20
        payment(date(2026, 3, 1), 15_000),  # covers January, half of February
    ]
    result = assemble(
        TALENT, "EUR", year, datetime(2026, 3, 25, tzinfo=UTC), opening_entries=0, lines=lines
    )
    assert [(d.due_on, d.amount, d.overdue) for d in result.dues] == [
        (date(2026, 2, 20), 5_000, True),
        (date(2026, 3, 20), 10_000, True),
    ]
    assert [line.overdue for line in result.lines] == [False, True, True, False]
    assert result.totals.overdue == 15_000
    assert result.due_next is None
    # two weeks earlier, March was not due yet
    early = assemble(
        TALENT, "EUR", year, datetime(2026, 3, 12, tzinfo=UTC), opening_entries=0, lines=lines
    )
    assert [d.overdue for d in early.dues] == [True, False]
    assert early.due_next is not None and early.due_next.due_on == date(2026, 3, 20)


def test_a_prepaid_party_owes_nothing() -> None:
    result = assemble(
        TALENT,
        "EUR",
        parse_period("2026-05"),
        NOW,
        opening_entries=0,
        lines=[fee(date(2026, 5, 1), 1_000, bps=0, fee_bps=0), payment(date(2026, 5, 2), 3_000)],
    )
    assert result.closing == -2_000 and result.dues == ()


def test_a_brand_owes_the_gross() -> None:
    lines = [fee(date(2026, 11, 3), 5_000, sign=1), payment(date(2026, 11, 9), 1_000, sign=1)]
    result = assemble(BRAND, "EUR", parse_period("2026-11"), NOW, opening_entries=0, lines=lines)
    assert [line.amount for line in result.lines] == [5_000, -1_000]
    assert result.closing == 4_000 and result.totals.paid == 1_000
    assert result.dues[0].amount == 4_000


def _statement(n: int, channels: tuple[str, ...] = ("web", "print")) -> Statement:
    start = date(2026, 1, 1)
    lines = [
        fee(start + timedelta(days=i % 365), 1_000 + i, channel=channels[i % len(channels)])
        for i in range(n)
    ]
    lines.sort(key=lambda line: line.occurred_on)
    return assemble(TALENT, "EUR", parse_period("2026"), NOW, opening_entries=0, lines=lines)


def test_csv_and_json_keep_every_line_and_sum_to_the_closing_balance() -> None:
    result = _statement(50)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert len(rows) == 52
    assert sum(Decimal(r["amount"]) for r in rows[:-1]) == Decimal(rows[-1]["amount"])
    assert Decimal(rows[-1]["amount"]) * 100 == result.closing
    data = json.loads(json.dumps(to_dict(result)))
    assert len(data["lines"]) == 50
    assert sum(line["amount"]["minor"] for line in data["lines"]) == result.closing
    assert all(
        Decimal(line["net"]["decimal"]) * 100 == line["net"]["minor"] for line in data["lines"]
    )
    assert data["party"] == {
        "kind": "talent",
        "id": "t1",
        "name": "Zoë L.",
        "legal_name": "Zoë Łukasiewicz",
    }


def test_the_pdf_groups_lines_only_when_there_are_too_many() -> None:
    level, rows = pdf_rows(_statement(MAX_PDF_ROWS))
    assert level == "line" and len(rows) == MAX_PDF_ROWS
    level, rows = pdf_rows(_statement(730, ("web",)))  # two lines a day, one channel
    assert level == "day" and len(rows) == 365
    assert rows[0].item == "Use · web ×2" and rows[0].count == 2
    big = _statement(3_000)
    level, rows = pdf_rows(big)
    assert level == "month" and len(rows) == 12 * 2
    # grouping loses nothing: the groups add up to the lines
    assert sum(row.net or 0 for row in rows) == big.totals.net
    assert sum(row.count for row in rows) == 3_000


def test_a_bank_reference_cannot_run_as_a_spreadsheet_formula() -> None:
    paid = payment(date(2026, 3, 2), 500)._replace(external_ref="=cmd|' /C calc'!A0")
    lines = [fee(date(2026, 3, 1), 1_000), paid]
    result = assemble(TALENT, "EUR", parse_period("2026"), NOW, opening_entries=0, lines=lines)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert rows[2]["reference"] == "'=cmd|' /C calc'!A0"
