"""Who stands how to a license: the one place that turns an actor into relations.

A brand member relates to the licenses of their brands; the talent to their own; an
agent to the licenses of talent their agency currently represents; an operator to all.
Strangers get 404 rather than 403, so license ids do not leak.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.licensing import repository
from likeness.licensing.errors import LicenseNotFound
from likeness.models.license import License
from likeness.party.access import related_filter, relations


def license_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the licenses an actor may see (None: everything)."""
    return related_filter(actor, License.talent_id, License.brand_id)


def get_license_for(session: Session, actor: Actor, license_id: str) -> License:
    """The license, if the actor has any relation to it; otherwise 404."""
    lic = repository.get(session, license_id)
    if lic is None or not relations(session, actor, lic.talent_id, lic.brand_id):
        raise LicenseNotFound(f"no license {license_id}")
    return lic
