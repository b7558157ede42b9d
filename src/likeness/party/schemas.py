from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from likeness.models.party import Role


class UserCreate(BaseModel):
    email: str
    display_name: str
    role: Role
    password: str | None = Field(default=None, description="at least 10 characters")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: datetime


class TalentCreate(BaseModel):
    user_id: str
    legal_name: str
    stage_name: str | None = None


class TalentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    legal_name: str
    stage_name: str | None
    created_at: datetime


class AgencyCreate(BaseModel):
    name: str
    commission_percent: float = Field(
        ge=0, le=100, allow_inf_nan=False, description="at most 20 (NY Fashion Workers Act)"
    )


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    commission_bps: int
    created_at: datetime


class MemberAdd(BaseModel):
    user_id: str


class RepresentationCreate(BaseModel):
    talent_id: str
    agency_id: str
    starts_on: date
    ends_on: date
    auto_renew: bool = Field(default=False, description="must be false (NY Fashion Workers Act)")


class RepresentationState(StrEnum):
    """What an agreement is today (``party.rules.representation_state``)."""

    active = "active"
    ended = "ended"  # its term is over
    terminated = "terminated"


class RepresentationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    talent_id: str
    agency_id: str
    starts_on: date
    ends_on: date
    status: RepresentationState
    created_at: datetime


class BrandCreate(BaseModel):
    name: str


class BrandRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    created_at: datetime
