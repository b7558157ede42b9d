"""Factories: one call makes a valid object, with every state change audited as usual."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy.orm import Session

from likeness.auth import service as auth_service
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.clock import utcnow
from likeness.models.party import Agency, Brand, Role, TalentProfile, User
from likeness.party import service
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def create_user(session: Session, role: Role, email: str | None = None) -> User:
    n = next(_counter)
    return service.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(
            email=email or f"{role.value}{n}@example.com",
            display_name=f"{role.value} {n}",
            role=role,
            password=PASSWORD,
        ),
    )


def create_talent(session: Session, legal_name: str = "Test Talent") -> TalentProfile:
    user = create_user(session, Role.talent)
    return service.create_talent(
        session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name=legal_name)
    )


def create_agency(session: Session, commission_percent: float = 15) -> tuple[Agency, User]:
    agency = service.create_agency(
        session,
        SYSTEM_ACTOR,
        AgencyCreate(name=f"Agency {next(_counter)}", commission_percent=commission_percent),
    )
    agent = create_user(session, Role.agent)
    service.add_agency_member(session, SYSTEM_ACTOR, agency.id, agent.id)
    return agency, agent


def represent(session: Session, talent: TalentProfile, agency: Agency) -> None:
    start = utcnow().date() - timedelta(days=30)  # in force now, whenever the tests run
    service.create_representation(
        session,
        SYSTEM_ACTOR,
        RepresentationCreate(
            talent_id=talent.id,
            agency_id=agency.id,
            starts_on=start,
            ends_on=start + timedelta(days=700),
        ),
    )


def create_brand(session: Session) -> tuple[Brand, User]:
    brand = service.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=f"Brand {next(_counter)}"))
    member = create_user(session, Role.brand)
    service.add_brand_member(session, SYSTEM_ACTOR, brand.id, member.id)
    return brand, member


def actor(session: Session, user: User) -> Actor:
    return auth_service.actor_for_user(session, user, via="test")


def token_for(session: Session, user: User) -> str:
    _, plaintext = auth_service.create_token(session, actor(session, user), "test")
    return plaintext
