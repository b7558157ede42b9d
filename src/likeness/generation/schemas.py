"""Pydantic in/out models of the generation API and CLI.

A request's input images travel base64-encoded in the JSON body (``inputs``: role →
base64 of a PNG, JPEG or WebP file); the largest body the API accepts bounds them
(``LIKENESS_MAX_REQUEST_BYTES``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from likeness.engines import InputRole, Task
from likeness.kit.bounds import text_rule
from likeness.models.generation import GenerationStatus
from likeness.output.schemas import UseSpec

MAX_SIDE = 4096
MAX_COUNT = 8
MAX_SEED = 2**31 - 1


class BriefIn(BaseModel):
    """What to make, but the input images (see :class:`likeness.engines.Brief`)."""

    prompt: str | None = Field(default=None, max_length=2000, json_schema_extra=text_rule())
    negative_prompt: str | None = Field(
        default=None, max_length=2000, json_schema_extra=text_rule()
    )
    scene: dict[str, Any] | None = Field(
        default=None, description="a studio scene (the `likeness render` scene schema)"
    )
    pose_keypoints: dict[str, tuple[float, float]] | None = None
    framing: str | None = Field(default=None, max_length=64)
    options: dict[str, Any] = Field(default_factory=dict)


class GenerationCreate(BaseModel):
    license_id: str
    twin_id: str
    use: UseSpec
    engine: str = Field(min_length=1, max_length=64, examples=["composite"])
    task: Task
    brief: BriefIn = Field(default_factory=BriefIn)
    inputs: dict[InputRole, str] = Field(
        default_factory=dict, description="input role → base64 of a PNG, JPEG or WebP file"
    )
    width: int = Field(ge=16, le=MAX_SIDE)
    height: int = Field(ge=16, le=MAX_SIDE)
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)


class GenerationRead(BaseModel):
    id: str
    license_id: str
    twin_id: str
    talent_id: str
    brand_id: str
    use: dict[str, Any]
    engine: str
    task: str
    brief: dict[str, Any]
    #: input role → SHA-256 of the file sent
    inputs: dict[str, str]
    width: int
    height: int
    count: int
    seed: int
    status: GenerationStatus
    status_reason: str | None
    #: 0..100, from the job's last progress report
    percentage: int
    message: str | None
    job_id: str | None
    attempts: int
    #: The outputs made so far that the caller may see (a brand never sees one that
    #: failed the automated checks).
    output_ids: list[str]
    replayed: bool = False
    created_at: datetime
    updated_at: datetime


class CancelIn(BaseModel):
    reason: str = Field(
        default="cancelled by request", min_length=1, max_length=500, json_schema_extra=text_rule()
    )
