"""Shared world for the rights-core integration and e2e tests (no tests in here).

One call builds a talent represented by an agency, two brands, a stranger agent, and
(optionally) walks a license all the way to active.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

import factories
from likeness.consent.schemas import CreationConsentCreate
from likeness.consent.service import Intent
from likeness.consent.signing import AFFIRMATION
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.clock import utcnow
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TermsIn, TransitionIn
from likeness.models.license import License
from likeness.models.party import Agency, Brand, Role, TalentProfile, User
from likeness.party import service as party
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)
from likeness.twin import service as twins

LEGAL_NAME = "Ada Okafor"


@dataclass
class World:
    talent: TalentProfile
    talent_user: User
    agency: Agency
    agent_user: User
    brand: Brand
    brand_user: User
    other_brand: Brand
    other_brand_user: User
    stranger_agent: User
    other_talent_user: User

    def actor(self, session: Session, who: str) -> Actor:
        if who == "operator":
            return SYSTEM_ACTOR
        user: User = getattr(self, f"{who}_user" if who != "stranger_agent" else who)
        return factories.actor(session, user)


_serial = itertools.count(1)


def _user(session: Session, role: Role) -> User:
    """A user without a password: argon2 hashing would dominate these tests' run time."""
    n = next(_serial)
    return party.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(
            email=f"rights-{role.value}-{n}-{uuid.uuid4().hex[:6]}@example.com",
            display_name=f"{role.value} {n}",
            role=role,
        ),
    )


def _talent(session: Session, legal_name: str) -> tuple[TalentProfile, User]:
    user = _user(session, Role.talent)
    talent = party.create_talent(
        session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name=legal_name)
    )
    return talent, user


def _agency(session: Session, percent: float) -> tuple[Agency, User]:
    agency = party.create_agency(
        session,
        SYSTEM_ACTOR,
        AgencyCreate(name=f"Agency {uuid.uuid4().hex[:8]}", commission_percent=percent),
    )
    agent = _user(session, Role.agent)
    party.add_agency_member(session, SYSTEM_ACTOR, agency.id, agent.id)
    return agency, agent


def _brand(session: Session) -> tuple[Brand, User]:
    brand = party.create_brand(
        session, SYSTEM_ACTOR, BrandCreate(name=f"Brand {uuid.uuid4().hex[:8]}")
    )
    member = _user(session, Role.brand)
    party.add_brand_member(session, SYSTEM_ACTOR, brand.id, member.id)
    return brand, member


def make_world(session: Session) -> World:
    talent, talent_user = _talent(session, LEGAL_NAME)
    agency, agent = _agency(session, 15)
    today = utcnow().date()
    party.create_representation(
        session,
        SYSTEM_ACTOR,
        RepresentationCreate(
            talent_id=talent.id,
            agency_id=agency.id,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=700),
        ),
    )
    brand, brand_user = _brand(session)
    other_brand, other_user = _brand(session)
    _, stranger = _agency(session, 10)
    _, other_talent_user = _talent(session, "Other Person")
    return World(
        talent,
        talent_user,
        agency,
        agent,
        brand,
        brand_user,
        other_brand,
        other_user,
        stranger,
        other_talent_user,
    )


def terms_in(**changes: Any) -> TermsIn:
    now = utcnow()
    data: dict[str, Any] = {
        "channels": ["instagram", "web"],
        "territories": ["FR", "DE"],
        "categories": ["fashion", "beauty"],
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=365),
        "max_outputs": 3,
        "currency": "EUR",
        "creation_fee_minor": 100_000,
        "per_output_fee_minor": 5_000,
        "per_use_fees_minor": {"instagram": 2_500},
        "purpose": "Spring campaign",
    }
    data.update(changes)
    return TermsIn(**data)


def intent(name: str = LEGAL_NAME, sign_with_key: bool = False) -> Intent:
    return Intent(name, AFFIRMATION, sign_with_key)


def sign_creation_consent(
    session: Session,
    world: World,
    twin_id: str | None = None,
    *,
    days: int = 3650,
    activities: tuple[str, ...] = ("capture", "build", "alter"),
) -> str:
    """The talent's signed creation consent (drafted by their agent); returns its id."""
    talent = world.actor(session, "talent")
    consent = twins.create_creation_consent(
        session,
        world.actor(session, "agent"),
        CreationConsentCreate(
            talent_id=world.talent.id,
            twin_id=twin_id,
            purpose="Build my twin for e-commerce",
            valid_until=utcnow() + timedelta(days=days),
            activities=list(activities),
        ),
    )
    licensing.sign_consent(session, talent, consent.id, intent(), None)
    return consent.id


def requested(session: Session, world: World, **terms: Any) -> License:
    return licensing.request(
        session,
        world.actor(session, "brand"),
        LicenseRequestIn(talent_id=world.talent.id, brand_id=world.brand.id, terms=terms_in()),
    )


def to_status(
    session: Session, world: World, status: str, *, twin_id: str | None = None, **terms: Any
) -> License:
    """A license (of one twin, or of all the talent's) walked along the happy path to ``status``."""
    brand = world.actor(session, "brand")
    lic = licensing.request(
        session,
        brand,
        LicenseRequestIn(
            talent_id=world.talent.id,
            twin_id=twin_id,
            brand_id=world.brand.id,
            terms=terms_in(**terms),
        ),
    )
    steps = ["requested", "proposed", "countered", "accepted", "active", "suspended"]
    path = steps[: steps.index(status) + 1] if status in steps else steps
    for step in path[1:]:
        if step == "proposed":
            lic = licensing.propose(
                session,
                world.actor(session, "agent"),
                lic.id,
                TermsChangeIn(terms=terms_in(**terms)),
            )
        elif step == "countered":
            lic = licensing.counter(session, brand, lic.id, TermsChangeIn(terms=terms_in(**terms)))
            lic = licensing.propose(
                session,
                world.actor(session, "agent"),
                lic.id,
                TermsChangeIn(terms=terms_in(**terms)),
            )
        elif step == "accepted":
            lic = licensing.accept(session, brand, lic.id, TransitionIn())
        elif step == "active":
            lic = licensing.approve(session, world.actor(session, "talent"), lic.id, intent(), None)
        elif step == "suspended":
            lic = licensing.suspend(session, world.actor(session, "agent"), lic.id, TransitionIn())
    if status in ("expired", "revoked", "withdrawn"):
        raise ValueError("walk to a live state, then end it in the test")
    return lic
