"""Consent documents: what the talent reads and signs, as a pure value.

A consent is its own document, separate from any representation agreement (NY Fashion
Workers Act), and states in plain language its scope, purpose, rate of pay
and duration. Two kinds exist (SAG-AFTRA 2023 separates them the same way):

* **creation** consent: to capture the talent and to build and alter the digital twin;
* **use** consent: to use the twin under exactly one license's terms (its hash is part
  of the document, so a signed use consent cannot be stretched to other terms).

The SHA-256 of :func:`canonical_bytes` identifies the document; the renderers in
:mod:`likeness.consent.render` all work from the same :func:`plain_language` sections,
so the Markdown, HTML and PDF say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from likeness.consent.errors import InvalidConsent
from likeness.kit.canonical import canonical_bytes as kit_canonical_bytes
from likeness.kit.canonical import sha256_hex
from likeness.policy import (
    DEFAULT_CREATION_ACTIVITIES,
    ISO_4217_MINOR_UNITS,
    MAX_TERM_YEARS,
    WORLDWIDE,
    ApprovalMode,
    ConsentKind,
    LicenseTerms,
    add_years,
    format_minor,
    iso,
    parse_iso,
    terms_sha256,
)

SCHEMA = "likeness.consent/1"

#: What a creation consent can cover, with the sentence the talent reads.
CREATION_ACTIVITIES: Mapping[str, str] = {
    "capture": "photograph and scan you in capture sessions you attend",
    "build": "build a digital twin of your face and body from those captures",
    "alter": "alter the twin's pose, expression, hair, make-up, outfit, lighting and background",
    "train": (
        "let your captures help improve relighting for others: a relighting model may learn "
        "from them how light falls on faces, which then helps light other people's twins "
        "(it keeps no picture of you and cannot recreate your face, and if you withdraw "
        "this, every model that learned from you is retired and made again without you)"
    ),
}
#: What a creation consent allows when nothing is listed: ``train`` is always asked for.
DEFAULT_ACTIVITIES: tuple[str, ...] = DEFAULT_CREATION_ACTIVITIES


@dataclass(frozen=True, slots=True)
class PartyRef:
    id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class ConsentDocument:
    kind: ConsentKind
    talent: PartyRef
    purpose: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    #: Rate of pay for a creation consent (minor units); a use consent's pay is its terms.
    creation_fee_minor: int = 0
    currency: str = "EUR"
    activities: tuple[str, ...] = ()
    agency: PartyRef | None = None
    twin_id: str | None = None
    brand: PartyRef | None = None
    license_id: str | None = None
    terms: LicenseTerms | None = None
    schema: str = field(default=SCHEMA)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidConsent("invalid consent document: " + "; ".join(problems))

    @property
    def terms_sha256(self) -> str | None:
        return terms_sha256(self.terms) if self.terms is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "kind": self.kind.value,
            "talent": self.talent.to_dict(),
            "agency": self.agency.to_dict() if self.agency else None,
            "purpose": self.purpose,
            "valid_from": iso(self.valid_from),
            "valid_until": iso(self.valid_until),
            "issued_at": iso(self.issued_at),
            "creation_fee_minor": self.creation_fee_minor,
            "currency": self.currency,
            "activities": list(self.activities),
            "twin_id": self.twin_id,
            "brand": self.brand.to_dict() if self.brand else None,
            "license_id": self.license_id,
            "terms": self.terms.to_dict() if self.terms else None,
            "terms_sha256": self.terms_sha256,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentDocument:
        def party(value: Any) -> PartyRef | None:
            return PartyRef(str(value["id"]), str(value["name"])) if value else None

        try:
            talent = party(data["talent"])
            assert talent is not None
            return cls(
                kind=ConsentKind(data["kind"]),
                talent=talent,
                agency=party(data.get("agency")),
                purpose=str(data["purpose"]),
                valid_from=parse_iso(data["valid_from"]),
                valid_until=parse_iso(data["valid_until"]),
                issued_at=parse_iso(data["issued_at"]),
                creation_fee_minor=int(data.get("creation_fee_minor", 0)),
                currency=str(data.get("currency", "EUR")),
                activities=tuple(data.get("activities") or ()),
                twin_id=data.get("twin_id"),
                brand=party(data.get("brand")),
                license_id=data.get("license_id"),
                terms=LicenseTerms.from_dict(data["terms"]) if data.get("terms") else None,
                schema=str(data.get("schema", SCHEMA)),
            )
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise InvalidConsent(f"malformed consent document: {exc}") from exc


def _problems(doc: ConsentDocument) -> list[str]:
    problems: list[str] = []
    if doc.schema != SCHEMA:
        problems.append(f"unknown schema {doc.schema!r}")
    if not doc.purpose.strip():
        problems.append("state the purpose in plain language")
    if not doc.talent.name.strip():
        problems.append("the talent's legal name is required")
    if any(t.tzinfo is None for t in (doc.valid_from, doc.valid_until, doc.issued_at)):
        return [*problems, "times must carry a time zone"]
    if doc.valid_until <= doc.valid_from:
        problems.append("the consent must end after it starts")
    elif doc.valid_until > add_years(doc.valid_from, MAX_TERM_YEARS):
        problems.append(f"a consent may not last more than {MAX_TERM_YEARS} years")
    if doc.currency not in ISO_4217_MINOR_UNITS:
        problems.append(f"currency {doc.currency!r} is not an ISO 4217 code")
    if doc.creation_fee_minor < 0:
        problems.append("the rate of pay cannot be negative")
    if doc.kind is ConsentKind.creation:
        problems += _creation_problems(doc)
    else:
        problems += _use_problems(doc)
    return problems


def _creation_problems(doc: ConsentDocument) -> list[str]:
    problems: list[str] = []
    if not doc.activities:
        problems.append(
            "a creation consent must name what it allows (" + ", ".join(CREATION_ACTIVITIES) + ")"
        )
    unknown = sorted(set(doc.activities) - set(CREATION_ACTIVITIES))
    if unknown:
        problems.append("unknown activities: " + ", ".join(unknown))
    if doc.brand or doc.license_id or doc.terms:
        problems.append("a creation consent is not tied to a brand or license")
    return problems


def _use_problems(doc: ConsentDocument) -> list[str]:
    if doc.brand is None or doc.license_id is None or doc.terms is None:
        return ["a use consent names the brand, the license and its terms"]
    problems: list[str] = []
    if doc.activities:
        problems.append("a use consent does not list creation activities")
    if (doc.valid_from, doc.valid_until) != (doc.terms.starts_at, doc.terms.ends_at):
        problems.append("a use consent runs exactly as long as its license")
    if doc.currency != doc.terms.fees.currency:
        problems.append("the consent currency must be the license currency")
    return problems


def canonical_bytes(doc: ConsentDocument) -> bytes:
    return kit_canonical_bytes(doc.to_dict())


def document_sha256(doc: ConsentDocument) -> str:
    return sha256_hex(canonical_bytes(doc))


def format_money(amount_minor: int, currency: str) -> str:
    """``125000, "EUR"`` -> ``EUR 1,250.00``; ``5000, "JPY"`` -> ``JPY 5,000``;
    ``-5, "EUR"`` -> ``EUR -0.05`` (:func:`likeness.policy.format_minor`)."""
    return format_minor(amount_minor, currency)


def _human_date(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    paragraphs: tuple[str, ...]


def _list(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


def plain_language(doc: ConsentDocument) -> tuple[Section, ...]:
    """The document as sections of plain sentences, addressed to the talent."""
    creation = doc.kind is ConsentKind.creation
    sections = _creation_sections(doc) if creation else _use_sections(doc)
    return (*sections, *_closing_sections(doc))


def title(doc: ConsentDocument) -> str:
    if doc.kind is ConsentKind.creation:
        return f"Consent to create a digital twin of {doc.talent.name}"
    assert doc.brand is not None
    return f"Consent to use the digital twin of {doc.talent.name} by {doc.brand.name}"


def _creation_sections(doc: ConsentDocument) -> list[Section]:
    agency = f" Your agency is {doc.agency.name}." if doc.agency else ""
    return [
        Section(
            "What you agree to",
            (
                "By signing, you allow Likeness to "
                + "; ".join(CREATION_ACTIVITIES[a] for a in doc.activities)
                + ".",
                "This consent does not let anyone use your twin. Each use needs a license "
                "and a separate use consent that you sign yourself." + agency,
            ),
        ),
        Section("Purpose", (doc.purpose,)),
        Section(
            "What you are paid",
            (
                f"You are paid {format_money(doc.creation_fee_minor, doc.currency)} "
                "for the creation of the twin."
                if doc.creation_fee_minor
                else "You are not paid for the creation of the twin itself; you are paid "
                "under each license.",
            ),
        ),
        Section(
            "How long",
            (
                f"From {_human_date(doc.valid_from)} until {_human_date(doc.valid_until)}, "
                "unless you revoke it earlier.",
            ),
        ),
    ]


def _use_sections(doc: ConsentDocument) -> list[Section]:
    terms = doc.terms
    assert terms is not None
    assert doc.brand is not None
    territories = ["worldwide"] if WORLDWIDE in terms.territories else sorted(terms.territories)
    exclusive = (
        "The brand holds exclusivity in: "
        + _list(sorted(terms.exclusive_categories))
        + ". While this license runs you cannot license another brand in those categories."
        if terms.exclusive_categories
        else "The license is not exclusive."
    )
    approval = (
        "You approve every output before it is released."
        if terms.approval_mode is ApprovalMode.every_output
        else "Outputs within this scope are pre-approved; you do not review each one."
    )
    if terms.delegate_review:
        approval = (
            "Every output is approved before it is released, by you or by your agent on your "
            "behalf: you delegate that review to the agency that represents you."
        )
    if terms.processors:
        approval += (
            " To make images, your likeness may be sent to these third parties, and to no "
            "other: " + _list(sorted(terms.processors)) + "."
        )
    fees = terms.fees
    pay = [
        f"Creation fee: {format_money(fees.creation_fee, fees.currency)}.",
        f"For each released output: {format_money(fees.per_output_fee, fees.currency)}.",
        *(
            f"For each published use on {channel}: {format_money(amount, fees.currency)}."
            for channel, amount in fees.per_use_fees
        ),
        f"Your agent's commission: {terms.commission_bps / 100:g} % of each amount "
        "(the law caps it at 20 %).",
        f"You are paid within {terms.payment_days} days after each use "
        "(the law allows at most 45).",
    ]
    return [
        Section(
            "What you agree to",
            (
                f"By signing, you allow {doc.brand.name} to use your digital twin under "
                f"license {doc.license_id}, and only as described here.",
                approval,
            ),
        ),
        Section(
            "Scope",
            (
                "Channels: " + _list(sorted(terms.channels)) + ".",
                "Territories: " + _list(territories) + ".",
                "Content categories: " + _list(sorted(terms.categories)) + ".",
                f"At most {terms.max_outputs} outputs may be released.",
                exclusive,
            ),
        ),
        Section("Purpose", (doc.purpose,)),
        Section("What you are paid", tuple(pay)),
        Section(
            "How long",
            (
                f"From {_human_date(terms.starts_at)} until {_human_date(terms.ends_at)}, "
                "unless you revoke it earlier.",
            ),
        ),
    ]


def _closing_sections(doc: ConsentDocument) -> list[Section]:
    takedown = (
        f" Outputs already released must be taken down within {doc.terms.takedown_days} days."
        if doc.terms is not None
        else ""
    )
    return [
        Section(
            "Your right to revoke",
            (
                "You can revoke this consent at any time, without giving a reason. From that "
                "moment no new use is allowed, and every affected brand is notified." + takedown,
            ),
        ),
        Section(
            "Who signs",
            (
                f"Only you, {doc.talent.name}, can sign this consent: not your agent and not "
                "the brand. You sign by typing your full name and the statement below.",
            ),
        ),
    ]
