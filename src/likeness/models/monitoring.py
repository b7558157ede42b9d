"""Monitoring: scans, what each image showed (findings), cases and their history.

A :class:`MonitoringScan` is one pass over a source (a folder, an object-store prefix,
a list of URLs), run as a durable job (``job_id``). It writes one
:class:`MonitoringFinding` per image it looked at (``(scan_id, location_key)`` is
unique, so a retried job never writes a second one): where the image was, its SHA-256,
the verdict and the evidence (canonical JSON: faces, distances, watermark, C2PA, the
channel of the place it was found). Thumbnails are content-addressed rows of
:class:`MonitoringThumbnail` (a few kilobytes each, shared by every finding and case
of the same image).

A :class:`MonitoringCase` is what a person acts on: a talent's face (or one of their
releases) found where no license allows it. It is keyed by
``(talent_id, location_key, content_sha256)`` — the same image at the same place is the
same case however often it is scanned (decision 0023). Its ``status`` runs
``open → confirmed | dismissed → notice_sent → acknowledged → removed → closed``; every
change is a :class:`MonitoringCaseEvent` and an audit event.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class ScanStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Verdict(enum.StrEnum):
    #: a release in good standing, where its license allows it
    licensed = "licensed"
    #: a release whose rights ended and whose take-down date has passed
    past_takedown = "past_takedown"
    #: a release found on a channel or in a territory its license does not name
    outside_channel = "outside_channel"
    #: a Likeness output that was never released (a preview or quarantined output)
    leak = "leak"
    #: a talent's face with no Likeness mark at all: suspected unlicensed use
    unmarked_match = "unmarked_match"
    no_match = "no_match"
    #: the bytes did not decode (or could not be fetched)
    unreadable = "unreadable"


class CaseStatus(enum.StrEnum):
    open = "open"
    confirmed = "confirmed"
    dismissed = "dismissed"
    notice_sent = "notice_sent"
    acknowledged = "acknowledged"
    removed = "removed"
    closed = "closed"


class MonitoringScan(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "monitoring_scans"

    source: Mapped[str] = mapped_column(String(2048), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[ScanStatus] = mapped_column(
        str_enum(ScanStatus, "monitoring_scan_status"), nullable=False, index=True
    )
    images: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unreadable: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    faces: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    matches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cases_opened: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cases_updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class MonitoringThumbnail(CreatedAtMixin, Base):
    """A small PNG of a scanned image, stored once by its own SHA-256."""

    __tablename__ = "monitoring_thumbnails"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    image: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class MonitoringFinding(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "monitoring_findings"
    __table_args__ = (
        UniqueConstraint("scan_id", "location_key", name="uq_monitoring_findings_scan_location"),
    )

    scan_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_scans.id", ondelete="CASCADE"), nullable=False
    )
    location: Mapped[str] = mapped_column(String(2048), nullable=False)
    #: SHA-256 of ``location`` (an index key of fixed length, whatever the URL).
    location_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    #: SHA-256 of the bytes (None: nothing was fetched).
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verdict: Mapped[Verdict] = mapped_column(
        str_enum(Verdict, "monitoring_verdict"), nullable=False
    )
    talent_id: Mapped[str | None] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), nullable=True, index=True
    )
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    distance: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Canonical JSON: faces, matches, watermark, C2PA, place, reasons.
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    thumbnail_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("monitoring_thumbnails.sha256", ondelete="SET NULL"), nullable=True
    )


class MonitoringCase(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "monitoring_cases"
    __table_args__ = (
        UniqueConstraint(
            "talent_id", "location_key", "content_sha256", name="uq_monitoring_cases_key"
        ),
        Index("ix_monitoring_cases_talent_status", "talent_id", "status"),
    )

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), nullable=False
    )
    verdict: Mapped[Verdict] = mapped_column(
        str_enum(Verdict, "monitoring_verdict"), nullable=False
    )
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, "monitoring_case_status"), nullable=False
    )
    location: Mapped[str] = mapped_column(String(2048), nullable=False)
    location_key: Mapped[str] = mapped_column(String(64), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    distance: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Canonical JSON: the latest finding's evidence.
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    thumbnail_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("monitoring_thumbnails.sha256", ondelete="SET NULL"), nullable=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    times_seen: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    last_scan_id: Mapped[str | None] = mapped_column(
        ForeignKey("monitoring_scans.id", ondelete="SET NULL"), nullable=True
    )
    dismiss_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    notice_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class MonitoringCaseEvent(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "monitoring_case_events"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("monitoring_cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    scan_id: Mapped[str | None] = mapped_column(
        ForeignKey("monitoring_scans.id", ondelete="SET NULL"), nullable=True
    )
