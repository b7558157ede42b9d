"""The compliance report and the subject-access export as A4 PDFs (fpdf2, matplotlib).

Same approach as the ledger's statements (``ledger/statement_render.py``): DejaVu fonts
shipped with matplotlib, a navy rule on top, a facts block, a summary table, one chart
drawn with matplotlib's object API, page headers and "Page n of N" footers;
deterministic for a given report (the creation date is the report's).

The compliance report reads like an auditor's report: the summary table first (one row
per rule: law, evidence, exceptions, result), a chart of evidence against exceptions
per rule, then each rule with its requirement, evidence, note and its exceptions (the
first :data:`MAX_PDF_EXCEPTIONS` of each rule, then how many more the JSON lists).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from likeness.compliance import rules
from likeness.kit import letterhead as house

if TYPE_CHECKING:
    from fpdf import FPDF

    from likeness.compliance.report import ComplianceReport

_NAVY, _INK, _MUTED, _RULE = house.NAVY, house.INK, house.MUTED, house.RULE
_ZEBRA, _GREEN, _RED, _GREY = house.ZEBRA, house.GREEN, house.RED, house.GREY
#: Exceptions printed per rule; the JSON form lists every one (a systemic failure with
#: thousands of exceptions would make a PDF no one reads, and slow to draw).
MAX_PDF_EXCEPTIONS = 500
_SHORT_LAW = {rules.LAW_NYFWA: "NY Fashion Workers Act"}
_STATUS_TEXT = {rules.PASS: "PASS", rules.FAIL: "FAIL", rules.NOT_APPLICABLE: "N/A"}
_STATUS_COLOUR = {rules.PASS: _GREEN, rules.FAIL: _RED, rules.NOT_APPLICABLE: _GREY}


def _document(title: str, running: str, generated_at: datetime) -> FPDF:
    return house.document(title, running=running, generated_at=generated_at)


_text = house.text


def _head(pdf: FPDF, kind: str, name: str, facts: Sequence[tuple[str, str]]) -> None:
    house.letterhead(pdf, kind, name, facts)


_section = house.section


def _table(
    pdf: FPDF,
    columns: Sequence[tuple[str, float, str]],
    rows: Sequence[Sequence[str]],
    colours: Callable[[int, int], tuple[int, int, int] | None] | None = None,
) -> None:
    """A table with a repeated header; each cell truncated to fit one line."""

    def header() -> None:
        _text(pdf, 7.5, _MUTED, "B")
        pdf.set_fill_color(*_RULE)
        for title, width, align in columns:
            pdf.cell(width, 6, title, align=align, fill=True)
        pdf.ln(6)

    header()
    for index, row in enumerate(rows):
        if pdf.get_y() > 272:
            pdf.add_page()
            header()
        pdf.set_fill_color(*(_ZEBRA if index % 2 else (255, 255, 255)))
        for col, ((_title, width, align), value) in enumerate(zip(columns, row, strict=True)):
            colour = colours(index, col) if colours else None
            _text(pdf, 7.5, colour or _INK, "B" if colour else "")
            pdf.cell(width, 5.5, _fit(pdf, value, width - 2), align=align, fill=True)
        pdf.ln(5.5)


def _fit(pdf: FPDF, value: str, width: float) -> str:
    if pdf.get_string_width(value) <= width:
        return value
    while value and pdf.get_string_width(value + "…") > width:
        value = value[:-1]
    return value + "…"


def _paragraph(
    pdf: FPDF, text: str, size: float = 8.5, colour: tuple[int, int, int] = _INK
) -> None:
    _text(pdf, size, colour)
    pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")


def _chart(report: ComplianceReport) -> bytes:
    """Evidence checked and exceptions found, per rule (log scale: counts differ widely)."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, SymmetricalLogLocator

    results = [r for r in report.results if r.applicable][::-1]
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 7}):
        figure = Figure(figsize=(7.2, 0.32 * max(len(results), 3) + 0.7), dpi=200)
        axes = figure.add_subplot()
        labels = [r.code for r in results]
        positions = range(len(results))
        evidence = [max(r.evidence, 0) for r in results]
        exceptions = [len(r.exceptions) for r in results]
        bars = [
            axes.barh(
                [p + 0.2 for p in positions],
                evidence,
                height=0.38,
                color="#9fb3c8",
                label="evidence checked",
            ),
            axes.barh(
                [p - 0.2 for p in positions],
                exceptions,
                height=0.38,
                color="#c82333",
                label="exceptions",
            ),
        ]
        # Every bar says its count: on a log axis the length alone is hard to read.
        for container in bars:
            axes.bar_label(container, fmt="{:,.0f}", padding=2, fontsize=6, color="#495057")
        axes.set_yticks(list(positions), labels)
        if any(evidence):
            axes.set_xscale("symlog", linthresh=1)
            axes.xaxis.set_major_locator(SymmetricalLogLocator(base=10, linthresh=1))
            axes.set_xlim(0, max(max(evidence + exceptions) * 4, 10))
            axes.set_xlabel("count (log scale)")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axes.set_title(
            "Evidence checked and exceptions found, per rule", loc="left", fontweight="bold"
        )
        axes.legend(loc="lower right", frameon=False)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.grid(axis="x", color="#e9ecef", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.subplots_adjust(left=0.22, right=0.97, top=0.88, bottom=0.12)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def compliance_pdf(report: ComplianceReport) -> bytes:
    """The compliance report as an auditor's report (see the module docstring)."""
    summary = report.summary
    pdf = _document("Compliance report", report.period.label, report.generated_at)
    sample = report.sample
    marking = (
        "all releases"
        if sample.full
        else f"{sample.size:,} of {sample.population:,} (seed {sample.seed})"
    )
    _head(
        pdf,
        "Compliance report",
        f"{report.period.label} · {report.scope_name}",
        (
            ("Period", f"{report.period.start} – {report.period.end}"),
            ("Scope", report.scope_name),
            ("Rules", f"{summary.passed} passed, {summary.failed} failed"),
            ("Exceptions", f"{summary.exceptions:,}"),
            ("Marks re-read", marking),
            ("Generated", report.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ),
    )
    verdict = (
        "No exception was found: every rule checked passed."
        if summary.failed == 0
        else f"{summary.failed} of {summary.rules} rules found {summary.exceptions:,} "
        "exception(s), listed in full under each rule below."
    )
    _paragraph(pdf, verdict, 9.5, _RED if summary.failed else _GREEN)
    pdf.ln(1)
    _section(pdf, "Summary")
    _table(
        pdf,
        (
            ("Rule", 82.0, "L"),
            ("Law", 40.0, "L"),
            ("Evidence", 22.0, "R"),
            ("Exceptions", 20.0, "R"),
            ("Result", 16.0, "C"),
        ),
        [
            (
                r.title,
                _SHORT_LAW.get(r.law, r.law),
                f"{r.evidence:,}",
                f"{len(r.exceptions):,}",
                _STATUS_TEXT[r.status],
            )
            for r in report.results
        ],
        lambda row, col: _STATUS_COLOUR[report.results[row].status] if col == 4 else None,
    )
    pdf.ln(3)
    pdf.image(io.BytesIO(_chart(report)), x=15, w=180)
    for index, result in enumerate(report.results, start=1):
        _section(pdf, f"{index}. {result.title} — {_STATUS_TEXT[result.status]}")
        _text(pdf, 7.5, _MUTED)
        pdf.cell(0, 4, f"{result.law} · rule {result.code}", new_x="LMARGIN", new_y="NEXT")
        _paragraph(pdf, "Requirement: " + result.requirement)
        _paragraph(pdf, "Evidence: " + result.evidence_text + ".")
        if result.note:
            _paragraph(pdf, result.note, 8, _MUTED)
        if result.exceptions:
            pdf.ln(1)
            _table(
                pdf,
                (
                    ("Subject", 18.0, "L"),
                    ("Id", 59.0, "L"),
                    ("Exception", 89.0, "L"),
                    ("Days late", 14.0, "R"),
                ),
                [
                    (
                        f.subject_type,
                        f.subject_id,
                        f.detail,
                        "" if f.days_late is None else str(f.days_late),
                    )
                    for f in result.exceptions[:MAX_PDF_EXCEPTIONS]
                ],
            )
            hidden = len(result.exceptions) - MAX_PDF_EXCEPTIONS
            if hidden > 0:
                _paragraph(
                    pdf,
                    f"… and {hidden:,} more exceptions of this rule: the JSON form of this "
                    "report (--format json) lists every one.",
                    8.5,
                    _RED,
                )
        elif result.applicable:
            _paragraph(pdf, "No exception.", 8.5, _GREEN)
    _section(pdf, "Method")
    _paragraph(
        pdf,
        "Counts come from the database in the period's bounds (UTC). The EU AI Act marking "
        "is re-checked from the stored, sealed files: each is decrypted, compared with its "
        "registered SHA-256 and read back with the provenance verifier (C2PA manifest and "
        f"its digital source type, IPTC/XMP, invisible watermark). Sample: {marking}. "
        "Shredding is checked in the key vault and the blob store. The JSON form of this "
        "report (--format json) carries the same content.",
        8,
        _MUTED,
    )
    return bytes(pdf.output())


def subject_access_pdf(export: dict[str, Any]) -> bytes:
    """The subject-access export as a readable PDF: one section per category."""
    generated = datetime.fromisoformat(str(export["generated_at"]))
    profile = export["profile"]
    pdf = _document("Subject access export", str(profile["legal_name"]), generated)
    counts = export["counts"]
    _head(
        pdf,
        "Your data held by Likeness (GDPR art. 15)",
        str(profile.get("stage_name") or profile["legal_name"]),
        (
            ("Talent id", str(profile["talent_id"])[:16]),
            ("Consents", str(counts["consents"])),
            ("Licenses", str(counts["licenses"])),
            ("Assets", str(counts["assets"])),
            ("Audit events", str(counts["audit_events"])),
            ("Generated", generated.strftime("%Y-%m-%d %H:%M UTC")),
        ),
    )
    _paragraph(pdf, export["notice"], 8, _MUTED)
    _section(pdf, "Profile")
    _table(
        pdf,
        (("Field", 45.0, "L"), ("Value", 135.0, "L")),
        [(k, "" if v is None else str(v)) for k, v in profile.items()],
    )
    _section(pdf, "Biometric data held (sealed: what and where, never the data)")
    _table(
        pdf,
        (("What", 54.0, "L"), ("Id", 20.0, "L"), ("Status", 16.0, "L"), ("Where", 90.0, "L")),
        [
            (
                b["what"].replace(" (128-D embedding)", "").replace(" of the ", " of "),
                str(b.get("id") or f"{b.get('count', '')} items")[:10],
                str(b["status"]),
                (
                    str(b["where"]).replace(str(b["id"]), str(b["id"])[:8] + "…")
                    if b.get("id")
                    else str(b["where"])
                ).replace(" in the key vault", " (key vault)"),
            )
            for b in export["biometric_data"]
        ],
    )
    sections: list[tuple[str, str, Sequence[tuple[str, float, str]], list[Sequence[str]]]] = [
        (
            "Consents",
            "consents",
            (
                ("Id", 30.0, "L"),
                ("Kind", 18.0, "L"),
                ("Status", 20.0, "L"),
                ("Valid", 52.0, "L"),
                ("Purpose", 60.0, "L"),
            ),
            [
                (
                    c["id"][:12],
                    c["kind"],
                    c["status"],
                    f"{c['valid_from'][:10]} – {c['valid_until'][:10]}",
                    c.get("purpose") or "",
                )
                for c in export["consents"]
            ],
        ),
        (
            "Licenses",
            "licenses",
            (
                ("Id", 30.0, "L"),
                ("Brand", 48.0, "L"),
                ("Status", 22.0, "L"),
                ("Term", 52.0, "L"),
                ("Commission", 28.0, "R"),
            ),
            [
                (
                    lic["id"][:12],
                    lic["brand"],
                    lic["status"],
                    f"{lic['starts_at'][:10]} – {lic['ends_at'][:10]}",
                    f"{lic['commission_bps'] / 100:g} %",
                )
                for lic in export["licenses"]
            ],
        ),
        (
            "Assets",
            "assets",
            (
                ("Id", 30.0, "L"),
                ("Kind", 18.0, "L"),
                ("Status", 22.0, "L"),
                ("Brand", 50.0, "L"),
                ("Released", 60.0, "L"),
            ),
            [
                (a["id"][:12], a["kind"], a["status"], a["brand"], a["released_at"][:16])
                for a in export["assets"]
            ],
        ),
        (
            "Money",
            "money",
            (
                ("Date", 22.0, "L"),
                ("Kind", 28.0, "L"),
                ("Currency", 18.0, "L"),
                ("Gross", 26.0, "R"),
                ("Commission", 26.0, "R"),
                ("Net", 26.0, "R"),
                ("Due", 34.0, "L"),
            ),
            [
                (
                    m["occurred_on"],
                    m["kind"],
                    m["currency"],
                    str(m["gross"]),
                    str(m["commission"]),
                    str(m["net"]),
                    m["due_on"] or "",
                )
                for m in export["money"]["transactions"]
            ],
        ),
        (
            "Where monitoring found your face",
            "monitoring_cases",
            (
                ("Case", 24.0, "L"),
                ("Verdict", 30.0, "L"),
                ("Status", 24.0, "L"),
                ("Where", 72.0, "L"),
                ("First seen", 30.0, "L"),
            ),
            [
                (
                    c["id"][:10],
                    c["verdict"],
                    c["status"],
                    c["location"][:60],
                    (c["first_seen_at"] or "")[:16],
                )
                for c in export["monitoring"]["cases"]
            ],
        ),
        (
            "Audit events naming you",
            "audit_events",
            (
                ("Seq", 14.0, "R"),
                ("At", 34.0, "L"),
                ("Action", 46.0, "L"),
                ("Object", 40.0, "L"),
                ("Actor", 46.0, "L"),
            ),
            [
                (
                    str(e["seq"]),
                    e["at"][:19],
                    e["action"],
                    f"{e['object_type']} {e['object_id'][:10]}",
                    e["actor"],
                )
                for e in export["audit_events"]
            ],
        ),
    ]
    for title, _key, columns, rows in sections:
        _section(pdf, f"{title} ({len(rows)})")
        if rows:
            _table(pdf, columns, rows)
        else:
            _paragraph(pdf, "None.", 8.5, _MUTED)
    return bytes(pdf.output())
