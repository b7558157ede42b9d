"""The catalogue: talents' opt-in listings for brands, and their watermarked previews.

Revision ID: 0011_catalogue
Revises: 0010_portal
Create Date: 2026-12-07 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_catalogue"
down_revision = "0010_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_listings",
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("public_name", sa.String(length=200), nullable=False),
        sa.Column("bio", sa.String(length=2000), nullable=True),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("rates", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_catalogue_listings_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_listings")),
        sa.UniqueConstraint("talent_id", name=op.f("uq_catalogue_listings_talent_id")),
    )
    with op.batch_alter_table("catalogue_listings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_listings_opted_in"), ["opted_in"], unique=False
        )
    op.create_table(
        "catalogue_previews",
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_catalogue_previews_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("talent_id", name=op.f("pk_catalogue_previews")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_previews")
    with op.batch_alter_table("catalogue_listings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_listings_opted_in"))
    op.drop_table("catalogue_listings")
