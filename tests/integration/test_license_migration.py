"""Migration 0002 (rights core) upgrades and downgrades cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from likeness import migrations
from likeness.models import Base

RIGHTS_TABLES = {
    "licenses",
    "consents",
    "consent_signatures",
    "talent_standing_limits",
    "rights_notifications",
}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'rights.db'}"
        return
    schema = f"rights_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0002_up_down_up(scratch_url: str) -> None:
    migrations.upgrade(scratch_url, "0002")
    assert migrations.current_revision_for_url(scratch_url) == "0002"
    assert _tables(scratch_url) >= RIGHTS_TABLES
    migrations.downgrade(scratch_url, "0001")
    assert migrations.current_revision_for_url(scratch_url) == "0001"
    assert not RIGHTS_TABLES & _tables(scratch_url)
    migrations.upgrade(scratch_url, "0002")
    assert _tables(scratch_url) >= RIGHTS_TABLES


def test_rights_models_match_migration_0002(scratch_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    migrations.upgrade(scratch_url, "0002")
    engine = create_engine(scratch_url)
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
