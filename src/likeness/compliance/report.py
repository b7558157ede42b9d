"""The compliance report for a period (issue 23, item 3): gather the facts, run the rules.

:func:`compliance_report` checks, rule by rule (``compliance/rules.py``), what the
platform did in a period (``2026-Q4``, ``2026-11``, ``2026``), for the whole installation,
one talent or one brand (who may have which: ``report_access.py``). Queries aggregate
in SQL (``report_repository.py``); the EU AI Act marking is re-checked from the stored
files with the provenance verifier, on a seeded random sample (size and seed stated in
the report; the seed defaults to one derived from the period and scope, so the same
report twice checks the same files) or on every release with ``full``. Shredding is
checked in the key vault and the blob store. The report is a value
(:class:`ComplianceReport`) that renders as JSON (``to_dict``) or PDF (``pdf.py``).

Asking for a report is recorded in the audit chain (``report.compliance``: who, which
period and scope, the outcome counts). Services never commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from likeness.asset.service import blob_role, mark_of
from likeness.audit.service import record
from likeness.compliance import report_repository as repo
from likeness.compliance import rules
from likeness.compliance.report_access import compliance_scope
from likeness.compliance.report_errors import InvalidReportRequest
from likeness.compliance.report_repository import Scope
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.models.party import Brand, TalentProfile
from likeness.models.twin import TwinStatus
from likeness.policy import MAX_COMMISSION_BPS, MAX_PAYMENT_DAYS
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name

if TYPE_CHECKING:
    from likeness.provenance import VerifyConfig

SCHEMA = "likeness.compliance-report/1"
#: Releases re-read for the EU AI Act marking when not ``full``.
DEFAULT_SAMPLE = 200
MAX_SAMPLE = 100_000
#: Blobs tried per shredded twin.
BLOBS_PER_TWIN = 3


@dataclass(frozen=True, slots=True)
class Sample:
    population: int
    size: int
    seed: int
    full: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "size": self.size,
            "seed": self.seed,
            "full": self.full,
            "method": (
                "every release"
                if self.full
                else "uniform random sample without replacement of the period's releases "
                "ordered by asset id (Python random.Random(seed).sample)"
            ),
        }


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    generated_at: datetime
    period: rules.Period
    scope: Scope
    scope_name: str
    sample: Sample
    results: tuple[rules.RuleResult, ...]

    @property
    def summary(self) -> rules.Summary:
        return rules.summarise(self.results)

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary
        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at.isoformat(),
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "scope": {
                "talent_id": self.scope.talent_id,
                "brand_id": self.scope.brand_id,
                "name": self.scope_name,
            },
            "sample": self.sample.to_dict(),
            "summary": {
                "rules": summary.rules,
                "passed": summary.passed,
                "failed": summary.failed,
                "not_applicable": summary.not_applicable,
                "exceptions": summary.exceptions,
                "compliant": summary.failed == 0,
            },
            "rules": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"


def default_seed(period: rules.Period, scope: Scope) -> int:
    """The sample's seed when none is given: from the period and scope, so a report run
    twice re-checks the same files."""
    text = f"{period.label}|{scope.talent_id or ''}|{scope.brand_id or ''}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _scope_name(session: Session, scope: Scope) -> str:
    if scope.talent_id is not None:
        talent = session.get(TalentProfile, scope.talent_id)
        if talent is None:
            raise InvalidReportRequest(f"no talent {scope.talent_id}")
        return f"talent {talent.stage_name or talent.legal_name}"
    if scope.brand_id is not None:
        brand = session.get(Brand, scope.brand_id)
        if brand is None:
            raise InvalidReportRequest(f"no brand {scope.brand_id}")
        return f"brand {brand.name}"
    return "the whole installation"


def compliance_report(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    verify_config: VerifyConfig | Callable[[], VerifyConfig],
    period_text: str,
    *,
    talent_id: str | None = None,
    brand_id: str | None = None,
    full: bool = False,
    sample_size: int = DEFAULT_SAMPLE,
    seed: int | None = None,
    now: datetime | None = None,
) -> ComplianceReport:
    """The report (see the module docstring); ``verify_config`` may be a loader, called
    only when there is a file to re-check."""
    period = rules.parse_period(period_text)
    if talent_id is not None and brand_id is not None:
        raise InvalidReportRequest("name one scope: a talent or a brand, not both")
    if not 1 <= sample_size <= MAX_SAMPLE:
        raise InvalidReportRequest(f"the sample size is 1 to {MAX_SAMPLE:,}")
    scope = compliance_scope(session, actor, talent_id, brand_id)
    name = _scope_name(session, scope)
    now = now or utcnow()
    start, end = period.start_at, period.end_at
    as_of = min(now, end)
    seed = default_seed(period, scope) if seed is None else seed

    licenses = repo.licenses_in_force(session, scope, start, end)
    terms = {lic_id: json.loads(text) for lic_id, _s, _e, text, _b in licenses}
    results: list[rules.RuleResult] = []

    # New York Fashion Workers Act
    consents = [
        rules.consent_facts(cid, str(kind), signed is not None, json.loads(doc), lic)
        for cid, kind, signed, doc, lic in repo.consents_in_force(session, scope, start, end)
    ]
    results.append(
        rules.nyfwa_consents(consents, repo.releases_with_bad_consent(session, scope, start, end))
    )
    posted, over_cap = repo.postings_over_cap(
        session, scope, period.start, period.end, MAX_COMMISSION_BPS
    )
    commission_rows = [
        ("agency", a, b) for a, b in repo.agency_commissions(session, scope, period.end)
    ]
    commission_rows += [("license", lic_id, bps) for lic_id, _s, _e, _t, bps in licenses]
    commission_rows += [("ledger_transaction", t, b) for t, b in over_cap]
    results.append(rules.nyfwa_commission(commission_rows, also_checked=posted - len(over_cap)))
    if scope.brand_id is not None:
        results.append(
            rules.not_applicable(
                "nyfwa.representation",
                rules.LAW_NYFWA,
                "Representation at most three years, no automatic renewal",
                "Every representation agreement runs at most three years.",
                "A brand is no party to representation agreements.",
            )
        )
        results.append(
            rules.not_applicable(
                "nyfwa.payment",
                rules.LAW_NYFWA,
                "Every payment within 45 days",
                "Talent and agency shares are paid within 45 days.",
                "Talent and agency payouts are made per party, across brands: see the "
                "talent's or the installation's report.",
            )
        )
    else:
        reps = repo.representations_in_force(session, scope, period.start, period.end)
        results.append(rules.nyfwa_representation((r, s, e, False) for r, s, e in reps))
        owed, paid = repo.dues_and_payments(session, scope, as_of.date())
        results.append(
            rules.nyfwa_payments(
                [rules.DueAmount(*row) for row in owed],
                [rules.DueAmount(*row) for row in paid],
                period,
                as_of.date(),
                payment_terms=[
                    (lic_id, int(t.get("payment_days", MAX_PAYMENT_DAYS)))
                    for lic_id, t in terms.items()
                ],
                posting_gaps=[
                    (posting, (due - used).days)
                    for used, due, posting in repo.due_gaps(
                        session, scope, period.start, period.end
                    )
                ],
            )
        )

    # EU AI Act art. 50
    ids = repo.release_ids(session, scope, start, end)
    size = len(ids) if full else min(sample_size, len(ids))
    chosen = [ids[i] for i in rules.sample_indices(len(ids), size, seed)]
    checks = _mark_checks(session, deps, verify_config, chosen)
    results.append(rules.ai_act_marking(checks, len(ids), size, seed, full))

    # NO FAKES Act (draft)
    results.append(
        rules.nofakes_license_terms(
            rules.LicenseUse(
                id=lic_id,
                starts_at=starts,
                ends_at=ends,
                channels=tuple(terms[lic_id].get("channels") or ()),
                territories=tuple(terms[lic_id].get("territories") or ()),
                categories=tuple(terms[lic_id].get("categories") or ()),
                purpose=str(terms[lic_id].get("purpose") or ""),
            )
            for lic_id, starts, ends, _t, _b in licenses
        )
    )
    results.append(rules.nofakes_takedowns(repo.takedowns(session, scope, start, end), as_of))

    # platform rules
    results.append(
        rules.platform_release_approval(
            len(ids),
            (
                (asset_id, _approval_problem(a_sha, o_sha, reviewed, status))
                for asset_id, a_sha, o_sha, reviewed, status in repo.unapproved_releases(
                    session, scope, start, end
                )
            ),
        )
    )
    requests, flagged = repo.generation_requests(session, scope, start, end)
    results.append(
        rules.platform_noncommercial_models(
            requests,
            (
                (
                    request_id,
                    str(json.loads(payload).get("license_id")),
                    [str(m) for m in json.loads(payload).get("noncommercial_models") or ()],
                )
                for request_id, payload in flagged
            ),
        )
    )
    results.append(rules.platform_shredding(_shred_checks(session, deps, scope, start, end)))

    report = ComplianceReport(
        generated_at=now,
        period=period,
        scope=scope,
        scope_name=name,
        sample=Sample(len(ids), size, seed, full),
        results=tuple(results),
    )
    summary = report.summary
    record(
        session,
        actor,
        "report.compliance",
        "compliance_report",
        period.label,
        {
            "period": period.label,
            "talent_id": scope.talent_id,
            "brand_id": scope.brand_id,
            "sample": report.sample.to_dict(),
            "failed": summary.failed,
            "exceptions": summary.exceptions,
        },
    )
    return report


def _approval_problem(
    asset_sha: str | None, output_sha: str | None, reviewed_at: datetime | None, status: object
) -> str:
    if output_sha is None or reviewed_at is None:
        return f"released without an approval (output {getattr(status, 'value', status)})"
    if asset_sha is None:
        return "the release carries no approval digest"
    return "the release's approval digest is not its output's"


def _mark_checks(
    session: Session,
    deps: StorageDeps,
    verify_config: VerifyConfig | Callable[[], VerifyConfig],
    ids: Sequence[str],
) -> list[rules.MarkCheck]:
    if not ids:
        return []
    from likeness.provenance import verify

    config = verify_config if not callable(verify_config) else verify_config()
    checks = []
    for asset_id, twin_id, blob_key, digest, twin_status in repo.release_files(session, ids):
        if twin_status is TwinStatus.deleted:
            checks.append(rules.MarkCheck(asset_id, None, shredded=True))
            continue
        try:
            sealed = deps.blobs.get(blob_key)
            data = deps.cipher.decrypt(twin_key_name(twin_id), sealed, role=blob_role(asset_id))
        except Exception as exc:  # a missing blob or key is a finding, not a crash
            checks.append(rules.MarkCheck(asset_id, None, problem=f"stored file unreadable: {exc}"))
            continue
        found = verify(data, config)
        manifest = found.c2pa.manifest
        likeness = (manifest.likeness or {}) if manifest is not None else {}
        checks.append(
            rules.MarkCheck(
                asset_id=asset_id,
                file_matches=hashlib.sha256(data).hexdigest() == digest,
                c2pa_state=found.c2pa.state,
                c2pa_source_type=manifest.digital_source_type if manifest else None,
                manifest_asset_id=str(likeness.get("asset_id")) if likeness else None,
                xmp_source_type=found.xmp.digital_source_type,
                watermark_found=found.watermark.found,
                watermark_matches=(
                    found.watermark.payload_hex == mark_of(asset_id)
                    if found.watermark.found
                    else None
                ),
            )
        )
    return checks


def _opens(deps: StorageDeps, key: str, blob_key: str, role: str) -> bool:
    """Does this stored blob still open (it should not, once its twin is shredded)?"""
    try:
        deps.cipher.decrypt(key, deps.blobs.get(blob_key), role=role)
    except Exception:  # gone or unopenable: shredded, as it should be
        return False
    return True


def _shred_checks(
    session: Session, deps: StorageDeps, scope: Scope, start: datetime, end: datetime
) -> list[rules.ShredCheck]:
    checks = []
    for twin_id, why, status in repo.twins_to_shred(session, scope, start, end):
        key = twin_key_name(twin_id)
        tried = readable = 0
        for kind, row_id, blob_key in repo.blobs_of_twin(session, twin_id, BLOBS_PER_TWIN):
            tried += 1
            role = blob_role(row_id) if kind == "asset" else f"output/{row_id}"
            if _opens(deps, key, blob_key, role):
                readable += 1
        checks.append(
            rules.ShredCheck(
                twin_id=twin_id,
                why=why,
                deleted=status is TwinStatus.deleted,
                key_present=deps.cipher.has_key(key),
                readable_blobs=readable,
                blobs_tried=tried,
            )
        )
    return checks
