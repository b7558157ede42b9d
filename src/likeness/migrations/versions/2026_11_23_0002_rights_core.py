"""Rights core: licenses, consents, signatures, standing limits, rights notifications.

Hand-written to stay portable between SQLite and PostgreSQL: enums are VARCHAR with
the values checked by the application (``native_enum=False``), times are
``DateTime(timezone=True)``, and every constraint is named.

``licenses.twin_id`` and ``consents.twin_id`` are plain ids, checked by the services
against the twins table (migration 0003) rather than by foreign keys.

Triggers make signed consents and signature records immutable in the database itself,
not only in the service. Note for later migrations: an SQLite ``batch_alter_table`` on
``consents`` or ``consent_signatures`` recreates the table and drops its triggers, so
such a migration must call :func:`create_immutability_triggers` again (the integration
test ``test_signed_consents_are_immutable_in_the_database`` fails otherwise).

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


_SIGNED_FIELDS = (
    "kind",
    "talent_id",
    "twin_id",
    "license_id",
    "document",
    "document_sha256",
    "terms_sha256",
    "valid_from",
    "valid_until",
    "signed_at",
    "created_at",
)


def create_immutability_triggers() -> None:
    """Refuse any change to what was signed (revocation still updates status/revoked_at)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER trg_consents_signed_immutable BEFORE UPDATE OF "
            + ", ".join(_SIGNED_FIELDS)
            + " ON consents WHEN OLD.signed_at IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'signed consents are immutable'); END"
        )
        op.execute(
            "CREATE TRIGGER trg_consent_signatures_immutable BEFORE UPDATE ON consent_signatures "
            "BEGIN SELECT RAISE(ABORT, 'consent signatures are immutable'); END"
        )
    elif dialect == "postgresql":
        changed = " OR ".join(f"NEW.{f} IS DISTINCT FROM OLD.{f}" for f in _SIGNED_FIELDS)
        op.execute(
            "CREATE FUNCTION likeness_consent_signed_immutable() RETURNS trigger AS $$ BEGIN "
            f"IF OLD.signed_at IS NOT NULL AND ({changed}) THEN "
            "RAISE EXCEPTION 'signed consents are immutable'; END IF; RETURN NEW; END "
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER trg_consents_signed_immutable BEFORE UPDATE ON consents "
            "FOR EACH ROW EXECUTE FUNCTION likeness_consent_signed_immutable()"
        )
        op.execute(
            "CREATE FUNCTION likeness_consent_signature_immutable() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'consent signatures are immutable'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER trg_consent_signatures_immutable BEFORE UPDATE ON consent_signatures "
            "FOR EACH ROW EXECUTE FUNCTION likeness_consent_signature_immutable()"
        )


def drop_immutability_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS trg_consent_signatures_immutable")
        op.execute("DROP TRIGGER IF EXISTS trg_consents_signed_immutable")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_consent_signatures_immutable ON consent_signatures")
        op.execute("DROP TRIGGER IF EXISTS trg_consents_signed_immutable ON consents")
        op.execute("DROP FUNCTION IF EXISTS likeness_consent_signature_immutable()")
        op.execute("DROP FUNCTION IF EXISTS likeness_consent_signed_immutable()")


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
    create_immutability_triggers()


def downgrade() -> None:
    drop_immutability_triggers()
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
