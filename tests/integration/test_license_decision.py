"""Deciding a use from the database: what a decision reads, and what it does not re-read."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from integration.test_license_support import World, sign_creation_consent, to_status
from likeness.consent.document import ConsentDocument
from likeness.licensing import decision
from likeness.licensing.errors import LicenseNotFound
from likeness.licensing.schemas import UseIn
from likeness.models.license import License
from likeness.models.twin import Twin
from likeness.policy import reasons


def _use(world: World, action: str) -> UseIn:
    return UseIn(
        twin=world.talent.id,
        brand_id=world.brand.id,
        action=action,
        channel="instagram",
        territory="FR",
        category="fashion",
    )


def test_repeated_decisions_parse_each_consent_document_at_most_once(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_creation_consent(session, world)
    to_status(session, world, "active")
    parsed: list[object] = []
    original = ConsentDocument.from_dict.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ConsentDocument], data: object) -> ConsentDocument:
        parsed.append(data)
        return original(cls, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(ConsentDocument, "from_dict", classmethod(counting))
    brand = world.actor(session, "brand")
    for _ in range(3):
        assert decision.decide_use(session, brand, _use(world, "generate")).allow
        assert decision.decide_use(session, brand, _use(world, "publish")).allow
    # The creation consent at most once (it may already be known), the use consent never.
    assert len(parsed) <= 1


def test_the_remembered_activities_still_follow_each_consent(
    session: Session, world: World
) -> None:
    # Remembered facts are per document: a consent that does not allow altering denies
    # generation, and signing a second one that does allows it at once.
    sign_creation_consent(session, world, activities=("capture", "build"))
    to_status(session, world, "active")
    brand = world.actor(session, "brand")
    denied = decision.decide_use(session, brand, _use(world, "generate"))
    assert denied.codes == {reasons.CREATION_CONSENT_NO_ALTER}
    sign_creation_consent(session, world)
    assert decision.decide_use(session, brand, _use(world, "generate")).allow


def _named(world: World, license_id: str | None, **changes: object) -> UseIn:
    return _use(world, "publish").model_copy(update={"license_id": license_id, **changes})


def test_two_active_licenses_deny_as_ambiguous_until_the_use_names_one(
    session: Session, world: World
) -> None:
    # A second campaign of the same brand: both licenses cover instagram/FR/fashion.
    sign_creation_consent(session, world)
    first = to_status(session, world, "active")
    second = to_status(session, world, "active")
    brand = world.actor(session, "brand")
    ambiguous = decision.decide_use(session, brand, _named(world, None))
    assert not ambiguous.allow
    assert ambiguous.codes == {reasons.LICENSE_AMBIGUOUS}
    assert set(ambiguous.candidate_license_ids) == {first.id, second.id}
    for lic in (first, second):
        named = decision.decide_use(session, brand, _named(world, lic.id))
        assert named.allow and named.license_id == lic.id
        assert named.to_dict()["use"]["license_id"] == lic.id


def test_one_active_license_among_others_still_decides_without_a_name(
    session: Session, world: World
) -> None:
    sign_creation_consent(session, world)
    active = to_status(session, world, "active")
    to_status(session, world, "accepted")  # negotiated, never signed: covers nothing
    verdict = decision.decide_use(session, world.actor(session, "brand"), _named(world, None))
    assert verdict.allow and verdict.license_id == active.id


def test_a_named_license_must_be_the_brands_for_this_talent(session: Session, world: World) -> None:
    sign_creation_consent(session, world)
    lic = to_status(session, world, "active")
    operator = world.actor(session, "operator")
    for wrong in (
        _named(world, "f" * 32),  # no such license
        _named(world, lic.id, brand_id=world.other_brand.id),  # another brand's license
    ):
        with pytest.raises(LicenseNotFound, match=f"holds no license {wrong.license_id} for "):
            decision.decide_use(session, operator, wrong)


def test_a_named_license_of_another_twin_is_refused(session: Session, world: World) -> None:
    for twin_id in ("a" * 32, "b" * 32):
        session.add(Twin(id=twin_id, talent_id=world.talent.id, status="active", latest_version=0))
    session.flush()
    sign_creation_consent(session, world)
    lic = to_status(session, world, "active")
    session.execute(update(License).where(License.id == lic.id).values(twin_id="a" * 32))
    brand = world.actor(session, "brand")
    assert decision.decide_use(session, brand, _named(world, lic.id, twin="a" * 32)).allow
    with pytest.raises(LicenseNotFound, match=f"no license {lic.id} for twin {'b' * 32}"):
        decision.decide_use(session, brand, _named(world, lic.id, twin="b" * 32))
    with pytest.raises(LicenseNotFound, match=f"for talent {world.talent.id}"):
        decision.decide_use(session, brand, _named(world, lic.id))
