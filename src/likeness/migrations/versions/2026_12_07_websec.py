"""Index failed logins by client: the login back-off counts them per client over a day.

Revision ID: 0005_websec
Revises: 0004
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005_websec"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_client"), ["client"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_client"))
