"""Pydantic in/out models of the catalogue API and CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from likeness.catalogue.rules import MAX_BIO_CHARS, MAX_SLUGS
from likeness.kit.bounds import Count, text_rule


class ListingIn(BaseModel):
    """What a talent shows brands; the listing is visible only while ``opted_in``."""

    opted_in: bool = Field(default=True, description="false: saved, but no brand sees it")
    public_name: str = Field(
        description="the name brands see (never the legal name unless you type it)",
        json_schema_extra={"maxLength": 200, **text_rule()},
    )
    bio: str | None = Field(default=None, max_length=MAX_BIO_CHARS)
    channels: list[str] = Field(min_length=1, max_length=MAX_SLUGS, examples=[["instagram", "web"]])
    categories: list[str] = Field(min_length=1, max_length=MAX_SLUGS, examples=[["fashion"]])
    currency: str | None = Field(
        default=None, min_length=3, max_length=3, description="ISO 4217, for the rates"
    )
    rates_minor: dict[str, Count] = Field(
        default_factory=dict,
        description="indicative rate per published use, by channel, in minor units",
        examples=[{"instagram": 150000}],
    )


class ListingRead(BaseModel):
    """A listing as its reader may see it: brands see only opted-in listings."""

    talent_id: str
    opted_in: bool
    public_name: str
    bio: str | None
    channels: list[str]
    categories: list[str]
    currency: str | None
    rates_minor: dict[str, int]
    preview: bool = Field(description="a watermarked catalogue picture is on file")
    preview_sha256: str | None = None
    created_at: datetime
    updated_at: datetime
