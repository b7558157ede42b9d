"""Who may have which report: one helper per report, the single place to review.

* **Compliance report** — an operator: any scope, or none (the whole installation); a
  talent: only their own (``--talent`` defaults to them); an agent: a talent their agency
  represents today; a brand member: only their brand (``--brand`` defaults to it when
  they belong to one brand), so a brand's report covers only its own licenses, assets
  and postings.
* **Subject access (my data)** — the talent themself and operators only (decision
  0026): it is the data subject's right (GDPR art. 15); an agent sees the talent's
  business through their own views, and a talent who wants their agent to hold the
  export hands it over.

Anything else is 403 (a stranger naming a talent or brand they cannot see gets the
same answer whether it exists or not).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.compliance.report_errors import ReportForbidden
from likeness.compliance.report_repository import Scope
from likeness.errors import NotFound
from likeness.identity.actor import Actor
from likeness.models.party import Role
from likeness.party import access as party_access


def compliance_scope(
    session: Session, actor: Actor, talent_id: str | None, brand_id: str | None
) -> Scope:
    """The scope the actor may have a compliance report on (see the module docstring)."""
    if actor.is_operator:
        return Scope(talent_id, brand_id)
    if actor.role is Role.talent:
        if actor.talent_id is None or brand_id is not None:
            raise ReportForbidden("a talent's compliance report covers only themself")
        if talent_id not in (None, actor.talent_id):
            raise ReportForbidden("a talent may have only their own compliance report")
        return Scope(actor.talent_id, None)
    if actor.role is Role.agent:
        if talent_id is None or brand_id is not None:
            raise ReportForbidden("an agent names one talent their agency represents (--talent)")
        try:
            party_access.get_talent_for(session, actor, talent_id)
        except NotFound:
            raise ReportForbidden(
                "an agent may have the report of a talent they represent"
            ) from None
        return Scope(talent_id, None)
    if actor.role is Role.brand:
        if talent_id is not None:
            raise ReportForbidden("a brand's compliance report covers only its own brand")
        if brand_id is None:
            if len(actor.brand_ids) != 1:
                raise ReportForbidden("name your brand (--brand)")
            (brand_id,) = actor.brand_ids
        if brand_id not in actor.brand_ids:
            raise ReportForbidden("a brand may have only its own compliance report")
        return Scope(None, brand_id)
    raise ReportForbidden("no compliance report for this role")


def require_subject_access(actor: Actor, talent_id: str) -> None:
    """Only the talent themself, or an operator, may export everything held about them."""
    if actor.is_operator:
        return
    if actor.role is Role.talent and actor.talent_id == talent_id:
        return
    raise ReportForbidden("only the talent themself (or an operator) may export their data")
