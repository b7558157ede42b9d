"""The house style of Likeness's A4 reports (statements, compliance reports, subject-access
exports): one palette, one font, the letterhead with its facts block, running header and
footer, and section headings, so every document a talent or an auditor receives looks the
same. fpdf2 is imported when a document is made, not with this module.

Usage::

    pdf = document("Compliance report", running="2026-Q4", generated_at=now,
                   footer_note="Amounts in EUR.")
    letterhead(pdf, "Compliance report", "2026-Q4 · the whole installation",
               facts=[("Period", "…"), ("Rules", "10 passed")], lines=["Talent id: …"])
    section(pdf, "Summary")
    text(pdf, 8.5)
    pdf.multi_cell(0, 4.6, "…")
    data = bytes(pdf.output())
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from likeness.kit import fonts

if TYPE_CHECKING:
    from fpdf import FPDF

Colour = tuple[int, int, int]

NAVY: Colour = (24, 39, 71)
INK: Colour = (33, 37, 41)
MUTED: Colour = (108, 117, 125)
RULE: Colour = (206, 212, 218)
SHADE: Colour = (244, 246, 249)
ZEBRA: Colour = (248, 249, 251)
GREEN: Colour = (25, 135, 84)
RED: Colour = (192, 28, 40)
GREY: Colour = (134, 142, 150)

#: The page's printable width, mm (A4 with 15 mm margins).
LEFT, RIGHT = 15.0, 195.0


def document(
    title: str,
    *,
    running: str,
    generated_at: datetime,
    subject: str | None = None,
    footer_note: str = "",
) -> FPDF:
    """A new A4 document with its first page: DejaVu Sans (regular ``dejavu``, bold
    ``dejavu`` ``B``), a running header from page 2 ("Likeness · ``running``" and the
    ``title``), a footer saying when it was generated and "Page n of N". Set
    ``pdf.repeat_header`` to a function to draw a table's header again under the running
    header of each new page (``None`` to stop)."""
    from fpdf import FPDF

    stamp = generated_at.strftime("%Y-%m-%d %H:%M UTC")

    class _Document(FPDF):
        repeat_header: Callable[[], None] | None = None

        def header(self) -> None:
            if self.page_no() > 1:
                self.set_font("dejavu", "", 7.5)
                self.set_text_color(*MUTED)
                self.cell(110, 5, f"Likeness · {running}", new_x="RIGHT", new_y="TOP")
                self.cell(0, 5, title, align="R", new_x="LMARGIN")
                self.ln(8)
                if self.repeat_header is not None:
                    self.repeat_header()

        def footer(self) -> None:
            self.set_y(-12)
            self.set_draw_color(*RULE)
            self.line(LEFT, self.get_y() - 1, RIGHT, self.get_y() - 1)
            self.set_font("dejavu", "", 7)
            self.set_text_color(*MUTED)
            note = f" {footer_note}" if footer_note else ""
            self.cell(130, 5, f"Generated {stamp} by Likeness.{note}")
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    regular, bold = fonts.dejavu_sans()
    pdf = _Document(format="A4")
    pdf.set_creation_date(generated_at)
    pdf.set_title(f"{title} · {running}")
    pdf.set_author("Likeness")
    if subject:
        pdf.set_subject(subject)
    pdf.add_font("dejavu", "", str(regular))
    pdf.add_font("dejavu", "B", str(bold))
    pdf.set_margins(LEFT, 14, 210 - RIGHT)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    return pdf


def text(pdf: FPDF, size: float, colour: Colour = INK, style: str = "") -> None:
    """Set the house font at ``size`` points, in ``colour`` (``style`` ``B``: bold)."""
    pdf.set_font("dejavu", style, size)
    pdf.set_text_color(*colour)


def letterhead(
    pdf: FPDF,
    kind: str,
    name: str,
    facts: Sequence[tuple[str, str]],
    lines: Sequence[str] = (),
) -> None:
    """The first page's head: a navy band, "Likeness", the document's ``kind`` over its
    ``name`` (and small ``lines`` under it) on the left, the ``facts`` (label, value)
    on the right."""
    pdf.set_fill_color(*NAVY)
    pdf.rect(0, 0, 210, 4, style="F")
    top = 12.0
    pdf.set_xy(LEFT, top)
    text(pdf, 18, NAVY, "B")
    pdf.cell(90, 9, "Likeness", new_x="LMARGIN", new_y="NEXT")
    text(pdf, 8, MUTED)
    pdf.cell(90, 4, "Consent-first digital twins", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    text(pdf, 8, MUTED)
    pdf.cell(90, 4, kind.upper(), new_x="LMARGIN", new_y="NEXT")
    text(pdf, 14, INK, "B")
    pdf.multi_cell(100, 7, name, new_x="LMARGIN", new_y="NEXT")
    text(pdf, 8, MUTED)
    for line in lines:
        pdf.cell(100, 4, line, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    y = top + 1
    for label, value in facts:
        pdf.set_xy(118, y)
        text(pdf, 8, MUTED)
        pdf.cell(26, 5, label)
        text(pdf, 8.5, INK, "B")
        pdf.cell(RIGHT - 144, 5, value, align="R")
        y += 5.2
    pdf.set_y(max(bottom, y) + 4)


def section(pdf: FPDF, title: str, *, keep_with: float = 30.0) -> None:
    """A section heading ruled in navy; on a new page when fewer than ``keep_with`` mm
    would be left under it (a heading alone at a page's foot)."""
    if pdf.get_y() > pdf.h - 16 - keep_with:
        pdf.add_page()
    text(pdf, 10, NAVY, "B")
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.4)
    pdf.line(LEFT, pdf.get_y(), RIGHT, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.ln(1.5)
