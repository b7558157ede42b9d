"""Capture sessions and their files.

File contents live encrypted in the blob store (one data key per session, held in the
key vault outside the database); rows hold only names, geometry and hashes.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class CaptureStatus(enum.StrEnum):
    """ingested → qc_passed | qc_failed → (overridden); deleted when shredded."""

    ingested = "ingested"
    qc_passed = "qc_passed"
    qc_failed = "qc_failed"
    overridden = "overridden"
    deleted = "deleted"


class CaptureSession(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "capture_sessions"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    status: Mapped[CaptureStatus] = mapped_column(
        str_enum(CaptureStatus, "capture_status"), nullable=False
    )
    encoding: Mapped[str] = mapped_column(String(8), nullable=False)
    view_count: Mapped[int] = mapped_column(Integer, nullable=False)
    light_count: Mapped[int] = mapped_column(Integer, nullable=False)
    file_count: Mapped[int] = mapped_column(Integer, nullable=False)
    total_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    manifest: Mapped[str] = mapped_column(Text, nullable=False)
    qc_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    qc_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    qc_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    override_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CaptureFile(IdMixin, Base):
    __tablename__ = "capture_files"
    __table_args__ = (UniqueConstraint("session_id", "name", name="uq_capture_files_name"),)

    session_id: Mapped[str] = mapped_column(
        ForeignKey("capture_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(500), nullable=False)
    view: Mapped[str] = mapped_column(String(100), nullable=False)
    #: olat | full | ambient | background | alpha
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    azimuth: Mapped[float | None] = mapped_column(Float, nullable=True)
    elevation: Mapped[float | None] = mapped_column(Float, nullable=True)
    format: Mapped[str] = mapped_column(String(8), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    orientation: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    blob_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TalentReference(IdMixin, CreatedAtMixin, Base):
    """The talent's reference photo, kept as a sealed identity template only.

    QC compares every capture session of the talent with it. The photo itself is not
    kept: ``template`` is the 128-D face embedding, encrypted with the talent's
    reference data key (in the key vault), so clearing it shreds the key as well.
    """

    __tablename__ = "talent_references"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    template: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    photo_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    face_width: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
