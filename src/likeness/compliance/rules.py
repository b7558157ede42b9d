"""The compliance rules as pure functions over plain values (issue 23, item 3).

Each rule takes the facts the report's queries gathered (plain tuples and dataclasses,
no database, no framework) and returns one :class:`RuleResult`: what was checked
(``evidence``: how many things), and every exception found, each naming the thing, what
is wrong and, for late payments and take-downs, how many days late. A rule with no
exception passes. The report (``compliance/report.py``) only gathers facts and calls
these; the tests plant one violation per rule and see it reported.

The rules, by law (``LAW_*``):

* New York Fashion Workers Act — :func:`nyfwa_consents` (a separate written consent for
  each creation and each use, naming scope, purpose, rate and duration),
  :func:`nyfwa_commission` (at most 20 %), :func:`nyfwa_representation` (at most three
  years, no automatic renewal), :func:`nyfwa_payments` (paid within 45 days);
* EU AI Act art. 50 — :func:`ai_act_marking` (every release carries machine-readable
  marking: C2PA with the AI digital source type, IPTC/XMP, the watermark), over the
  files re-read from storage for a seeded sample (:func:`sample_indices`);
* NO FAKES Act (draft) — :func:`nofakes_license_terms` (at most ten years, reasonably
  specific uses), :func:`nofakes_takedowns` (removed by the take-down date);
* platform rules — :func:`platform_release_approval`, :func:`platform_noncommercial_models`,
  :func:`platform_shredding`.
"""

from __future__ import annotations

import calendar
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from likeness.compliance.report_errors import InvalidReportRequest
from likeness.party.rules import MAX_REPRESENTATION_YEARS
from likeness.policy import MAX_COMMISSION_BPS, MAX_PAYMENT_DAYS, MAX_TERM_YEARS

LAW_NYFWA = "New York Fashion Workers Act"
LAW_AI_ACT = "EU AI Act, article 50"
LAW_NOFAKES = "NO FAKES Act (draft)"
LAW_PLATFORM = "Platform rules"

# The limits the rules check, as the platform enforces them (stated once): NY Fashion
# Workers Act commission ≤ 20 % (basis points), representation ≤ 3 years, payment within
# 45 days; NO FAKES Act (draft) license ≤ 10 years.
MAX_LICENSE_YEARS = MAX_TERM_YEARS
#: Uses too broad to be "reasonably specific" (NO FAKES draft).
WILDCARDS = frozenset({"*", "all", "any", "everything", "unlimited"})
#: The IPTC digital source types that say "made by AI" (EU AI Act art. 50 marking).
AI_SOURCE_TYPES = frozenset(
    {
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
    }
)
#: C2PA validation states that mean the manifest is intact.
INTACT_C2PA = frozenset({"Trusted", "Valid"})

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive dates; ``label`` as the user wrote it (``2026-Q4``, ``2026-11``, ``2026``)."""

    label: str
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive upper bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> Period:
    """``YYYY-Qn`` (a quarter), ``YYYY-MM`` (a month) or ``YYYY`` (a year)."""
    value = text.strip()
    if quarter := _QUARTER.match(value):
        year, number = int(quarter[1]), int(quarter[2])
        first = 3 * (number - 1) + 1
        last = calendar.monthrange(year, first + 2)[1]
        return Period(f"{year}-Q{number}", date(year, first, 1), date(year, first + 2, last))
    if month := _MONTH.match(value):
        year, number = int(month[1]), int(month[2])
        if not 1 <= number <= 12 or year < 1:
            raise InvalidReportRequest(f"no such month {value!r}")
        last = calendar.monthrange(year, number)[1]
        return Period(value, date(year, number, 1), date(year, number, last))
    if whole := _YEAR.match(value):
        year = int(whole[1])
        if year < 1:
            raise InvalidReportRequest(f"no such year {value!r}")
        return Period(value, date(year, 1, 1), date(year, 12, 31))
    raise InvalidReportRequest(
        f"period {value!r}: write YYYY-Qn (a quarter), YYYY-MM (a month) or YYYY (a year)"
    )


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception: the thing (``subject_type``/``subject_id``) and what is wrong."""

    subject_type: str
    subject_id: str
    detail: str
    days_late: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "detail": self.detail,
            "days_late": self.days_late,
        }


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's outcome: ``evidence`` things checked (described by ``evidence_text``)."""

    code: str
    law: str
    title: str
    requirement: str
    evidence: int
    evidence_text: str
    exceptions: tuple[Finding, ...] = ()
    note: str = ""
    applicable: bool = True

    @property
    def status(self) -> str:
        if not self.applicable:
            return NOT_APPLICABLE
        return FAIL if self.exceptions else PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "law": self.law,
            "title": self.title,
            "requirement": self.requirement,
            "status": self.status,
            "evidence": self.evidence,
            "evidence_text": self.evidence_text,
            "exception_count": len(self.exceptions),
            "exceptions": [f.to_dict() for f in self.exceptions],
            "note": self.note,
        }


def not_applicable(code: str, law: str, title: str, requirement: str, why: str) -> RuleResult:
    """A rule that does not apply to the report's scope (says why in ``note``)."""
    return RuleResult(code, law, title, requirement, 0, "not checked", (), why, applicable=False)


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) == 0
    return False


# --- New York Fashion Workers Act -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What a consent's signed document names (parsed from its canonical JSON)."""

    id: str
    kind: str
    signed: bool
    purpose: str | None
    #: creation: the activities; use: the channels, territories and categories
    scope: tuple[str, ...]
    #: creation: the creation fee; use: the fee schedule (None: not stated)
    rate: object
    valid_from: datetime | None
    valid_until: datetime | None
    license_id: str | None = None


def consent_facts(
    consent_id: str, kind: str, signed: bool, document: dict[str, Any], license_id: str | None
) -> ConsentFacts:
    """The facts :func:`nyfwa_consents` checks, read from a consent's document."""
    terms = document.get("terms") or {}
    if kind == "use":
        scope = tuple(
            f"{noun}:{value}"
            for noun in ("channels", "territories", "categories")
            for value in (terms.get(noun) or ())
        )
        rate: object = terms.get("fees")
    else:
        scope = tuple(str(a) for a in document.get("activities") or ())
        rate = document.get("creation_fee_minor")
    return ConsentFacts(
        id=consent_id,
        kind=kind,
        signed=signed,
        purpose=document.get("purpose"),
        scope=scope,
        rate=rate,
        valid_from=_parse_dt(document.get("valid_from")),
        valid_until=_parse_dt(document.get("valid_until")),
        license_id=license_id,
    )


def _parse_dt(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def nyfwa_consents(
    consents: Iterable[ConsentFacts], licenses_without_use_consent: Iterable[str] = ()
) -> RuleResult:
    """A separate written (signed) consent for each creation and each use, naming scope,
    purpose, rate and duration; every license in use has its own signed use consent."""
    findings: list[Finding] = []
    count = 0
    for c in consents:
        count += 1
        missing = []
        if not c.signed:
            missing.append("not signed")
        if _blank(c.purpose):
            missing.append("no purpose")
        if _blank(c.scope):
            missing.append("no scope")
        if c.rate is None or (isinstance(c.rate, dict) and not c.rate):
            missing.append("no rate")
        if c.valid_from is None or c.valid_until is None or c.valid_until <= c.valid_from:
            missing.append("no duration")
        if missing:
            findings.append(Finding("consent", c.id, f"{c.kind} consent: " + ", ".join(missing)))
    for license_id in sorted(set(licenses_without_use_consent)):
        findings.append(Finding("license", license_id, "used without its own signed use consent"))
    return RuleResult(
        "nyfwa.consent",
        LAW_NYFWA,
        "Separate written consent for each creation and each use",
        "Each creation and each use has its own signed consent naming scope, purpose, "
        "rate of pay and duration.",
        count,
        f"{count:,} consents in force in the period",
        tuple(findings),
    )


def nyfwa_commission(rows: Iterable[tuple[str, str, int]], also_checked: int = 0) -> RuleResult:
    """Commission at most 20 %: ``rows`` are (kind, id, basis points) of agencies,
    licenses and ledger postings; ``also_checked`` counts rates checked in SQL that are
    not in ``rows`` (postings within the cap: only the others are loaded)."""
    findings = []
    count = also_checked
    for kind, row_id, bps in rows:
        count += 1
        if bps > MAX_COMMISSION_BPS or bps < 0:
            findings.append(Finding(kind, row_id, f"commission {bps / 100:g} % exceeds 20 %"))
    return RuleResult(
        "nyfwa.commission",
        LAW_NYFWA,
        "Agency commission at most 20 %",
        "No agency takes more than 20 % commission (agencies, license terms, postings).",
        count,
        f"{count:,} commission rates (agencies, licenses, postings)",
        tuple(findings),
    )


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def nyfwa_representation(
    rows: Iterable[tuple[str, date, date, bool]],
) -> RuleResult:
    """Representation at most three years, never renewed automatically: ``rows`` are (id,
    starts on, ends on, renews automatically)."""
    findings = []
    count = 0
    for row_id, starts_on, ends_on, auto_renews in rows:
        count += 1
        if ends_on > add_years(starts_on, MAX_REPRESENTATION_YEARS):
            findings.append(
                Finding(
                    "representation",
                    row_id,
                    f"runs {starts_on} to {ends_on}: longer than three years",
                )
            )
        if auto_renews:
            findings.append(Finding("representation", row_id, "renews automatically"))
    return RuleResult(
        "nyfwa.representation",
        LAW_NYFWA,
        "Representation at most three years, no automatic renewal",
        "Every representation agreement runs at most three years and ends on its date.",
        count,
        f"{count:,} representation agreements in force in the period",
        tuple(findings),
        "Likeness has no automatic renewal: an agreement ends on its end date unless a "
        "new one is signed.",
    )


@dataclass(frozen=True, slots=True)
class DueAmount:
    """What fell due to one party on one date (minor units), or a payment made to it."""

    party_kind: str
    party_id: str
    currency: str
    on: date
    amount: int


def payment_dates(
    dues: Sequence[tuple[date, int]], payments: Sequence[tuple[date, int]]
) -> list[tuple[date, int, date | None]]:
    """Oldest due first, which payment finished covering each due date: (due on,
    amount, paid on or None). Payments cover dues in date order (FIFO, as the ledger's
    dues do); a negative due (a reversal) counts as money already paid."""
    buckets: dict[date, int] = defaultdict(int)
    for on, amount in dues:
        buckets[on] += amount
    credits = sorted(
        [(on, amount) for on, amount in payments if amount > 0]
        + [(on, -total) for on, total in buckets.items() if total < 0]
    )
    result: list[tuple[date, int, date | None]] = []
    index = 0
    balance = 0  # payment money not yet used
    paid_on: date | None = None
    for on in sorted(d for d, total in buckets.items() if total > 0):
        need = buckets[on]
        while balance < need and index < len(credits):
            paid_on, amount = credits[index]
            balance += amount
            index += 1
        if balance >= need:
            balance -= need
            result.append((on, need, paid_on))
        else:
            result.append((on, need, None))
            balance = 0
            # later dues cannot be covered before this one: the rest stays unpaid too
    return result


def nyfwa_payments(
    dues: Iterable[DueAmount],
    payments: Iterable[DueAmount],
    period: Period,
    as_of: date,
    payment_terms: Iterable[tuple[str, int]] = (),
    posting_gaps: Iterable[tuple[str, int]] = (),
) -> RuleResult:
    """Every payment within 45 days: each amount due to a talent or an agency that fell
    due in the period was paid by its due date (late ones with their days late; unpaid
    ones late by the days to ``as_of``). ``payment_terms`` are (license id, payment days)
    and ``posting_gaps`` (posting id, days from use to due date): neither may pass 45."""
    by_party_due: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    by_party_paid: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    for d in dues:
        by_party_due[(d.party_kind, d.party_id, d.currency)].append((d.on, d.amount))
    for p in payments:
        by_party_paid[(p.party_kind, p.party_id, p.currency)].append((p.on, p.amount))
    findings: list[Finding] = []
    count = 0
    for key in sorted(by_party_due):
        kind, party_id, currency = key
        for due_on, amount, paid_on in payment_dates(by_party_due[key], by_party_paid[key]):
            if not period.start <= due_on <= period.end:
                continue
            count += 1
            if paid_on is not None and paid_on > due_on:
                findings.append(
                    Finding(
                        kind,
                        party_id,
                        f"{amount} {currency} (minor units) due {due_on} paid {paid_on}",
                        (paid_on - due_on).days,
                    )
                )
            elif paid_on is None and due_on < as_of:
                findings.append(
                    Finding(
                        kind,
                        party_id,
                        f"{amount} {currency} (minor units) due {due_on} unpaid on {as_of}",
                        (as_of - due_on).days,
                    )
                )
    for license_id, days in payment_terms:
        if days > MAX_PAYMENT_DAYS:
            findings.append(
                Finding("license", license_id, f"terms allow {days} days to pay (max 45)")
            )
    for posting_id, days in posting_gaps:
        if days > MAX_PAYMENT_DAYS:
            findings.append(
                Finding("ledger_transaction", posting_id, f"due {days} days after the use")
            )
    return RuleResult(
        "nyfwa.payment",
        LAW_NYFWA,
        "Every payment within 45 days",
        "Talent and agency shares are paid by their due date, at most 45 days after the use "
        "(ledger due dates against payouts, oldest due first).",
        count,
        f"{count:,} amounts that fell due in the period (per party and due date)",
        tuple(findings),
    )


# --- EU AI Act art. 50 ---------------------------------------------------------------------


def sample_indices(population: int, size: int, seed: int) -> list[int]:
    """A reproducible random sample of ``size`` positions out of ``population`` (all of
    them when ``size`` is not smaller), sorted."""
    if size >= population:
        return list(range(population))
    return sorted(random.Random(seed).sample(range(population), size))


@dataclass(frozen=True, slots=True)
class MarkCheck:
    """What re-reading one released file from storage found."""

    asset_id: str
    #: None: the file could not be read (``problem`` says why)
    file_matches: bool | None
    c2pa_state: str | None = None
    c2pa_source_type: str | None = None
    manifest_asset_id: str | None = None
    xmp_source_type: str | None = None
    watermark_found: bool | None = None
    watermark_matches: bool | None = None
    problem: str | None = None
    #: the twin was crypto-shredded: the file is unreadable by design
    shredded: bool = False


def mark_problems(check: MarkCheck) -> list[str]:
    """Why a re-read release is not properly marked (empty: it is)."""
    if check.file_matches is None:
        return [check.problem or "the stored file cannot be read"]
    problems = []
    if not check.file_matches:
        problems.append("the stored file does not match its registered digest")
    if check.c2pa_state not in INTACT_C2PA:
        problems.append(f"C2PA manifest {check.c2pa_state or 'absent'}")
    elif check.c2pa_source_type not in AI_SOURCE_TYPES:
        problems.append("C2PA does not state an AI digital source type")
    if check.c2pa_state in INTACT_C2PA and check.manifest_asset_id != check.asset_id:
        problems.append("the C2PA manifest names another asset")
    if check.xmp_source_type not in AI_SOURCE_TYPES:
        problems.append("no IPTC/XMP AI digital source type")
    if not check.watermark_found:
        problems.append("no watermark found")
    elif check.watermark_matches is False:
        problems.append("the watermark does not match the manifest")
    return problems


def ai_act_marking(
    checks: Iterable[MarkCheck], population: int, sample_size: int, seed: int, full: bool
) -> RuleResult:
    """Every checked release carries machine-readable AI marking, re-read from its stored
    file. Files of crypto-shredded twins cannot be re-read (by design): they are counted
    in the note, not as exceptions."""
    findings = []
    checked = 0
    shredded = 0
    for check in checks:
        if check.shredded:
            shredded += 1
            continue
        checked += 1
        problems = mark_problems(check)
        if problems:
            findings.append(Finding("asset", check.asset_id, "; ".join(problems)))
    how = (
        "every release (--full)"
        if full
        else f"a random sample of {sample_size:,} of {population:,} releases (seed {seed})"
    )
    note = f"Re-checked from the stored files: {how}."
    if shredded:
        note += f" {shredded:,} sampled files belong to crypto-shredded twins and cannot be read."
    return RuleResult(
        "ai_act.marking",
        LAW_AI_ACT,
        "Machine-readable marking of every release",
        "Every released image carries a signed C2PA manifest with the AI digital source "
        "type, IPTC/XMP with the same, and the invisible watermark.",
        checked,
        f"{checked:,} stored files re-read of {population:,} releases in the period",
        tuple(findings),
        note,
    )


# --- NO FAKES Act (draft) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenseUse:
    id: str
    starts_at: datetime
    ends_at: datetime
    channels: tuple[str, ...]
    territories: tuple[str, ...]
    categories: tuple[str, ...]
    purpose: str = ""


def nofakes_license_terms(licenses: Iterable[LicenseUse]) -> RuleResult:
    """Licenses run at most ten years and name reasonably specific uses: channels and
    categories are listed (no wildcard)."""
    findings = []
    count = 0
    for lic in licenses:
        count += 1
        limit = datetime.combine(
            add_years(lic.starts_at.date(), MAX_LICENSE_YEARS), lic.starts_at.timetz()
        )
        if lic.ends_at > limit:
            findings.append(
                Finding(
                    "license",
                    lic.id,
                    f"runs {lic.starts_at.date()} to {lic.ends_at.date()}: over ten years",
                )
            )
        vague = [
            noun
            for noun, values in (
                ("channels", lic.channels),
                ("territories", lic.territories),
                ("categories", lic.categories),
            )
            if not values or (noun != "territories" and WILDCARDS & {v.lower() for v in values})
        ]
        if vague:
            findings.append(Finding("license", lic.id, "uses not specific: " + ", ".join(vague)))
    return RuleResult(
        "nofakes.license",
        LAW_NOFAKES,
        "Licenses at most ten years with reasonably specific uses",
        "A license of a digital replica runs at most ten years and lists its channels, "
        "territories and categories.",
        count,
        f"{count:,} licenses in force in the period",
        tuple(findings),
    )


def nofakes_takedowns(
    rows: Iterable[tuple[str, datetime, str, datetime | None]], as_of: datetime
) -> RuleResult:
    """Take-down requests honoured by their dates: ``rows`` are (asset id, take-down by,
    status, when the status last changed). Confirmed after the date: late; not confirmed
    and past the date: overdue."""
    findings = []
    count = 0
    for asset_id, due, status, changed_at in rows:
        count += 1
        if status == "taken_down":
            if changed_at is not None and changed_at > due:
                late = (changed_at.date() - due.date()).days
                findings.append(
                    Finding(
                        "asset",
                        asset_id,
                        f"taken down {changed_at.date()}, due by {due.date()}",
                        max(late, 1),
                    )
                )
        elif due < as_of:
            findings.append(
                Finding(
                    "asset",
                    asset_id,
                    f"{status}: take-down due by {due.date()} not confirmed",
                    max((as_of.date() - due.date()).days, 1),
                )
            )
    return RuleResult(
        "nofakes.takedown",
        LAW_NOFAKES,
        "Take-down requests honoured by their dates",
        "Every asset whose rights ended is confirmed removed by its take-down date.",
        count,
        f"{count:,} take-down requests due in the period or still open",
        tuple(findings),
    )


# --- platform rules --------------------------------------------------------------------------


def platform_release_approval(released: int, unapproved: Iterable[tuple[str, str]]) -> RuleResult:
    """No release without approval: ``unapproved`` are (asset id, why) of the releases
    whose output has no recorded approval (or another one)."""
    findings = tuple(Finding("asset", a, why) for a, why in unapproved)
    return RuleResult(
        "platform.approval",
        LAW_PLATFORM,
        "No release without approval",
        "Every released asset's output was approved (talent, delegated agent or a "
        "pre-approved license) and the release carries that approval's digest.",
        released,
        f"{released:,} releases in the period",
        findings,
    )


def platform_noncommercial_models(
    requests: int, flagged: Iterable[tuple[str, str, Sequence[str]]]
) -> RuleResult:
    """No model with a non-commercial licence used for a (commercial) license: ``flagged``
    are (request id, license id, model names) of the generation requests the model
    registry flagged."""
    findings = tuple(
        Finding(
            "generation_request",
            request_id,
            f"license {license_id} used non-commercial model(s): " + ", ".join(models),
        )
        for request_id, license_id, models in flagged
        if models
    )
    return RuleResult(
        "platform.models",
        LAW_PLATFORM,
        "No non-commercial model for a commercial license",
        "No generation under a brand's license used a model whose licence forbids "
        "commercial use (the model registry's flag on each generation request).",
        requests,
        f"{requests:,} generation requests in the period",
        findings,
    )


@dataclass(frozen=True, slots=True)
class ShredCheck:
    """One twin that a revocation must have crypto-shredded, as found in vault and store."""

    twin_id: str
    why: str
    deleted: bool
    key_present: bool
    #: blobs sealed under the twin's key that still opened (should be none)
    readable_blobs: int = 0
    blobs_tried: int = 0


def platform_shredding(checks: Iterable[ShredCheck]) -> RuleResult:
    """Crypto-shredding done for every revocation: the twin is deleted, its data key is
    gone from the vault and none of its stored blobs opens."""
    findings = []
    count = 0
    for c in checks:
        count += 1
        problems = []
        if not c.deleted:
            problems.append("twin not deleted")
        if c.key_present:
            problems.append("data key still in the vault")
        if c.readable_blobs:
            problems.append(f"{c.readable_blobs} of {c.blobs_tried} stored blobs still open")
        if problems:
            findings.append(Finding("twin", c.twin_id, f"{c.why}: " + "; ".join(problems)))
    return RuleResult(
        "platform.shredding",
        LAW_PLATFORM,
        "Crypto-shredding done for every revocation",
        "Every twin a revocation or retirement ended is deleted, its data key is gone "
        "from the vault and its stored blobs no longer open.",
        count,
        f"{count:,} twins shredded or due to be shredded",
        tuple(findings),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    rules: int
    passed: int
    failed: int
    not_applicable: int
    exceptions: int
    by_law: dict[str, tuple[int, int]] = field(default_factory=dict)


def summarise(results: Sequence[RuleResult]) -> Summary:
    """Counts for the summary table; ``by_law`` is law → (rules passed, rules failed)."""
    by_law: dict[str, tuple[int, int]] = {}
    for r in results:
        ok, bad = by_law.get(r.law, (0, 0))
        by_law[r.law] = (ok + (r.status == PASS), bad + (r.status == FAIL))
    return Summary(
        rules=len(results),
        passed=sum(r.status == PASS for r in results),
        failed=sum(r.status == FAIL for r in results),
        not_applicable=sum(r.status == NOT_APPLICABLE for r in results),
        exceptions=sum(len(r.exceptions) for r in results),
        by_law=by_law,
    )
