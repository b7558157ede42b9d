"""Twins and their versions.

A twin belongs to one talent. Each build adds a version: per-view OLAT basis, mattes,
thumbnails and the identity embedding, all sealed with the twin's own data key (held
in the key vault, never in the database). ``artifacts`` maps each artifact's role to
its blob key; light directions, sizes and the QC report are plain metadata.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class TwinStatus(enum.StrEnum):
    active = "active"
    retired = "retired"
    #: crypto-shredded: its data keys are destroyed
    deleted = "deleted"


class TwinVersionStatus(enum.StrEnum):
    active = "active"
    retired = "retired"
    shredded = "shredded"


class Twin(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "twins"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[TwinStatus] = mapped_column(str_enum(TwinStatus, "twin_status"), nullable=False)
    latest_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class TwinVersion(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "twin_versions"
    __table_args__ = (UniqueConstraint("twin_id", "version", name="uq_twin_versions_version"),)

    twin_id: Mapped[str] = mapped_column(
        ForeignKey("twins.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[TwinVersionStatus] = mapped_column(
        str_enum(TwinVersionStatus, "twin_version_status"), nullable=False
    )
    session_id: Mapped[str] = mapped_column(
        ForeignKey("capture_sessions.id", ondelete="RESTRICT"), nullable=False
    )
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), nullable=False
    )
    created_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    view_count: Mapped[int] = mapped_column(Integer, nullable=False)
    light_count: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    identity_spread: Mapped[float | None] = mapped_column(Float, nullable=True)
    metadata_json: Mapped[str] = mapped_column(Text, nullable=False)
    artifacts: Mapped[str] = mapped_column(Text, nullable=False)
    qc_report: Mapped[str] = mapped_column(Text, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
