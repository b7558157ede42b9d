"""Monitoring: scans, findings, thumbnails, cases and their events (issue 21).

Revision ID: 0014_monitoring
Revises: 0013_monitoring_index
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_monitoring"
down_revision = "0013_monitoring_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_thumbnails",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_monitoring_thumbnails")),
    )
    op.create_table(
        "monitoring_scans",
        sa.Column("source", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="monitoring_scan_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("unreadable", sa.Integer(), nullable=False),
        sa.Column("faces", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("cases_opened", sa.Integer(), nullable=False),
        sa.Column("cases_updated", sa.Integer(), nullable=False),
        sa.Column("requested_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_monitoring_scans_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["users.id"],
            name=op.f("fk_monitoring_scans_requested_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_scans")),
    )
    with op.batch_alter_table("monitoring_scans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_scans_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_monitoring_scans_requested_by_user_id"),
            ["requested_by_user_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_monitoring_scans_status"), ["status"], unique=False)

    op.create_table(
        "monitoring_cases",
        sa.Column("talent_id", sa.String(length=32), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "licensed",
                "past_takedown",
                "outside_channel",
                "leak",
                "unmarked_match",
                "no_match",
                "unreadable",
                name="monitoring_verdict",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "dismissed",
                "notice_sent",
                "acknowledged",
                "removed",
                "closed",
                name="monitoring_case_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("location", sa.String(length=2048), nullable=False),
        sa.Column("location_key", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=True),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("last_scan_id", sa.String(length=32), nullable=True),
        sa.Column("dismiss_reason", sa.String(length=1000), nullable=True),
        sa.Column("notice_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_scan_id"],
            ["monitoring_scans.id"],
            name=op.f("fk_monitoring_cases_last_scan_id_monitoring_scans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_monitoring_cases_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thumbnail_sha256"],
            ["monitoring_thumbnails.sha256"],
            name=op.f("fk_monitoring_cases_thumbnail_sha256_monitoring_thumbnails"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_cases")),
        sa.UniqueConstraint(
            "talent_id", "location_key", "content_sha256", name="uq_monitoring_cases_key"
        ),
    )
    with op.batch_alter_table("monitoring_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_cases_talent_status", ["talent_id", "status"], unique=False
        )

    op.create_table(
        "monitoring_findings",
        sa.Column("scan_id", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(length=2048), nullable=False),
        sa.Column("location_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "verdict",
            sa.Enum(
                "licensed",
                "past_takedown",
                "outside_channel",
                "leak",
                "unmarked_match",
                "no_match",
                "unreadable",
                name="monitoring_verdict",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("talent_id", sa.String(length=32), nullable=True),
        sa.Column("asset_id", sa.String(length=32), nullable=True),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["monitoring_scans.id"],
            name=op.f("fk_monitoring_findings_scan_id_monitoring_scans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talent_profiles.id"],
            name=op.f("fk_monitoring_findings_talent_id_talent_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thumbnail_sha256"],
            ["monitoring_thumbnails.sha256"],
            name=op.f("fk_monitoring_findings_thumbnail_sha256_monitoring_thumbnails"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_findings")),
        sa.UniqueConstraint("scan_id", "location_key", name="uq_monitoring_findings_scan_location"),
    )
    with op.batch_alter_table("monitoring_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_findings_location_key"), ["location_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_findings_talent_id"), ["talent_id"], unique=False
        )

    op.create_table(
        "monitoring_case_events",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("actor_user_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("scan_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_monitoring_case_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["monitoring_cases.id"],
            name=op.f("fk_monitoring_case_events_case_id_monitoring_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["monitoring_scans.id"],
            name=op.f("fk_monitoring_case_events_scan_id_monitoring_scans"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_case_events")),
    )
    with op.batch_alter_table("monitoring_case_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_case_events_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_case_events_case_id"))

    op.drop_table("monitoring_case_events")
    with op.batch_alter_table("monitoring_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_findings_talent_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_findings_location_key"))

    op.drop_table("monitoring_findings")
    with op.batch_alter_table("monitoring_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_cases_talent_status")

    op.drop_table("monitoring_cases")
    with op.batch_alter_table("monitoring_scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_scans_status"))
        batch_op.drop_index(batch_op.f("ix_monitoring_scans_requested_by_user_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_scans_job_id"))

    op.drop_table("monitoring_scans")
    op.drop_table("monitoring_thumbnails")
