from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from likeness.kit.bounds import text_rule
from likeness.models.party import Role


class LoginRequest(BaseModel):
    email: str
    password: str


class Me(BaseModel):
    user_id: str | None
    email: str
    role: Role
    talent_id: str | None
    agency_ids: list[str]
    brand_ids: list[str]


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, json_schema_extra=text_rule())


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="shown once; only its hash is stored")

    @classmethod
    def shown_once(cls, token: object, plaintext: str) -> TokenCreated:
        """The new token's record (an ``ApiToken`` row) with its secret, for the one answer
        that shows it."""
        return cls.model_validate(
            {**TokenRead.model_validate(token).model_dump(), "token": plaintext}
        )
