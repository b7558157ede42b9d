"""Pydantic in/out models of the twin feature."""

from __future__ import annotations

from pydantic import BaseModel, Field

from likeness.kit.bounds import Version, text_rule


class TwinBuildIn(BaseModel):
    talent_id: str
    session_id: str
    twin_id: str | None = None


class RetireIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, json_schema_extra=text_rule(control=True))
    version: Version | None = None
