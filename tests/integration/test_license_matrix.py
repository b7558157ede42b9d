"""The full role × action matrix for licenses: who may do what, everyone else refused.

Strangers (another brand, an agent of another agency, another talent) get 404: they do
not learn that the license exists. Parties to the license without the right get 403.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.test_license_support import intent, make_world, requested, terms_in, to_status
from likeness.errors import LikenessError
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TransitionIn
from likeness.models.license import License
from likeness.party.access import related_filter, relations
from likeness.policy import TRANSITIONS, LicenseAction, LicenseStatus, Relation

ACTORS = ["talent", "agent", "brand", "operator", "other_brand", "stranger_agent", "other_talent"]
RELATION_OF = {
    "talent": Relation.talent,
    "agent": Relation.agent,
    "brand": Relation.brand,
    "operator": Relation.operator,
}
SOURCE = {
    LicenseAction.propose: "requested",
    LicenseAction.counter: "proposed",
    LicenseAction.accept: "proposed",
    LicenseAction.approve: "accepted",
    LicenseAction.suspend: "active",
    LicenseAction.resume: "suspended",
    LicenseAction.revoke: "active",
    LicenseAction.expire: "active",
    LicenseAction.withdraw: "requested",
}

Call = Callable[[], License]


def _call(session: Session, action: LicenseAction, actor: object, license_id: str) -> Call:
    if action in (LicenseAction.propose, LicenseAction.counter):
        fn = getattr(licensing, action.value)
        return lambda: fn(session, actor, license_id, TermsChangeIn(terms=terms_in()))
    if action is LicenseAction.approve:
        return lambda: licensing.approve(session, actor, license_id, intent(), None)  # type: ignore[arg-type]
    fn = getattr(licensing, action.value)
    return lambda: fn(session, actor, license_id, TransitionIn(reason="matrix"))


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("action", [a for a in LicenseAction if a is not LicenseAction.request])
def test_license_action_matrix(session: Session, action: LicenseAction, who: str) -> None:
    world = make_world(session)
    lic = to_status(session, world, SOURCE[action])
    before = (lic.status, lic.version)
    actor = world.actor(session, who)
    allowed = RELATION_OF.get(who) in TRANSITIONS[action].who
    attempt = _call(session, action, actor, lic.id)
    if allowed:
        result = attempt()
        assert result.status is TRANSITIONS[action].target
        assert result.version == before[1] + 1
        return
    with pytest.raises(LikenessError) as refused:
        attempt()
    expected = 403 if who in RELATION_OF else 404
    assert refused.value.status_code == expected, refused.value.message
    session.refresh(lic)
    assert (lic.status, lic.version) == before


@pytest.mark.parametrize("who", ACTORS)
def test_only_a_brand_member_requests_for_its_own_brand(session: Session, who: str) -> None:
    world = make_world(session)
    actor = world.actor(session, who)
    body = LicenseRequestIn(talent_id=world.talent.id, brand_id=world.brand.id, terms=terms_in())
    if who == "brand":
        assert licensing.request(session, actor, body).status is LicenseStatus.requested
        return
    with pytest.raises(LikenessError) as refused:
        licensing.request(session, actor, body)
    assert refused.value.status_code in (403, 404)


#: How many of the two licenses (talent × brand, talent × other brand) each actor sees.
VISIBLE = {
    "talent": 2,
    "agent": 2,
    "operator": 2,
    "brand": 1,
    "other_brand": 1,
    "stranger_agent": 0,
    "other_talent": 0,
}


@pytest.mark.parametrize("who", ACTORS)
def test_the_list_filter_sees_exactly_what_single_record_access_sees(
    session: Session, who: str
) -> None:
    """``related_filter`` (the SQL form every license, output and asset list uses) and
    ``relations`` (single-record access) agree for every role."""
    world = make_world(session)
    ours = requested(session, world)
    theirs = licensing.request(
        session,
        world.actor(session, "other_brand"),
        LicenseRequestIn(
            talent_id=world.talent.id, brand_id=world.other_brand.id, terms=terms_in()
        ),
    )
    actor = world.actor(session, who)
    query = select(License.id).where(License.id.in_([ours.id, theirs.id]))
    where = related_filter(actor, License.talent_id, License.brand_id)
    seen = set(session.scalars(query if where is None else query.where(where)))
    related = {
        lic.id for lic in (ours, theirs) if relations(session, actor, lic.talent_id, lic.brand_id)
    }
    assert seen == related
    assert len(seen) == VISIBLE[who]
