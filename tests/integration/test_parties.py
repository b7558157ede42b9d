"""Party services against a real database: caps, conflicts, ownership."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

import factories
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.models.party import Role
from likeness.party import access, service
from likeness.party.errors import CommissionTooHigh, TermTooLong
from likeness.party.schemas import AgencyCreate, RepresentationCreate, TalentCreate, UserCreate


def test_duplicate_email_is_a_conflict(session: Session) -> None:
    factories.create_user(session, Role.brand, email="dup@example.com")
    with pytest.raises(Conflict, match="already exists"):
        factories.create_user(session, Role.brand, email="DUP@example.com")


def test_an_empty_password_is_refused_not_taken_as_no_password(session: Session) -> None:
    data = UserCreate(email="pw@example.com", display_name="pw", role=Role.brand, password="")
    with pytest.raises(InvalidInput, match="password"):
        service.create_user(session, SYSTEM_ACTOR, data)
    without = UserCreate(email="pw@example.com", display_name="pw", role=Role.brand)
    assert service.create_user(session, SYSTEM_ACTOR, without).password_hash is None


def test_only_operators_create_parties(session: Session) -> None:
    _brand, member = factories.create_brand(session)
    brand_actor = factories.actor(session, member)
    with pytest.raises(Forbidden):
        service.create_user(
            session,
            brand_actor,
            UserCreate(email="x@example.com", display_name="x", role=Role.brand),
        )


def test_agency_commission_cap_in_service_and_database(session: Session) -> None:
    with pytest.raises(CommissionTooHigh):
        service.create_agency(
            session, SYSTEM_ACTOR, AgencyCreate(name="Greedy", commission_percent=25)
        )
    agency = service.create_agency(
        session, SYSTEM_ACTOR, AgencyCreate(name="Fair", commission_percent=20)
    )
    assert agency.commission_bps == 2000


def test_representation_term_cap(session: Session) -> None:
    talent = factories.create_talent(session)
    agency, _ = factories.create_agency(session)
    with pytest.raises(TermTooLong):
        service.create_representation(
            session,
            SYSTEM_ACTOR,
            RepresentationCreate(
                talent_id=talent.id,
                agency_id=agency.id,
                starts_on=date(2026, 1, 1),
                ends_on=date(2030, 1, 1),
            ),
        )
    with pytest.raises(InvalidInput, match="renew"):
        service.create_representation(
            session,
            SYSTEM_ACTOR,
            RepresentationCreate(
                talent_id=talent.id,
                agency_id=agency.id,
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 1, 1),
                auto_renew=True,
            ),
        )


def test_overlapping_representation_is_a_conflict(session: Session) -> None:
    talent = factories.create_talent(session)
    agency, _ = factories.create_agency(session)
    factories.represent(session, talent, agency)
    with pytest.raises(Conflict):
        factories.represent(session, talent, agency)


def test_talent_sees_only_themself(session: Session) -> None:
    ava, bea = factories.create_talent(session, "Ava"), factories.create_talent(session, "Bea")
    ava_user = session.get(factories.User, ava.user_id)
    assert ava_user is not None
    actor = factories.actor(session, ava_user)
    assert [t.id for t in service.list_talents(session, actor)] == [ava.id]
    with pytest.raises(NotFound):
        access.get_talent_for(session, actor, bea.id)


def test_agent_sees_only_represented_talent(session: Session) -> None:
    ava, bea = factories.create_talent(session, "Ava"), factories.create_talent(session, "Bea")
    agency, agent = factories.create_agency(session)
    factories.represent(session, ava, agency)
    actor = factories.actor(session, agent)
    assert [t.id for t in service.list_talents(session, actor)] == [ava.id]
    with pytest.raises(NotFound):
        access.get_talent_for(session, actor, bea.id)


def test_brand_sees_only_its_brand(session: Session) -> None:
    mine, member = factories.create_brand(session)
    theirs, _ = factories.create_brand(session)
    actor = factories.actor(session, member)
    assert [b.id for b in service.list_brands(session, actor)] == [mine.id]
    with pytest.raises(NotFound):
        access.get_brand_for(session, actor, theirs.id)
    assert service.list_talents(session, actor) == []


def test_an_agent_cannot_claim_a_talent(session: Session) -> None:
    """Recording a representation would grant access, so the agent may never do it alone."""
    victim = factories.create_talent(session)
    agency, agent = factories.create_agency(session)
    agent_actor = factories.actor(session, agent)
    with pytest.raises(Forbidden, match="only the talent"):
        service.create_representation(
            session,
            agent_actor,
            RepresentationCreate(
                talent_id=victim.id,
                agency_id=agency.id,
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 1, 1),
            ),
        )
    with pytest.raises(NotFound):
        access.get_talent_for(session, agent_actor, victim.id)


def test_the_talent_records_their_own_representation(session: Session) -> None:
    talent = factories.create_talent(session)
    agency, _agent = factories.create_agency(session)
    user = session.get(factories.User, talent.user_id)
    assert user is not None
    rep = service.create_representation(
        session,
        factories.actor(session, user),
        RepresentationCreate(
            talent_id=talent.id,
            agency_id=agency.id,
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 1, 1),
        ),
    )
    assert rep.talent_id == talent.id
    other = factories.create_talent(session)
    with pytest.raises(Forbidden):
        service.create_representation(
            session,
            factories.actor(session, user),
            RepresentationCreate(
                talent_id=other.id,
                agency_id=agency.id,
                starts_on=date(2026, 1, 1),
                ends_on=date(2027, 1, 1),
            ),
        )


def test_expired_representation_gives_no_access(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    talent = factories.create_talent(session)
    agency, agent = factories.create_agency(session)
    # Recorded in 2020, while it was in force; it is over now.
    monkeypatch.setattr(service, "utcnow", lambda: datetime(2020, 6, 1, tzinfo=UTC))
    service.create_representation(
        session,
        SYSTEM_ACTOR,
        RepresentationCreate(
            talent_id=talent.id,
            agency_id=agency.id,
            starts_on=date(2020, 1, 1),
            ends_on=date(2021, 1, 1),
        ),
    )
    monkeypatch.undo()
    with pytest.raises(NotFound):
        access.get_talent_for(session, factories.actor(session, agent), talent.id)


def test_an_agreement_already_over_is_refused_and_one_that_ends_is_listed_as_ended(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    talent = factories.create_talent(session)
    agency, agent = factories.create_agency(session)
    today = datetime.now(UTC).date()
    over = RepresentationCreate(
        talent_id=talent.id,
        agency_id=agency.id,
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=1),
    )
    with pytest.raises(InvalidInput, match="already over cannot be recorded"):
        service.create_representation(session, SYSTEM_ACTOR, over)
    assert service.list_representations(session, SYSTEM_ACTOR) == []

    current = over.model_copy(update={"ends_on": today + timedelta(days=30)})
    rep = service.create_representation(session, SYSTEM_ACTOR, current)
    assert service.representation_read(rep).status == "active"
    later = datetime.now(UTC) + timedelta(days=31)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    (listed,) = service.list_representations(session, factories.actor(session, agent))
    assert service.representation_read(listed).status == "ended"


def test_party_names_are_one_rule_everywhere(session: Session) -> None:
    from likeness.party.schemas import BrandCreate, TalentCreate

    with pytest.raises(InvalidInput, match="U\\+202E RIGHT-TO-LEFT OVERRIDE"):
        service.create_brand(session, SYSTEM_ACTOR, BrandCreate(name="Maison \u202eleruA"))
    with pytest.raises(InvalidInput, match="ZERO WIDTH SPACE"):
        service.create_agency(
            session, SYSTEM_ACTOR, AgencyCreate(name="North\u200blight", commission_percent=10)
        )
    joined = UserCreate(email="ava@example.com", display_name="Ava\u200dStone", role=Role.talent)
    with pytest.raises(InvalidInput, match="ZERO WIDTH JOINER"):
        service.create_user(session, SYSTEM_ACTOR, joined)
    user = factories.create_user(session, Role.talent)
    talent = service.create_talent(
        session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name="Zoe\u0301 Okafor")
    )
    assert talent.legal_name == "Zoé Okafor"


def test_names_with_control_characters_are_refused(session: Session) -> None:
    from likeness.party.schemas import BrandCreate

    with pytest.raises(InvalidInput, match="control characters"):
        service.create_brand(session, SYSTEM_ACTOR, BrandCreate(name="a\x00b"))


def test_every_change_is_audited(session: Session) -> None:
    from likeness.audit import service as audit

    factories.create_talent(session)
    actions = [e.action for e in audit.list_events(session)]
    assert actions == ["talent.created", "user.created"]
    assert audit.verify(session).ok


@pytest.mark.parametrize("org", ["agency", "brand"])
def test_adding_a_member_checks_the_user_and_refuses_a_second_time(
    session: Session, org: str
) -> None:
    from likeness.audit import service as audit
    from likeness.audit.schemas import EventFilter

    if org == "agency":
        agency, _ = factories.create_agency(session)
        org_id, role, add = agency.id, Role.agent, service.add_agency_member
    else:
        brand, _ = factories.create_brand(session)
        org_id, role, add = brand.id, Role.brand, service.add_brand_member
    user = factories.create_user(session, role)
    talent_user = factories.create_user(session, Role.talent)
    with pytest.raises(Forbidden):
        add(session, factories.actor(session, user), org_id, user.id)
    with pytest.raises(NotFound, match=f"no {org} nope"):
        add(session, SYSTEM_ACTOR, "nope", user.id)
    with pytest.raises(NotFound, match="no user nobody"):
        add(session, SYSTEM_ACTOR, org_id, "nobody")
    with pytest.raises(InvalidInput, match=f"has role talent, not {role.value}"):
        add(session, SYSTEM_ACTOR, org_id, talent_user.id)
    add(session, SYSTEM_ACTOR, org_id, user.id)
    with pytest.raises(Conflict, match=f"already a member of this {org}"):
        add(session, SYSTEM_ACTOR, org_id, user.id)
    added = audit.list_events(session, EventFilter(action=f"{org}.member_added", object_id=org_id))
    assert {"user_id": user.id} in [e.payload for e in added]


def test_a_talent_profile_needs_an_existing_talent_user(session: Session) -> None:
    brand_user = factories.create_user(session, Role.brand)
    with pytest.raises(NotFound, match="no user ghost"):
        service.create_talent(session, SYSTEM_ACTOR, TalentCreate(user_id="ghost", legal_name="G"))
    with pytest.raises(InvalidInput, match="has role brand, not talent"):
        service.create_talent(
            session, SYSTEM_ACTOR, TalentCreate(user_id=brand_user.id, legal_name="G")
        )
