"""Outputs in quarantine, the asset registry and publication reports (issue 17).

Revision ID: 0006_release
Revises: 0005_websec
Create Date: 2026-12-07 07:25:25.764463
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_release"
down_revision = "0005_websec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outputs",
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("twin_id", sa.String(length=32), nullable=False),
        sa.Column("twin_version", sa.Integer(), nullable=False),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "released",
                "blocked",
                name="output_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("use_json", sa.Text(), nullable=False),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.Column("decision_sha256", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("engine_params", sa.Text(), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("requested_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("preview_asset_id", sa.String(length=32), nullable=True),
        sa.Column(
            "review_mode",
            sa.Enum(
                "talent", "agent", "automatic", name="review_mode", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("reviewed_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.String(length=1000), nullable=True),
        sa.Column("approval_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_outputs_version_positive")),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_outputs_size_positive")),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_outputs_brand_id_brands"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_outputs_consent_id_consents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_outputs_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_outputs_requested_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_user_id"],
            ["users.id"],
            name=op.f("fk_outputs_reviewed_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_outputs_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["twin_id"], ["twins.id"], name=op.f("fk_outputs_twin_id_twins"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outputs")),
    )
    with op.batch_alter_table("outputs", schema=None) as batch_op:
        batch_op.create_index("ix_outputs_brand_status", ["brand_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outputs_license_id"), ["license_id"], unique=False)
        batch_op.create_index("ix_outputs_talent_status", ["talent_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outputs_twin_id"), ["twin_id"], unique=False)

    op.create_table(
        "assets",
        sa.Column("mark", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("release", "preview", name="asset_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("output_id", sa.String(length=32), nullable=False),
        sa.Column("twin_id", sa.String(length=32), nullable=False),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("consent_sha256", sa.String(length=64), nullable=False),
        sa.Column("approval_sha256", sa.String(length=64), nullable=True),
        sa.Column("decision_sha256", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "expired",
                "revoked",
                "taken_down",
                name="asset_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("takedown_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("released_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_assets_brand_id_brands"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_assets_consent_id_consents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_assets_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["outputs.id"],
            name=op.f("fk_assets_output_id_outputs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["released_by_user_id"],
            ["users.id"],
            name=op.f("fk_assets_released_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_assets_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["twin_id"], ["twins.id"], name=op.f("fk_assets_twin_id_twins"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("brand_id", "idempotency_key", name="uq_assets_idempotency"),
        sa.UniqueConstraint("mark", name=op.f("uq_assets_mark")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index("ix_assets_brand_status", ["brand_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_consent_id"), ["consent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_file_sha256"), ["file_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_license_id"), ["license_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assets_output_id"), ["output_id"], unique=False)
        batch_op.create_index("ix_assets_talent_status", ["talent_id", "status"], unique=False)

    op.create_table(
        "publications",
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("territory", sa.String(length=8), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("decision_sha256", sa.String(length=64), nullable=False),
        sa.Column("reported_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_publications_asset_id_assets"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_publications_brand_id_brands"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_publications_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_user_id"],
            ["users.id"],
            name=op.f("fk_publications_reported_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_publications_license_id"), ["license_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_license_id"))
        batch_op.drop_index(batch_op.f("ix_publications_brand_id"))
        batch_op.drop_index(batch_op.f("ix_publications_asset_id"))

    op.drop_table("publications")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_talent_status")
        batch_op.drop_index(batch_op.f("ix_assets_output_id"))
        batch_op.drop_index(batch_op.f("ix_assets_license_id"))
        batch_op.drop_index(batch_op.f("ix_assets_file_sha256"))
        batch_op.drop_index(batch_op.f("ix_assets_consent_id"))
        batch_op.drop_index("ix_assets_brand_status")

    op.drop_table("assets")
    with op.batch_alter_table("outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outputs_twin_id"))
        batch_op.drop_index("ix_outputs_talent_status")
        batch_op.drop_index(batch_op.f("ix_outputs_license_id"))
        batch_op.drop_index("ix_outputs_brand_status")

    op.drop_table("outputs")
