"""Consents through the services: create, sign, verify, render, revoke, standing limits."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from integration.test_license_support import (
    LEGAL_NAME,
    World,
    intent,
    sign_creation_consent,
    to_status,
)
from likeness.consent import service as consents
from likeness.consent.errors import (
    ConsentError,
    ConsentImmutable,
    ConsentNotFound,
    IntentNotShown,
    InvalidConsent,
    SignatureKeyError,
    SignerNotTalent,
)
from likeness.consent.schemas import CreationConsentCreate, StandingLimitsIn
from likeness.consent.signing import AFFIRMATION, TalentKeyring
from likeness.errors import Forbidden, InvalidInput, NotFound
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import decision, notifications
from likeness.licensing import repository as licensing_repository
from likeness.licensing import service as licensing
from likeness.licensing.schemas import UseIn
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent, ConsentSignature
from likeness.models.license import License
from likeness.models.twin import Twin
from likeness.policy import ConsentKind, ConsentStatus, LicenseStatus, reasons
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps


def _revoke(
    session: Session, deps: StorageDeps, actor: Actor, consent_id: str, reason: str | None
) -> Consent:
    """Revoke through the one revocation use case; these tests build no twins to shred."""
    consent, shredded = licensing.revoke_consent(session, actor, deps, consent_id, reason)
    assert shredded == []
    return consent


def _draft(session: Session, world: World, who: str = "agent", **changes: object) -> Consent:
    data = {
        "talent_id": world.talent.id,
        "purpose": "Build my twin for e-commerce",
        "valid_until": utcnow() + timedelta(days=365),
        "creation_fee_minor": 50_000,
        **changes,
    }
    return twins.create_creation_consent(
        session,
        world.actor(session, who),
        CreationConsentCreate(**data),  # type: ignore[arg-type]
    )


def _use(world: World, **changes: object) -> UseIn:
    data: dict[str, object] = {
        "twin": world.talent.id,
        "brand_id": world.brand.id,
        "action": "publish",
        "channel": "instagram",
        "territory": "FR",
        "category": "fashion",
        **changes,
    }
    return UseIn(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize("who", ["talent", "agent", "operator"])
def test_talent_agent_or_operator_may_draft_a_creation_consent(
    session: Session, world: World, who: str
) -> None:
    consent = _draft(session, world, who)
    assert consent.status is ConsentStatus.draft
    doc = json.loads(consent.document)
    assert doc["talent"]["name"] == LEGAL_NAME
    assert doc["agency"]["id"] == world.agency.id
    assert doc["activities"] == ["capture", "build", "alter"]
    assert consents.verify(session, world.actor(session, who), consent.id).document_intact


@pytest.mark.parametrize("who", ["brand", "other_talent", "stranger_agent"])
def test_others_may_not_draft_or_see_it(session: Session, world: World, who: str) -> None:
    with pytest.raises(NotFound):
        _draft(session, world, who)
    consent = _draft(session, world)
    with pytest.raises(ConsentNotFound):
        consents.get_for(session, world.actor(session, who), consent.id)
    assert consents.list_for(session, world.actor(session, who)) == []


@pytest.mark.parametrize("who", ["agent", "brand", "operator", "other_talent"])
def test_only_the_talent_signs(session: Session, world: World, who: str) -> None:
    consent = _draft(session, world)
    with pytest.raises((SignerNotTalent, ConsentNotFound)):
        licensing.sign_consent(session, world.actor(session, who), consent.id, intent(), None)
    session.refresh(consent)
    assert consent.status is ConsentStatus.draft


def test_signing_records_intent_and_is_final(session: Session, world: World) -> None:
    consent = _draft(session, world)
    talent = world.actor(session, "talent")
    with pytest.raises(IntentNotShown):
        licensing.sign_consent(session, talent, consent.id, intent("Ada"), None)
    signed = licensing.sign_consent(session, talent, consent.id, intent(), None)
    assert signed.status is ConsentStatus.signed
    read = consents.to_read(session, signed)
    assert read.signature is not None
    assert read.signature.typed_name == LEGAL_NAME
    assert read.signature.document_sha256 == consent.document_sha256
    assert read.signature.signer_user_id == world.talent_user.id
    with pytest.raises(ConsentImmutable, match="already signed"):
        licensing.sign_consent(session, talent, consent.id, intent(), None)
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.object_id == consent.id).order_by(AuditEvent.seq)
    ).scalars()
    assert list(actions) == ["consent.created", "consent.signed"]


def test_ed25519_signature_verifies(session: Session, world: World, tmp_path: Path) -> None:
    consent = _draft(session, world)
    keyring = TalentKeyring(tmp_path)
    talent = world.actor(session, "talent")
    licensing.sign_consent(session, talent, consent.id, intent(sign_with_key=True), keyring)
    report = consents.verify(session, talent, consent.id)
    assert (report.document_intact, report.signature_matches_document, report.ed25519_valid) == (
        True,
        True,
        True,
    )
    assert keyring.exists(world.talent.id)


def test_verify_detects_a_tampered_document(session: Session, world: World) -> None:
    consent = _draft(session, world)
    talent = world.actor(session, "talent")
    session.execute(
        update(Consent).where(Consent.id == consent.id).values(document=consent.document + " ")
    )
    session.expire_all()
    assert consents.verify(session, talent, consent.id).document_intact  # same canonical JSON
    tampered = json.loads(consent.document)
    tampered["purpose"] = "Something else entirely"
    session.execute(
        update(Consent).where(Consent.id == consent.id).values(document=json.dumps(tampered))
    )
    session.expire_all()
    report = consents.verify(session, talent, consent.id)
    assert report.document_intact is False
    assert report.signature_matches_document is None


@pytest.mark.parametrize(
    "change",
    [
        {"document": "{}"},
        {"document_sha256": "0" * 64},
        {"valid_until": utcnow() + timedelta(days=9_000)},
        {"talent_id": None},
    ],
)
def test_signed_consents_are_immutable_in_the_database(
    session: Session, world: World, change: dict[str, object]
) -> None:
    consent = _draft(session, world)
    licensing.sign_consent(session, world.actor(session, "talent"), consent.id, intent(), None)
    if change.get("talent_id", "") is None:
        change = {"talent_id": world.other_talent_user.id}
    with pytest.raises(DBAPIError, match="immutable"), session.begin_nested():
        session.execute(update(Consent).where(Consent.id == consent.id).values(**change))
    with pytest.raises(DBAPIError, match="immutable"), session.begin_nested():
        session.execute(
            update(ConsentSignature)
            .where(ConsentSignature.consent_id == consent.id)
            .values(typed_name="Someone Else")
        )
    session.expire_all()
    assert consents.verify(session, world.actor(session, "talent"), consent.id).document_intact


def test_key_signature_needs_a_keyring(session: Session, world: World) -> None:
    consent = _draft(session, world)
    with pytest.raises(SignatureKeyError):
        licensing.sign_consent(
            session, world.actor(session, "talent"), consent.id, intent(sign_with_key=True), None
        )


def test_a_tampered_draft_cannot_be_signed(session: Session, world: World) -> None:
    consent = _draft(session, world)
    tampered = json.loads(consent.document)
    tampered["creation_fee_minor"] = 1
    session.execute(
        update(Consent).where(Consent.id == consent.id).values(document=json.dumps(tampered))
    )
    session.expire_all()
    with pytest.raises(ConsentError, match="no longer matches its hash"):
        licensing.sign_consent(session, world.actor(session, "talent"), consent.id, intent(), None)


def test_invalid_creation_consent_is_refused(session: Session, world: World) -> None:
    with pytest.raises(InvalidConsent, match="unknown activities"):
        _draft(session, world, activities=["sell"])
    with pytest.raises(InvalidConsent, match="end after it starts"):
        _draft(session, world, valid_until=utcnow() - timedelta(days=1))
    with pytest.raises(InvalidConsent, match="control characters"):
        _draft(session, world, purpose="Twin\x1b[8m hidden text\x1b[0m")
    assert _draft(session, world, purpose="Line one\nLine two\twith a tab").status is not None


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "json"])
def test_render_every_format(session: Session, world: World, fmt: str) -> None:
    consent = _draft(session, world)
    body, media = consents.render(session, world.actor(session, "talent"), consent.id, fmt)
    assert body
    if fmt == "pdf":
        assert body.startswith(b"%PDF-")
        assert media == "application/pdf"
    elif fmt == "json":
        assert json.loads(body)["kind"] == "creation"
    else:
        assert consent.document_sha256.encode() in body
        assert LEGAL_NAME.encode() in body


def test_unknown_render_format_is_refused(session: Session, world: World) -> None:
    consent = _draft(session, world)
    with pytest.raises(InvalidInput, match="unknown format"):
        consents.render(session, world.actor(session, "talent"), consent.id, "docx")


def test_brand_reads_the_use_consent_of_its_license_but_not_the_creation_consent(
    session: Session, world: World
) -> None:
    creation_id = sign_creation_consent(session, world)
    lic = to_status(session, world, "accepted")
    brand = world.actor(session, "brand")
    (use_consent,) = consents.list_for(session, brand)
    assert use_consent.license_id == lic.id
    assert use_consent.kind is ConsentKind.use
    with pytest.raises(ConsentNotFound):
        consents.get_for(session, brand, creation_id)
    assert consents.list_for(session, world.actor(session, "other_brand")) == []
    with pytest.raises(SignerNotTalent):
        licensing.sign_consent(session, brand, use_consent.id, intent(), None)


def test_signing_the_use_consent_activates_the_license(session: Session, world: World) -> None:
    lic = to_status(session, world, "accepted")
    (use_consent,) = consents.list_for(session, world.actor(session, "talent"), license_id=lic.id)
    licensing.sign_consent(session, world.actor(session, "talent"), use_consent.id, intent(), None)
    session.refresh(lic)
    assert lic.status is LicenseStatus.active


def test_revoking_a_use_consent_revokes_its_license(
    session: Session, world: World, deps: StorageDeps
) -> None:
    sign_creation_consent(session, world)
    lic = to_status(session, world, "active")
    brand = world.actor(session, "brand")
    assert decision.decide_use(session, brand, _use(world)).allow
    (use_consent,) = consents.list_for(session, brand, license_id=lic.id)
    with pytest.raises(SignerNotTalent):
        _revoke(session, deps, world.actor(session, "agent"), use_consent.id, None)
    _revoke(session, deps, world.actor(session, "talent"), use_consent.id, "no longer")
    session.refresh(lic)
    assert lic.status is LicenseStatus.revoked
    refused = decision.decide_use(session, brand, _use(world))
    assert not refused.allow
    assert reasons.CONSENT_REVOKED in refused.codes
    (note,) = notifications.list_for(session, brand, unread_only=True)[:1]
    assert note.kind == "license.revoked"
    notifications.mark_read(session, brand, note.id)
    assert all(n.id != note.id for n in notifications.list_for(session, brand, unread_only=True))
    with pytest.raises(NotFound):
        notifications.mark_read(session, world.actor(session, "other_brand"), note.id)
    with pytest.raises(ConsentImmutable):
        _revoke(session, deps, world.actor(session, "talent"), use_consent.id, None)


def test_revoking_the_creation_consent_ends_every_license_it_covered(
    session: Session, world: World, deps: StorageDeps
) -> None:
    creation_id = sign_creation_consent(session, world)
    live = to_status(session, world, "active")
    negotiating = to_status(session, world, "proposed")
    _revoke(session, deps, world.actor(session, "talent"), creation_id, "stop everything")
    session.refresh(live)
    session.refresh(negotiating)
    assert live.status is LicenseStatus.revoked
    assert negotiating.status is LicenseStatus.withdrawn
    refused = decision.decide_use(session, world.actor(session, "brand"), _use(world))
    assert reasons.CREATION_CONSENT_REVOKED in refused.codes
    kinds = sorted(n.kind for n in notifications.list_for(session, world.actor(session, "brand")))
    assert kinds == ["license.activated", "license.revoked", "license.withdrawn"]


def test_a_draft_cannot_be_revoked(session: Session, world: World, deps: StorageDeps) -> None:
    consent = _draft(session, world)
    with pytest.raises(ConsentImmutable, match="only a signed consent"):
        _revoke(session, deps, world.actor(session, "talent"), consent.id, None)


def test_standing_limits_override_every_license(session: Session, world: World) -> None:
    sign_creation_consent(session, world)
    to_status(session, world, "active")
    brand = world.actor(session, "brand")
    assert decision.decide_use(session, brand, _use(world, category="beauty")).allow
    for who in ("agent", "brand"):
        with pytest.raises((Forbidden, NotFound)):
            consents.set_limits(
                session,
                world.actor(session, who),
                world.talent.id,
                StandingLimitsIn(categories=["beauty"]),
            )
    limits = consents.set_limits(
        session,
        world.actor(session, "talent"),
        world.talent.id,
        StandingLimitsIn(categories=["Beauty", "tobacco", "tobacco"]),
    )
    assert limits.categories == ["beauty", "tobacco"]
    assert consents.get_limits(session, brand, world.talent.id).categories == ["beauty", "tobacco"]
    refused = decision.decide_use(session, brand, _use(world, category="beauty"))
    assert refused.codes == {reasons.CATEGORY_NEVER_ALLOWED}
    with pytest.raises(InvalidInput, match="slugs"):
        consents.set_limits(
            session,
            world.actor(session, "talent"),
            world.talent.id,
            StandingLimitsIn(categories=["Not A Slug!"]),
        )


def test_decide_resolves_twin_ids_and_refuses_strangers(session: Session, world: World) -> None:
    session.add(Twin(id="a" * 32, talent_id=world.talent.id, status="active", latest_version=0))
    session.flush()
    sign_creation_consent(session, world, twin_id="a" * 32)
    lic = to_status(session, world, "active")
    session.execute(update(License).where(License.id == lic.id).values(twin_id="a" * 32))
    brand = world.actor(session, "brand")
    by_twin = decision.decide_use(session, brand, _use(world, twin="a" * 32))
    assert by_twin.allow
    assert by_twin.use.twin_id == "a" * 32
    by_talent = decision.decide_use(session, brand, _use(world))
    assert not by_talent.allow  # the license covers only that twin
    with pytest.raises(NotFound):
        decision.decide_use(session, brand, _use(world, twin="f" * 32))
    for who in ("operator", "talent", "agent"):  # a typo is an error, not a considered DENY
        with pytest.raises(NotFound, match="no brand"):
            decision.decide_use(session, world.actor(session, who), _use(world, brand_id="nobrand"))
    with pytest.raises(Forbidden):
        decision.decide_use(session, brand, _use(world, brand_id=world.other_brand.id))
    with pytest.raises(Forbidden):
        decision.decide_use(session, world.actor(session, "stranger_agent"), _use(world))
    for who in ("talent", "agent", "operator"):
        assert decision.decide_use(
            session, world.actor(session, who), _use(world, twin="a" * 32)
        ).allow


def test_signing_refuses_a_document_other_than_the_one_shown(
    session: Session, world: World
) -> None:
    """The portal sends the SHA-256 of the document it showed; another one is refused."""
    consent = _draft(session, world)
    talent = world.actor(session, "talent")
    shown_elsewhere = consents.Intent(LEGAL_NAME, AFFIRMATION, shown_sha256="0" * 64)
    with pytest.raises(ConsentImmutable, match="not the document you were shown"):
        licensing.sign_consent(session, talent, consent.id, shown_elsewhere, None)
    session.refresh(consent)
    assert consent.status is ConsentStatus.draft
    shown = consents.Intent(LEGAL_NAME, AFFIRMATION, shown_sha256=consent.document_sha256)
    assert licensing.sign_consent(session, talent, consent.id, shown, None).status is (
        ConsentStatus.signed
    )


def test_intent_problems_come_by_field(session: Session, world: World) -> None:
    consent = _draft(session, world)
    talent = world.actor(session, "talent")
    with pytest.raises(IntentNotShown) as refused:
        licensing.sign_consent(session, talent, consent.id, intent("Ada"), None)
    assert set(refused.value.fields) == {"typed_name"}
    wrong_both = consents.Intent("Ada", "I agree")
    with pytest.raises(IntentNotShown) as refused:
        licensing.sign_consent(session, talent, consent.id, wrong_both, None)
    assert set(refused.value.fields) == {"typed_name", "statement"}


def test_revocation_effects_say_what_revoking_would_end(
    session: Session, world: World, deps: StorageDeps
) -> None:
    from integration.asset_support import licensed

    talent = world.actor(session, "talent")
    released = licensed(session, world, deps)  # a creation consent, a twin, a license
    lic = released.license
    use = licensing_repository.use_consent_of(session, lic.id)
    assert use is not None
    effects = licensing.revocation_effects(session, talent, use.id)
    assert [x.id for x in effects.licenses] == [lic.id]
    assert effects.twins == []
    creation = consents.list_for(
        session, talent, kind=ConsentKind.creation, status=ConsentStatus.signed
    )
    assert len(creation) == 1
    ending = licensing.revocation_effects(session, talent, creation[0].id)
    assert [x.id for x in ending.licenses] == [lic.id]
    assert [t.id for t in ending.twins] == [released.twin.id]
    # Asking changed nothing; revoking then does what was said.
    session.refresh(lic)
    assert lic.status is LicenseStatus.active
    _, shredded = licensing.revoke_consent(session, talent, deps, creation[0].id, "no more")
    assert shredded == [released.twin.id]
    session.refresh(lic)
    assert lic.status is not LicenseStatus.active
    with pytest.raises((SignerNotTalent, ConsentNotFound)):
        licensing.revocation_effects(session, world.actor(session, "agent"), use.id)
