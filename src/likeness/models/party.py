"""People and organisations: users, talent, agencies, representation, brands."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum


class Role(enum.StrEnum):
    talent = "talent"
    agent = "agent"
    brand = "brand"
    operator = "operator"


class User(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Bumped on logout-everywhere and password change: invalidates every session cookie.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class TalentProfile(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "talent_profiles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), unique=True, nullable=False
    )
    legal_name: Mapped[str] = mapped_column(String(200), nullable=False)
    stage_name: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Agency(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "agencies"
    __table_args__ = (
        # NY Fashion Workers Act: commission capped at 20 % (2000 basis points).
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 2000", name="commission_cap"),
    )

    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    commission_bps: Mapped[int] = mapped_column(Integer, nullable=False)


class AgencyMember(CreatedAtMixin, Base):
    __tablename__ = "agency_members"

    agency_id: Mapped[str] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class RepresentationStatus(enum.StrEnum):
    active = "active"
    terminated = "terminated"


class Representation(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "representations"
    __table_args__ = (CheckConstraint("ends_on > starts_on", name="term_positive"),)

    talent_id: Mapped[str] = mapped_column(
        ForeignKey("talent_profiles.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    agency_id: Mapped[str] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[RepresentationStatus] = mapped_column(
        str_enum(RepresentationStatus, "representation_status", validate_strings=False),
        default=RepresentationStatus.active,
        nullable=False,
    )
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Brand(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "brands"

    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)


class BrandMember(CreatedAtMixin, Base):
    __tablename__ = "brand_members"

    brand_id: Mapped[str] = mapped_column(
        ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
