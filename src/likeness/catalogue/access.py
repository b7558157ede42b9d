"""Who may see or change a catalogue listing: the one place to review it.

* Brands and operators browse the catalogue: the opted-in listings.
* One listing is seen by an operator, by the talent themself and by an agent of an
  agency that represents the talent today, whether opted in or not; by a brand only
  while it is opted in. Anyone else gets 404, as if it did not exist.
* Only the talent themself writes, withdraws or pictures their listing (never their
  agent: being found is the talent's choice).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.catalogue import repository
from likeness.catalogue.errors import ListingNotFound
from likeness.errors import Forbidden, NotFound
from likeness.identity.actor import Actor
from likeness.models.catalogue import CatalogueListing
from likeness.models.party import Role
from likeness.party import access as party_access
from likeness.policy import Relation


def require_browser(actor: Actor) -> None:
    """The catalogue is for brands looking for talent, and for operators."""
    if not (actor.is_operator or actor.role is Role.brand):
        raise Forbidden("the catalogue is for brands and operators")


def may_see(session: Session, actor: Actor, listing: CatalogueListing) -> bool:
    if actor.is_operator or (actor.role is Role.brand and listing.opted_in):
        return True
    if actor.role is Role.talent:
        return actor.talent_id == listing.talent_id
    if actor.role is Role.agent:
        # The brand id plays no part in the agent's relation to the talent.
        found = party_access.relations(session, actor, listing.talent_id, "")
        return Relation.agent in found
    return False


def get_listing_for(session: Session, actor: Actor, talent_id: str) -> CatalogueListing:
    """The talent's listing if this actor may see it; 404 otherwise (no existence leak)."""
    listing = repository.listing_of(session, talent_id)
    if listing is None or not may_see(session, actor, listing):
        raise ListingNotFound(f"no catalogue listing for talent {talent_id}")
    return listing


def require_owner(session: Session, actor: Actor, talent_id: str) -> None:
    """Only the talent themself writes their listing; an unknown talent is 404."""
    if not repository.talent_exists(session, talent_id):
        raise NotFound(f"no talent {talent_id}")
    party_access.require_self_talent(actor, talent_id)
