"""Migration 0002 (rights core) upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine

from integration.conftest import table_names
from likeness import migrations
from likeness.models import Base

RIGHTS_TABLES = {
    "licenses",
    "consents",
    "consent_signatures",
    "talent_standing_limits",
    "rights_notifications",
}


def test_0002_up_down_up(scratch_database_url: str) -> None:
    migrations.upgrade(scratch_database_url, "0002")
    assert migrations.current_revision_for_url(scratch_database_url) == "0002"
    assert table_names(scratch_database_url) >= RIGHTS_TABLES
    migrations.downgrade(scratch_database_url, "0001")
    assert migrations.current_revision_for_url(scratch_database_url) == "0001"
    assert not RIGHTS_TABLES & table_names(scratch_database_url)
    migrations.upgrade(scratch_database_url, "0002")
    assert table_names(scratch_database_url) >= RIGHTS_TABLES


def test_rights_models_match_migration_0002(scratch_database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    migrations.upgrade(scratch_database_url, "0002")
    engine = create_engine(scratch_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    def table_of(entry: object) -> str | None:
        item = entry[-1] if isinstance(entry, tuple) else entry
        for attribute in ("table", "name"):
            value = getattr(item, attribute, None)
            name = getattr(value, "name", value)
            if isinstance(name, str):
                return name
        return None

    mine = [d for d in diff if isinstance(d, tuple) and table_of(d) in RIGHTS_TABLES]
    assert mine == []
