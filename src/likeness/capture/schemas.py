"""Pydantic in/out models of the capture feature."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from likeness.capture.service import MIN_OVERRIDE_REASON
from likeness.kit.bounds import text_rule


class CaptureRead(BaseModel):
    id: str
    talent_id: str
    status: str
    views: int
    lights: int
    files: int
    qc_passed: bool | None


class ReferenceRead(BaseModel):
    talent_id: str
    photo_sha256: str
    width: int
    height: int
    face_width: int
    created_at: datetime


class OverrideIn(BaseModel):
    reason: str = Field(
        min_length=MIN_OVERRIDE_REASON,
        max_length=500,
        json_schema_extra=text_rule(min_chars=MIN_OVERRIDE_REASON, control=True),
    )
