"""Validation of license terms and category exclusivity, as pure functions."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from likeness.kit.canonical import canonical_sha256
from likeness.policy._codes import (
    ISO_4217_MINOR_UNITS,
    WORLDWIDE,
    is_currency,
    is_slug,
    is_territory,
)
from likeness.policy._errors import InvalidTerms
from likeness.policy._values import (
    RUNNING,
    ApprovalMode,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
)

#: The NO FAKES Act bill caps a living person's likeness license at ten years.
MAX_TERM_YEARS = 10
#: NY Fashion Workers Act (in force June 2025): a management company takes at most 20 %.
MAX_COMMISSION_BPS = 2_000
MAX_TAKEDOWN_DAYS = 365
#: NY Fashion Workers Act: the model is paid within 45 days after the work.
MAX_PAYMENT_DAYS = 45
#: Statuses that hold (or are about to hold) rights in a category.
_CLAIMING = RUNNING | {LicenseStatus.accepted}


def add_years(moment: datetime, years: int) -> datetime:
    """Same calendar date ``years`` later; 29 February falls back to 28 February.

    Past the last representable year it saturates at ``datetime.max`` (same zone), so a
    term check on a far-future date is a comparison, never an overflow.
    """
    if moment.year + years > datetime.max.year:
        return datetime.max.replace(tzinfo=moment.tzinfo)
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def terms_sha256(terms: LicenseTerms) -> str:
    """The hash a use consent is signed over: any change of terms changes it."""
    return canonical_sha256(terms.to_dict())


def validate_terms(terms: LicenseTerms) -> None:
    """Raise :class:`InvalidTerms` naming every rule the terms break."""
    problems = [*_time_problems(terms), *_scope_problems(terms), *_money_problems(terms)]
    if problems:
        raise InvalidTerms(problems)


def _time_problems(terms: LicenseTerms) -> list[str]:
    problems: list[str] = []
    for name, value in (("starts_at", terms.starts_at), ("ends_at", terms.ends_at)):
        if value.tzinfo is None:
            problems.append(f"{name} must carry a time zone")
    if problems:
        return problems
    if terms.ends_at <= terms.starts_at:
        problems.append("the license must end after it starts")
    elif terms.ends_at > add_years(terms.starts_at, MAX_TERM_YEARS):
        problems.append(
            f"the term may not exceed {MAX_TERM_YEARS} years (NO FAKES Act license limit)"
        )
    if not 0 <= terms.takedown_days <= MAX_TAKEDOWN_DAYS:
        problems.append(f"takedown_days must be between 0 and {MAX_TAKEDOWN_DAYS}")
    return problems


def _listed(
    values: frozenset[str], noun: str, required: str, valid: Callable[[str], bool], expected: str
) -> list[str]:
    """One problem if ``values`` is empty, else one for each value that is not ``valid``
    (in sorted order, so the list does not depend on set iteration)."""
    if not values:
        return [f"at least one {required} is required"]
    return [f"{noun} {v!r} is not {expected}" for v in sorted(values) if not valid(v)]


def _scope_problems(terms: LicenseTerms) -> list[str]:
    problems = _listed(terms.channels, "channel", "channel", is_slug, "a lower-case slug")
    problems += _listed(
        terms.territories,
        "territory",
        "territory (ISO 3166-1 alpha-2, or WW)",
        is_territory,
        "an ISO 3166-1 alpha-2 code or WW",
    )
    if WORLDWIDE in terms.territories and len(terms.territories) > 1:
        problems.append("WW (worldwide) already covers every territory; list it alone")
    problems += _listed(
        terms.categories, "category", "content category", is_slug, "a lower-case slug"
    )
    stray = terms.exclusive_categories - terms.categories
    if stray:
        problems.append(
            "exclusivity can only cover licensed categories; not licensed: "
            + ", ".join(sorted(stray))
        )
    if terms.max_outputs < 1:
        problems.append("max_outputs must be at least 1")
    if len(terms.purpose) > 2_000:
        problems.append("purpose must be at most 2000 characters")
    if has_stray_control(terms.purpose):
        problems.append("purpose must not contain control characters (line breaks are fine)")
    if terms.delegate_review and terms.approval_mode is not ApprovalMode.every_output:
        problems.append("delegate_review applies only to approval mode every_output")
    problems += [
        f"processor {p!r} is not a lower-case slug"
        for p in sorted(terms.processors)
        if not is_slug(p)
    ]
    return problems


def _money_problems(terms: LicenseTerms) -> list[str]:
    fees = terms.fees
    problems: list[str] = []
    if not is_currency(fees.currency):
        problems.append(f"currency {fees.currency!r} is not an ISO 4217 code")
    amounts = [
        ("creation_fee", fees.creation_fee),
        ("per_output_fee", fees.per_output_fee),
        *((f"per_use_fees[{c}]", a) for c, a in fees.per_use_fees),
    ]
    problems += [f"{name} must be a whole, non-negative amount" for name, a in amounts if a < 0]
    unlicensed = sorted({c for c, _ in fees.per_use_fees} - terms.channels)
    if unlicensed:
        problems.append("per-use fees name unlicensed channels: " + ", ".join(unlicensed))
    if not 0 <= terms.commission_bps <= MAX_COMMISSION_BPS:
        problems.append(
            "agent commission must be between 0 % and 20 % (NY Fashion Workers Act); "
            f"got {terms.commission_bps / 100:g} %"
        )
    if not 1 <= terms.payment_days <= MAX_PAYMENT_DAYS:
        problems.append(
            f"payment_days must be between 1 and {MAX_PAYMENT_DAYS} "
            f"(NY Fashion Workers Act); got {terms.payment_days}"
        )
    return problems


def minor_unit_digits(currency: str) -> int:
    return ISO_4217_MINOR_UNITS[currency]


@dataclass(frozen=True, slots=True)
class ExclusivityClash:
    license_id: str
    brand_id: str
    categories: frozenset[str]

    @property
    def message(self) -> str:
        return (
            f"license {self.license_id} (brand {self.brand_id}) holds or would conflict with "
            f"exclusivity in {', '.join(sorted(self.categories))} over an overlapping term"
        )


def _overlap(a: LicenseTerms, b: LicenseTerms) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def exclusivity_clashes(
    brand_id: str,
    terms: LicenseTerms,
    others: Iterable[LicenseFacts],
    *,
    exclude_license_id: str | None = None,
) -> list[ExclusivityClash]:
    """Licenses of other brands that collide with ``terms`` on category exclusivity.

    A clash needs an overlapping term and a shared category where at least one side is
    exclusive: the talent cannot grant a second brand a category that one brand holds
    exclusively, nor grant exclusivity over a category another brand already holds.
    Licenses of the same brand never clash (a brand cannot compete with itself).
    """
    clashes: list[ExclusivityClash] = []
    for other in others:
        if other.license_id == exclude_license_id or other.brand_id == brand_id:
            continue
        if other.status not in _CLAIMING or not _overlap(terms, other.terms):
            continue
        contested = (terms.exclusive_categories & other.terms.categories) | (
            other.terms.exclusive_categories & terms.categories
        )
        if contested:
            clashes.append(ExclusivityClash(other.license_id, other.brand_id, frozenset(contested)))
    return clashes


def has_stray_control(text: str) -> bool:
    """Control characters other than line breaks and tabs: invisible, and they break
    every rendering of a consent (terminal, Markdown, PDF)."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text)
