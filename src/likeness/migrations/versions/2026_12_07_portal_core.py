"""Index assets by talent and by brand in release order: the portal's lists page through
them (a talent's "my likeness", a brand's library) without sorting every row.

Revision ID: 0007_portal_core
Revises: 0009_ledger
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007_portal_core"
down_revision = "0009_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assets_talent_kind_released", ["talent_id", "kind", "released_at", "id"]
        )
        batch_op.create_index(
            "ix_assets_brand_kind_released", ["brand_id", "kind", "released_at", "id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_brand_kind_released")
        batch_op.drop_index("ix_assets_talent_kind_released")
