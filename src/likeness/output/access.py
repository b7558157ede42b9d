"""Who may see an output, see its preview, review it: the one place that decides.

Visibility is the license's: a brand member sees its brand's outputs (metadata only),
the talent their own, an agent those of talent their agency represents today, an
operator all. Strangers get 404, so output ids do not leak.

A brand never sees an output that failed the automated checks (``check_rejected``):
not in a list, not by id.

The image is another matter: while an output is in quarantine only the reviewing side
(the talent, their agents, operators) sees its preview; a brand never does.

Review follows the license's approval mode: under ``every_output`` the talent reviews,
and an agent of the talent only where the license delegates review
(``LicenseTerms.delegate_review``). Operators never approve on a talent's behalf.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false
from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import repository as licenses
from likeness.licensing.facts import terms_of
from likeness.models.output import Output, OutputStatus, ReviewMode
from likeness.models.party import Role
from likeness.output import repository
from likeness.output.errors import OutputNotFound, ReviewNotPermitted
from likeness.party.access import related_filter, relations
from likeness.party.repository import talent_represented_by
from likeness.policy import LicenseTerms, Relation


def output_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the outputs an actor may see (None: everything)."""
    related = related_filter(actor, Output.talent_id, Output.brand_id)
    if actor.role is Role.brand:
        hidden = Output.status != OutputStatus.check_rejected
        return hidden if related is None else and_(related, hidden)
    return related


def output_relations(session: Session, actor: Actor, output: Output) -> frozenset[Relation]:
    """How the actor stands to the output; a check-rejected output has no brand side."""
    related = relations(session, actor, output.talent_id, output.brand_id)
    if output.status is OutputStatus.check_rejected:
        related = related - {Relation.brand}
    return related


def get_output_for(session: Session, actor: Actor, output_id: str) -> Output:
    """The output, if the actor has any relation to it; otherwise 404."""
    output = repository.get(session, output_id)
    if output is None or not output_relations(session, actor, output):
        raise OutputNotFound(f"no output {output_id}")
    return output


def may_see_image(related: frozenset[Relation]) -> bool:
    """The reviewing side sees the preview; a brand alone never does."""
    return bool(related & {Relation.talent, Relation.agent, Relation.operator})


def review_mode_for(related: frozenset[Relation], terms: LicenseTerms) -> ReviewMode:
    """How this actor may review an output under these terms, or why not."""
    if Relation.talent in related:
        return ReviewMode.talent
    if Relation.agent in related:
        if terms.delegate_review:
            return ReviewMode.agent
        raise ReviewNotPermitted(
            "this license does not delegate review to the agent: only the talent may "
            "approve or reject its outputs"
        )
    raise ReviewNotPermitted("only the talent (or an agent the license names) reviews outputs")


def queue_filter(session: Session, actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the outputs this actor reviews, on top of :func:`output_filter`
    (None: all it sees). The talent reviews all of theirs; an agent those under licenses
    of represented talent whose terms delegate review (one query for the license ids);
    nobody else reviews (operators never approve on a talent's behalf)."""
    if actor.role is Role.talent:
        return None
    if actor.role is Role.agent and actor.agency_ids:
        represented = talent_represented_by(actor.agency_ids, utcnow().date())
        delegating = [
            lic.id
            for lic in licenses.licenses_of_talents(session, represented)
            if terms_of(lic).delegate_review
        ]
        return Output.license_id.in_(delegating)
    return false()
