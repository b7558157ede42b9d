"""Monitoring enrolment and the reference embeddings its index searches (issue 21).

A talent is searched by monitoring only while enrolled (``monitoring_enrolments`` row
with ``enrolled`` true); their reference embeddings (``monitoring_references``, a few per
talent: the reference photo's template, the twin's neutral render) exist only then:
opting out deletes them in the same transaction.

``embedding`` holds 128 little-endian float32 on every database: it is what the exact
in-process index loads. On PostgreSQL with the ``vector`` extension, migration
``0013_monitoring_index`` adds a column ``embedding_vec vector(128)`` (not mapped here:
SQLite has no such type) with an HNSW index; :mod:`likeness.monitoring.enrolment`
writes it next to ``embedding`` and :mod:`likeness.monitoring.index` searches it
(decision 0024).

``monitoring_index_state`` holds one row whose ``revision`` changes (a fresh random
token) in every transaction that changes the references, so a process holding an
in-memory index knows, with one cheap query, whether to reload it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from likeness.kit.clock import utcnow
from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime

#: What migration 0012 adds on PostgreSQL with pgvector only, and the ORM does not map:
#: Alembic's comparison of models and database leaves them out (``migrations.include_object``).
POSTGRES_ONLY = frozenset({"embedding_vec", "ix_monitoring_references_hnsw"})


class PgVector(UserDefinedType[Any]):
    """pgvector's ``vector`` type, known to SQLAlchemy's reflection (no pgvector import)."""

    cache_ok = True

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def get_col_spec(self, **kw: Any) -> str:
        return "vector" if self.dim is None else f"vector({self.dim})"


ischema_names.setdefault("vector", PgVector)


class MonitoringEnrolment(Base):
    """Whether a talent is searched by monitoring, since when and on whose word."""

    __tablename__ = "monitoring_enrolments"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    enrolled: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    opted_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    opted_in_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    opted_out_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class MonitoringReference(IdMixin, CreatedAtMixin, Base):
    """One reference embedding of an enrolled talent. ``source``: where it came from
    (``reference_photo``, ``twin:<twin id>:v<version>``, ``twin:…:view:<view>``)."""

    __tablename__ = "monitoring_references"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(String(120), nullable=False)
    embedding: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class MonitoringIndexState(Base):
    """One row (``id`` 1): ``revision`` changes whenever the references change."""

    __tablename__ = "monitoring_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[str] = mapped_column(String(32), nullable=False)
