"""A :class:`~likeness.ledger.statements.Statement` as CSV, JSON or PDF.

* **CSV**: one row per line, amounts as exact decimals, with an ``opening_balance`` row
  first and a ``closing_balance`` row last, so a spreadsheet sums to the closing balance.
* **JSON**: everything on the statement; every amount as ``{"minor": 12345,
  "decimal": "123.45"}`` (integer minor units and the exact decimal string).
* **PDF**: an A4 statement: header, summary box, earnings charts by month (year to date)
  and by channel drawn with matplotlib, the amounts due, the lines (header repeated on each
  page), totals and footnotes. A statement of more than :data:`MAX_PDF_ROWS` lines groups
  its fee lines per day, kind, channel and license (or per month if that is still too
  many) — the CSV and JSON keep every line (docs/guide/money.md, "Statements").

The PDF uses the DejaVu Sans fonts that matplotlib ships (so € and any Latin, Greek or
Cyrillic name render on a fresh machine) and is deterministic for a given statement.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from likeness.kit import letterhead as house
from likeness.kit.spreadsheet import text_cell
from likeness.ledger.rules import MAX_COMMISSION_BPS, MAX_PAYMENT_DAYS
from likeness.ledger.statements import (
    PartyKind,
    Statement,
    StatementLine,
    decimal_formatter,
    money,
)

if TYPE_CHECKING:
    from fpdf import FPDF

SCHEMA = "likeness.statement/1"
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json", "pdf": "application/pdf"}
#: Above this many lines the PDF groups fee lines (the CSV and JSON never do).
MAX_PDF_ROWS = 400

CSV_COLUMNS = (
    "date",
    "kind",
    "transaction_id",
    "license_id",
    "asset_id",
    "channel",
    "gross",
    "commission",
    "platform_fee",
    "net",
    "amount",
    "due_on",
    "overdue",
    "reference",
)


def render(statement: Statement, format: str) -> tuple[bytes, str]:
    """The statement in ``format`` (csv, json, pdf) and its media type."""
    if format == "csv":
        return to_csv(statement).encode(), FORMATS["csv"]
    if format == "json":
        return to_json(statement).encode(), FORMATS["json"]
    return to_pdf(statement), FORMATS["pdf"]


# --- CSV and JSON -------------------------------------------------------------------------


def to_csv(statement: Statement) -> str:
    decimal = decimal_formatter(statement.digits)

    def amount(value: int | None) -> str:
        return "" if value is None else decimal(value)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    start, end = statement.period.start.isoformat(), statement.period.end.isoformat()
    blank = [""] * 8
    writer.writerow([start, "opening_balance", *blank, amount(statement.opening), "", "", ""])
    days = _IsoDays()
    writer.writerows(
        (
            days[line.occurred_on],
            line.kind,
            line.transaction_id,
            line.license_id or "",
            line.asset_id or "",
            line.channel or "",
            amount(line.gross),
            amount(line.commission),
            amount(line.platform_fee),
            amount(line.net),
            amount(line.amount),
            days[line.due_on] if line.due_on else "",
            "yes" if line.overdue else "",
            text_cell(line.reference or ""),
        )
        for line in statement.lines
    )
    writer.writerow([end, "closing_balance", *blank, amount(statement.closing), "", "", ""])
    return out.getvalue()


def to_dict(statement: Statement) -> dict[str, Any]:
    digits = statement.digits
    decimal = decimal_formatter(digits)

    def amount(value: int) -> dict[str, Any]:
        return {"minor": value, "decimal": decimal(value)}

    totals = statement.totals
    next_due = statement.due_next
    party = statement.party
    return {
        "schema": SCHEMA,
        "party": {
            "kind": party.kind.value,
            "id": party.id,
            "name": party.name,
            "legal_name": party.legal_name,
        },
        "currency": statement.currency,
        "minor_unit_digits": digits,
        "period": statement.period.to_dict(),
        "generated_at": statement.generated_at.isoformat(),
        "as_of": statement.as_of.isoformat(),
        "opening_balance": amount(statement.opening),
        "closing_balance": amount(statement.closing),
        "totals": {
            "lines": totals.lines,
            "gross": amount(totals.gross),
            "commission": amount(totals.commission),
            "platform_fee": amount(totals.platform_fee),
            "net": amount(totals.net),
            "earned": amount(totals.earned),
            "paid": amount(totals.paid),
            "overdue": amount(totals.overdue),
        },
        "due": [
            {"due_on": d.due_on.isoformat(), "amount": amount(d.amount), "overdue": d.overdue}
            for d in statement.dues
        ],
        "due_next": (
            {"due_on": next_due.due_on.isoformat(), "amount": amount(next_due.amount)}
            if next_due
            else None
        ),
        "lines": _json_lines(statement.lines, decimal),
        "earnings_by_month": [{"month": m, "amount": amount(v)} for m, v in statement.by_month],
        "earnings_by_channel": [
            {"channel": c, "amount": amount(v)} for c, v in statement.by_channel
        ],
    }


def _json_lines(
    lines: Sequence[StatementLine], decimal: Callable[[int], str]
) -> list[dict[str, Any]]:
    """The lines as JSON objects: one loop, locals only (a year holds 100,000 lines)."""
    days = _IsoDays()
    out: list[dict[str, Any]] = []
    append = out.append
    for (
        occurred_on,
        kind,
        transaction_id,
        license_id,
        asset_id,
        channel,
        gross,
        commission,
        platform_fee,
        net,
        due_on,
        amount,
        reference,
        overdue,
    ) in lines:
        append(
            {
                "date": days[occurred_on],
                "kind": kind,
                "transaction_id": transaction_id,
                "license_id": license_id,
                "asset_id": asset_id,
                "channel": channel,
                "gross": None if gross is None else {"minor": gross, "decimal": decimal(gross)},
                "commission": None
                if commission is None
                else {"minor": commission, "decimal": decimal(commission)},
                "platform_fee": None
                if platform_fee is None
                else {"minor": platform_fee, "decimal": decimal(platform_fee)},
                "net": None if net is None else {"minor": net, "decimal": decimal(net)},
                "amount": {"minor": amount, "decimal": decimal(amount)},
                "due_on": days[due_on] if due_on else None,
                "overdue": overdue,
                "reference": reference,
            }
        )
    return out


class _IsoDays(dict[date, str]):
    """``date → "YYYY-MM-DD"``, each day formatted once."""

    def __missing__(self, day: date) -> str:
        text = self[day] = day.isoformat()
        return text


def to_json(statement: Statement) -> str:
    return json.dumps(to_dict(statement), ensure_ascii=False, separators=(",", ":"))


# --- PDF ----------------------------------------------------------------------------------

_NAVY, _INK, _MUTED, _RULE = house.NAVY, house.INK, house.MUTED, house.RULE
_SHADE, _ZEBRA, _RED = house.SHADE, house.ZEBRA, house.RED
_ACCENT = "#1f4e8c"
_ACCENT_LIGHT = "#b9c9e0"

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
_KIND_TEXT = {
    "creation_fee": "Creation fee",
    "output_fee": "Per-output fee",
    "use_fee": "Use",
    "adjustment": "Adjustment",
    "payout": "Payout",
    "collection": "Collection",
}
_CHART_NOUN = {
    PartyKind.talent: "Earnings",
    PartyKind.agency: "Commission",
    PartyKind.brand: "Charges",
}
_PARTY_TEXT = {PartyKind.talent: "Talent", PartyKind.agency: "Agency", PartyKind.brand: "Brand"}


def _money(statement: Statement, value: int) -> str:
    symbol = _SYMBOLS.get(statement.currency)
    text = money(abs(value), statement.digits)
    sign = "−" if value < 0 else ""
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{statement.currency} {text}"


def _short(value: str | None) -> str:
    return value[:8] if value else "—"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of the PDF's lines table: a line, or a group of lines."""

    occurred_on: str
    item: str
    asset: str
    license: str
    due: str
    gross: int | None
    commission: int | None
    platform_fee: int | None
    net: int | None
    overdue: bool
    payment: bool
    count: int = 1


def _item(line: StatementLine) -> str:
    text = _KIND_TEXT.get(line.kind, line.kind)
    if line.kind == "use_fee" and line.channel:
        return f"{text} · {line.channel}"
    if line.is_payment and line.reference:
        return f"{text} · {line.reference}"
    return text


def _payment_row(line: StatementLine, party: PartyKind) -> _Row:
    """A payment shows its amount in the party's own column (its reference spans the
    asset, license and due columns)."""
    cols: dict[str, int | None] = {"gross": None, "commission": None, "net": None}
    cols[{"talent": "net", "agency": "commission", "brand": "gross"}[party.value]] = line.amount
    return _Row(
        line.occurred_on.isoformat(),
        _item(line),
        "—",
        "—",
        "—",
        cols["gross"],
        cols["commission"],
        None,
        cols["net"],
        False,
        True,
    )


def pdf_rows(statement: Statement) -> tuple[str, list[_Row]]:
    """The PDF's table rows and how they are grouped: "line", "day" or "month"."""
    lines = statement.lines
    party = statement.party.kind
    if len(lines) <= MAX_PDF_ROWS:
        rows = [
            _payment_row(line, party)
            if line.is_payment
            else _Row(
                line.occurred_on.isoformat(),
                _item(line),
                _short(line.asset_id),
                _short(line.license_id),
                _day(line.due_on),
                line.gross,
                line.commission,
                line.platform_fee,
                line.net,
                line.overdue,
                False,
            )
            for line in lines
        ]
        return "line", rows
    days = {_day_key(line) for line in lines}
    if len(days) <= MAX_PDF_ROWS:
        return "day", _grouped(lines, party, _day_key)
    return "month", _grouped(lines, party, _month_key)


def _day_key(line: StatementLine) -> tuple[Any, ...]:
    return (line.occurred_on, line.kind, line.channel)


def _month_key(line: StatementLine) -> tuple[Any, ...]:
    return (line.occurred_on.isoformat()[:7], line.kind, line.channel)


def _grouped(
    lines: Sequence[StatementLine],
    party: PartyKind,
    key: Callable[[StatementLine], tuple[Any, ...]],
) -> list[_Row]:
    """Sum the fee lines per ``key`` (in order of first appearance); payments stay rows."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    order: list[tuple[Any, ...] | _Row] = []
    for line in lines:
        if line.gross is None:  # a payment
            order.append(_payment_row(line, party))
            continue
        k = key(line)
        group = groups.get(k)
        if group is None:
            # count, gross, commission, fee, net, overdue, first line, one asset?, one
            # license?, latest due date
            group = groups[k] = [0, 0, 0, 0, 0, False, line, True, True, line.due_on]
            order.append(k)
        group[0] += 1
        group[1] += line.gross
        group[2] += line.commission
        group[3] += line.platform_fee
        group[4] += line.net
        if line.overdue:
            group[5] = True
        first = group[6]
        if group[7] and line.asset_id != first.asset_id:
            group[7] = False
        if group[8] and line.license_id != first.license_id:
            group[8] = False
        if line.due_on and (group[9] is None or line.due_on > group[9]):
            group[9] = line.due_on
    rows: list[_Row] = []
    for entry in order:
        if isinstance(entry, _Row):
            rows.append(entry)
            continue
        count, gross, commission, fee, net, overdue, first, one_asset, one_license, due = groups[
            entry
        ]
        item = _item(first)
        rows.append(
            _Row(
                str(entry[0]),
                f"{item} ×{count:,}" if count > 1 else item,
                _short(first.asset_id) if one_asset else "various",
                _short(first.license_id) if one_license else "various",
                _day(due),
                gross,
                commission,
                fee,
                net,
                overdue,
                False,
                count,
            )
        )
    return rows


#: (title, width in mm, align) of the lines table's columns; A4 less 15 mm margins = 180.
_COLUMNS = (
    ("Date", 18.0, "L"),
    ("Item", 32.0, "L"),
    ("Asset", 16.0, "L"),
    ("License", 16.0, "L"),
    ("Due", 19.0, "L"),
    ("Gross", 21.0, "R"),
    ("Commission", 22.0, "R"),
    ("Fee", 16.0, "R"),
    ("Net", 20.0, "R"),
)
_OWN_COLUMN = {PartyKind.talent: "Net", PartyKind.agency: "Commission", PartyKind.brand: "Gross"}


def _charts(statement: Statement) -> tuple[bytes, bytes]:
    """The two charts as PNG: earnings by month (year to date) and by channel."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    scale = 10**statement.digits
    months = [m for m, _ in statement.by_month]
    values = [v / scale for _, v in statement.by_month]
    in_period = [
        statement.period.start.isoformat()[:7] <= m <= statement.period.end.isoformat()[:7]
        for m in months
    ]
    symbol = _SYMBOLS.get(statement.currency, statement.currency + " ")
    ticks = FuncFormatter(lambda v, _pos: f"{symbol}{_compact(v)}")
    images = []
    noun = _CHART_NOUN[statement.party.kind]
    import matplotlib

    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 7}):
        figure = Figure(figsize=(3.6, 2.05), dpi=200)
        axes = figure.add_subplot()
        labels = [date.fromisoformat(m + "-01").strftime("%b") for m in months]
        colours = [_ACCENT if inside else _ACCENT_LIGHT for inside in in_period]
        axes.bar(labels, values, color=colours, width=0.7)
        axes.set_title(
            f"{noun} by month, {statement.period.end.year} to date",
            loc="left",
            fontsize=8,
            fontweight="bold",
        )
        _tidy(axes, ticks, horizontal=False)
        images.append(_png(figure))

        figure = Figure(figsize=(3.6, 2.05), dpi=200)
        axes = figure.add_subplot()
        channels = list(statement.by_channel)[:8][::-1]
        if channels:
            axes.barh(
                [c for c, _ in channels],
                [v / scale for _, v in channels],
                color=_ACCENT,
                height=0.55,
            )
        else:
            axes.text(0.5, 0.5, "Nothing in this period", ha="center", va="center")
            axes.set_yticks([])
        axes.set_title(f"{noun} by channel, this period", loc="left", fontsize=8, fontweight="bold")
        _tidy(axes, ticks, horizontal=True)
        images.append(_png(figure))
    return images[0], images[1]


def _compact(value: float) -> str:
    """Axis labels: 950, 9,500, 95k, 9.5M."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:g}k"
    return f"{value:,.0f}"


def _tidy(axes: Any, ticks: Any, *, horizontal: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color("#adb5bd")
    axes.spines["bottom"].set_color("#adb5bd")
    axes.tick_params(colors="#495057", length=2)
    values = axes.xaxis if horizontal else axes.yaxis
    values.set_major_locator(MaxNLocator(nbins=5))
    values.set_major_formatter(ticks)
    axes.grid(axis="x" if horizontal else "y", color="#e9ecef", linewidth=0.6)
    axes.set_axisbelow(True)
    # fixed margins: tight_layout would draw each chart twice
    axes.figure.subplots_adjust(
        left=0.22 if horizontal else 0.14, right=0.94, top=0.88, bottom=0.13
    )


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def to_pdf(statement: Statement) -> bytes:
    """The statement as an A4 PDF (see the module docstring); deterministic."""
    party = statement.party
    pdf = house.document(
        f"Statement {statement.period.label}",
        running=party.name,
        generated_at=statement.generated_at,
        subject=f"{_PARTY_TEXT[party.kind]} statement for {statement.period.label}",
        footer_note=f"Amounts in {statement.currency}.",
    )
    _head(pdf, statement)
    _summary(pdf, statement)
    _chart_row(pdf, statement)
    _dues(pdf, statement)
    _table(pdf, statement)
    _footnotes(pdf, statement)
    return bytes(pdf.output())


_text = house.text


def _head(pdf: FPDF, statement: Statement) -> None:
    party = statement.party
    lines = [f"{_PARTY_TEXT[party.kind]} id: {party.id}"]
    if party.legal_name and party.legal_name != party.name:
        lines.insert(0, f"Legal name: {party.legal_name}")
    house.letterhead(
        pdf,
        f"{_PARTY_TEXT[party.kind]} statement",
        party.name,
        facts=(
            ("Period", statement.period.label),
            ("From", statement.period.start.isoformat()),
            ("To", statement.period.end.isoformat()),
            ("Currency", statement.currency),
            ("Generated", statement.generated_at.strftime("%Y-%m-%d")),
        ),
        lines=lines,
    )


def _summary(pdf: FPDF, statement: Statement) -> None:
    brand = statement.party.kind is PartyKind.brand
    next_due = statement.due_next
    cells = [
        ("Opening balance", _money(statement, statement.opening), None),
        (
            "Charged in period" if brand else "Earned in period",
            _money(statement, statement.totals.earned),
            None,
        ),
        (
            "Collected in period" if brand else "Paid in period",
            _money(statement, statement.totals.paid),
            None,
        ),
        (
            "Closing balance",
            _money(statement, statement.closing),
            "owed by the brand" if brand else "owed to you",
        ),
        (
            "Due next",
            _money(statement, next_due.amount) if next_due else "—",
            f"by {next_due.due_on.isoformat()}" if next_due else "nothing due",
        ),
    ]
    x, y, width, height = 15.0, pdf.get_y(), 36.0, 19.0
    pdf.set_fill_color(*_SHADE)
    pdf.set_draw_color(*_RULE)
    pdf.rect(x, y, width * len(cells), height, style="DF")
    for i, (label, value, note) in enumerate(cells):
        left = x + i * width
        if i:
            pdf.line(left, y + 3, left, y + height - 3)
        pdf.set_xy(left + 3, y + 2.5)
        _text(pdf, 7, _MUTED)
        pdf.cell(width - 6, 4, label.upper())
        pdf.set_xy(left + 3, y + 7)
        _text(pdf, 11.5, _NAVY if i == 3 else _INK, "B")
        _fit(pdf, width - 4, value, shrink=True)
        pdf.cell(width - 6, 6, value)
        if note:
            pdf.set_xy(left + 3, y + 13)
            _text(pdf, 7, _MUTED)
            pdf.cell(width - 6, 4, note)
    pdf.set_y(y + height + 2)
    overdue = statement.totals.overdue
    if overdue > 0:
        count = sum(1 for d in statement.dues if d.overdue)
        oldest = min(d.due_on for d in statement.dues if d.overdue)
        _text(pdf, 8.5, _RED, "B")
        pdf.cell(
            0,
            5,
            f"Overdue: {_money(statement, overdue)} past its due date "
            f"({count} due date{'s' if count != 1 else ''}, the oldest {oldest.isoformat()}).",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)


def _chart_row(pdf: FPDF, statement: Statement) -> None:
    by_month, by_channel = _charts(statement)
    y = pdf.get_y()
    pdf.image(io.BytesIO(by_month), x=15, y=y, w=88)
    pdf.image(io.BytesIO(by_channel), x=107, y=y, w=88)
    pdf.set_y(y + 88 * 2.05 / 3.6 + 3)


_section = house.section


#: The amounts-due table shows this many due dates, then a count of the rest.
_MAX_DUES = 8


def _dues(pdf: FPDF, statement: Statement) -> None:
    _section(pdf, "Amounts due")
    if not statement.dues:
        _text(pdf, 8.5, _MUTED)
        pdf.cell(0, 5, "Nothing is due: the closing balance is settled.", new_x="LMARGIN")
        pdf.ln(8)
        return
    _text(pdf, 7.5, _MUTED, "B")
    pdf.cell(30, 5, "Due date")
    pdf.cell(35, 5, "Amount", align="R")
    pdf.cell(30, 5, "", new_x="LMARGIN", new_y="NEXT")
    for due in statement.dues[:_MAX_DUES]:
        _text(pdf, 8.5, _RED if due.overdue else _INK)
        pdf.cell(30, 4.6, due.due_on.isoformat())
        pdf.cell(35, 4.6, _money(statement, due.amount), align="R")
        _text(pdf, 8, _RED if due.overdue else _MUTED, "B" if due.overdue else "")
        pdf.cell(30, 4.6, "   OVERDUE" if due.overdue else "   due", new_x="LMARGIN", new_y="NEXT")
    rest = statement.dues[_MAX_DUES:]
    if rest:
        _text(pdf, 8, _MUTED)
        pdf.cell(
            0,
            4.6,
            f"… and {_money(statement, sum(d.amount for d in rest))} due on {len(rest)} "
            f"later dates, up to {rest[-1].due_on.isoformat()} (every date in the CSV/JSON).",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)


def _table(pdf: FPDF, statement: Statement) -> None:
    level, rows = pdf_rows(statement)
    own = _OWN_COLUMN[statement.party.kind]
    height = 5.0
    title = "Lines"
    if level != "line":
        title += f" (fee lines grouped per {level}: {len(statement.lines):,} lines in CSV/JSON)"
    _section(pdf, title)
    if level != "line":
        _text(pdf, 7, _MUTED)
        pdf.cell(
            0,
            4,
            "A grouped row sums its lines (×N): Asset and License name the one they share "
            "or say “various”; Due is the latest due date.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(1)

    def header() -> None:
        pdf.set_fill_color(*_NAVY)
        for name, width, align in _COLUMNS:
            _text(pdf, 7.5, (255, 255, 255), "B")
            label = f"◆ {name}" if name == own else name
            _fit(pdf, width, label, shrink=True)
            pdf.cell(width, 6, label, align=align, fill=True)
        pdf.ln(6)

    table_owner: Any = pdf
    table_owner.repeat_header = header
    header()
    bottom = pdf.h - 18
    for index, row in enumerate(rows):
        if pdf.get_y() + height > bottom:
            pdf.add_page()
        fill = index % 2 == 1
        pdf.set_fill_color(*_ZEBRA if fill else (255, 255, 255))
        values = _cells(statement, row)
        spans = 0
        for index, ((name, width, align), value) in enumerate(zip(_COLUMNS, values, strict=True)):
            if spans:  # covered by a payment's reference
                spans -= 1
                continue
            if row.payment and name == "Item":
                # a payment has no asset, license or due date: its reference takes their room
                spans = 3
                width = sum(w for _, w, _ in _COLUMNS[index : index + 4])
            colour = _INK
            style = ""
            if name == "Due" and row.overdue:
                colour, style = _RED, "B"
            elif row.payment:
                colour = _NAVY
            if name == own and value:
                style = "B"
            _text(pdf, 7.5, colour, style)
            _fit(pdf, width, value, shrink=align == "R")
            pdf.cell(
                width,
                height,
                value if align == "R" else _clip(pdf, width, value),
                align=align,
                fill=fill,
            )
        pdf.ln(height)
    table_owner.repeat_header = None
    _totals(pdf, statement, bottom)


def _fit(pdf: FPDF, width: float, text: str, *, shrink: bool) -> None:
    """Shrink the font (down to 5.5 pt) until a number fits its cell."""
    size = pdf.font_size_pt
    while shrink and size > 5.5 and pdf.get_string_width(text) > width - 2 * pdf.c_margin:
        size -= 0.5
        pdf.set_font_size(size)


def _clip(pdf: FPDF, width: float, text: str) -> str:
    """Cut a text to its cell, with an ellipsis."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _cells(statement: Statement, row: _Row) -> list[str]:
    def amount(value: int | None) -> str:
        return "" if value is None else money(value, statement.digits)

    return [
        row.occurred_on,
        row.item,
        row.asset,
        row.license,
        row.due,
        amount(row.gross),
        amount(row.commission),
        amount(row.platform_fee),
        amount(row.net),
    ]


def _totals(pdf: FPDF, statement: Statement, bottom: float) -> None:
    if pdf.get_y() + 40 > bottom:
        pdf.add_page()
    totals = statement.totals
    pdf.set_draw_color(*_NAVY)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    widths = [w for _, w, _ in _COLUMNS]
    _text(pdf, 7.5, _INK, "B")
    fees = sum(1 for line in statement.lines if not line.is_payment)
    pdf.cell(sum(widths[:5]), 6, f"Totals of {fees:,} fee lines (payments excluded)")
    for value, width in zip(
        (totals.gross, totals.commission, totals.platform_fee, totals.net), widths[5:], strict=True
    ):
        text = money(value, statement.digits)
        _text(pdf, 7.5, _INK, "B")
        _fit(pdf, width, text, shrink=True)
        pdf.cell(width, 6, text, align="R")
    pdf.ln(8)
    brand = statement.party.kind is PartyKind.brand
    reconciliation: Iterable[tuple[str, int]] = (
        ("Opening balance", statement.opening),
        ("+ charged in period" if brand else "+ earned in period", totals.earned),
        ("− collected in period" if brand else "− paid in period", -totals.paid),
        ("= closing balance", statement.closing),
    )
    for label, value in reconciliation:
        last = label.startswith("=")
        _text(pdf, 8.5, _NAVY if last else _INK, "B" if last else "")
        pdf.set_x(115)
        pdf.cell(45, 5, label)
        pdf.cell(35, 5, _money(statement, value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _footnotes(pdf: FPDF, statement: Statement) -> None:
    party = statement.party.kind
    own = {
        PartyKind.talent: "your net (◆): the gross less the commission and the platform fee",
        PartyKind.agency: "the agency's commission (◆) on its represented talent's uses",
        PartyKind.brand: "the gross (◆) the brand owes for each use",
    }[party]
    notes = (
        f"Each line is one posting; the amount that counts on this statement is {own}. "
        "Payments show in that column as negative amounts.",
        f"Commission is the license's agreed rate, at most {MAX_COMMISSION_BPS // 100} % "
        "(New York Fashion Workers Act), paid to the agency that represented the talent on "
        "the day of the use; with no agency that day, the talent keeps it.",
        "Rounding: commission and platform fee are each rounded down to the minor unit; the "
        "talent's net is the rest, so net + commission + platform fee = gross exactly and any "
        "fraction of a cent goes to the talent.",
        f"Payment: each use is due at most {MAX_PAYMENT_DAYS} days after it (sooner if the "
        "license says so). Payments settle the oldest amounts first; an amount unpaid after "
        f"its due date (as of {statement.as_of.isoformat()}) is overdue and shown in red.",
        "The month chart shows the year to date for context, this period's months in dark "
        "blue; the channel chart shows this period only.",
    )
    if pdf.get_y() + 30 > pdf.h - 18:
        pdf.add_page()
    _text(pdf, 8, _NAVY, "B")
    pdf.cell(0, 5, "Notes", new_x="LMARGIN", new_y="NEXT")
    for number, note in enumerate(notes, 1):
        _text(pdf, 7, _MUTED)
        pdf.cell(5, 3.6, f"{number}.")
        pdf.multi_cell(175, 3.6, note, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.6)
