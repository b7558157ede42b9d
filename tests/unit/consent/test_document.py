"""Consent documents: validation, canonical form, hashing and plain language."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from likeness.consent.document import (
    ConsentDocument,
    PartyRef,
    canonical_bytes,
    document_sha256,
    format_money,
    plain_language,
    title,
)
from likeness.consent.errors import InvalidConsent
from likeness.kit.canonical import sha256_hex
from likeness.policy import (
    ConsentKind,
    FeeSchedule,
    LicenseTerms,
    add_years,
    terms_sha256,
)

NOW = datetime(2027, 1, 1, tzinfo=UTC)
TERMS = LicenseTerms(
    channels=frozenset({"instagram", "print"}),
    territories=frozenset({"FR"}),
    categories=frozenset({"fashion"}),
    exclusive_categories=frozenset({"fashion"}),
    starts_at=NOW,
    ends_at=NOW + timedelta(days=180),
    max_outputs=12,
    fees=FeeSchedule("EUR", 200_000, 7_500, (("instagram", 1_000),)),
    commission_bps=2_000,
    takedown_days=14,
)


def creation(**changes: object) -> ConsentDocument:
    base = ConsentDocument(
        kind=ConsentKind.creation,
        talent=PartyRef("t1", "Ada Lovelace"),
        agency=PartyRef("a1", "Northern Models"),
        purpose="Build a twin for spring e-commerce shoots.",
        valid_from=NOW,
        valid_until=NOW + timedelta(days=365),
        issued_at=NOW,
        creation_fee_minor=150_000,
        activities=("capture", "build", "alter"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def use(**changes: object) -> ConsentDocument:
    base = ConsentDocument(
        kind=ConsentKind.use,
        talent=PartyRef("t1", "Ada Lovelace"),
        purpose="Spring campaign on Instagram and in print.",
        valid_from=TERMS.starts_at,
        valid_until=TERMS.ends_at,
        issued_at=NOW,
        brand=PartyRef("b1", "Maison Exemple"),
        license_id="lic1",
        terms=TERMS,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_hash_is_sha256_of_the_canonical_bytes_and_stable() -> None:
    doc = use()
    data = canonical_bytes(doc)
    assert document_sha256(doc) == sha256_hex(data)
    assert data == json.dumps(
        doc.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert ConsentDocument.from_dict(doc.to_dict()) == doc
    assert document_sha256(ConsentDocument.from_dict(doc.to_dict())) == document_sha256(doc)


@pytest.mark.parametrize(
    "change",
    [
        {"purpose": "Another purpose."},
        {"talent": PartyRef("t1", "Ada King")},
        {"issued_at": NOW + timedelta(seconds=1)},
    ],
)
def test_any_change_changes_the_hash(change: dict[str, object]) -> None:
    assert document_sha256(use(**change)) != document_sha256(use())


def test_use_consent_embeds_the_terms_hash() -> None:
    doc = use()
    assert doc.terms_sha256 == terms_sha256(TERMS)
    assert doc.to_dict()["terms_sha256"] == terms_sha256(TERMS)
    assert creation().terms_sha256 is None


@pytest.mark.parametrize(
    ("doc_factory", "changes", "fragment"),
    [
        (creation, {"purpose": "  "}, "purpose"),
        (creation, {"talent": PartyRef("t1", "")}, "legal name"),
        (creation, {"valid_until": NOW}, "end after it starts"),
        (creation, {"valid_until": add_years(NOW, 10) + timedelta(days=1)}, "10 years"),
        (creation, {"currency": "XYZ"}, "ISO 4217"),
        (creation, {"creation_fee_minor": -1}, "negative"),
        (creation, {"activities": ()}, "capture, build, alter, train"),
        (creation, {"activities": ("sell",)}, "unknown activities: sell"),
        (creation, {"brand": PartyRef("b", "B")}, "not tied to a brand"),
        (creation, {"valid_from": NOW.replace(tzinfo=None)}, "time zone"),
        (creation, {"schema": "other/9"}, "unknown schema"),
        (use, {"terms": None}, "names the brand, the license and its terms"),
        (use, {"activities": ("capture",)}, "does not list creation activities"),
        (use, {"valid_until": TERMS.ends_at + timedelta(days=1)}, "exactly as long"),
        (use, {"currency": "USD"}, "license currency"),
    ],
)
def test_invalid_documents_are_refused(
    doc_factory: object, changes: dict[str, object], fragment: str
) -> None:
    with pytest.raises(InvalidConsent, match=fragment) as err:
        doc_factory(**changes)  # type: ignore[operator]
    assert err.value.status_code == 422


def test_from_dict_rejects_malformed_data() -> None:
    with pytest.raises(InvalidConsent, match="malformed"):
        ConsentDocument.from_dict({"kind": "use"})


def test_plain_language_states_scope_purpose_pay_and_duration_for_use() -> None:
    text = "\n".join(p for s in plain_language(use()) for p in (s.title, *s.paragraphs))
    for fragment in [
        "Maison Exemple",
        "Channels: instagram, print.",
        "Territories: FR.",
        "Content categories: fashion.",
        "At most 12 outputs",
        "exclusivity in: fashion",
        "Spring campaign",
        "Creation fee: EUR 2,000.00.",
        "For each released output: EUR 75.00.",
        "For each published use on instagram: EUR 10.00.",
        "20 % of each amount",
        "You are paid within 45 days after each use",
        "From 01 January 2027, 00:00 UTC until 30 June 2027, 00:00 UTC",
        "revoke this consent at any time",
        "within 14 days",
        "not your agent and not the brand",
        "You approve every output",
    ]:
        assert fragment in text, fragment
    assert title(use()) == "Consent to use the digital twin of Ada Lovelace by Maison Exemple"


def test_a_delegated_review_is_stated_in_plain_language() -> None:
    def text(doc: ConsentDocument) -> str:
        return "\n".join(p for s in plain_language(doc) for p in (s.title, *s.paragraphs))

    delegated = use(terms=replace(TERMS, delegate_review=True))
    assert "you delegate that review to the agency" in text(delegated)
    assert "delegate" not in text(use())
    assert delegated.terms_sha256 != use().terms_sha256  # the signed terms say it


def test_a_shorter_payment_term_is_stated_in_plain_language() -> None:
    text = "\n".join(p for s in plain_language(use(terms=replace(TERMS, payment_days=14)))
                     for p in (s.title, *s.paragraphs))  # fmt: skip
    assert "You are paid within 14 days after each use" in text


def test_plain_language_for_creation() -> None:
    text = "\n".join(p for s in plain_language(creation()) for p in (s.title, *s.paragraphs))
    assert "photograph and scan you" in text
    assert "build a digital twin" in text
    assert "alter the twin" in text
    assert "EUR 1,500.00" in text
    assert "Northern Models" in text
    assert "does not let anyone use your twin" in text
    unpaid = "\n".join(
        p for s in plain_language(creation(creation_fee_minor=0)) for p in s.paragraphs
    )
    assert "not paid for the creation" in unpaid


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (125_000, "EUR", "EUR 1,250.00"),
        (5, "USD", "USD 0.05"),
        (5_000, "JPY", "JPY 5,000"),
        (1_234, "BHD", "BHD 1.234"),
        (-5, "EUR", "EUR -0.05"),
        (-125_000, "EUR", "EUR -1,250.00"),
        (-5_000, "JPY", "JPY -5,000"),
    ],
)
def test_format_money(amount: int, currency: str, text: str) -> None:
    assert format_money(amount, currency) == text


def test_the_documents_activities_are_the_ones_the_rules_know() -> None:
    from likeness.consent.document import CREATION_ACTIVITIES
    from likeness.policy import ALTER, CREATION_ACTIVITY_NAMES

    assert set(CREATION_ACTIVITIES) == CREATION_ACTIVITY_NAMES and ALTER in CREATION_ACTIVITIES


def test_train_is_an_activity_a_creation_consent_may_name_but_never_by_default() -> None:
    from likeness.consent.document import CREATION_ACTIVITIES, DEFAULT_ACTIVITIES
    from likeness.consent.schemas import CreationConsentCreate
    from likeness.policy import DEFAULT_CREATION_ACTIVITIES, TRAIN, ConsentFacts

    assert TRAIN in CREATION_ACTIVITIES
    assert TRAIN not in DEFAULT_ACTIVITIES and DEFAULT_ACTIVITIES == DEFAULT_CREATION_ACTIVITIES
    drafted = CreationConsentCreate(
        talent_id="t1", purpose="spring shoots", valid_until=NOW + timedelta(days=30)
    )
    assert drafted.activities == ["capture", "build", "alter"]
    # Facts built without a list mean the document's default: no training.
    facts_default = ConsentFacts.__dataclass_fields__["activities"].default
    assert TRAIN not in facts_default  # type: ignore[operator]


def test_the_train_sentence_is_plain_and_says_what_revoking_it_does() -> None:
    doc = creation(activities=("capture", "build", "alter", "train"))
    text = " ".join(p for s in plain_language(doc) for p in s.paragraphs)
    assert "help improve relighting for others" in text
    assert "cannot recreate your face" in text
    assert "every model that learned from you is retired" in text
    without = creation()
    plain = " ".join(p for s in plain_language(without) for p in s.paragraphs)
    assert "relighting for others" not in plain
    # Naming train changes the signed document (its hash), so consent to it is explicit.
    assert document_sha256(doc) != document_sha256(without)


def test_a_consent_may_name_train_alone() -> None:
    doc = creation(activities=("train",))
    assert doc.activities == ("train",)
    assert ConsentDocument.from_dict(doc.to_dict()) == doc
