"""The policy decision point: one pure function from a use and the facts to a decision.

Order of reasoning, so every deny lists *all* its reasons:

1. talent-level: standing limits (categories never allowed), the creation consent and
   the twin itself (deleted, or no version left to generate from); these deny whatever
   any license says;
2. request shape: a category is always needed, a territory for release and publish
   unless the license is worldwide;
3. each license the brand holds for this twin: state, term, use consent, scope, quota
   and other brands' exclusivity. A use that names its license (``UseRequest.license_id``)
   is judged against that license alone. A use that names none is allowed only when
   exactly one license has no objection; when several would each cover it, the decision
   never picks one: it denies with ``license.ambiguous`` and lists them (decision 0019).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from likeness.policy import _reasons as R  # noqa: N812
from likeness.policy._errors import InvalidUse
from likeness.policy._values import (
    ALTER,
    NEGOTIATING,
    RUNNING,
    Action,
    ApprovalMode,
    ConsentFacts,
    Decision,
    FeeLine,
    LicenseFacts,
    LicenseStatus,
    Obligation,
    Reason,
    RightsFacts,
    UseRequest,
    iso,
)


def decide(use: UseRequest, facts: RightsFacts) -> Decision:
    """May this brand do this thing with this twin, on this channel, here, now?"""
    if facts.talent_id != use.talent_id:
        raise ValueError("facts belong to another talent than the use")
    talent_reasons = [
        *_standing_reasons(use, facts),
        *_creation_reasons(use, facts),
        *_twin_reasons(use, facts),
    ]
    candidates = _candidates(use, facts)
    if not candidates:
        missing = Reason(
            R.LICENSE_MISSING,
            f"brand {use.brand_id} holds no license for this twin",
        )
        return Decision(False, use, (*talent_reasons, missing))

    license_reasons: list[Reason] = []
    covering: list[LicenseFacts] = []
    for lic in candidates:
        objections = _license_reasons(use, lic, facts.licenses)
        if objections:
            license_reasons.extend(objections)
        else:
            covering.append(lic)
    if talent_reasons or not covering:
        return Decision(False, use, (*talent_reasons, *license_reasons))
    if len(covering) > 1:
        return _ambiguous(use, covering)
    return _allow(use, covering[0])


def _candidates(use: UseRequest, facts: RightsFacts) -> list[LicenseFacts]:
    """The brand's licenses for this twin (only the named one, if the use names one),
    soonest ending first, then by id, so that reasons come in a stable order."""
    held = [
        lic
        for lic in facts.licenses
        if lic.brand_id == use.brand_id and lic.applies_to_twin(use.twin_id)
    ]
    if use.license_id is not None:
        held = [lic for lic in held if lic.license_id == use.license_id]
        if not held:
            # Naming a license the brand does not hold for this twin is a mistake in the
            # request, not a considered deny.
            target = f"twin {use.twin_id}" if use.twin_id else f"talent {use.talent_id}"
            raise InvalidUse(f"brand {use.brand_id} holds no license {use.license_id} for {target}")
    return sorted(held, key=lambda lic: (lic.terms.ends_at, lic.license_id))


def _ambiguous(use: UseRequest, covering: list[LicenseFacts]) -> Decision:
    ids = tuple(lic.license_id for lic in covering)
    reason = Reason(
        R.LICENSE_AMBIGUOUS,
        f"{len(ids)} licenses of brand {use.brand_id} would each cover this use "
        f"({', '.join(ids)}); name the one it is made under (license_id, --license)",
    )
    return Decision(False, use, (reason,), candidate_license_ids=ids)


def _standing_reasons(use: UseRequest, facts: RightsFacts) -> list[Reason]:
    if use.category is None:
        return [Reason(R.CATEGORY_REQUIRED, "say which content category this use is for")]
    if use.category in facts.never_allowed:
        return [
            Reason(
                R.CATEGORY_NEVER_ALLOWED,
                f"the talent never allows {use.category!r} content, whatever a license says",
            )
        ]
    return []


#: The creation consent's gates, in order: the talent's consents for the twin narrow at
#: each, and the first gate that leaves none is the reason.
_CREATION_GATES: tuple[tuple[Callable[[ConsentFacts, datetime], bool], str, str], ...] = (
    (
        ConsentFacts.signed_by,
        R.CREATION_CONSENT_MISSING,
        "the talent has not signed a consent to create this digital twin",
    ),
    (
        lambda c, at: not c.revoked_by(at),
        R.CREATION_CONSENT_REVOKED,
        "the talent revoked consent to the digital twin; no new use is allowed",
    ),
    (
        ConsentFacts.in_force,
        R.CREATION_CONSENT_EXPIRED,
        "the talent's consent to the digital twin is not in force at this time",
    ),
)


def _creation_reasons(use: UseRequest, facts: RightsFacts) -> list[Reason]:
    """The twin may only be used while the talent's creation consent stands."""
    consents = [c for c in facts.creation_consents if c.twin_id in (None, use.twin_id)]
    for keep, code, message in _CREATION_GATES:
        consents = [c for c in consents if keep(c, use.at)]
        if not consents:
            return [Reason(code, message)]
    # Generating relights and restyles the twin: the consent must allow altering it.
    if use.action is Action.generate and not any(ALTER in c.activities for c in consents):
        return [
            Reason(
                R.CREATION_CONSENT_NO_ALTER,
                "the talent's consent to the digital twin does not allow altering it, "
                "which generating an image does",
            )
        ]
    return []


def _twin_reasons(use: UseRequest, facts: RightsFacts) -> list[Reason]:
    """A deleted twin is gone for every use; one with no version left cannot generate."""
    if use.twin_id is None:
        return []
    if use.twin_id in facts.deleted_twins:
        return [Reason(R.TWIN_DELETED, f"twin {use.twin_id} was retired and deleted")]
    if use.action is Action.generate and use.twin_id in facts.twins_without_version:
        return [
            Reason(
                R.TWIN_NO_VERSION,
                f"every version of twin {use.twin_id} was retired; build a new one first",
            )
        ]
    return []


def _license_reasons(
    use: UseRequest, lic: LicenseFacts, all_licenses: Iterable[LicenseFacts]
) -> list[Reason]:
    reasons = [*_state_reasons(use, lic), *_consent_reasons(use, lic), *_scope_reasons(use, lic)]
    if use.action is not Action.publish and lic.released_count >= lic.terms.max_outputs:
        reasons.append(
            _r(
                lic,
                R.QUOTA_EXHAUSTED,
                f"all {lic.terms.max_outputs} licensed outputs have been released",
            )
        )
    reasons.extend(_exclusivity_reasons(use, lic, all_licenses))
    return reasons


def _r(lic: LicenseFacts, code: str, message: str) -> Reason:
    return Reason(code, f"license {lic.license_id}: {message}", lic.license_id)


def _state_reasons(use: UseRequest, lic: LicenseFacts) -> list[Reason]:
    status = lic.status
    if status in NEGOTIATING or status is LicenseStatus.withdrawn:
        return [_r(lic, R.LICENSE_NOT_ACTIVE, f"the license is {status.value}, not active")]
    if status is LicenseStatus.suspended:
        return [_r(lic, R.LICENSE_SUSPENDED, "the license is suspended")]
    if status is LicenseStatus.revoked:
        return [_r(lic, R.LICENSE_REVOKED, "the license was revoked")]
    if status is LicenseStatus.expired or use.at >= lic.terms.ends_at:
        return [_r(lic, R.LICENSE_EXPIRED, f"the license ended at {iso(lic.terms.ends_at)}")]
    if use.at < lic.terms.starts_at:
        return [
            _r(lic, R.LICENSE_OUTSIDE_TERM, f"the license starts at {iso(lic.terms.starts_at)}")
        ]
    return []


def _consent_reasons(use: UseRequest, lic: LicenseFacts) -> list[Reason]:
    consent: ConsentFacts | None = lic.use_consent
    if consent is None or not consent.signed_by(use.at):
        return [_r(lic, R.CONSENT_MISSING, "the talent has not signed the use consent")]
    if consent.revoked_by(use.at):
        return [_r(lic, R.CONSENT_REVOKED, "the talent revoked the use consent")]
    reasons: list[Reason] = []
    if not consent.in_force(use.at):
        reasons.append(_r(lic, R.CONSENT_EXPIRED, "the use consent is not in force at this time"))
    if consent.terms_sha256 != lic.terms_sha256:
        reasons.append(
            _r(
                lic,
                R.CONSENT_TERMS_MISMATCH,
                "the signed use consent covers different terms than the license now has",
            )
        )
    return reasons


def _scope_reasons(use: UseRequest, lic: LicenseFacts) -> list[Reason]:
    terms = lic.terms
    reasons: list[Reason] = []
    if use.channel not in terms.channels:
        reasons.append(_r(lic, R.CHANNEL_NOT_LICENSED, f"channel {use.channel!r} is not licensed"))
    if use.territory is not None:
        if not terms.covers_territory(use.territory):
            reasons.append(
                _r(lic, R.TERRITORY_NOT_LICENSED, f"territory {use.territory} is not licensed")
            )
    elif use.action is not Action.generate and not terms.worldwide:
        reasons.append(
            _r(
                lic,
                R.TERRITORY_REQUIRED,
                "the license is limited to "
                + ", ".join(sorted(terms.territories))
                + "; say where this will be shown",
            )
        )
    if use.category is not None and use.category not in terms.categories:
        reasons.append(
            _r(lic, R.CATEGORY_NOT_LICENSED, f"category {use.category!r} is not licensed")
        )
    return reasons


def _exclusivity_reasons(
    use: UseRequest, lic: LicenseFacts, all_licenses: Iterable[LicenseFacts]
) -> list[Reason]:
    if use.category is None:
        return []
    reasons: list[Reason] = []
    for other in all_licenses:
        if (
            other.brand_id != use.brand_id
            and other.status in RUNNING
            and use.category in other.terms.exclusive_categories
            and other.terms.starts_at <= use.at < other.terms.ends_at
        ):
            reasons.append(
                _r(
                    lic,
                    R.EXCLUSIVITY_CONFLICT,
                    f"another brand holds exclusivity in {use.category!r} "
                    f"(license {other.license_id})",
                )
            )
    return reasons


def _allow(use: UseRequest, lic: LicenseFacts) -> Decision:
    assert lic.use_consent is not None  # guaranteed by _consent_reasons
    terms = lic.terms
    approval = terms.approval_mode is ApprovalMode.every_output and use.action is not Action.publish
    obligations: list[Obligation] = []
    if approval:
        obligations.append(
            Obligation(
                R.OBLIGATION_APPROVAL,
                "the talent must approve each output before it is released",
            )
        )
    if use.action in (Action.generate, Action.release):
        obligations.append(
            Obligation(
                R.OBLIGATION_WATERMARK,
                "embed the invisible Likeness watermark in every output",
            )
        )
    if use.action is Action.release:
        obligations.append(
            Obligation(R.OBLIGATION_C2PA, "attach a signed C2PA manifest naming the license")
        )
    if use.action in (Action.release, Action.publish):
        obligations.append(
            Obligation(
                R.OBLIGATION_LABEL,
                "label the content as AI-generated wherever it is shown (EU AI Act art. 50)",
            )
        )
        obligations.append(
            Obligation(
                R.OBLIGATION_TAKEDOWN,
                f"remove released outputs within {terms.takedown_days} days "
                "after the license is revoked or ends",
            )
        )
    reason = Reason(
        R.ALLOW_LICENSED,
        f"license {lic.license_id} covers {use.action.value} on {use.channel}"
        + (f" in {use.territory}" if use.territory else "")
        + f" for {use.category} content",
        lic.license_id,
    )
    return Decision(
        True,
        use,
        (reason,),
        license_id=lic.license_id,
        consent_id=lic.use_consent.consent_id,
        obligations=tuple(obligations),
        fees=_fees(use, lic),
        approval_required=approval,
    )


def _fees(use: UseRequest, lic: LicenseFacts) -> tuple[FeeLine, ...]:
    fees = lic.terms.fees
    if use.action is Action.release:
        code, amount, what = R.FEE_PER_OUTPUT, fees.per_output_fee, "per released output"
    elif use.action is Action.publish:
        code, what = R.FEE_PER_USE, f"per published use on {use.channel}"
        amount = fees.per_use_fee(use.channel)
    else:
        return ()
    if amount == 0:
        return ()
    # Floor, so rounding never takes money from the talent.
    commission = amount * lic.terms.commission_bps // 10_000
    return (FeeLine(code, what, amount, fees.currency, commission),)
