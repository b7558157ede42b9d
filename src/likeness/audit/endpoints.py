"""Operator-only access to the audit chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from likeness.audit import service
from likeness.audit.key import AuditChainUnsealed, AuditKeyMismatch, AuditKeyMissing
from likeness.audit.schemas import AuditEventRead, ChainReport, EventFilter
from likeness.kit.bounds import INSTANT_PATTERN
from likeness.web.actors import OperatorActor
from likeness.web.deps import SessionDep
from likeness.web.paging import Offset
from likeness.web.responses import error_responses

router = APIRouter(tags=["audit"])


@router.get("/audit/events", response_model=list[AuditEventRead])
def list_events(
    actor: OperatorActor,
    session: SessionDep,
    object_type: str | None = None,
    object_id: str | None = None,
    by: Annotated[str | None, Query(alias="actor")] = None,
    action: str | None = None,
    since: Annotated[datetime | None, Query(json_schema_extra={"pattern": INSTANT_PATTERN})] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
    offset: Offset = 0,
) -> list[AuditEventRead]:
    where = EventFilter(object_type, object_id, by, action, since)
    return service.list_events(session, where, limit=limit, offset=offset)


@router.get(
    "/audit/verify",
    response_model=ChainReport,
    responses=error_responses(AuditKeyMissing, AuditKeyMismatch, AuditChainUnsealed),
)
def verify(actor: OperatorActor, session: SessionDep) -> ChainReport:
    """The same check as `likeness audit verify`, held to the installation's checkpoint."""
    return service.verify(session)
