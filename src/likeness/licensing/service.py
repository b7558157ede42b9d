"""License negotiation over the database.

Each transition: find the actor's relations to the license (:mod:`.access`), ask the
pure transition table (:func:`likeness.policy.next_status`), then write the new state
with a compare-and-set UPDATE on ``version`` and an audit event, in the caller's
transaction. A stale ``version`` from the client, or a concurrent writer, gets a 409.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.consent import repository as consents
from likeness.consent import service as consent_service
from likeness.consent.access import require_talent_self
from likeness.consent.service import Intent
from likeness.consent.signing import TalentKeyring
from likeness.errors import Conflict, NotFound
from likeness.identity.actor import Actor
from likeness.jobs import service as jobs
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.licensing import access, repository
from likeness.licensing.errors import (
    LicenseNotFound,
    LicenseNotRunning,
    QuotaExhausted,
    StaleLicense,
)
from likeness.licensing.facts import consent_facts, license_facts, terms_of
from likeness.licensing.notifications import notify
from likeness.licensing.schemas import LicenseRead, LicenseRequestIn, TermsChangeIn, TransitionIn
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.party import Agency, Brand, Role
from likeness.models.twin import Twin, TwinStatus
from likeness.party import access as party_access
from likeness.party import repository as parties
from likeness.policy import (
    NEGOTIATING,
    RUNNING,
    ConsentKind,
    ConsentStatus,
    ExclusivityConflict,
    InvalidTerms,
    LicenseAction,
    LicenseStatus,
    LicenseTerms,
    Relation,
    available_actions,
    exclusivity_clashes,
    iso,
    next_status,
    terms_sha256,
    validate_terms,
)
from likeness.relighting import service as relighting
from likeness.twin import service as twins
from likeness.twin.access import require_active_twin_of
from likeness.vault.deps import StorageDeps

#: The clock, for expiry sweeps.
SYSTEM_RELATIONS = frozenset({Relation.system})

_PAST = {
    LicenseAction.request: "requested",
    LicenseAction.propose: "proposed",
    LicenseAction.counter: "countered",
    LicenseAction.accept: "accepted",
    LicenseAction.approve: "approved",
    LicenseAction.suspend: "suspended",
    LicenseAction.resume: "resumed",
    LicenseAction.revoke: "revoked",
    LicenseAction.expire: "expired",
    LicenseAction.withdraw: "withdrawn",
}


# --- reading ------------------------------------------------------------------------


def get_for(session: Session, actor: Actor, license_id: str) -> License:
    return access.get_license_for(session, actor, license_id)


def list_for(
    session: Session,
    actor: Actor,
    *,
    status: LicenseStatus | None = None,
    talent_id: str | None = None,
    brand_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
    latest_first: bool = False,
) -> Sequence[License]:
    """The licenses the actor may see, oldest first (``latest_first``: the most recently
    changed first, as the portal's lists show them)."""
    require_page(limit, offset, MAX_PAGE)
    where = conditions(
        access.license_filter(actor),
        (License.status, status),
        (License.talent_id, talent_id),
        (License.brand_id, brand_id),
    )
    return repository.list_licenses(
        session, where, limit=limit, offset=offset, latest_first=latest_first
    )


def to_read(session: Session, actor: Actor, lic: License) -> LicenseRead:
    return to_reads(session, actor, [lic])[0]


def to_reads(session: Session, actor: Actor, lics: Sequence[License]) -> list[LicenseRead]:
    """:func:`to_read` for a page of licenses: their use consents in one query, the
    actor's relations once per talent and brand (a list is mostly a few of each)."""
    consents = repository.use_consent_ids(session, [lic.id for lic in lics])
    related: dict[tuple[str, str], frozenset[Relation]] = {}
    reads: list[LicenseRead] = []
    for lic in lics:
        pair = (lic.talent_id, lic.brand_id)
        if pair not in related:
            related[pair] = party_access.relations(session, actor, *pair)
        reads.append(_read(lic, consents.get(lic.id), related[pair]))
    return reads


def _read(lic: License, use_consent_id: str | None, related: frozenset[Relation]) -> LicenseRead:
    return LicenseRead(
        id=lic.id,
        talent_id=lic.talent_id,
        twin_id=lic.twin_id,
        brand_id=lic.brand_id,
        status=lic.status,
        version=lic.version,
        terms=json.loads(lic.terms),
        terms_sha256=lic.terms_sha256,
        released_count=lic.released_count,
        created_at=lic.created_at,
        updated_at=lic.updated_at,
        activated_at=lic.activated_at,
        ended_at=lic.ended_at,
        end_reason=lic.end_reason,
        use_consent_id=use_consent_id,
        available_actions=available_actions(lic.status, related),
    )


# --- rules that need the database ----------------------------------------------------


def _default_commission(session: Session, talent_id: str) -> int:
    agencies = parties.representing_agency_ids(session, talent_id, utcnow().date())
    agency = session.get(Agency, agencies[0]) if agencies else None
    return agency.commission_bps if agency else 0


def _checked_terms(session: Session, talent_id: str, raw: Any) -> LicenseTerms:
    terms: LicenseTerms = raw.to_terms(_default_commission(session, talent_id))
    validate_terms(terms)
    refused = sorted(terms.categories & set(consents.never_allowed(session, talent_id)))
    if refused:
        raise InvalidTerms([f"the talent never allows these categories: {', '.join(refused)}"])
    return terms


def _check_exclusivity(
    session: Session, license_id: str | None, talent_id: str, brand_id: str, terms: LicenseTerms
) -> None:
    others = [
        license_facts(o, None)
        for o in repository.licenses_of_talent(session, talent_id)
        if o.id != license_id
    ]
    clashes = exclusivity_clashes(brand_id, terms, others, exclude_license_id=license_id)
    if clashes:
        raise ExclusivityConflict("; ".join(c.message for c in clashes))


def _terms_values(terms: LicenseTerms) -> dict[str, Any]:
    return {
        "terms": canonical_json(terms.to_dict()),
        "terms_sha256": terms_sha256(terms),
        "starts_at": terms.starts_at,
        "ends_at": terms.ends_at,
        "commission_bps": terms.commission_bps,
    }


#: The statuses a license's jobs do not survive (cancelled in the transition itself).
_STOPS_JOBS = frozenset(
    {LicenseStatus.suspended, LicenseStatus.expired, LicenseStatus.withdrawn, LicenseStatus.revoked}
)


def _transition(
    session: Session,
    actor: Actor,
    lic: License,
    action: LicenseAction,
    *,
    expected_version: int | None = None,
    values: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    relations: frozenset[Relation] | None = None,
) -> License:
    related = relations or party_access.relations(session, actor, lic.talent_id, lic.brand_id)
    if not related:
        raise LicenseNotFound(f"no license {lic.id}")
    if expected_version is not None and expected_version != lic.version:
        raise StaleLicense(
            f"license {lic.id} is at version {lic.version}, not {expected_version}; "
            "reload it and try again"
        )
    before = lic.status
    target = next_status(before, action, related)
    now = utcnow()
    changes: dict[str, Any] = {"status": target, "updated_at": now, **(values or {})}
    if target in (LicenseStatus.expired, LicenseStatus.revoked, LicenseStatus.withdrawn):
        changes.setdefault("ended_at", now)
    if not repository.compare_and_set(session, lic.id, lic.version, changes):
        raise StaleLicense(
            f"license {lic.id} was changed by someone else at the same time; reload it and retry"
        )
    session.refresh(lic)
    audit.record(
        session,
        actor,
        f"license.{_PAST[action]}",
        "license",
        lic.id,
        {
            "from": before.value,
            "to": target.value,
            "version": lic.version,
            "relations": sorted(r.value for r in related),
            **(payload or {}),
        },
    )
    if target in _STOPS_JOBS and before is not target:
        # No new generation under it: its queued jobs end, running ones stop.
        why = f"license {lic.id} was {target.value}"
        jobs.cancel_for_license(session, lic.id, why, actor=actor)
    return lic


def _notify_brand(
    session: Session, lic: License, kind: str, message: str, extra: dict[str, Any] | None = None
) -> None:
    notify(
        session,
        brand_id=lic.brand_id,
        talent_id=lic.talent_id,
        license_id=lic.id,
        kind=kind,
        message=message,
        payload={"license_id": lic.id, "status": lic.status.value, **(extra or {})},
    )


def _takedown(lic: License, at: datetime) -> dict[str, Any]:
    days = terms_of(lic).takedown_days
    return {"effective_at": iso(at), "remove_released_by": iso(at + timedelta(days=days))}


# --- negotiation -----------------------------------------------------------------------


def request(session: Session, actor: Actor, data: LicenseRequestIn) -> License:
    """A brand asks for a license on a talent's twin, with the terms it would like."""
    brand = party_access.get_brand_for(session, actor, data.brand_id, act=True)
    if not repository.talent_exists(session, data.talent_id):
        raise NotFound(f"no talent {data.talent_id}")
    related = party_access.relations(session, actor, data.talent_id, brand.id)
    status = next_status(None, LicenseAction.request, related)
    if data.twin_id is not None:
        require_active_twin_of(session, data.talent_id, data.twin_id)
    terms = _checked_terms(session, data.talent_id, data.terms)
    now = utcnow()
    lic = License(
        talent_id=data.talent_id,
        twin_id=data.twin_id,
        brand_id=brand.id,
        status=status,
        version=1,
        released_count=0,
        requested_by_user_id=actor.user_id,
        updated_at=now,
        **_terms_values(terms),
    )
    session.add(lic)
    session.flush()
    audit.record(
        session,
        actor,
        "license.requested",
        "license",
        lic.id,
        {
            "talent_id": lic.talent_id,
            "twin_id": lic.twin_id,
            "brand_id": lic.brand_id,
            "terms_sha256": lic.terms_sha256,
        },
    )
    return lic


def _change_terms(
    session: Session,
    actor: Actor,
    license_id: str,
    action: LicenseAction,
    change: TermsChangeIn,
) -> License:
    lic = get_for(session, actor, license_id)
    related = party_access.relations(session, actor, lic.talent_id, lic.brand_id)
    next_status(lic.status, action, related)  # refuse before validating anything
    terms = _checked_terms(session, lic.talent_id, change.terms)
    _check_exclusivity(session, lic.id, lic.talent_id, lic.brand_id, terms)
    values = _terms_values(terms)
    return _transition(
        session,
        actor,
        lic,
        action,
        expected_version=change.version,
        values=values,
        payload={"terms_sha256": values["terms_sha256"], "terms": terms.to_dict()},
        relations=related,
    )


def propose(session: Session, actor: Actor, license_id: str, change: TermsChangeIn) -> License:
    """The agent (or the talent) proposes terms."""
    return _change_terms(session, actor, license_id, LicenseAction.propose, change)


def counter(session: Session, actor: Actor, license_id: str, change: TermsChangeIn) -> License:
    """The brand answers a proposal with other terms."""
    return _change_terms(session, actor, license_id, LicenseAction.counter, change)


def accept(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    """The brand accepts the proposal; the use consent is drafted for the talent to sign."""
    lic = get_for(session, actor, license_id)
    terms = terms_of(lic)
    related = party_access.relations(session, actor, lic.talent_id, lic.brand_id)
    next_status(lic.status, LicenseAction.accept, related)
    _check_exclusivity(session, lic.id, lic.talent_id, lic.brand_id, terms)
    lic = _transition(
        session, actor, lic, LicenseAction.accept, expected_version=data.version, relations=related
    )
    brand = session.get(Brand, lic.brand_id)
    assert brand is not None
    consent_service.create_use_consent(session, actor, lic, terms, brand.name)
    return lic


def approve(
    session: Session,
    actor: Actor,
    license_id: str,
    intent: Intent,
    keyring: TalentKeyring | None,
    *,
    expected_version: int | None = None,
) -> License:
    """The talent signs the use consent, which makes the license active."""
    lic = get_for(session, actor, license_id)
    related = party_access.relations(session, actor, lic.talent_id, lic.brand_id)
    next_status(lic.status, LicenseAction.approve, related)
    _check_exclusivity(session, lic.id, lic.talent_id, lic.brand_id, terms_of(lic))
    consent = repository.use_consent_of(session, lic.id)
    if consent is None:
        raise Conflict(f"license {lic.id} has no use consent to sign")
    if consent_facts(consent).terms_sha256 != lic.terms_sha256:
        raise Conflict(f"the use consent of license {lic.id} does not match its terms")
    consent_service.sign_document(session, actor, consent, intent, keyring)
    now = utcnow()
    lic = _transition(
        session,
        actor,
        lic,
        LicenseAction.approve,
        expected_version=expected_version,
        values={"activated_at": now},
        payload={"use_consent_id": consent.id},
        relations=related,
    )
    _notify_brand(
        session,
        lic,
        "license.activated",
        f"license {lic.id} is active: the talent signed the use consent",
        {"use_consent_id": consent.id},
    )
    return lic


def _with_reason(
    session: Session,
    actor: Actor,
    license_id: str,
    action: LicenseAction,
    data: TransitionIn,
    values: dict[str, Any] | None = None,
) -> License:
    """``action`` on the caller's license, the caller's reason in the audit event."""
    lic = get_for(session, actor, license_id)
    return _transition(
        session,
        actor,
        lic,
        action,
        expected_version=data.version,
        values=values,
        payload={"reason": data.reason},
    )


def suspend(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    lic = _with_reason(session, actor, license_id, LicenseAction.suspend, data)
    _notify_brand(
        session,
        lic,
        "license.suspended",
        f"license {lic.id} is suspended: no new generation, release or publication"
        + (f" ({data.reason})" if data.reason else ""),
        {"reason": data.reason},
    )
    return lic


def resume(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    lic = _with_reason(session, actor, license_id, LicenseAction.resume, data)
    _notify_brand(session, lic, "license.resumed", f"license {lic.id} is active again")
    return lic


def withdraw(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    values = {"end_reason": data.reason}
    lic = _with_reason(session, actor, license_id, LicenseAction.withdraw, data, values)
    if actor.role is not Role.brand:
        _notify_brand(
            session, lic, "license.withdrawn", f"the talent side withdrew license {lic.id}"
        )
    return lic


def revoke(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    """End a live license now (talent or operator). A talent's revocation also revokes
    the use consent; the brand is told by when released outputs must come down."""
    lic = get_for(session, actor, license_id)
    now = utcnow()
    lic = _transition(
        session,
        actor,
        lic,
        LicenseAction.revoke,
        expected_version=data.version,
        values={"end_reason": data.reason, "ended_at": now},
        payload={"reason": data.reason, **_takedown(lic, now)},
    )
    consent = repository.use_consent_of(session, lic.id)
    by_talent = actor.role is Role.talent
    if by_talent and consent is not None and consent.status is ConsentStatus.signed:
        consent_service.mark_revoked(session, actor, consent, now, data.reason)
    _notify_brand(
        session,
        lic,
        "license.revoked",
        f"license {lic.id} was revoked by the {'talent' if by_talent else 'platform'}: "
        "stop all new use now and take released outputs down by the date given",
        {"reason": data.reason, "by": "talent" if by_talent else "operator", **_takedown(lic, now)},
    )
    return lic


def revoke_by_talent(session: Session, actor: Actor, license_id: str, reason: str | None) -> None:
    """Revocation of a use consent: the license ends if it still runs."""
    lic = get_for(session, actor, license_id)
    if lic.status in RUNNING:
        revoke(session, actor, license_id, TransitionIn(reason=reason))
        return
    consent = repository.use_consent_of(session, lic.id)
    if consent is None:
        raise LicenseNotFound(f"license {license_id} has no use consent")
    consent_service.mark_revoked(session, actor, consent, utcnow(), reason)


def end_uncovered_licenses(
    session: Session, actor: Actor, talent_id: str, reason: str | None
) -> list[License]:
    """After a creation consent is revoked, end every license no standing one covers.

    "Standing" is the twin side's test (:func:`likeness.consent.service.consents_keeping_twins`),
    so a license never outlives the twin the same revocation shreds.
    """
    keeping = consent_service.consents_keeping_twins(session, talent_id)
    why = reason or "the talent revoked consent to the digital twin"
    return [
        _end_live(session, actor, lic, why)
        for lic in repository.licenses_of_talent(session, talent_id, RUNNING | NEGOTIATING)
        if not any(consent_service.covers_twin(c, lic.twin_id) for c in keeping)
    ]


def end_licenses_of_twin(
    session: Session, actor: Actor, talent_id: str, twin_id: str, reason: str
) -> list[License]:
    """The twin was retired and deleted: end every live license that names it.

    Licenses naming no twin cover the talent's other and future twins, so they stay.
    """
    return [
        _end_live(session, actor, lic, reason)
        for lic in repository.licenses_of_talent(session, talent_id, RUNNING | NEGOTIATING)
        if lic.twin_id == twin_id
    ]


def _end_live(session: Session, actor: Actor, lic: License, why: str) -> License:
    """Revoke a running license (the brand must take outputs down); withdraw a negotiation.

    The withdrawal is the platform's consequence of the talent's (or an operator's) act,
    not a negotiating move, so it runs as the system: an operator deleting a twin must not
    be stopped by a negotiation only the parties may withdraw.
    """
    if lic.status in RUNNING:
        return revoke(session, actor, lic.id, TransitionIn(reason=why))
    ended = _transition(
        session,
        actor,
        lic,
        LicenseAction.withdraw,
        values={"end_reason": why},
        payload={"reason": why},
        relations=SYSTEM_RELATIONS,
    )
    _notify_brand(session, ended, "license.withdrawn", f"license {ended.id} was withdrawn: {why}")
    return ended


def expire(session: Session, actor: Actor, license_id: str, data: TransitionIn) -> License:
    lic = _transition(
        session,
        actor,
        get_for(session, actor, license_id),
        LicenseAction.expire,
        expected_version=data.version,
        values={"end_reason": data.reason or "ended by an operator"},
    )
    now = utcnow()
    _notify_brand(
        session, lic, "license.expired", f"license {lic.id} has ended", _takedown(lic, now)
    )
    return lic


def expire_due(session: Session, actor: Actor, now: datetime | None = None) -> list[License]:
    """The clock: expire every live license whose term is over."""
    moment = now or utcnow()
    expired: list[License] = []
    for lic in repository.live_due_for_expiry(session, moment):
        lic = _transition(
            session,
            actor,
            lic,
            LicenseAction.expire,
            values={"end_reason": "term ended", "ended_at": lic.ends_at},
            relations=SYSTEM_RELATIONS,
        )
        _notify_brand(
            session, lic, "license.expired", f"license {lic.id} has ended", _takedown(lic, moment)
        )
        expired.append(lic)
    return expired


def record_release(session: Session, actor: Actor, license_id: str) -> License:
    """Count one released output against the license's maximum: a conditional increment
    (active and under the maximum), so concurrent releases of different outputs all count
    while quota is left, and the quota is never exceeded."""
    lic = get_for(session, actor, license_id)
    _require_running_now(lic, utcnow())
    maximum = terms_of(lic).max_outputs
    if lic.released_count >= maximum:
        raise QuotaExhausted(f"license {lic.id}: all {maximum} outputs have been released")
    counted = repository.count_release(session, lic.id, maximum)
    session.refresh(lic)
    if not counted:
        # Someone else changed it first: say what the row says now.
        _require_running_now(lic, utcnow())
        raise QuotaExhausted(f"license {lic.id}: all {maximum} outputs have been released")
    audit.record(
        session,
        actor,
        "license.output_released",
        "license",
        lic.id,
        {"released_count": lic.released_count, "max_outputs": maximum},
    )
    return lic


def _require_running_now(lic: License, now: datetime) -> None:
    """Outputs are released only under an active license, inside its term."""
    if lic.status is not LicenseStatus.active:
        raise LicenseNotRunning(f"license {lic.id} is {lic.status.value}: nothing may be released")
    if not lic.starts_at <= now < lic.ends_at:
        raise LicenseNotRunning(
            f"license {lic.id} runs from {iso(lic.starts_at)} to {iso(lic.ends_at)}; "
            "nothing may be released outside that term"
        )


# --- consent and twin use cases that end in licenses ----------------------------------
# They span consent, twin and licensing, so they live here, in the highest feature they
# touch (decision 0015); their routes and commands are licensing's too.


def sign_consent(
    session: Session,
    actor: Actor,
    consent_id: str,
    intent: Intent,
    keyring: TalentKeyring | None,
) -> Consent:
    """Sign a consent. Signing a use consent approves (activates) its license."""
    consent = consent_service.get_for(session, actor, consent_id)
    require_talent_self(actor, consent.talent_id, "sign")
    if consent.kind is ConsentKind.use:
        assert consent.license_id is not None
        approve(session, actor, consent.license_id, intent, keyring)
    else:
        consent_service.sign_document(session, actor, consent, intent, keyring)
    session.refresh(consent)
    return consent


@dataclass(frozen=True)
class RevocationEffects:
    """What revoking a consent would end, said before the talent confirms it."""

    #: Licenses that end (running ones stop, negotiations are withdrawn).
    licenses: list[License]
    #: Twins that would be crypto-shredded (destroyed for good).
    twins: list[Twin]


def revocation_effects(session: Session, actor: Actor, consent_id: str) -> RevocationEffects:
    """What :func:`revoke_consent` would end now, by the same tests, without changing
    anything: the consent's license (a use consent), or every license and twin no other
    standing creation consent keeps (a creation consent)."""
    consent = consent_service.get_for(session, actor, consent_id)
    require_talent_self(actor, consent.talent_id, "revoke")
    if consent.status is not ConsentStatus.signed:
        return RevocationEffects([], [])
    live = repository.licenses_of_talent(session, consent.talent_id, RUNNING | NEGOTIATING)
    doomed: list[Twin] = []
    if consent.kind is ConsentKind.use:
        ending = [lic for lic in live if lic.id == consent.license_id]
    else:
        keeping = [
            c
            for c in consent_service.consents_keeping_twins(session, consent.talent_id)
            if c.id != consent.id
        ]
        ending = [
            lic
            for lic in live
            if not any(consent_service.covers_twin(c, lic.twin_id) for c in keeping)
        ]
        doomed = [
            twin
            for twin in twins.list_twins(session, actor, consent.talent_id)
            if twin.status is TwinStatus.active
            and not any(consent_service.covers_twin(c, twin.id) for c in keeping)
        ]
    return RevocationEffects(ending, doomed)


def revoke_consent(
    session: Session, actor: Actor, deps: StorageDeps, consent_id: str, reason: str | None
) -> tuple[Consent, list[str]]:
    """The talent withdraws consent: no new use from now on; brands are notified.

    Revoking a use consent revokes its license. Revoking a creation consent ends every
    license no standing creation consent covers and crypto-shreds every twin no longer
    covered; returns the consent and the ids of the twins shredded. All of it happens in
    the caller's one unit of work.
    """
    consent = consent_service.get_for(session, actor, consent_id)
    require_talent_self(actor, consent.talent_id, "revoke")
    shredded: list[str] = []
    if consent.kind is ConsentKind.use:
        assert consent.license_id is not None
        revoke_by_talent(session, actor, consent.license_id, reason)
    else:
        now = utcnow()
        consent_service.mark_revoked(session, actor, consent, now, reason)
        end_uncovered_licenses(session, actor, consent.talent_id, reason)
        shredded = enforce_creation_consent(session, actor, deps, consent.talent_id)
        # A prior that learned from this talent's captures retires unless another
        # consent in force still names `train` for them; a retrain is queued (0028).
        relighting.enforce_training_consent(
            session, actor, deps, consent.talent_id, "creation consent revoked"
        )
    session.refresh(consent)
    return consent, shredded


def enforce_creation_consent(
    session: Session, actor: Actor, deps: StorageDeps, talent_id: str
) -> list[str]:
    """Shred every active twin of ``talent_id`` whose creation consent is gone: no consent
    in force allows building or altering it (one to be captured is not enough).

    Call it when the talent revokes a creation consent (the rights core's revocation),
    or periodically; returns the ids of the twins shredded.
    """
    shredded = []
    for twin in twins.uncovered_twins(session, talent_id):
        retire_twin(session, actor, deps, twin.id, "creation consent withdrawn")
        shredded.append(twin.id)
    return shredded


def retire_twin(
    session: Session, actor: Actor, deps: StorageDeps, twin_id: str, reason: str
) -> Twin:
    """Retire and delete the whole twin (:func:`likeness.twin.service.retire`); a deleted
    twin cannot be used, so the licenses naming it end now, and their brands hear."""
    twin = twins.retire(session, actor, deps, twin_id, reason)
    why = f"the twin was retired and deleted: {twin.reason}"[:500]
    end_licenses_of_twin(session, actor, twin.talent_id, twin.id, why)
    relighting.enforce_training_consent(session, actor, deps, twin.talent_id, "twin retired")
    return twin
