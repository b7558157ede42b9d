from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2 as pdfium

from likeness.kit import letterhead as house

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def test_a_house_document_has_its_letterhead_running_header_and_footer() -> None:
    pdf = house.document(
        "Statement 2026-11", running="Zoë L.", generated_at=AT, footer_note="Amounts in EUR."
    )
    house.letterhead(pdf, "Talent statement", "Zoë L.", [("Period", "2026-11")], ["Talent id: t1"])
    house.section(pdf, "Lines")
    repeats: list[int] = []
    pdf.repeat_header = lambda: repeats.append(pdf.page_no())  # type: ignore[attr-defined]
    house.text(pdf, 9)
    for i in range(120):
        pdf.cell(0, 5, f"line {i}", new_x="LMARGIN", new_y="NEXT")
    pages = _text(bytes(pdf.output()))
    assert len(pages) >= 2
    assert "TALENT STATEMENT" in pages[0] and "Talent id: t1" in pages[0]
    assert "Likeness · Zoë L." not in pages[0]  # the running header starts on page 2
    assert all("Likeness · Zoë L." in page and "Statement 2026-11" in page for page in pages[1:])
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    assert "Generated 2026-12-07 09:30 UTC by Likeness. Amounts in EUR." in pages[0]
    assert repeats == list(range(2, len(pages) + 1))


def test_a_section_heading_never_sits_alone_at_the_foot_of_a_page() -> None:
    pdf = house.document("Report", running="x", generated_at=AT)
    pdf.set_y(pdf.h - 30)
    house.section(pdf, "Late heading")
    assert pdf.page_no() == 2
