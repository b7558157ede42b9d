"""Thin routes for consents and standing limits.

Use cases that reach beyond the consent are routed by the highest feature they touch:
drafting a creation consent (it may name a twin) in :mod:`likeness.twin.endpoints`;
signing (a use consent approves its license) and revoking (licenses end, twins are
crypto-shredded) in :mod:`likeness.licensing.endpoints`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from likeness.consent import service
from likeness.consent.errors import ConsentImmutable, ConsentNotFound
from likeness.consent.schemas import (
    ConsentRead,
    ConsentVerification,
    StandingLimitsIn,
    StandingLimitsRead,
)
from likeness.errors import Conflict, NotFound
from likeness.policy import ConsentKind
from likeness.web.actors import AnyActor
from likeness.web.deps import SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

#: The errors the consent routes answer (the consent routes of twin and licensing too).
CONSENT_ERRORS = (ConsentNotFound, NotFound, ConsentImmutable, Conflict)
router = APIRouter(tags=["consents"], responses=error_responses(*CONSENT_ERRORS))


@router.get("/consents", response_model=list[ConsentRead])
def list_consents(
    actor: AnyActor,
    session: SessionDep,
    talent_id: str | None = None,
    license_id: str | None = None,
    kind: ConsentKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ConsentRead]:
    rows = service.list_for(
        session,
        actor,
        talent_id=talent_id,
        license_id=license_id,
        kind=kind,
        limit=limit,
        offset=offset,
    )
    return [service.to_read(session, c) for c in rows]


@router.get("/consents/{consent_id}", response_model=ConsentRead)
def get_consent(consent_id: str, actor: AnyActor, session: SessionDep) -> ConsentRead:
    return service.to_read(session, service.get_for(session, actor, consent_id))


@router.get(
    "/consents/{consent_id}/document",
    responses={200: {"content": {m: {} for m in service.RENDER_FORMATS.values()}}},
)
def render_consent(
    consent_id: str,
    actor: AnyActor,
    session: SessionDep,
    format: Literal["md", "html", "pdf", "json"] = "md",
) -> Response:
    """The document in plain language (Markdown, HTML, PDF) or canonical JSON."""
    body, media_type = service.render(session, actor, consent_id, format)
    return Response(content=body, media_type=media_type)


@router.get("/consents/{consent_id}/verify", response_model=ConsentVerification)
def verify_consent(consent_id: str, actor: AnyActor, session: SessionDep) -> ConsentVerification:
    """Recompute the document hash and check the Ed25519 signature, if any."""
    return service.verify(session, actor, consent_id)


@router.get("/talents/{talent_id}/limits", response_model=StandingLimitsRead)
def get_limits(talent_id: str, actor: AnyActor, session: SessionDep) -> StandingLimitsRead:
    """Content categories the talent never allows, whatever any license says."""
    return service.get_limits(session, actor, talent_id)


@router.put("/talents/{talent_id}/limits", response_model=StandingLimitsRead)
def set_limits(
    talent_id: str, body: StandingLimitsIn, actor: AnyActor, session: SessionDep
) -> StandingLimitsRead:
    return service.set_limits(session, actor, talent_id, body)
