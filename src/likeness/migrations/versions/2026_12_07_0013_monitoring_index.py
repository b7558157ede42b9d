"""Monitoring: talents' enrolment, their reference embeddings, the index state.

On PostgreSQL the ``vector`` extension (pgvector) is created when the server offers it
and this role may create it; then ``monitoring_references`` gets a column
``embedding_vec vector(128)`` with an HNSW index (L2). Without it (SQLite, or a
PostgreSQL without pgvector) only the portable ``embedding`` blob exists and the search
is the exact in-process index. Downgrade drops the tables but leaves the extension
(other databases' objects may use it). Decision 0024.

Revision ID: 0013_monitoring_index
Revises: 0012_inbox
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_monitoring_index"
down_revision = "0012_inbox"
branch_labels = None
depends_on = None

#: Same as likeness.imaging.faces.EMBEDDING_SIZE (a migration never imports app code).
DIMENSIONS = 128
#: HNSW build parameters: pgvector's defaults (m 16, ef_construction 64) lose recall on
#: 128-D face embeddings at 100,000 rows; these keep it at 1.0 in bench/monitoring.py.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128


def _vector_available(bind: sa.engine.Connection) -> bool:
    """Create the extension if the server has it and we may; True if ``vector`` resolves."""
    if bind.dialect.name != "postgresql":
        return False
    offered = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    ).first()
    if offered is None:
        return False
    nested = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError:
        nested.rollback()  # not allowed to (not a superuser, not trusted): go without
    else:
        nested.commit()
    # The type must resolve where these tables live (a schema on the search path).
    return bool(bind.execute(sa.text("SELECT to_regtype('vector') IS NOT NULL")).scalar())


def upgrade() -> None:
    op.create_table(
        "monitoring_enrolments",
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("opted_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opted_in_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opted_out_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_monitoring_enrolments_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("talent_id", name=op.f("pk_monitoring_enrolments")),
    )
    with op.batch_alter_table("monitoring_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_enrolments_enrolled"), ["enrolled"], unique=False
        )
    op.create_table(
        "monitoring_references",
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_monitoring_references_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_references")),
    )
    with op.batch_alter_table("monitoring_references", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_references_talent_id"), ["talent_id"], unique=False
        )
    op.create_table(
        "monitoring_index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_index_state")),
    )
    # No row yet: the first opt-in writes it (`likeness init` refuses a database that
    # holds rows before its audit chain is sealed).
    bind = op.get_bind()
    if _vector_available(bind):
        op.execute(
            f"ALTER TABLE monitoring_references ADD COLUMN embedding_vec vector({DIMENSIONS})"
        )
        op.execute(
            "CREATE INDEX ix_monitoring_references_hnsw ON monitoring_references "
            f"USING hnsw (embedding_vec vector_l2_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )


def downgrade() -> None:
    op.drop_table("monitoring_index_state")
    with op.batch_alter_table("monitoring_references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_references_talent_id"))
    op.drop_table("monitoring_references")  # the HNSW index and vector column go with it
    with op.batch_alter_table("monitoring_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_enrolments_enrolled"))
    op.drop_table("monitoring_enrolments")
