"""Ownership: which talent, brands and agencies an actor may see or act for.

One helper per kind of object, so this file is the single place to review who can
see what. Operators see everything; every other role sees only what it belongs to.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import QueryableAttribute, Session

from likeness.errors import Forbidden, NotFound
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.models.party import Agency, Brand, Role, TalentProfile
from likeness.party import repository
from likeness.policy import Relation


def talent_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the talent an actor may see (None: no restriction)."""
    if actor.is_operator:
        return None
    if actor.role is Role.talent:
        return TalentProfile.id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent:
        return repository.represented_talent_ids(actor.agency_ids, utcnow().date())
    return false()


def get_talent_for(session: Session, actor: Actor, talent_id: str) -> TalentProfile:
    """The talent, if this actor may see it; otherwise 404 (no existence leak)."""
    where = talent_filter(actor)
    condition = TalentProfile.id == talent_id
    found = repository.list_talents(
        session, condition if where is None else condition & where, limit=1, offset=0
    )
    if not found:
        raise NotFound(f"no talent {talent_id}")
    return found[0]


def require_self_talent(actor: Actor, talent_id: str) -> None:
    """Only the talent themself (never their agent, never a brand) may do this."""
    if actor.role is not Role.talent or actor.talent_id != talent_id:
        raise Forbidden("only the talent themself may do this")


def brand_ids_visible(actor: Actor) -> frozenset[str] | None:
    if actor.is_operator:
        return None
    if actor.role is Role.brand:
        return actor.brand_ids
    return None  # the brand directory (names) is visible to talent and agents


def get_brand_for(session: Session, actor: Actor, brand_id: str, *, act: bool = False) -> Brand:
    """The brand; with ``act=True`` the actor must be a member (or an operator)."""
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise NotFound(f"no brand {brand_id}")
    if actor.is_operator:
        return brand
    if actor.role is Role.brand and brand_id not in actor.brand_ids:
        raise NotFound(f"no brand {brand_id}")
    if act and brand_id not in actor.brand_ids:
        raise Forbidden("only members of this brand may act for it")
    return brand


def get_agency_for(session: Session, actor: Actor, agency_id: str, *, act: bool = False) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no agency {agency_id}")
    if act and not actor.is_operator and agency_id not in actor.agency_ids:
        raise Forbidden("only members of this agency may act for it")
    return agency


def related_filter(
    actor: Actor, talent_id: QueryableAttribute[str], brand_id: QueryableAttribute[str]
) -> ColumnElement[bool] | None:
    """SQL filter for the rows between a talent and a brand (a license, an output, an
    asset) that the actor has a relation to, given the row's two columns; None: all.

    The query form of :func:`relations`: a brand member sees their brands' rows, the
    talent their own, an agent those of talent their agency represents under an
    agreement in force today (not merely active), an operator all.
    """
    if actor.is_operator:
        return None
    if actor.role is Role.brand:
        return brand_id.in_(actor.brand_ids) if actor.brand_ids else false()
    if actor.role is Role.talent:
        return talent_id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent and actor.agency_ids:
        return talent_id.in_(repository.talent_represented_by(actor.agency_ids, utcnow().date()))
    return false()


def _agent_represents(session: Session, actor: Actor, talent_id: str) -> bool:
    if actor.role is not Role.agent or not actor.agency_ids:
        return False
    agencies = repository.representing_agency_ids(session, talent_id, utcnow().date())
    return bool(actor.agency_ids & set(agencies))


def relations(session: Session, actor: Actor, talent_id: str, brand_id: str) -> frozenset[Relation]:
    """The actor's relations to a (prospective) license between this talent and brand."""
    found: set[Relation] = set()
    if actor.is_operator:
        found.add(Relation.operator)
    if actor.role is Role.brand and brand_id in actor.brand_ids:
        found.add(Relation.brand)
    if actor.role is Role.talent and actor.talent_id == talent_id:
        found.add(Relation.talent)
    if _agent_represents(session, actor, talent_id):
        found.add(Relation.agent)
    return frozenset(found)
