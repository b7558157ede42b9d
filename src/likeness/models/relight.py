"""Relighting priors: models trained from consented captures, and what each learned from.

A :class:`RelightPriorRecord` is one trained prior (``likeness.imaging.relight.RelightPrior``)
registered like any model the platform loads: the SHA-256 of its file, its licence and
commercial flag (which follow from its sources), and a training manifest (canonical JSON:
which captures, by id and hash, when, which code). The file itself is sealed under the
prior's own data key (``prior-<id>``) in the blob store, so retiring a prior shreds it.

A :class:`RelightPriorSource` is one source it learned from: a twin version (with its
talent, capture session and the creation consent that named ``train``), a synthetic
person, or data the operator declared licensed. Revoking ``train`` finds the priors to
retire through these rows (decision 0028).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class PriorStatus(enum.StrEnum):
    #: the prior twins render with (at most one at a time)
    active = "active"
    #: never used again: a newer prior replaced it, or a source withdrew; its key is shredded
    retired = "retired"


class PriorSourceKind(enum.StrEnum):
    #: a twin version whose talent's creation consent in force named ``train``
    twin = "twin"
    #: a member of the synthetic cast (no real person)
    synthetic = "synthetic"
    #: a basis the operator declared licensed for training (``--licensed``)
    licensed = "licensed"


class RelightPriorRecord(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "relight_priors"

    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    status: Mapped[PriorStatus] = mapped_column(
        str_enum(PriorStatus, "prior_status"), nullable=False, index=True
    )
    #: SHA-256 of the prior file (``RelightPrior.sha256``): what a render's C2PA names
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    #: the sealed file in the blob store (None once retired), and the data key that opens it
    blob_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    key_name: Mapped[str] = mapped_column(String(64), nullable=False)
    license: Mapped[str] = mapped_column(String(100), nullable=False)
    commercial_use: Mapped[bool] = mapped_column(Boolean, nullable=False)
    #: canonical JSON training manifest, and its SHA-256
    manifest: Mapped[str] = mapped_column(Text, nullable=False)
    manifest_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    code_version: Mapped[str] = mapped_column(String(64), nullable=False)
    trained_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    training_seconds: Mapped[float] = mapped_column(Float, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retire_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class RelightPriorSource(IdMixin, Base):
    __tablename__ = "relight_prior_sources"

    prior_id: Mapped[str] = mapped_column(
        ForeignKey("relight_priors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[PriorSourceKind] = mapped_column(
        str_enum(PriorSourceKind, "prior_source_kind"), nullable=False
    )
    #: the talent it came from (None for synthetic and licensed data)
    talent_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    #: twin id, synthetic seed, or the operator's name for licensed data
    source_id: Mapped[str] = mapped_column(String(200), nullable=False)
    twin_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capture_session_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: SHA-256 of the basis it contributed (its packed bytes)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    license: Mapped[str] = mapped_column(String(100), nullable=False)
    commercial_use: Mapped[bool] = mapped_column(Boolean, nullable=False)
