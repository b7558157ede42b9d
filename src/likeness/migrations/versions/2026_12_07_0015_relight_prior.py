"""Relighting priors trained from consented captures, and the sources each learned from.

Revision ID: 0015_relight_prior
Revises: 0014_monitoring
Create Date: 2026-12-07 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_relight_prior"
down_revision = "0014_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relight_priors",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="prior_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=True),
        sa.Column("key_name", sa.String(length=64), nullable=False),
        sa.Column("license", sa.String(length=100), nullable=False),
        sa.Column("commercial_use", sa.Boolean(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("code_version", sa.String(length=64), nullable=False),
        sa.Column("trained_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("training_seconds", sa.Float(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retire_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relight_priors")),
        sa.UniqueConstraint("name", name=op.f("uq_relight_priors_name")),
    )
    with op.batch_alter_table("relight_priors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relight_priors_status"), ["status"], unique=False)
    op.create_table(
        "relight_prior_sources",
        sa.Column("prior_id", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "twin",
                "synthetic",
                "licensed",
                name="prior_source_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("talent_id", sa.String(length=32), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("twin_version", sa.Integer(), nullable=True),
        sa.Column("capture_session_id", sa.String(length=32), nullable=True),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("license", sa.String(length=100), nullable=False),
        sa.Column("commercial_use", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["prior_id"],
            ["relight_priors.id"],
            name=op.f("fk_relight_prior_sources_prior_id_relight_priors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relight_prior_sources")),
    )
    with op.batch_alter_table("relight_prior_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relight_prior_sources_prior_id"), ["prior_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relight_prior_sources_talent_id"), ["talent_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relight_prior_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relight_prior_sources_talent_id"))
        batch_op.drop_index(batch_op.f("ix_relight_prior_sources_prior_id"))
    op.drop_table("relight_prior_sources")
    with op.batch_alter_table("relight_priors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relight_priors_status"))
    op.drop_table("relight_priors")
