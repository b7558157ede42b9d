"""Pydantic in/out models of the consent API and CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from likeness.consent.document import CREATION_ACTIVITIES, DEFAULT_ACTIVITIES
from likeness.kit.bounds import Count, Instant
from likeness.policy import ConsentKind, ConsentStatus


class CreationConsentCreate(BaseModel):
    talent_id: str
    twin_id: str | None = Field(default=None, description="omit: covers every twin")
    purpose: str = Field(min_length=1, max_length=2000)
    valid_from: Instant | None = Field(default=None, description="default: now")
    valid_until: Instant
    creation_fee_minor: Count = Field(default=0, description="rate of pay, minor units")
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    activities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ACTIVITIES),
        description="what is allowed: "
        + ", ".join(CREATION_ACTIVITIES)
        + " (default: "
        + ", ".join(DEFAULT_ACTIVITIES)
        + "; 'train' lets the captures help improve relighting for others and is only "
        "ever given explicitly)",
    )


class SignIn(BaseModel):
    typed_name: str = Field(description="your full legal name, typed")
    statement: str = Field(description="the affirmative statement shown on the consent")
    sign_with_key: bool = Field(default=False, description="also sign with your Ed25519 key")


class RevokeIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class SignatureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    signer_user_id: str
    typed_name: str
    statement: str
    document_sha256: str
    signed_at: datetime
    ed25519_signature: str | None
    ed25519_public_key: str | None


class ConsentRead(BaseModel):
    id: str
    kind: ConsentKind
    status: ConsentStatus
    title: str
    talent_id: str
    twin_id: str | None
    license_id: str | None
    document_sha256: str
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    signed_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    version: int
    signature: SignatureRead | None = None


class ConsentVerification(BaseModel):
    consent_id: str
    document_sha256: str
    document_intact: bool = Field(description="stored document still hashes to its SHA-256")
    signature_matches_document: bool | None = Field(
        description="the signature record names this document's hash (None: unsigned)"
    )
    ed25519_valid: bool | None = Field(description="None: no Ed25519 signature")


class StandingLimitsIn(BaseModel):
    categories: list[str] = Field(description="content categories never allowed")
    note: str | None = Field(default=None, max_length=500)


class StandingLimitsRead(BaseModel):
    talent_id: str
    categories: list[str]
