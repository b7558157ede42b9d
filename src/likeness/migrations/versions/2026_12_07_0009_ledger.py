"""Money: the double-entry ledger, its outbox cursor and payees (issue 19, decision 0022).

Revision ID: 0009_ledger
Revises: 0008_generation
Create Date: 2026-12-07 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_ledger"
down_revision = "0008_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column(
            "kind",
            sa.Enum(
                "brand_receivable",
                "talent_payable",
                "agency_payable",
                "platform_revenue",
                "cash",
                name="ledger_account_kind",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("party_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("kind", "party_id", "currency", name="uq_ledger_accounts_key"),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_accounts_party_id"), ["party_id"], unique=False)

    op.create_table(
        "ledger_cursor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_cursor_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_cursor")),
    )
    op.create_table(
        "ledger_payees",
        sa.Column(
            "party_kind",
            sa.Enum("talent", "agency", name="ledger_payee_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("party_id", sa.String(length=32), nullable=False),
        sa.Column("holder_name", sa.String(length=140), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_payees")),
        sa.UniqueConstraint("party_kind", "party_id", name="uq_ledger_payees_party"),
    )
    op.create_table(
        "ledger_transactions",
        sa.Column(
            "kind",
            sa.Enum(
                "creation_fee",
                "output_fee",
                "use_fee",
                "adjustment",
                "payout",
                "collection",
                name="ledger_transaction_kind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("source_seq", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=True),
        sa.Column("talent_id", sa.String(length=32), nullable=True),
        sa.Column("brand_id", sa.String(length=32), nullable=True),
        sa.Column("agency_id", sa.String(length=32), nullable=True),
        sa.Column("asset_id", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("platform_fee", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("commission_bps", sa.Integer(), nullable=False),
        sa.Column("platform_fee_bps", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reverses_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("external_ref", sa.String(length=140), nullable=True),
        sa.Column("posted_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "commission_bps >= 0 AND commission_bps <= 2000",
            name=op.f("ck_ledger_transactions_commission_cap"),
        ),
        sa.CheckConstraint(
            "net + commission + platform_fee = gross",
            name=op.f("ck_ledger_transactions_split_exact"),
        ),
        sa.CheckConstraint(
            "platform_fee_bps >= 0 AND platform_fee_bps <= 10000",
            name=op.f("ck_ledger_transactions_fee_bps"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_transactions_reverses_id_ledger_transactions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ledger_transactions_source_key")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_transactions_agency_on", ["agency_id", "occurred_on"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_transactions_brand_on", ["brand_id", "occurred_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_transactions_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_license_id"), ["license_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_reverses_id"), ["reverses_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_source_seq"), ["source_seq"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_transactions_talent_on", ["talent_id", "occurred_on"], unique=False
        )

    op.create_table(
        "ledger_entries",
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_ledger_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_entries_transaction_id_ledger_transactions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_transaction_id"), ["transaction_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_account_id"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transactions_talent_on")
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_source_seq"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_reverses_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_license_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_kind"))
        batch_op.drop_index("ix_ledger_transactions_brand_on")
        batch_op.drop_index("ix_ledger_transactions_agency_on")

    op.drop_table("ledger_transactions")
    op.drop_table("ledger_payees")
    op.drop_table("ledger_cursor")
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_accounts_party_id"))

    op.drop_table("ledger_accounts")
