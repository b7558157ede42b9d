"""Who stands how to a license: the one place that turns an actor into relations.

A brand member relates to the licenses of their brands; the talent to their own; an
agent to the licenses of talent their agency currently represents; an operator to all.
Strangers get 404 rather than 403, so license ids do not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from likeness.auth.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import repository
from likeness.licensing.errors import LicenseNotFound
from likeness.models.license import License
from likeness.models.party import Role
from likeness.party.repository import talent_represented_by
from likeness.policy import Relation


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


def license_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the licenses an actor may see (None: everything)."""
    if actor.is_operator:
        return None
    if actor.role is Role.brand:
        return License.brand_id.in_(actor.brand_ids) if actor.brand_ids else false()
    if actor.role is Role.talent:
        return License.talent_id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent and actor.agency_ids:
        # The same test as single-record access: an agreement in force today, not merely active.
        represented = talent_represented_by(actor.agency_ids, utcnow().date())
        return License.talent_id.in_(represented)
    return false()


def get_license_for(session: Session, actor: Actor, license_id: str) -> License:
    """The license, if the actor has any relation to it; otherwise 404."""
    lic = repository.get(session, license_id)
    if lic is None or not relations(session, actor, lic.talent_id, lic.brand_id):
        raise LicenseNotFound(f"no license {license_id}")
    return lic
