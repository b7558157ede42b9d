"""Generation requests; outputs keyed by (request, index), with their checks (issue 18).

Revision ID: 0008_generation
Revises: 0007_jobs
Create Date: 2026-12-07 10:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_generation"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None

_STATUS = sa.Enum(
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    name="generation_status",
    native_enum=False,
    length=16,
)


def upgrade() -> None:
    op.create_table(
        "generation_requests",
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("twin_id", sa.String(length=32), nullable=False),
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column("brand_id", sa.String(length=32), nullable=False),
        sa.Column("use_json", sa.Text(), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("brief_json", sa.Text(), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("image_count", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("status_reason", sa.String(length=2000), nullable=True),
        sa.Column("requested_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("image_count >= 1", name=op.f("ck_generation_requests_count_positive")),
        sa.CheckConstraint(
            "width > 0 AND height > 0", name=op.f("ck_generation_requests_size_positive")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_generation_requests_brand_id_brands"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_generation_requests_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["license_id"],
            ["licenses.id"],
            name=op.f("fk_generation_requests_license_id_licenses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_generation_requests_requested_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_generation_requests_talent_id_talent_profiles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["twin_id"],
            ["twins.id"],
            name=op.f("fk_generation_requests_twin_id_twins"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_requests")),
        sa.UniqueConstraint(
            "brand_id", "idempotency_key", name="uq_generation_requests_idempotency"
        ),
    )
    with op.batch_alter_table("generation_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_generation_requests_brand_status", ["brand_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_generation_requests_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_generation_requests_license_id"), ["license_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_generation_requests_talent_id"), ["talent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_generation_requests_twin_id"), ["twin_id"], unique=False
        )

    with op.batch_alter_table("outputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("generation_request_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("generation_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("check_json", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outputs_generation_request_id_generation_requests"),
            "generation_requests",
            ["generation_request_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_unique_constraint(
            "uq_outputs_generation_index", ["generation_request_id", "generation_index"]
        )
        batch_op.create_index(
            batch_op.f("ix_outputs_generation_request_id"), ["generation_request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outputs_generation_request_id"))
        batch_op.drop_constraint("uq_outputs_generation_index", type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_outputs_generation_request_id_generation_requests"),
            type_="foreignkey",
        )
        batch_op.drop_column("check_json")
        batch_op.drop_column("generation_index")
        batch_op.drop_column("generation_request_id")

    with op.batch_alter_table("generation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generation_requests_twin_id"))
        batch_op.drop_index(batch_op.f("ix_generation_requests_talent_id"))
        batch_op.drop_index(batch_op.f("ix_generation_requests_license_id"))
        batch_op.drop_index(batch_op.f("ix_generation_requests_job_id"))
        batch_op.drop_index("ix_generation_requests_brand_status")

    op.drop_table("generation_requests")
