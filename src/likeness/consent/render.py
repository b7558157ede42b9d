"""Render a consent document to Markdown, HTML and PDF from the same sections.

Nothing is downloaded or bundled: the HTML template ships with the package and the
PDF uses the DejaVu Sans font of the operating system when it is installed (full
Unicode), else the PDF core font Helvetica, in which characters outside Latin-1 are
transliterated. The canonical SHA-256 printed on every rendering is what was signed;
the renderings are views of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from likeness.consent.document import (
    ConsentDocument,
    document_sha256,
    plain_language,
    title,
)
from likeness.consent.signing import AFFIRMATION, SignatureRecord
from likeness.kit import fonts
from likeness.policy import iso

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("likeness.consent", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


def _counterparty(doc: ConsentDocument) -> str | None:
    if doc.brand is not None:
        return f"{doc.brand.name} (the brand)"
    return f"{doc.agency.name} (the agency)" if doc.agency else None


#: Characters that start Markdown structure anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
#: What starts a heading, quote, list or rule at the start of a line: a marker character,
#: or the "." / ")" after the digits of an ordered list (escaping the digits is not valid).
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def markdown_text(text: str) -> str:
    """User text (names, purposes) as literal Markdown: it reads the same, but cannot
    make headings, quotes, lists, links or HTML that were not in the document."""
    lines = []
    for line in text.splitlines():
        escaped = _INLINE.sub(r"\\\1", line.strip())
        lines.append(_LINE_START.sub(_escape_line_start, escaped))
    # A blank line inside one paragraph would start a new block: keep the text one block.
    return "  \n".join(line for line in lines if line)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():  # "2025." -> "2025\.": the backslash goes before the dot
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def to_markdown(doc: ConsentDocument, signature: SignatureRecord | None = None) -> str:
    lines = [f"# {markdown_text(title(doc))}", ""]
    counterparty = _counterparty(doc)
    lines.append(
        f"Between {markdown_text(doc.talent.name)} (the talent)"
        + (f" and {markdown_text(counterparty)}" if counterparty else "")
        + f". Issued {iso(doc.issued_at)}."
    )
    for section in plain_language(doc):
        lines += ["", f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [markdown_text(paragraph), ""]
        lines.pop()
    lines += ["", "## Statement to type when signing", "", f"> {AFFIRMATION}", ""]
    lines.append(_signature_line(signature))
    lines += ["", f"Document SHA-256: `{document_sha256(doc)}`", ""]
    return "\n".join(lines)


def _signature_line(signature: SignatureRecord | None) -> str:
    if signature is None:
        return "Not signed yet."
    key = f", Ed25519 key {signature.ed25519_public_key}" if signature.ed25519_public_key else ""
    return f"Signed by {markdown_text(signature.typed_name)} at {iso(signature.signed_at)}{key}."


def html_context(doc: ConsentDocument, signature: SignatureRecord | None = None) -> dict[str, Any]:
    """What the HTML rendering shows: the same words the portal shows before signing."""
    return {
        "title": title(doc),
        "talent": doc.talent.name,
        "counterparty": _counterparty(doc),
        "issued": iso(doc.issued_at),
        "sections": plain_language(doc),
        "affirmation": AFFIRMATION,
        "signature": signature.to_dict() if signature else None,
        "sha256": document_sha256(doc),
    }


def to_html(doc: ConsentDocument, signature: SignatureRecord | None = None) -> str:
    template = _environment().get_template("consent.html")
    return template.render(**html_context(doc, signature))


def to_pdf(
    doc: ConsentDocument,
    signature: SignatureRecord | None = None,
    *,
    font_path: Path | None = None,
) -> bytes:
    """A PDF with the same text as :func:`to_markdown`; deterministic for a given font."""
    from fpdf import FPDF  # heavy (numpy, fontTools): only the PDF path pays for it

    pdf = FPDF(format="A4")
    pdf.set_creation_date(doc.issued_at)
    pdf.set_title(title(doc))
    pdf.set_author("Likeness")
    font = font_path if font_path is not None else fonts.unicode_font()
    clean: Callable[[str], str] = fonts.latin1
    family = "Helvetica"
    if font is not None:
        pdf.add_font("consent", "", str(font))
        family, clean = "consent", str
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font(family, size=16)
    pdf.multi_cell(0, 8, clean(title(doc)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    for section in plain_language(doc):
        pdf.ln(3)
        pdf.set_font(family, size=12)
        pdf.multi_cell(0, 7, clean(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5, clean(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    pdf.ln(3)
    pdf.multi_cell(0, 5, clean(f"Statement: {AFFIRMATION}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, clean(_signature_line(signature)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=8)
    pdf.multi_cell(0, 4, f"Document SHA-256: {document_sha256(doc)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
