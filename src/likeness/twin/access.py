"""Who may see and change a twin, and which twin a consent or license may name.

Seeing and changing a talent's twins follows the rule for all their captured data
(:func:`likeness.capture.access.require_talent_data`: the talent, or an operator on the
record); a twin of someone else reads as absent.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.capture.access import LookReason, record_operator_look, require_talent_data
from likeness.errors import Conflict
from likeness.identity.actor import Actor
from likeness.models.twin import Twin, TwinStatus
from likeness.twin import repository
from likeness.twin.errors import TwinNotFound


def get_twin_for(
    session: Session,
    actor: Actor,
    twin_id: str,
    *,
    purpose: str = "read",
    reason: LookReason | None = None,
) -> Twin:
    """The twin, if the actor may access it (an operator's read is put on the record)."""
    twin = repository.get(session, twin_id)
    if twin is None:
        raise TwinNotFound(f"no twin {twin_id}")
    require_talent_data(actor, twin.talent_id, "access this twin")
    if purpose == "read":
        record_operator_look(session, actor, "twin.operator_access", "twin", twin.id, reason)
    return twin


def require_active_twin_of(session: Session, talent_id: str, twin_id: str) -> Twin:
    """The talent's active twin ``twin_id``, for consents and licenses that name one.

    Reveals nothing about other talents' twins: a twin of someone else reads as absent.
    """
    twin = session.get(Twin, twin_id)
    if twin is None or twin.talent_id != talent_id:
        raise TwinNotFound(f"talent {talent_id} has no twin {twin_id}")
    if twin.status != TwinStatus.active:
        raise Conflict(f"twin {twin_id} is {twin.status}; name an active twin or none")
    return twin
