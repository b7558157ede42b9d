"""Migrations run from empty to head and back on SQLite and (in CI) PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from conftest import TEST_AUDIT_KEY, reset_database
from integration.conftest import table_names
from likeness import migrations
from likeness.models import Base


def test_upgrade_downgrade_upgrade(scratch_database_url: str) -> None:
    url = scratch_database_url
    assert migrations.current_revision_for_url(url) is None
    migrations.upgrade(url)
    assert migrations.current_revision_for_url(url) == migrations.head_revision()
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= table_names(url)
    migrations.downgrade(url, "base")
    assert migrations.current_revision_for_url(url) is None
    assert table_names(url) - {"alembic_version"} == set()
    migrations.upgrade(url)
    assert expected <= table_names(url)


def test_models_match_the_migrations(database_url: str, database: object) -> None:
    """Autogenerate finds nothing to do: the ORM and the migration scripts agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": False, "include_object": migrations.include_object},
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_a_database_with_outputs_and_assets_migrates_down_and_up(
    scratch_database_url: str, tmp_path: Path
) -> None:
    """Rebuilding ``outputs`` (SQLite's batch mode) while assets point at its rows."""
    from integration import output_support
    from integration.test_license_support import make_world
    from likeness.kit.db import Database
    from likeness.models.asset import Asset
    from likeness.models.output import Output
    from likeness.output import service as outputs
    from likeness.runtime import Runtime
    from likeness.settings import Settings
    from likeness.storage import MemoryBlobStore

    url = scratch_database_url
    migrations.upgrade(url)
    db = Database(url, audit_key=TEST_AUDIT_KEY)
    reset_database(db)  # the sealed genesis `likeness init` leaves
    try:
        deps = Runtime(Settings(home=tmp_path), db, blobs=MemoryBlobStore()).storage
        with db.unit_of_work() as session:
            world = make_world(session)
            s = output_support.setup(
                session, world, deps, output_support.stamp_config(tmp_path / "keys")
            )
            made = output_support.create(session, deps, s)
            outputs.approve(session, world.actor(session, "talent"), made.id)
            outputs.release(session, world.actor(session, "brand"), deps, made.id, s.config)
        revision = migrations.head_revision()
        migrations.downgrade(url, "0007_jobs")
        migrations.upgrade(url)
        assert migrations.current_revision_for_url(url) == revision
        with db.unit_of_work() as session:
            assert session.get(Output, made.id) is not None
            assert session.query(Asset).filter(Asset.output_id == made.id).count() == 2
    finally:
        db.engine.dispose()
