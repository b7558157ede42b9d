"""Who may ask for images under a license and see the requests: the one place.

A generation request is visible like its license: the brand's members see their brand's,
the talent their own, an agent those of represented talent, an operator all; strangers
get 404. Only the brand that holds the license (or an operator) submits or cancels one.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from likeness.generation import repository
from likeness.generation.errors import GenerationNotFound, GenerationNotPermitted
from likeness.identity.actor import Actor
from likeness.models.generation import GenerationRequest
from likeness.party.access import related_filter, relations
from likeness.policy import Relation


def request_filter(actor: Actor) -> ColumnElement[bool] | None:
    """SQL filter for the requests an actor may see (None: everything)."""
    return related_filter(actor, GenerationRequest.talent_id, GenerationRequest.brand_id)


def get_request_for(session: Session, actor: Actor, request_id: str) -> GenerationRequest:
    row = repository.get(session, request_id)
    if row is None or not relations(session, actor, row.talent_id, row.brand_id):
        raise GenerationNotFound(f"no generation request {request_id}")
    return row


def require_requester(related: frozenset[Relation], what: str) -> None:
    """The brand that holds the license, or an operator."""
    if not related & {Relation.brand, Relation.operator}:
        raise GenerationNotPermitted(
            f"only the brand that holds the license (or an operator) may {what}"
        )
