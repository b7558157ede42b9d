"""Thin routes for consents, standing limits and rights notifications."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from likeness.api.deps import RuntimeDep, SessionDep
from likeness.api.responses import error_responses
from likeness.auth.dependencies import AnyActor, BrandOrOperatorActor
from likeness.consent import service
from likeness.consent.errors import ConsentImmutable, ConsentNotFound
from likeness.consent.schemas import (
    ConsentRead,
    ConsentVerification,
    CreationConsentCreate,
    RevokeIn,
    SignIn,
    StandingLimitsIn,
    StandingLimitsRead,
)
from likeness.consent.signing import TalentKeyring
from likeness.errors import Conflict, NotFound
from likeness.kit.bounds import MAX_OFFSET
from likeness.licensing import notifications
from likeness.licensing.errors import LicenseNotFound
from likeness.licensing.schemas import NotificationRead
from likeness.policy import ConsentKind

router = APIRouter(
    tags=["consents"],
    responses=error_responses(
        ConsentNotFound, LicenseNotFound, NotFound, ConsentImmutable, Conflict
    ),
)

Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@router.post("/consents/creation", response_model=ConsentRead, status_code=status.HTTP_201_CREATED)
def create_creation_consent(
    body: CreationConsentCreate, actor: AnyActor, session: SessionDep
) -> ConsentRead:
    """Draft a consent to capture the talent and build/alter their twin (talent, agent,
    operator). Only the talent can sign it."""
    return service.to_read(session, service.create_creation_consent(session, actor, body))


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


@router.post("/consents/{consent_id}/sign", response_model=ConsentRead)
def sign_consent(
    consent_id: str, body: SignIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> ConsentRead:
    """The talent signs (typed full name + the affirmative statement). Signing a use
    consent activates its license. Agents and brands are always refused."""
    intent = service.Intent(body.typed_name, body.statement, body.sign_with_key)
    keyring = TalentKeyring(runtime.settings.keys_dir)
    return service.to_read(session, service.sign(session, actor, consent_id, intent, keyring))


@router.post("/consents/{consent_id}/revoke", response_model=ConsentRead)
def revoke_consent(
    consent_id: str, body: RevokeIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> ConsentRead:
    """The talent revokes: no new use from now on; affected brands are notified.

    Revoking a creation consent also crypto-shreds the twins it covered.
    """
    from likeness.capture.service import StorageDeps
    from likeness.twin import service as twin_service

    deps = StorageDeps.from_settings(runtime.settings, runtime.blobs)
    consent, _shredded = twin_service.revoke_consent(session, actor, deps, consent_id, body.reason)
    return service.to_read(session, consent)


@router.get("/talents/{talent_id}/limits", response_model=StandingLimitsRead)
def get_limits(talent_id: str, actor: AnyActor, session: SessionDep) -> StandingLimitsRead:
    """Content categories the talent never allows, whatever any license says."""
    return service.get_limits(session, actor, talent_id)


@router.put("/talents/{talent_id}/limits", response_model=StandingLimitsRead)
def set_limits(
    talent_id: str, body: StandingLimitsIn, actor: AnyActor, session: SessionDep
) -> StandingLimitsRead:
    return service.set_limits(session, actor, talent_id, body)


@router.get("/notifications", response_model=list[NotificationRead], tags=["licenses"])
def list_notifications(
    actor: BrandOrOperatorActor,
    session: SessionDep,
    unread: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[NotificationRead]:
    """Events for your brand: activations, suspensions, revocations (with take-down dates)."""
    rows = notifications.list_for(session, actor, unread_only=unread, limit=limit, offset=offset)
    return [notifications.to_read(n) for n in rows]


@router.post(
    "/notifications/{notification_id}/read", response_model=NotificationRead, tags=["licenses"]
)
def mark_notification_read(
    notification_id: str, actor: BrandOrOperatorActor, session: SessionDep
) -> NotificationRead:
    return notifications.to_read(notifications.mark_read(session, actor, notification_id))
