"""Consent rules over the database: create, sign, revoke, render, verify, standing limits.

Services flush and never commit; every state change writes an audit event in the same
transaction. Only the talent signs or revokes (never an agent, never a brand): the
NY Fashion Workers Act and the SAG-AFTRA 2023 replica terms both make consent personal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.consent import access, repository
from likeness.consent.access import consent_filter, require_talent_self
from likeness.consent.document import (
    ConsentDocument,
    PartyRef,
    canonical_bytes,
    document_sha256,
    title,
)
from likeness.consent.errors import (
    ConsentError,
    ConsentImmutable,
    CreationConsentRequired,
    InvalidConsent,
    SignatureKeyError,
)
from likeness.consent.render import html_context, to_html, to_markdown, to_pdf
from likeness.consent.schemas import (
    ConsentRead,
    ConsentVerification,
    CreationConsentCreate,
    SignatureRead,
    StandingLimitsIn,
    StandingLimitsRead,
)
from likeness.consent.signing import (
    SignatureRecord,
    TalentKeyring,
    check_intent,
    sign_record,
    verify_record,
)
from likeness.errors import Forbidden, InvalidInput, NotFound
from likeness.identity.actor import Actor
from likeness.jobs import service as jobs
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.models.consent import Consent, ConsentSignature
from likeness.models.license import License
from likeness.models.party import Agency, Role, TalentProfile
from likeness.party.access import relations
from likeness.party.repository import representing_agency_ids
from likeness.policy import (
    TWIN_ACTIVITIES,
    ConsentKind,
    ConsentStatus,
    LicenseTerms,
    Relation,
    has_stray_control,
    is_slug,
)

RENDER_FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}


# --- reading ------------------------------------------------------------------------


def document_of(consent: Consent) -> ConsentDocument:
    return ConsentDocument.from_dict(json.loads(consent.document))


def get_for(session: Session, actor: Actor, consent_id: str) -> Consent:
    """The consent, if the actor may see it (:func:`.access.get_consent_for`); else 404."""
    return access.get_consent_for(session, actor, consent_id)


def list_for(
    session: Session,
    actor: Actor,
    *,
    talent_id: str | None = None,
    license_id: str | None = None,
    kind: ConsentKind | None = None,
    status: ConsentStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Consent]:
    require_page(limit, offset, MAX_PAGE)
    where = conditions(
        consent_filter(actor),
        (Consent.talent_id, talent_id),
        (Consent.license_id, license_id),
        (Consent.kind, kind),
        (Consent.status, status),
    )
    return repository.list_consents(session, where, limit=limit, offset=offset)


def to_read(session: Session, consent: Consent) -> ConsentRead:
    signature = repository.signature_of(session, consent.id)
    return ConsentRead(
        id=consent.id,
        kind=consent.kind,
        status=consent.status,
        title=title(document_of(consent)),
        talent_id=consent.talent_id,
        twin_id=consent.twin_id,
        license_id=consent.license_id,
        document_sha256=consent.document_sha256,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        created_at=consent.created_at,
        signed_at=consent.signed_at,
        revoked_at=consent.revoked_at,
        revocation_reason=consent.revocation_reason,
        version=consent.version,
        signature=SignatureRead.model_validate(signature) if signature else None,
    )


def _record_of(signature: ConsentSignature | None) -> SignatureRecord | None:
    if signature is None:
        return None
    return SignatureRecord(
        consent_id=signature.consent_id,
        document_sha256=signature.document_sha256,
        signer_user_id=signature.signer_user_id,
        typed_name=signature.typed_name,
        statement=signature.statement,
        signed_at=signature.signed_at,
        ed25519_signature=signature.ed25519_signature,
        ed25519_public_key=signature.ed25519_public_key,
    )


def document_view(
    session: Session, actor: Actor, consent_id: str
) -> tuple[Consent, dict[str, Any]]:
    """The consent and the full document as the HTML rendering shows it (title, parties,
    every section, the statement to type, the signature, the SHA-256), for a page."""
    consent = get_for(session, actor, consent_id)
    record = _record_of(repository.signature_of(session, consent.id))
    return consent, html_context(document_of(consent), record)


def render(session: Session, actor: Actor, consent_id: str, fmt: str) -> tuple[bytes, str]:
    """The document as Markdown, HTML, PDF or canonical JSON, with its media type."""
    if fmt not in RENDER_FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(RENDER_FORMATS)}")
    consent = get_for(session, actor, consent_id)
    doc = document_of(consent)
    record = _record_of(repository.signature_of(session, consent.id))
    if fmt == "md":
        body = to_markdown(doc, record).encode("utf-8")
    elif fmt == "html":
        body = to_html(doc, record).encode("utf-8")
    elif fmt == "pdf":
        body = to_pdf(doc, record)
    else:
        body = canonical_bytes(doc)
    return body, RENDER_FORMATS[fmt]


def verify(session: Session, actor: Actor, consent_id: str) -> ConsentVerification:
    consent = get_for(session, actor, consent_id)
    doc = document_of(consent)
    intact = (
        document_sha256(doc) == consent.document_sha256 and doc.terms_sha256 == consent.terms_sha256
    )
    record = _record_of(repository.signature_of(session, consent.id))
    return ConsentVerification(
        consent_id=consent.id,
        document_sha256=consent.document_sha256,
        document_intact=intact,
        signature_matches_document=(
            None if record is None else record.document_sha256 == consent.document_sha256
        ),
        ed25519_valid=(
            None if record is None or not record.ed25519_signature else verify_record(record)
        ),
    )


# --- creation consents in force -------------------------------------------------


def active_creation_consent(
    session: Session, talent_id: str, twin_id: str | None, at: datetime | None = None
) -> Consent | None:
    """The talent's signed, unrevoked, currently valid creation consent for this twin.

    A creation consent with no ``twin_id`` covers building any twin of the talent; one
    with a ``twin_id`` covers only that twin.
    """
    standing = repository.standing_creation_consents(session, talent_id, twin_id, at or utcnow())
    return standing[0] if standing else None


def creation_consent_allowing(
    session: Session,
    talent_id: str,
    twin_id: str | None,
    activity: str,
    *,
    at: datetime,
    any_twin: bool = False,
) -> tuple[Consent | None, str | None]:
    """The signed creation consent in force ``at`` that allows ``activity`` on this twin (on
    any of the talent's twins with ``any_twin``), and None; or None and why not: None when
    no consent is in force at all, else what the consents in force do allow."""
    standing = repository.standing_creation_consents(
        session, talent_id, twin_id, at, any_twin=any_twin
    )
    for consent in standing:
        if activity in document_of(consent).activities:
            return consent, None
    if not standing:
        return None, None
    allowed = sorted({a for c in standing for a in document_of(c).activities})
    return None, (
        f"the talent's creation consent does not allow {activity!r} "
        f"(it allows: {', '.join(allowed) or 'nothing'})"
    )


def consents_keeping_twins(session: Session, talent_id: str) -> list[Consent]:
    """The talent's signed creation consents in force now that allow building or altering
    a twin (``TWIN_ACTIVITIES``; one to be captured is not enough): what keeps a twin, and
    the licenses on it, alive. One query for all the talent's twins (see
    :func:`covers_twin`)."""
    standing = repository.standing_creation_consents(
        session, talent_id, None, utcnow(), any_twin=True
    )
    return [c for c in standing if TWIN_ACTIVITIES.intersection(document_of(c).activities)]


def covers_twin(consent: Consent, twin_id: str | None) -> bool:
    """A creation consent naming no twin covers every twin of its talent (and a license
    naming none); one naming a twin covers that twin only."""
    return consent.twin_id is None or consent.twin_id == twin_id


def require_creation_consent(
    session: Session, talent_id: str, twin_id: str | None, activity: str
) -> Consent:
    """The consent that allows ``activity`` on this twin now, or a refusal that says why."""
    consent, not_allowed = creation_consent_allowing(
        session, talent_id, twin_id, activity, at=utcnow()
    )
    if consent is not None:
        return consent
    if not_allowed is None:
        raise CreationConsentRequired(
            "no active signed creation consent from the talent covers this twin"
        )
    raise CreationConsentRequired(f"{not_allowed}; ask for a new consent")


# --- creating -----------------------------------------------------------------------


def _agency_ref(session: Session, talent_id: str) -> PartyRef | None:
    agencies = representing_agency_ids(session, talent_id, utcnow().date())
    agency = session.get(Agency, agencies[0]) if agencies else None
    return PartyRef(agency.id, agency.name) if agency else None


def _store(session: Session, actor: Actor, doc: ConsentDocument) -> Consent:
    consent = Consent(
        kind=doc.kind,
        status=ConsentStatus.draft,
        talent_id=doc.talent.id,
        twin_id=doc.twin_id,
        license_id=doc.license_id,
        document=canonical_bytes(doc).decode("utf-8"),
        document_sha256=document_sha256(doc),
        terms_sha256=doc.terms_sha256,
        valid_from=doc.valid_from,
        valid_until=doc.valid_until,
        created_by_user_id=actor.user_id,
        version=1,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        actor,
        "consent.created",
        "consent",
        consent.id,
        {
            "kind": doc.kind.value,
            "talent_id": doc.talent.id,
            "license_id": doc.license_id,
            "document_sha256": consent.document_sha256,
        },
    )
    return consent


def create_creation_consent(
    session: Session,
    actor: Actor,
    data: CreationConsentCreate,
    *,
    require_twin: Callable[[Session, str, str], object],
) -> Consent:
    """Draft a creation consent; the talent, their agent or an operator may prepare it.

    A consent may name one of the talent's twins: ``require_twin(session, talent_id,
    twin_id)`` refuses any other. Twins sit above consents, so the twin feature passes
    its check in (:func:`likeness.twin.service.create_creation_consent`).
    """
    talent = session.get(TalentProfile, data.talent_id)
    related = relations(session, actor, data.talent_id, "") if talent else frozenset()
    if talent is None or not related:
        raise NotFound(f"no talent {data.talent_id}")
    if data.twin_id is not None:
        require_twin(session, talent.id, data.twin_id)
    if has_stray_control(data.purpose):
        raise InvalidConsent("purpose must not contain control characters (line breaks are fine)")
    now = utcnow()
    doc = ConsentDocument(
        kind=ConsentKind.creation,
        talent=PartyRef(talent.id, talent.legal_name),
        agency=_agency_ref(session, talent.id),
        purpose=data.purpose.strip(),
        valid_from=data.valid_from or now,
        valid_until=data.valid_until,
        issued_at=now,
        creation_fee_minor=data.creation_fee_minor,
        currency=data.currency.upper(),
        activities=tuple(dict.fromkeys(a.strip().lower() for a in data.activities)),
        twin_id=data.twin_id,
    )
    return _store(session, actor, doc)


def create_use_consent(
    session: Session, actor: Actor, lic: License, terms: LicenseTerms, brand_name: str
) -> Consent:
    """Draft the use consent for an accepted license, for the talent to read and sign."""
    talent = session.get(TalentProfile, lic.talent_id)
    assert talent is not None  # foreign key
    doc = ConsentDocument(
        kind=ConsentKind.use,
        talent=PartyRef(talent.id, talent.legal_name),
        agency=_agency_ref(session, talent.id),
        purpose=terms.purpose or "As stated in the license terms.",
        valid_from=terms.starts_at,
        valid_until=terms.ends_at,
        issued_at=utcnow(),
        currency=terms.fees.currency,
        twin_id=lic.twin_id,
        brand=PartyRef(lic.brand_id, brand_name),
        license_id=lic.id,
        terms=terms,
    )
    return _store(session, actor, doc)


# --- signing and revoking -------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    typed_name: str
    statement: str
    sign_with_key: bool = False
    #: The SHA-256 of the document the signer was shown (the portal sends it): signing
    #: refuses when the consent's document is not that one. None: not checked.
    shown_sha256: str | None = None


def sign_document(
    session: Session,
    actor: Actor,
    consent: Consent,
    intent: Intent,
    keyring: TalentKeyring | None,
) -> ConsentSignature:
    require_talent_self(actor, consent.talent_id, "sign")
    if consent.status is not ConsentStatus.draft:
        raise ConsentImmutable(
            f"consent {consent.id} is already {consent.status.value}; signed documents never change"
        )
    doc = document_of(consent)
    if document_sha256(doc) != consent.document_sha256:
        raise ConsentError(f"consent {consent.id} no longer matches its hash; refusing to sign")
    if intent.shown_sha256 is not None and intent.shown_sha256 != consent.document_sha256:
        raise ConsentImmutable(
            f"consent {consent.id} is not the document you were shown; reload it and read it again"
        )
    check_intent(intent.typed_name, intent.statement, doc.talent.name)
    now = utcnow()
    if now >= consent.valid_until:
        raise InvalidConsent(f"consent {consent.id} ended at {consent.valid_until.isoformat()}")
    assert actor.user_id is not None  # a talent actor is always a user
    record = SignatureRecord(
        consent_id=consent.id,
        document_sha256=consent.document_sha256,
        signer_user_id=actor.user_id,
        typed_name=intent.typed_name.strip(),
        statement=intent.statement.strip(),
        signed_at=now,
    )
    if intent.sign_with_key:
        if keyring is None:
            raise SignatureKeyError("no key directory is configured for Ed25519 signatures")
        record = sign_record(record, keyring.create(consent.talent_id))
    values = {"status": ConsentStatus.signed, "signed_at": now}
    if not repository.compare_and_set(session, consent.id, consent.version, values):
        raise ConsentImmutable(f"consent {consent.id} was changed at the same time; reload it")
    signature = ConsentSignature(
        consent_id=consent.id,
        signer_user_id=record.signer_user_id,
        typed_name=record.typed_name,
        statement=record.statement,
        document_sha256=record.document_sha256,
        signed_at=record.signed_at,
        ed25519_signature=record.ed25519_signature,
        ed25519_public_key=record.ed25519_public_key,
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        actor,
        "consent.signed",
        "consent",
        consent.id,
        {
            "kind": consent.kind.value,
            "document_sha256": record.document_sha256,
            "typed_name": record.typed_name,
            "ed25519_public_key": record.ed25519_public_key,
        },
    )
    return signature


def mark_revoked(
    session: Session, actor: Actor, consent: Consent, at: datetime, reason: str | None
) -> None:
    """Record the revocation of a signed consent (effects are the caller's business)."""
    if consent.status is not ConsentStatus.signed:
        raise ConsentImmutable(
            f"consent {consent.id} is {consent.status.value}; only a signed consent is revoked"
        )
    values = {"status": ConsentStatus.revoked, "revoked_at": at, "revocation_reason": reason}
    if not repository.compare_and_set(session, consent.id, consent.version, values):
        raise ConsentImmutable(f"consent {consent.id} was changed at the same time; reload it")
    audit.record(
        session,
        actor,
        "consent.revoked",
        "consent",
        consent.id,
        {"kind": consent.kind.value, "reason": reason, "license_id": consent.license_id},
    )
    if consent.license_id is not None:  # a use consent: its license's jobs stop
        why = f"the use consent of license {consent.license_id} was revoked"
        jobs.cancel_for_license(session, consent.license_id, why, actor=actor)


# --- standing limits ------------------------------------------------------------------


def get_limits(session: Session, actor: Actor, talent_id: str) -> StandingLimitsRead:
    if session.get(TalentProfile, talent_id) is None or not (
        relations(session, actor, talent_id, "") or actor.role is Role.brand
    ):
        raise NotFound(f"no talent {talent_id}")
    return StandingLimitsRead(
        talent_id=talent_id, categories=repository.never_allowed(session, talent_id)
    )


def set_limits(
    session: Session, actor: Actor, talent_id: str, data: StandingLimitsIn
) -> StandingLimitsRead:
    """Categories the talent never allows, whatever a license says (talent or operator)."""
    related = relations(session, actor, talent_id, "")
    if session.get(TalentProfile, talent_id) is None or not related:
        raise NotFound(f"no talent {talent_id}")
    if not related & {Relation.talent, Relation.operator}:
        raise Forbidden("only the talent (or an operator) sets standing limits")
    categories = sorted({c.strip().lower() for c in data.categories})
    bad = [c for c in categories if not is_slug(c)]
    if bad:
        raise InvalidInput("categories must be lower-case slugs: " + ", ".join(bad))
    before = repository.never_allowed(session, talent_id)
    repository.replace_limits(session, talent_id, categories, data.note)
    audit.record(
        session,
        actor,
        "talent.limits_set",
        "talent",
        talent_id,
        {"before": before, "after": categories, "note": data.note},
    )
    return StandingLimitsRead(talent_id=talent_id, categories=categories)
