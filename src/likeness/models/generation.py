"""Generation requests: a brand's ask for new images of a licensed twin.

A request names everything that decides what may be made and how: the license it is
made under, the twin, the use (``use_json``: channel, territory, category), the engine
and task, the brief (canonical JSON: scene, prompt, options), the input images (each a
blob sealed with the twin's data key, like outputs, so shredding the twin shreds them;
``inputs_json`` maps role → blob key and SHA-256), the size, count and seed.

The work is a durable job (``job_id``); ``status`` mirrors the job's for cheap listing.
Its outputs carry ``generation_request_id`` and ``generation_index`` (unique together),
so a retried job never makes an image twice. ``idempotency_key`` is unique per brand: a
client that retries a submit gets the first request back.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class GenerationStatus(enum.StrEnum):
    #: waiting for a worker (the job is queued)
    queued = "queued"
    running = "running"
    #: every image was made (some may have been check-rejected)
    succeeded = "succeeded"
    failed = "failed"
    #: cancelled by the brand, an operator, or an ended license or consent
    cancelled = "cancelled"


#: Statuses a request never leaves.
FINISHED = frozenset(
    {GenerationStatus.succeeded, GenerationStatus.failed, GenerationStatus.cancelled}
)


class GenerationRequest(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "generation_requests"
    __table_args__ = (
        UniqueConstraint("brand_id", "idempotency_key", name="uq_generation_requests_idempotency"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        CheckConstraint("image_count >= 1", name="count_positive"),
        Index("ix_generation_requests_brand_status", "brand_id", "status"),
    )

    license_id: Mapped[str] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_id: Mapped[str] = mapped_column(
        ForeignKey("twins.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="RESTRICT"), nullable=False
    )
    #: Canonical JSON of the use asked for (channel, territory, category).
    use_json: Mapped[str] = mapped_column(Text, nullable=False)
    engine: Mapped[str] = mapped_column(String(64), nullable=False)
    task: Mapped[str] = mapped_column(String(16), nullable=False)
    #: Canonical JSON of the brief (everything but the input images).
    brief_json: Mapped[str] = mapped_column(Text, nullable=False)
    #: Canonical JSON: input role → {"blob_key", "sha256", "bytes"}; sealed with the twin's key.
    inputs_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    image_count: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[GenerationStatus] = mapped_column(
        str_enum(GenerationStatus, "generation_status"), nullable=False
    )
    #: Why it failed or was cancelled.
    status_reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
