"""Who may see and change a talent's captures and twins: the talent, or an operator.

One helper per object kind, so there is one place to review. Operator access is
allowed for maintenance and always audit-logged by the services; agents and brands
never see captures or twins (brands see only approved outputs, elsewhere).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.models.party import Role


def may_access_talent_data(actor: Actor, talent_id: str) -> bool:
    if actor.role is Role.operator:
        return True
    return actor.role is Role.talent and actor.talent_id == talent_id


def require_talent_data(actor: Actor, talent_id: str, what: str) -> None:
    if not may_access_talent_data(actor, talent_id):
        raise Forbidden(f"only the talent (or an operator, for maintenance) may {what}")


def record_operator_look(
    session: Session, actor: Actor, action: str, object_type: str, object_id: str
) -> None:
    """Operators may look at a talent's captures and twins for maintenance; every look is
    on the record (talents looking at their own data are not logged)."""
    if actor.role is Role.operator:
        record(session, actor, action, object_type, object_id, {})
