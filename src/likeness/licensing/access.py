"""Who stands how to a license: the one place that turns an actor into relations.

A brand member relates to the licenses of their brands; the talent to their own; an
agent to the licenses of talent their agency currently represents; an operator to all.
Strangers get 404 rather than 403, so license ids do not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import repository
from likeness.licensing.errors import LicenseNotFound
from likeness.models.license import License
from likeness.models.party import Role
from likeness.party.access import relations
from likeness.party.repository import talent_represented_by


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
