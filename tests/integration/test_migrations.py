"""Migrations run from empty to head and back on SQLite and (in CI) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine

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
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
