"""Twins in the rights core: a twin resolves to its talent; licenses and consents that name
one must name the talent's own active twin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

import factories
from integration.test_license_support import make_world, terms_in
from likeness.consent.schemas import CreationConsentCreate
from likeness.errors import Conflict, NotFound
from likeness.kit.clock import utcnow
from likeness.licensing import repository
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRequestIn
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.twin import Twin
from likeness.twin import service as twins


def test_a_fresh_twin_resolves_to_its_talent(session: Session) -> None:
    talent = factories.create_talent(session)
    twin = Twin(talent_id=talent.id, status="active", latest_version=1)
    session.add(twin)
    session.flush()
    assert repository.twin_owner(session, twin.id) == talent.id
    assert repository.twin_owner(session, "0" * 32) is None


def _twin(session: Session, talent_id: str, status: str = "active") -> Twin:
    twin = Twin(talent_id=talent_id, status=status, latest_version=1)
    session.add(twin)
    session.flush()
    return twin


def test_licenses_and_consents_name_only_the_talents_own_active_twin(session: Session) -> None:
    world = make_world(session)
    own = _twin(session, world.talent.id)
    retired = _twin(session, world.talent.id, status="retired")
    foreign = _twin(session, factories.create_talent(session).id)
    brand = world.actor(session, "brand")

    def request(twin_id: str) -> License:
        body = LicenseRequestIn(
            talent_id=world.talent.id, twin_id=twin_id, brand_id=world.brand.id, terms=terms_in()
        )
        return licensing.request(session, brand, body)

    def draft(twin_id: str) -> Consent:
        body = CreationConsentCreate(
            talent_id=world.talent.id,
            twin_id=twin_id,
            purpose="Rebuild my twin",
            valid_until=utcnow() + timedelta(days=365),
        )
        return twins.create_creation_consent(session, world.actor(session, "agent"), body)

    assert request(own.id).twin_id == own.id
    assert draft(own.id).twin_id == own.id
    for make in (request, draft):
        for missing in ("0" * 32, foreign.id):
            with pytest.raises(NotFound, match="has no twin"):
                make(missing)
        with pytest.raises(Conflict, match="is retired"):
            make(retired.id)
