"""Pydantic in/out models of the relighting prior API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from likeness.models.relight import PriorSourceKind, PriorStatus


class PriorSourceRead(BaseModel):
    kind: PriorSourceKind
    talent_id: str | None
    source_id: str = Field(description="twin id, synthetic seed, or the licensed file's name")
    twin_version: int | None
    capture_session_id: str | None
    consent_id: str | None = Field(description="the creation consent that named 'train'")
    sha256: str = Field(description="SHA-256 of the basis it contributed")
    license: str
    commercial_use: bool


class PriorRead(BaseModel):
    id: str
    name: str
    status: PriorStatus
    sha256: str = Field(description="SHA-256 of the prior file; renders name it in C2PA")
    size_bytes: int
    license: str
    commercial_use: bool
    code_version: str
    trained_at: datetime
    training_seconds: float
    sources: int = Field(description="how many captures it learned from")
    talents: int = Field(description="how many distinct talents they belong to")
    retired_at: datetime | None
    retire_reason: str | None


class PriorDetail(PriorRead):
    manifest: dict[str, Any] = Field(description="the training manifest, as registered")
    manifest_sha256: str
    source_list: list[PriorSourceRead]


class TrainIn(BaseModel):
    synthetic: list[int] = Field(
        default_factory=list,
        max_length=64,
        description="synthetic cast seeds to add (no real person)",
    )
    synthetic_size: int = Field(default=128, ge=64, le=1024)
