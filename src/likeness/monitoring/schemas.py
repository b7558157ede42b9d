"""Pydantic in/out models of the monitoring API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from likeness.models.monitoring import CaseStatus, ScanStatus, Verdict

MAX_SOURCE = 2048
MAX_REASON = 1000


class ScanIn(BaseModel):
    source: str = Field(
        min_length=1,
        max_length=MAX_SOURCE,
        description="a folder, file://…, an fsspec prefix (s3://bucket/prefix) or urls:FILE",
        examples=["s3://crawl/2026-12-07/"],
    )


class ScanRead(BaseModel):
    id: str
    source: str
    description: str | None
    status: ScanStatus
    images: int
    unreadable: int
    faces: int
    matches: int
    cases_opened: int
    cases_updated: int
    job_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class FindingRead(BaseModel):
    id: str
    location: str
    sha256: str | None
    verdict: Verdict
    talent_id: str | None
    asset_id: str | None
    distance: float | None
    case_ids: list[str]
    evidence: dict[str, Any]


class CaseEventRead(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor_user_id: str | None
    note: str | None
    scan_id: str | None
    created_at: datetime


class CaseRead(BaseModel):
    id: str
    talent_id: str
    verdict: Verdict
    status: CaseStatus
    location: str
    content_sha256: str
    asset_id: str | None
    distance: float | None
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    dismiss_reason: str | None
    notice_sha256: str | None
    has_thumbnail: bool
    evidence: dict[str, Any]
    events: list[CaseEventRead] = Field(default_factory=list)


class DismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class StepIn(BaseModel):
    note: str | None = Field(default=None, max_length=MAX_REASON)


class RecheckRead(BaseModel):
    case_id: str
    status: CaseStatus
    gone: bool
    detail: str
