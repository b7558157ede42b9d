"""Who may see or act on monitoring's cases and scans: the one place to review it.

* A case concerns one talent. The talent sees and reviews their own cases; an agent
  those of the talent their agency represents under an agreement in force today; an
  operator all. Brands and anyone else see none (404, so case ids do not leak).
* Scans read sources on the server (folders, object stores, URL lists), so only
  operators start them and see them; a talent or agent sees what a scan found through
  their cases.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.models.monitoring import MonitoringCase
from likeness.models.party import Role
from likeness.monitoring import repository
from likeness.monitoring.errors import CaseNotFound
from likeness.party import repository as party_repository


def case_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the cases an actor may see (None: all of them)."""
    if actor.is_operator:
        return None
    if actor.role is Role.talent:
        return MonitoringCase.talent_id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent and actor.agency_ids:
        return MonitoringCase.talent_id.in_(
            party_repository.talent_represented_by(actor.agency_ids, utcnow().date())
        )
    return false()


def may_see(session: Session, actor: Actor, case: MonitoringCase) -> bool:
    if actor.is_operator:
        return True
    if actor.role is Role.talent:
        return actor.talent_id is not None and actor.talent_id == case.talent_id
    if actor.role is Role.agent and actor.agency_ids:
        agencies = party_repository.representing_agency_ids(
            session, case.talent_id, utcnow().date()
        )
        return bool(actor.agency_ids & set(agencies))
    return False


def get_case_for(session: Session, actor: Actor, case_id: str) -> MonitoringCase:
    """The case if this actor may see it (and so act on it); 404 otherwise."""
    case = repository.get_case(session, case_id)
    if case is None or not may_see(session, actor, case):
        raise CaseNotFound(f"no monitoring case {case_id}")
    return case


def require_scanner(actor: Actor) -> None:
    """Only operators start scans and read them."""
    if not actor.is_operator:
        raise Forbidden("only operators run monitoring scans")
