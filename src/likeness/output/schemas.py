"""Pydantic in/out models of the output API and CLI.

``OutputRead`` is metadata only: the image of an output is never part of it (the
reviewer sees the registered preview, a brand sees nothing until the release).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from likeness.kit.bounds import Version, text_rule
from likeness.models.output import OutputStatus, ReviewMode

ReasonText = Field(min_length=1, max_length=1000, json_schema_extra=text_rule())


class UseSpec(BaseModel):
    """The use an output is made for: it goes into the decision and onto the output."""

    channel: str = Field(min_length=1, max_length=32)
    territory: str | None = Field(default=None, min_length=2, max_length=2)
    category: str = Field(min_length=1, max_length=64)


class OutputCreate(BaseModel):
    """A request names its license; the engine's parameters are kept as canonical JSON."""

    license_id: str
    twin_id: str
    use: UseSpec
    engine: str = Field(min_length=1, max_length=64)
    engine_params: dict[str, Any] = Field(default_factory=dict)
    #: The twin version the image was made from (default: the twin's latest).
    twin_version: int | None = Field(default=None, ge=1)


class OutputRead(BaseModel):
    id: str
    license_id: str
    twin_id: str
    twin_version: int
    talent_id: str
    brand_id: str
    status: OutputStatus
    version: int
    use: dict[str, Any]
    decision: dict[str, Any]
    decision_sha256: str
    consent_id: str
    engine: str
    engine_params: dict[str, Any]
    image_sha256: str
    media_type: str
    width: int
    height: int
    preview_asset_id: str | None
    review_mode: ReviewMode | None
    reviewed_by_user_id: str | None
    reviewed_at: datetime | None
    review_reason: str | None
    approval_sha256: str | None
    blocked_reason: str | None
    #: The generation request that made it, and which of its images it is.
    generation_request_id: str | None = None
    generation_index: int | None = None
    #: The automated checks' result (passed, reason, details), for generated outputs.
    check: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    #: The release asset, once released.
    asset_id: str | None = None


class ApproveIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)
    version: Version | None = Field(
        default=None, description="the version you reviewed; refused if it changed since"
    )


class RejectIn(BaseModel):
    reason: str = ReasonText
    version: Version | None = None


class ReleaseIn(BaseModel):
    channel: str | None = Field(
        default=None, max_length=32, description="default: the channel the output was made for"
    )


class ReleaseRead(BaseModel):
    output_id: str
    asset_id: str
    license_id: str
    channel: str
    file_sha256: str
    media_type: str
    released_at: datetime
    valid_until: datetime
    #: True when an earlier try with the same idempotency key made this asset.
    replayed: bool
    released_count: int
    max_outputs: int
