"""The asset registry: every marked image the platform let out, release or preview.

An asset's ``id`` is a UUID in hex whose first 16 hex digits (``mark``, 64 bits) are the
payload its invisible watermark carries, so a watermark found on a copy stripped of
its metadata still finds its row. ``mark`` is unique: a fresh id whose mark collides
is drawn again.

A *release* asset is an approved output, stamped for one channel (visible label,
watermark, IPTC/XMP, signed C2PA) and counted once against its license; a *preview*
asset is what a reviewer sees (visible "PREVIEW — not for publication" mark and the
watermark), registered so that verify never mistakes it for a release.

``status`` is ``active`` until the license ends (``expired``), the consent or license is
revoked (``revoked``) or the brand confirms it removed it (``taken_down``);
``takedown_by`` says by when a brand must have removed an asset that is no longer
active. ``(brand_id, idempotency_key)`` is unique, so a retried release returns the
asset made by the first try instead of counting a second one.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class AssetKind(enum.StrEnum):
    release = "release"
    preview = "preview"


class AssetStatus(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"
    taken_down = "taken_down"


class Asset(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("brand_id", "idempotency_key", name="uq_assets_idempotency"),
        Index("ix_assets_talent_status", "talent_id", "status"),
        Index("ix_assets_brand_status", "brand_id", "status"),
        # The portal's lists page through them in release order (migration 0007_portal_core).
        Index("ix_assets_talent_kind_released", "talent_id", "kind", "released_at", "id"),
        Index("ix_assets_brand_kind_released", "brand_id", "kind", "released_at", "id"),
    )

    #: The watermark payload: the first 16 hex digits (64 bits) of ``id``.
    mark: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    kind: Mapped[AssetKind] = mapped_column(str_enum(AssetKind, "asset_kind"), nullable=False)
    output_id: Mapped[str] = mapped_column(
        ForeignKey("outputs.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_id: Mapped[str] = mapped_column(
        ForeignKey("twins.id", ondelete="RESTRICT"), nullable=False
    )
    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False
    )
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="RESTRICT"), nullable=False
    )
    license_id: Mapped[str] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: The channel it was stamped for (a preview has none).
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    approval_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    engine: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The stamped file as delivered: where it is, its digest, type and size.
    blob_key: Mapped[str] = mapped_column(String(200), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    media_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[AssetStatus] = mapped_column(
        str_enum(AssetStatus, "asset_status"), nullable=False
    )
    #: Released (or previewed) at; valid until the license's end.
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    takedown_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    released_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class Publication(IdMixin, CreatedAtMixin, Base):
    """A brand's report of where a released asset was published: a usage event."""

    __tablename__ = "publications"

    asset_id: Mapped[str] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    license_id: Mapped[str] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    territory: Mapped[str] = mapped_column(String(8), nullable=False)
    published_on: Mapped[date] = mapped_column(Date, nullable=False)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    decision_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    reported_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
