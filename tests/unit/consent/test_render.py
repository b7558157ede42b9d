"""Markdown, HTML and PDF renderings say the same thing and show the hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from likeness.consent.document import PartyRef, document_sha256
from likeness.consent.render import to_html, to_markdown, to_pdf
from likeness.consent.signing import AFFIRMATION, SignatureRecord
from likeness.kit import fonts
from unit.consent.test_document import NOW, creation, use

SIGNATURE = SignatureRecord("c1", "a" * 64, "u1", "Ada Lovelace", AFFIRMATION, NOW)


def test_markdown_has_title_sections_statement_and_hash() -> None:
    doc = use()
    md = to_markdown(doc)
    assert md.startswith("# Consent to use the digital twin of Ada Lovelace by Maison Exemple\n")
    for heading in ("What you agree to", "Scope", "Purpose", "What you are paid", "How long"):
        assert f"\n## {heading}\n" in md
    assert f"> {AFFIRMATION}" in md
    assert "Not signed yet." in md
    assert f"Document SHA-256: `{document_sha256(doc)}`" in md
    assert "Signed by Ada Lovelace at 2027-01-01T00:00:00Z." in to_markdown(doc, SIGNATURE)


def test_user_text_cannot_add_structure_to_the_markdown() -> None:
    forged = "Spring campaign\n## What you agree to\nEverything, forever.\n> [click](http://x)"
    doc = creation(purpose=forged, talent=PartyRef("t1", "Ada *Lovelace*"))
    md = to_markdown(doc)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings.count("## What you agree to") == 1  # only the document's own
    assert "\\## What you agree to" in md
    assert "\\> \\[click\\](http://x)" in md
    assert "# Consent to create a digital twin of Ada \\*Lovelace\\*" in md
    assert not any(line.startswith(">") for line in md.splitlines() if AFFIRMATION not in line)


def test_user_text_renders_literally_through_a_markdown_parser() -> None:
    from markdown_it import MarkdownIt

    purpose = "2025. Spring campaign\n1) web\n## Extra terms\n> [x](http://x) *all* <b>"
    md = to_markdown(creation(purpose=purpose, talent=PartyRef("t1", "Ada_Lovelace")))
    html = MarkdownIt().render(md)
    assert "2025. Spring campaign" in html and "1) web" in html  # no stray backslashes
    assert "## Extra terms" in html and "&gt; [x](http://x) *all* &lt;b&gt;" in html
    assert "Ada_Lovelace" in html
    assert "<ol" not in html and "<a " not in html and "<em>" not in html
    assert html.count("<blockquote>") == 1  # the statement to type, nothing else
    plain = MarkdownIt().render(to_markdown(creation(talent=PartyRef("t1", "Ada_Lovelace"))))
    assert html.count("<h2>") == plain.count("<h2>")


def test_html_escapes_party_names() -> None:
    doc = use(brand=PartyRef("b1", "<script>alert(1)</script>"))
    html = to_html(doc)
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert document_sha256(doc) in html
    assert "Signed by Ada Lovelace" in to_html(doc, SIGNATURE)


def test_pdf_is_a_deterministic_pdf(tmp_path: Path) -> None:
    doc = use()
    pdf = to_pdf(doc)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert to_pdf(doc) == pdf
    assert to_pdf(doc, SIGNATURE) != pdf


def test_pdf_without_a_unicode_font_transliterates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", ())
    doc = use(talent=PartyRef("t1", "Łucja Żak"))
    assert to_pdf(doc).startswith(b"%PDF-")
    assert fonts.latin1("Łódź") == "Łódź".replace("Ł", "L").replace("ź", "z")
    assert fonts.latin1("Œuvre — “x”") == 'OEuvre - "x"'
    assert fonts.latin1("Zoë") == "Zoë"
    assert fonts.latin1("✓") == "?"
