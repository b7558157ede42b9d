"""Pydantic in/out models of the asset registry."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from likeness.models.asset import AssetKind, AssetStatus


class AssetRead(BaseModel):
    """An asset as the brand, the talent side or an operator sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    mark: str
    kind: AssetKind
    status: AssetStatus
    output_id: str
    twin_id: str
    talent_id: str
    brand_id: str
    license_id: str
    channel: str | None
    media_type: str
    size_bytes: int
    file_sha256: str
    consent_sha256: str
    approval_sha256: str | None
    decision_sha256: str
    engine: str
    released_at: datetime
    valid_until: datetime
    status_changed_at: datetime | None
    status_reason: str | None
    takedown_by: datetime | None


class PublicationIn(BaseModel):
    """Where the brand published a released asset."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, max_length=32)
    territory: str = Field(min_length=2, max_length=8)
    published_on: date
    url: str | None = Field(default=None, max_length=2048)


class PublicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    asset_id: str
    brand_id: str
    license_id: str
    channel: str
    territory: str
    published_on: date
    url: str | None
    decision_sha256: str
    created_at: datetime


class TakedownRead(BaseModel):
    """One line of a brand's take-down list: what to remove, and by when."""

    asset_id: str
    brand_id: str
    license_id: str
    channel: str | None
    status: AssetStatus
    reason: str | None
    takedown_by: datetime | None
    publications: list[PublicationRead]


class TakenDownIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500)


class AssetVerifyBlock(BaseModel):
    """The ``"asset"`` block ``likeness verify --json`` adds for a registered asset."""

    id: str
    kind: AssetKind
    talent: str
    brand: str
    license: str
    channel: str | None
    released_at: datetime
    valid_until: datetime
    status: AssetStatus


class PublicVerifyRead(BaseModel):
    """What anybody may learn about an asset id or mark, without logging in.

    Only what the image's own public label and manifest already say: whether it is an
    authorised Likeness release, that it is AI-generated, its status and until when it
    may be used. No names, fees, emails, license terms or internal ids.
    """

    asset_id: str
    mark: str
    registered: bool = True
    kind: AssetKind
    authorised_release: bool
    ai_generated: bool = True
    status: AssetStatus
    channel: str | None
    released_at: datetime
    valid_until: datetime
    takedown_by: datetime | None
