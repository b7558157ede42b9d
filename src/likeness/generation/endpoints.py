"""Thin routes for generation requests: submit, read (status, percentage, outputs), list,
cancel.

``POST /generations`` takes JSON: the request, with input images base64-encoded under
``inputs`` (role → base64 of a PNG, JPEG or WebP), bounded by the API's body limit.
The job is handed to this server's executor (``LIKENESS_JOBS__EXECUTOR``) once the
request's transaction commits (``jobs.executors.submit_on_commit``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from likeness.engines.registry import UnknownEngine
from likeness.generation import service
from likeness.generation.errors import (
    GenerationFinished,
    GenerationNotAllowed,
    GenerationNotFound,
    GenerationNotPermitted,
    IdempotencyKeyConflict,
    InvalidGenerationRequest,
    ModelNotLicensed,
    ProcessorNotAllowed,
    TaskNotSupported,
)
from likeness.generation.schemas import CancelIn, GenerationCreate, GenerationRead
from likeness.licensing.errors import LicenseNotFound
from likeness.models.generation import GenerationStatus
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(tags=["generations"], responses=error_responses(GenerationNotFound))


@router.post(
    "/generations",
    response_model=GenerationRead,
    status_code=202,
    responses=error_responses(
        GenerationNotPermitted,
        GenerationNotAllowed,
        ModelNotLicensed,
        ProcessorNotAllowed,
        TaskNotSupported,
        UnknownEngine,
        IdempotencyKeyConflict,
        InvalidGenerationRequest,
        LicenseNotFound,
    ),
)
def submit(
    body: GenerationCreate,
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=128,
            description="retries with the same key return the same request (or use the body)",
        ),
    ] = None,
) -> GenerationRead:
    """Ask for images of a licensed twin: checked now (decision, engine, models, the
    processor the likeness would go to), made by a job. Poll ``GET /generations/{id}``."""
    from likeness.engines import registry
    from likeness.jobs.executors import executor_for, submit_on_commit

    if idempotency_key and not body.idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    done = service.submit(
        session,
        actor,
        runtime.storage,
        body,
        service.decode_inputs(body.inputs),
        lambda name: registry.build(name, runtime.settings),
    )
    if done.job is not None and not done.replayed:
        submit_on_commit(session, executor_for(runtime), done.job.id)
    return service.to_read(session, actor, done.request, replayed=done.replayed)


@router.get("/generations/{request_id}", response_model=GenerationRead)
def get_generation(request_id: str, actor: AnyActor, session: SessionDep) -> GenerationRead:
    """A request's status and percentage (from its job) and the outputs made so far."""
    return service.to_read(session, actor, service.get_for(session, actor, request_id))


@router.get("/generations", response_model=list[GenerationRead])
def list_generations(
    actor: AnyActor,
    session: SessionDep,
    status: GenerationStatus | None = None,
    license_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[GenerationRead]:
    """The requests you may see, newest first."""
    rows = service.list_for(
        session, actor, status=status, license_id=license_id, limit=limit, offset=offset
    )
    return [service.to_read(session, actor, row) for row in rows]


@router.post(
    "/generations/{request_id}/cancel",
    response_model=GenerationRead,
    responses=error_responses(GenerationNotPermitted, GenerationFinished),
)
def cancel(
    request_id: str, actor: AnyActor, session: SessionDep, body: CancelIn | None = None
) -> GenerationRead:
    """Cancel a request: a queued job ends now, a running one at its next progress
    report; images already made stay (in quarantine)."""
    reason = body.reason if body else "cancelled by request"
    row = service.cancel(session, actor, request_id, reason)
    return service.to_read(session, actor, row)
