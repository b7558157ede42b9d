"""Rights core: licenses, consents, signatures, standing limits, rights notifications.

Hand-written to stay portable between SQLite and PostgreSQL: enums are VARCHAR with
the values checked by the application (``native_enum=False``), times are
``DateTime(timezone=True)``, and every constraint is named.

``licenses.twin_id`` and ``consents.twin_id`` are plain ids here; migration 0003 adds
the twins table and their foreign keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "licenses",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("twin_id", sa.String(length=32), nullable=True),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("commission_bps", sa.Integer(), nullable=False),
        sa.Column("released_count", sa.Integer(), nullable=False),
        sa.Column("requested_by_user_id", sa.String(length=32), nullable=True),
        _time("updated_at"),
        _time("activated_at", nullable=True),
        _time("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_licenses_version_positive")),
        sa.CheckConstraint("released_count >= 0", name=op.f("ck_licenses_released_nonnegative")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_licenses_term_positive")),
        sa.CheckConstraint(
            "commission_bps >= 0 AND commission_bps <= 2000",
            name=op.f("ck_licenses_commission_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_licenses_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_licenses_brand_id_brands"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_licenses_requested_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licenses")),
    )
    op.create_index(op.f("ix_licenses_talent_id"), "licenses", ["talent_id"])
    op.create_index(op.f("ix_licenses_twin_id"), "licenses", ["twin_id"])
    op.create_index(op.f("ix_licenses_brand_id"), "licenses", ["brand_id"])
    op.create_index(op.f("ix_licenses_status"), "licenses", ["status"])
    op.create_index(op.f("ix_licenses_ends_at"), "licenses", ["ends_at"])
    op.create_index("ix_licenses_talent_brand", "licenses", ["talent_id", "brand_id"])

    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("twin_id", sa.String(length=32), nullable=True),
        sa.Column("license_id", sa.String(length=32), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=True),
        _time("valid_from"),
        _time("valid_until"),
        sa.Column("created_by_user_id", sa.String(length=32), nullable=True),
        _time("signed_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.Column("revocation_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("valid_until > valid_from", name=op.f("ck_consents_validity_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_consents_version_positive")),
        sa.CheckConstraint(
            "(kind = 'use' AND license_id IS NOT NULL) OR (kind = 'creation' AND license_id IS NULL)",
            name=op.f("ck_consents_use_has_license"),
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_consents_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_consents_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_consents_created_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("license_id", name=op.f("uq_consents_license_id")),
    )
    op.create_index(op.f("ix_consents_status"), "consents", ["status"])
    op.create_index(op.f("ix_consents_talent_id"), "consents", ["talent_id"])
    op.create_index(op.f("ix_consents_twin_id"), "consents", ["twin_id"])

    op.create_table(
        "consent_signatures",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("signer_user_id", sa.String(length=32), nullable=False),
        sa.Column("typed_name", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.String(length=500), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        _time("signed_at"),
        sa.Column("ed25519_signature", sa.String(length=128), nullable=True),
        sa.Column("ed25519_public_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_consent_signatures_consent_id_consents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signer_user_id"],
            ["users.id"],
            name=op.f("fk_consent_signatures_signer_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_signatures")),
        sa.UniqueConstraint("consent_id", name=op.f("uq_consent_signatures_consent_id")),
    )

    op.create_table(
        "talent_standing_limits",
        _time("created_at"),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_talent_standing_limits_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("talent_id", "category", name=op.f("pk_talent_standing_limits")),
    )

    op.create_table(
        "rights_notifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        _time("created_at"),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=True),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _time("read_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_rights_notifications_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_rights_notifications_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_rights_notifications_license_id_licenses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consents.id"],
            name=op.f("fk_rights_notifications_consent_id_consents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_notifications")),
    )
    op.create_index(op.f("ix_rights_notifications_brand_id"), "rights_notifications", ["brand_id"])
    op.create_index(
        op.f("ix_rights_notifications_license_id"), "rights_notifications", ["license_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rights_notifications_license_id"), table_name="rights_notifications")
    op.drop_index(op.f("ix_rights_notifications_brand_id"), table_name="rights_notifications")
    op.drop_table("rights_notifications")
    op.drop_table("talent_standing_limits")
    op.drop_table("consent_signatures")
    op.drop_index(op.f("ix_consents_twin_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_talent_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_status"), table_name="consents")
    op.drop_table("consents")
    op.drop_index("ix_licenses_talent_brand", table_name="licenses")
    op.drop_index(op.f("ix_licenses_ends_at"), table_name="licenses")
    op.drop_index(op.f("ix_licenses_status"), table_name="licenses")
    op.drop_index(op.f("ix_licenses_brand_id"), table_name="licenses")
    op.drop_index(op.f("ix_licenses_twin_id"), table_name="licenses")
    op.drop_index(op.f("ix_licenses_talent_id"), table_name="licenses")
    op.drop_table("licenses")
