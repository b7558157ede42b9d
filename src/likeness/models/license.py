"""Licenses: one brand's rights to one talent's twin, and how they were negotiated.

A license points at the *talent* (``talent_id``, a foreign key) and optionally at one
of the talent's twins (``twin_id``). A license with no twin id covers every twin of the
talent. ``twin_id`` is checked by the service (the talent's own, active twin) rather
than by a foreign key: adding one would rebuild the table on SQLite, and a twin row is
never deleted anyway (a shredded twin keeps its row), so the id always resolves.

``version`` is bumped by every change; transitions are compare-and-set UPDATEs on it,
so two concurrent transitions on one license cannot both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from likeness.kit.clock import utcnow
from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum
from likeness.policy import LicenseStatus


class License(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "licenses"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("released_count >= 0", name="released_nonnegative"),
        CheckConstraint("ends_at > starts_at", name="term_positive"),
        # NY Fashion Workers Act: commission capped at 20 % (2000 basis points).
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 2000", name="commission_cap"),
        Index("ix_licenses_talent_brand", "talent_id", "brand_id"),
    )

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[LicenseStatus] = mapped_column(
        str_enum(LicenseStatus, "license_status", validate_strings=False),
        nullable=False,
        index=True,
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Canonical JSON of :class:`likeness.policy.LicenseTerms`.
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    terms_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # Denormalised from the terms for sweeps (expiry) and overlap queries.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    commission_bps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    released_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
