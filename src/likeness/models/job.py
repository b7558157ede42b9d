"""Durable jobs: work a worker does outside the request that asked for it.

A job names its handler (``kind``), carries its input as canonical JSON
(``payload_json``) and, once done, its result (``result_json``). ``status`` walks
``queued → running → succeeded | failed | cancelled``; a failed attempt that may be
retried goes back to ``queued``. A running job is held by one worker under a lease
(``lease_owner``, ``lease_expires_at``) that the worker's heartbeats extend; a worker
killed outright stops heartbeating, its lease runs out and another worker takes the job
(``attempts`` counts the tries, up to ``max_attempts``).

A cancel of a running job is a request: ``cancel_reason`` is set on the running row
(``cancel_requested_at`` says when), the worker's next heartbeat is refused and the
worker ends the job ``cancelled``. ``version`` is bumped by every change; each
transition is a compare-and-set UPDATE on it, so of two workers leasing one job only
one gets it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class JobStatus(enum.StrEnum):
    #: waiting for a worker (new, or an attempt failed and will be retried)
    queued = "queued"
    #: held by a worker under a lease
    running = "running"
    succeeded = "succeeded"
    #: out of attempts, or an error that no retry can fix
    failed = "failed"
    cancelled = "cancelled"


#: The statuses a job never leaves.
FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


class Job(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts_valid"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_fraction"),
        Index("ix_jobs_status_kind", "status", "kind"),
        Index("ix_jobs_ref", "ref_type", "ref_id"),
    )

    #: The handler's name, registered in :mod:`likeness.jobs.worker`.
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, "job_status"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    payload_json: Mapped[str] = mapped_column(Text, nullable=False)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: 0..1, as the handler last reported it.
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    #: Set by a cancel: final on a queued job, a request to the worker on a running one.
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: What the job is for (``generation_request`` and its id).
    ref_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ref_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The license the job works under: revoking it (or its use consent) cancels the job.
    license_id: Mapped[str | None] = mapped_column(
        ForeignKey("licenses.id", ondelete="SET NULL"), nullable=True, index=True
    )
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
