from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from likeness.kit.bounds import email_rule, text_rule
from likeness.models.party import Role

#: A person's or an organisation's name, as ``party.rules.check_name`` accepts it.
_NAME = {"maxLength": 200, **text_rule()}


class _Row(BaseModel):
    """What every party read model starts with: read from the ORM row, its id first."""

    model_config = ConfigDict(from_attributes=True)

    id: str


class UserCreate(BaseModel):
    email: str = Field(json_schema_extra=email_rule())
    display_name: str = Field(json_schema_extra=_NAME)
    role: Role
    password: str | None = Field(
        default=None,
        description="at least 10 characters",
        json_schema_extra={"minLength": 10, "maxLength": 1024},
    )


class UserRead(_Row):
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: datetime


class TalentCreate(BaseModel):
    user_id: str
    legal_name: str = Field(json_schema_extra=_NAME)
    stage_name: str | None = Field(default=None, json_schema_extra=_NAME)


class TalentRead(_Row):
    user_id: str
    legal_name: str
    stage_name: str | None
    created_at: datetime


class AgencyCreate(BaseModel):
    name: str = Field(json_schema_extra=_NAME)
    commission_percent: float = Field(
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="at most 20 (NY Fashion Workers Act), with at most two decimals",
        # The rules refuse these (CommissionTooHigh names the law); the description says so.
        json_schema_extra={"maximum": 20, "multipleOf": 0.01},
    )


class AgencyRead(_Row):
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


class RepresentationRead(_Row):
    talent_id: str
    agency_id: str
    starts_on: date
    ends_on: date
    status: RepresentationState
    created_at: datetime


class BrandCreate(BaseModel):
    name: str = Field(json_schema_extra=_NAME)


class BrandRead(_Row):
    name: str
    created_at: datetime
