"""Outputs: images made from a twin, held in quarantine until reviewed and released.

An output is tied to everything that allowed it: the license it was made under, the
use that was asked for (``use_json``), the decision that allowed it (its canonical JSON
and that JSON's SHA-256), and the engine with its parameters. The image itself is a
sealed blob (``blob_key``, sealed with the twin's data key, so shredding the twin
shreds its outputs); nothing in this table is ever served to a brand.

``status`` walks ``pending → approved → released`` or ``pending → rejected``; an output
whose license or consent ended before release becomes ``blocked``; a generated image that
failed the automated identity checks is born ``check_rejected`` and stays so.
An output made by a generation request carries the request and its index there
(unique together: a retried job never stores an image twice). ``version`` is bumped
by every change; transitions are compare-and-set UPDATEs on it, so a review and a
release racing on one output cannot both win.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class OutputStatus(enum.StrEnum):
    #: in quarantine, waiting for the talent's (or delegated agent's) review
    pending = "pending"
    approved = "approved"
    #: kept for the record, never released
    rejected = "rejected"
    #: stamped and recorded in the asset registry
    released = "released"
    #: its license or consent ended before it was released
    blocked = "blocked"
    #: a generated image that failed the automated checks (not the licensed twin, or
    #: someone else): kept with its reason, never reviewed, released or shown to a brand
    check_rejected = "check_rejected"


class ReviewMode(enum.StrEnum):
    talent = "talent"
    #: an agent reviewed it, where the license delegates review
    agent = "agent"
    #: the license is pre-approved: approval recorded automatically
    automatic = "automatic"


class Output(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "outputs"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        Index("ix_outputs_talent_status", "talent_id", "status"),
        Index("ix_outputs_brand_status", "brand_id", "status"),
        UniqueConstraint(
            "generation_request_id", "generation_index", name="uq_outputs_generation_index"
        ),
    )

    license_id: Mapped[str] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_id: Mapped[str] = mapped_column(
        ForeignKey("twins.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_version: Mapped[int] = mapped_column(Integer, nullable=False)
    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False
    )
    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="RESTRICT"), nullable=False
    )
    status: Mapped[OutputStatus] = mapped_column(
        str_enum(OutputStatus, "output_status"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: Canonical JSON of the use that was asked for (action, channel, territory, category).
    use_json: Mapped[str] = mapped_column(Text, nullable=False)
    #: Canonical JSON of the decision that allowed it, and that JSON's SHA-256.
    decision_json: Mapped[str] = mapped_column(Text, nullable=False)
    decision_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The use consent the decision named.
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), nullable=False
    )
    engine: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Canonical JSON of the engine's parameters (the scene, the prompt, …).
    engine_params: Mapped[str] = mapped_column(Text, nullable=False)
    #: The sealed image in the blob store (sealed with the twin's data key).
    blob_key: Mapped[str] = mapped_column(String(200), nullable=False)
    image_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    media_type: Mapped[str] = mapped_column(String(64), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    requested_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: The registered preview asset (kind ``preview``) that carries this output's mark.
    preview_asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    review_mode: Mapped[ReviewMode | None] = mapped_column(
        str_enum(ReviewMode, "review_mode"), nullable=True
    )
    reviewed_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    #: SHA-256 of the approval record (who, when, which output digest, which decision).
    approval_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    blocked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: The generation request that made it, and which of its images it is.
    generation_request_id: Mapped[str | None] = mapped_column(
        ForeignKey("generation_requests.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    generation_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Canonical JSON of the automated checks' result (passed, reason, details).
    check_json: Mapped[str | None] = mapped_column(Text, nullable=True)
