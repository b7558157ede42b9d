"""Pydantic in/out models of the jobs API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from likeness.kit.bounds import text_rule
from likeness.models.job import JobStatus


class JobRead(BaseModel):
    id: str
    kind: str
    status: JobStatus
    version: int
    #: 0..100, from the handler's last progress report (100 once succeeded).
    percentage: int
    progress: float
    message: str | None
    attempts: int
    max_attempts: int
    last_error: str | None
    cancel_reason: str | None
    #: True while a cancel waits for the running worker to stop.
    cancel_requested: bool
    ref_type: str | None
    ref_id: str | None
    license_id: str | None
    requested_by_user_id: str | None
    payload: dict[str, Any]
    result: Any | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    heartbeat_at: datetime | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobCancelIn(BaseModel):
    reason: str = Field(
        default="cancelled by request", min_length=1, max_length=500, json_schema_extra=text_rule()
    )
