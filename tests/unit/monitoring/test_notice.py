"""The take-down notice files: every field a notice needs, and the same bytes each time."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.policy import default

from likeness.monitoring.notice import Notice, to_eml, to_pdf, to_text


def _notice(**changes: object) -> Notice:
    fields: dict[str, object] = {
        "case_id": "case-0123456789abcdef",
        "right_holder": "Ada Example",
        "acting_for": "North Agency",
        "location": "https://images.example/look.jpg",
        "content_sha256": "ab" * 32,
        "verdict": "unmarked_match",
        "evidence_lines": ("face similarity 0.82",),
        "first_seen": datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        "last_seen": datetime(2026, 12, 6, 18, 1, tzinfo=UTC),
        "contact_name": "Ada Example",
        "contact_email": "ada@agency.example",
        "signer": "Ada Example",
        "issued_at": datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        "recipient": "legal@host.example",
    }
    fields.update(changes)
    return Notice(**fields)  # type: ignore[arg-type]


def test_the_same_notice_makes_the_same_message_and_pdf() -> None:
    notice = _notice()
    assert to_eml(notice) == to_eml(notice)
    assert to_pdf(notice) == to_pdf(notice)


def test_the_message_id_names_the_case_and_the_senders_domain() -> None:
    message = email.message_from_bytes(to_eml(_notice()), policy=default)
    assert message["Message-ID"] == "<takedown.case-0123456789abcdef.20261207120000@agency.example>"
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["takedown-case-0123456789abcdef.pdf"]


def test_a_reissued_notice_has_its_own_message_id() -> None:
    first = email.message_from_bytes(to_eml(_notice()), policy=default)
    later = _notice(issued_at=datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    second = email.message_from_bytes(to_eml(later), policy=default)
    assert first["Message-ID"] != second["Message-ID"]


def test_the_text_holds_the_statements_a_notice_needs() -> None:
    text = to_text(_notice())
    for needed in ("good faith", "accurate", "/s/ Ada Example", "https://images.example/look.jpg"):
        assert needed in text
