"""A take-down notice for a confirmed case, as PDF and as an RFC 5322 e-mail (pure).

The fields follow what a notice needs under the DMCA notice pattern (17 U.S.C.
§ 512(c)(3)) and the NO FAKES Act draft's notice for an unauthorised digital replica:

1. the right holder (the talent, and who acts for them);
2. identification of the unauthorised replica (what it is, its SHA-256, the Likeness
   verdict and evidence) and where it is (the location) — enough to find it;
3. a statement of good faith that the use is not authorised by the right holder, their
   agent or the law;
4. a statement that the notice is accurate and that the signer is authorised to act;
5. contact details (name, e-mail);
6. an electronic signature (``/s/ name``) and the date.

:func:`to_pdf` renders with fpdf like the consent documents (DejaVu Sans when the system
has it, else Helvetica with Latin-1 transliteration) and is deterministic for a given
notice. :func:`to_eml` is a MIME message (plain-text body, PDF attached) that any mail
client opens as a draft to send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from likeness.kit import fonts
from likeness.kit.clock import ensure_utc

GOOD_FAITH = (
    "I have a good-faith belief that the use of the material described above, in the "
    "manner complained of, is not authorised by the right holder, their agent, or the law."
)
ACCURACY = (
    "The information in this notice is accurate, and under penalty of perjury, I am the "
    "right holder or authorised to act on behalf of the right holder."
)
VERDICT_WORDS = {
    "past_takedown": "a licensed image whose license has ended and whose take-down date has passed",
    "outside_channel": "a licensed image used outside the channel or territory its license allows",
    "leak": "an image made by Likeness that was never released for publication",
    "unmarked_match": "an image showing the right holder's likeness (face match) that no "
    "license covers",
}


@dataclass(frozen=True, slots=True)
class Notice:
    case_id: str
    right_holder: str
    acting_for: str | None  # the agency acting for the talent, if any
    location: str
    content_sha256: str
    verdict: str
    evidence_lines: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    contact_name: str
    contact_email: str
    signer: str
    issued_at: datetime
    recipient: str | None = None

    @property
    def subject(self) -> str:
        return f"Take-down notice: unauthorised digital replica of {self.right_holder}"


def _moment(value: datetime) -> str:
    """``7 December 2026, 18:01 UTC``: a date a person reads (and no long token that
    a justified line would stretch)."""
    return ensure_utc(value).strftime("%-d %B %Y, %H:%M UTC")


def default_recipient(location: str) -> str | None:
    """``abuse@host`` for a web location (the usual address; the sender may change it)."""
    host = urlsplit(location).hostname
    if urlsplit(location).scheme in ("http", "https") and host:
        return f"abuse@{host.removeprefix('www.')}"
    return None


def sections(notice: Notice) -> list[tuple[str, list[str]]]:
    """The notice's text, section by section (the PDF and the e-mail say the same)."""
    holder = notice.right_holder + (
        f", represented by {notice.acting_for}" if notice.acting_for else ""
    )
    what = VERDICT_WORDS.get(notice.verdict, notice.verdict)
    return [
        (
            "1. Right holder",
            [
                holder,
                "The right holder's name, voice and likeness are protected by their "
                "right of publicity and, for digital replicas, the NO FAKES Act.",
            ],
        ),
        (
            "2. The unauthorised replica and where it is",
            [
                f"Location: {notice.location}",
                f"What it is: {what}.",
                f"File SHA-256: {notice.content_sha256}",
                f"First seen: {_moment(notice.first_seen)}; last seen: {_moment(notice.last_seen)}",
                *(line[:1].upper() + line[1:] for line in notice.evidence_lines),
                f"Likeness case reference: {notice.case_id}",
                "Please remove or disable access to the material at this location.",
            ],
        ),
        ("3. Statement of good faith", [GOOD_FAITH]),
        ("4. Statement of accuracy", [ACCURACY]),
        ("5. Contact details", [notice.contact_name, notice.contact_email]),
        (
            "6. Signature",
            [f"/s/ {notice.signer}", f"Date: {notice.issued_at.date().isoformat()}"],
        ),
    ]


def to_text(notice: Notice) -> str:
    lines = [notice.subject, ""]
    for title, paragraphs in sections(notice):
        lines += [title, *paragraphs, ""]
    return "\n".join(lines)


def to_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF; deterministic for a given notice and font."""
    from fpdf import FPDF  # heavy: only the PDF path pays for it

    pdf = FPDF(format="A4")
    pdf.set_creation_date(notice.issued_at)
    pdf.set_title(notice.subject)
    pdf.set_author("Likeness")
    font = fonts.unicode_font()
    clean: Callable[[str], str] = fonts.latin1
    family = "Helvetica"
    if font is not None:
        pdf.add_font("notice", "", str(font))
        family, clean = "notice", str
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font(family, size=15)
    pdf.multi_cell(0, 8, clean(notice.subject), new_x="LMARGIN", new_y="NEXT")
    if notice.recipient:
        pdf.set_font(family, size=10)
        pdf.multi_cell(0, 5, clean(f"To: {notice.recipient}"), new_x="LMARGIN", new_y="NEXT")
    for title, paragraphs in sections(notice):
        pdf.ln(3)
        pdf.set_font(family, size=12)
        pdf.multi_cell(0, 7, clean(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 5, clean(paragraph), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def to_eml(notice: Notice, pdf: bytes | None = None) -> bytes:
    """The notice as an RFC 5322 message (CRLF line ends), the PDF attached."""
    message = EmailMessage(policy=SMTP)
    message["From"] = f"{notice.contact_name} <{notice.contact_email}>"
    if notice.recipient:
        message["To"] = notice.recipient
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(notice.issued_at)
    domain = notice.contact_email.rpartition("@")[2] or "likeness.invalid"
    # Derived, not random: the same notice always makes the same bytes (a re-issued
    # notice is recognisable, and the file can be hashed into the case's evidence).
    stamp = notice.issued_at.strftime("%Y%m%d%H%M%S")
    message["Message-ID"] = f"<takedown.{notice.case_id}.{stamp}@{domain}>"
    message.set_content(to_text(notice))
    message.add_attachment(
        pdf if pdf is not None else to_pdf(notice),
        maintype="application",
        subtype="pdf",
        filename=f"takedown-{notice.case_id}.pdf",
    )
    message.set_boundary(f"takedown-{notice.case_id}-{stamp}")
    return message.as_bytes()
