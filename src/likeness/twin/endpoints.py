"""Thin routes for twins (talent or operator only), and the drafting of a creation
consent, which may name one of the talent's twins.

Retiring a twin ends the licenses that name it, so that route lives with licensing
(:mod:`likeness.licensing.endpoints`), the highest feature it touches.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from likeness.capture.endpoints import (
    CAPTURE_ERRORS,
    ReasonKindQuery,
    ReasonQuery,
    look_reason_of,
)
from likeness.consent import service as consents
from likeness.consent.endpoints import CONSENT_ERRORS
from likeness.consent.schemas import ConsentRead, CreationConsentCreate
from likeness.twin import service as twins
from likeness.twin.schemas import TwinBuildIn
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["captures and twins"], responses=error_responses(*CAPTURE_ERRORS))
#: Consent routes that are twin use cases (mounted by the app like ``router``).
consent_router = APIRouter(tags=["consents"], responses=error_responses(*CONSENT_ERRORS))


@router.post("/twins", status_code=status.HTTP_201_CREATED)
def build_twin(
    actor: AnyActor, session: SessionDep, runtime: RuntimeDep, body: TwinBuildIn
) -> dict[str, Any]:
    """Build a twin version (needs the talent's active signed creation consent)."""
    row = twins.build(
        session, actor, runtime.storage, body.talent_id, body.session_id, twin_id=body.twin_id
    )
    return {"twin_id": row.twin_id, "version": row.version}


@router.get("/twins")
def list_twins(
    actor: AnyActor,
    session: SessionDep,
    talent_id: str | None = None,
    reason_kind: ReasonKindQuery = None,
    reason: ReasonQuery = None,
) -> list[dict[str, Any]]:
    """The talent's own twins; an operator's look needs a reason (on the record)."""
    why = look_reason_of(reason_kind, reason)
    return [twins.describe(session, t) for t in twins.look_twins(session, actor, talent_id, why)]


@router.get("/twins/{twin_id}")
def get_twin(
    actor: AnyActor,
    session: SessionDep,
    twin_id: str,
    reason_kind: ReasonKindQuery = None,
    reason: ReasonQuery = None,
) -> dict[str, Any]:
    why = look_reason_of(reason_kind, reason)
    return twins.describe(session, twins.look_twin(session, actor, twin_id, why))


@consent_router.post(
    "/consents/creation", response_model=ConsentRead, status_code=status.HTTP_201_CREATED
)
def create_creation_consent(
    body: CreationConsentCreate, actor: AnyActor, session: SessionDep
) -> ConsentRead:
    """Draft a consent to capture the talent and build/alter their twin (talent, agent,
    operator). Only the talent can sign it."""
    consent = twins.create_creation_consent(session, actor, body)
    return consents.to_read(session, consent)
