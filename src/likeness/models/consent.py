"""Consents, their signatures, talent standing limits and rights notifications.

A consent row stores the canonical JSON of its document and that document's SHA-256;
once signed (``signed_at`` set) neither changes again. ``twin_id`` is checked by the
service when the consent is drafted (the talent's own, active twin), not by a foreign
key: adding one would rebuild this immutable, trigger-guarded table on SQLite, and twin
rows are never deleted (a shredded twin keeps its row).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum
from likeness.policy import ConsentKind, ConsentStatus


class Consent(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("valid_until > valid_from", name="validity_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "(kind = 'use' AND license_id IS NOT NULL)"
            " OR (kind = 'creation' AND license_id IS NULL)",
            name="use_has_license",
        ),
    )

    kind: Mapped[ConsentKind] = mapped_column(
        str_enum(ConsentKind, "consent_kind", validate_strings=False), nullable=False
    )
    status: Mapped[ConsentStatus] = mapped_column(
        str_enum(ConsentStatus, "consent_status", validate_strings=False),
        nullable=False,
        index=True,
    )
    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    twin_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    #: A use consent belongs to exactly one license; a creation consent to none.
    license_id: Mapped[str | None] = mapped_column(
        ForeignKey("licenses.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    document: Mapped[str] = mapped_column(Text, nullable=False)
    document_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: For a use consent, the hash of the license terms it covers (also inside the
    #: document); kept as a column so decisions never parse documents.
    terms_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class ConsentSignature(IdMixin, Base):
    """The intent record: who signed what (by hash), when, with which words."""

    __tablename__ = "consent_signatures"

    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    signer_user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), nullable=False
    )
    typed_name: Mapped[str] = mapped_column(String(200), nullable=False)
    statement: Mapped[str] = mapped_column(String(500), nullable=False)
    document_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ed25519_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ed25519_public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TalentStandingLimit(CreatedAtMixin, Base):
    """A content category the talent never allows, whatever any license says."""

    __tablename__ = "talent_standing_limits"

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class RightsNotification(IdMixin, CreatedAtMixin, Base):
    """An event a brand reads via the API: revocations, suspensions, expiries, activations."""

    __tablename__ = "rights_notifications"

    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), nullable=False, index=True
    )
    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="CASCADE"), nullable=False
    )
    license_id: Mapped[str | None] = mapped_column(
        ForeignKey("licenses.id", ondelete="CASCADE"), nullable=True, index=True
    )
    consent_id: Mapped[str | None] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    #: Canonical JSON with the machine-readable details (e.g. ``remove_by``).
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
