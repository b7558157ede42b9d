"""Captures and twins: capture sessions and files, twins and twin versions.

Hand-written for SQLite and PostgreSQL alike (strings for states, named constraints).
No keys are stored here: data keys live wrapped in the key vault outside the database.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "capture_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("light_count", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("qc_passed", sa.Boolean(), nullable=True),
        sa.Column("qc_report", sa.Text(), nullable=True),
        _time("qc_at", nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("override_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        _time("deleted_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_capture_sessions_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_sessions")),
    )
    op.create_index(
        op.f("ix_capture_sessions_talent_id"), "capture_sessions", ["talent_id"], unique=False
    )
    op.create_table(
        "capture_files",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("view", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("azimuth", sa.Float(), nullable=True),
        sa.Column("elevation", sa.Float(), nullable=True),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("orientation", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_capture_files_session_id_capture_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_files")),
        sa.UniqueConstraint("session_id", "name", name="uq_capture_files_name"),
    )
    op.create_index(
        op.f("ix_capture_files_session_id"), "capture_files", ["session_id"], unique=False
    )
    op.create_table(
        "twins",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        _time("retired_at", nullable=True),
        _time("deleted_at", nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_twins_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twins")),
    )
    op.create_index(op.f("ix_twins_talent_id"), "twins", ["talent_id"], unique=False)
    op.create_table(
        "twin_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("twin_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("light_count", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("identity_spread", sa.Float(), nullable=True),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("artifacts", sa.Text(), nullable=False),
        sa.Column("qc_report", sa.Text(), nullable=False),
        _time("retired_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["twin_id"],
            ["twins.id"],
            name=op.f("fk_twin_versions_twin_id_twins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["capture_sessions.id"],
            name=op.f("fk_twin_versions_session_id_capture_sessions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_twin_versions_consent_id_consents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twin_versions")),
        sa.UniqueConstraint("twin_id", "version", name="uq_twin_versions_version"),
    )
    op.create_index(op.f("ix_twin_versions_twin_id"), "twin_versions", ["twin_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_twin_versions_twin_id"), table_name="twin_versions")
    op.drop_table("twin_versions")
    op.drop_index(op.f("ix_twins_talent_id"), table_name="twins")
    op.drop_table("twins")
    op.drop_index(op.f("ix_capture_files_session_id"), table_name="capture_files")
    op.drop_table("capture_files")
    op.drop_index(op.f("ix_capture_sessions_talent_id"), table_name="capture_sessions")
    op.drop_table("capture_sessions")
