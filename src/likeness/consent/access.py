"""Who may see a consent, and who may sign or revoke it: the one place to review.

The talent, their agent (while an agreement is in force), the brand holding the license
a use consent belongs to, and operators see a consent; anyone else gets 404, so consent
ids do not leak. Only the talent themself signs or revokes (never an agent, a brand or
an operator): the NY Fashion Workers Act and the SAG-AFTRA 2023 replica terms both make
consent personal.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from likeness.consent import repository
from likeness.consent.errors import ConsentNotFound, SignerNotTalent
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.party import Role
from likeness.party.access import relations
from likeness.party.repository import talent_represented_by


def _brand_of(session: Session, consent: Consent) -> str:
    if consent.license_id is None:
        return ""
    lic = session.get(License, consent.license_id)
    return lic.brand_id if lic else ""


def get_consent_for(session: Session, actor: Actor, consent_id: str) -> Consent:
    """The consent, if the actor is its talent, their agent, the licensed brand or an operator."""
    consent = repository.get(session, consent_id)
    if consent is None or not relations(
        session, actor, consent.talent_id, _brand_of(session, consent)
    ):
        raise ConsentNotFound(f"no consent {consent_id}")
    return consent


def consent_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the consents an actor may see (None: everything)."""
    if actor.is_operator:
        return None
    if actor.role is Role.talent:
        return Consent.talent_id == actor.talent_id if actor.talent_id else false()
    if actor.role is Role.agent and actor.agency_ids:
        # The same test as single-record access: an agreement in force today, not merely active.
        represented = talent_represented_by(actor.agency_ids, utcnow().date())
        return Consent.talent_id.in_(represented)
    if actor.role is Role.brand and actor.brand_ids:
        held = select(License.id).where(License.brand_id.in_(actor.brand_ids))
        return Consent.license_id.in_(held)
    return false()


def require_talent_self(actor: Actor, talent_id: str, what: str) -> None:
    if actor.role is not Role.talent or actor.talent_id != talent_id:
        raise SignerNotTalent(
            f"only the talent themself may {what} this consent; "
            "an agent, a brand or an operator never can"
        )
