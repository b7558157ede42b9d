from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    actor_user_id: str | None
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class EventFilter:
    """Which events to list: every field given must match (``since``: at or after)."""

    object_type: str | None = None
    object_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None


class ChainReport(BaseModel):
    """The outcome of one verification; ``checkpoint`` is the recorded ``SEQ:HASH`` it was
    held against (``None`` when this installation had none yet)."""

    ok: bool
    events_checked: int
    head_seq: int
    head_hash: str = ""
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint: str | None = None
