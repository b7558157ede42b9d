"""The policy decision point, wrapped: load one talent's rights, decide, explain.

``twin`` may be a twin id or a talent id (meaning any of that talent's twins). A twin id
is resolved through the twins table, then through the licenses and consents that name it
(a twin crypto-shredded long ago is still known to its licenses).

A use names the license it is made under (``license_id``); the decision never picks one
of several licenses that would each cover it (decision 0019).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from likeness.consent import repository as consents
from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.licensing import repository
from likeness.licensing.errors import LicenseNotFound
from likeness.licensing.facts import consent_facts, license_facts
from likeness.licensing.schemas import UseIn
from likeness.models.party import Role
from likeness.party.access import relations
from likeness.party.errors import BrandNotFound
from likeness.policy import Decision, InvalidUse, RightsFacts, UseRequest, decide
from likeness.twin.errors import TwinNotFound


def resolve_twin(session: Session, twin_or_talent_id: str) -> tuple[str, str | None]:
    """(talent id, twin id or None) for a twin id or a talent id."""
    if repository.talent_exists(session, twin_or_talent_id):
        return twin_or_talent_id, None
    owner = repository.twin_owner(session, twin_or_talent_id)
    if owner is None:
        raise TwinNotFound(f"no twin or talent {twin_or_talent_id}")
    return owner, twin_or_talent_id


def load_facts(session: Session, talent_id: str) -> RightsFacts:
    deleted, versionless = repository.unusable_twins(session, talent_id)
    return RightsFacts(
        talent_id=talent_id,
        never_allowed=frozenset(consents.never_allowed(session, talent_id)),
        creation_consents=tuple(
            consent_facts(c) for c in consents.creation_consents_of(session, talent_id)
        ),
        licenses=tuple(
            license_facts(lic, consent)
            for lic, consent in repository.licenses_with_use_consents(session, talent_id)
        ),
        deleted_twins=deleted,
        twins_without_version=versionless,
    )


def _may_ask(session: Session, actor: Actor, talent_id: str, brand_id: str) -> None:
    """Brands ask only about themselves; talent and agents about their own talent."""
    if actor.role is Role.brand and brand_id not in actor.brand_ids:
        raise Forbidden("a brand may only ask about its own rights")
    if not repository.brand_exists(session, brand_id):
        # A typo must not read as a considered DENY ("this brand holds no license").
        raise BrandNotFound(f"no brand {brand_id}")
    if not relations(session, actor, talent_id, brand_id):
        raise Forbidden("you may only ask about your own talent or brand")


def decide_use(session: Session, actor: Actor, data: UseIn) -> Decision:
    """Decide a use; a use that names its license is judged under that license alone."""
    talent_id, twin_id = resolve_twin(session, data.twin)
    _may_ask(session, actor, talent_id, data.brand_id)
    use = UseRequest(
        talent_id=talent_id,
        twin_id=twin_id,
        brand_id=data.brand_id,
        action=data.action,
        channel=data.channel,
        territory=data.territory,
        category=data.category,
        at=data.at or utcnow(),
        license_id=data.license_id,
    )
    facts = load_facts(session, talent_id)
    try:
        return decide(use, facts)
    except InvalidUse as exc:
        # The policy's only refusal to decide: the named license is not the brand's for
        # this talent and twin. One message whether it exists or is another brand's, so
        # license ids do not leak; a 404 like any unknown id.
        if data.license_id is None:
            raise
        raise LicenseNotFound(exc.message) from None
