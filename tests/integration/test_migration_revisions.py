"""The revision check every CLI command makes agrees with Alembic, without importing it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from likeness import migrations
from likeness.kit.db import create_db_engine


def test_head_revision_is_alembics_head() -> None:
    alembic_head = ScriptDirectory.from_config(
        migrations.alembic_config("sqlite://")
    ).get_current_head()
    assert migrations.head_revision() == alembic_head is not None


def test_current_revision_is_what_alembic_reads(scratch_database_url: str) -> None:
    url = scratch_database_url
    assert migrations.current_revision_for_url(url) is None
    migrations.upgrade(url, "0002")
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            expected = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    assert migrations.current_revision_for_url(url) == expected == "0002"
    migrations.downgrade(url, "base")


def test_an_unusual_chain_falls_back_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None\n')
    (versions / "b.py").write_text('revision = "b"\ndown_revision = ("a", "c")\n')
    monkeypatch.setattr(migrations, "HERE", tmp_path)
    monkeypatch.setattr(migrations, "_alembic_head_revision", lambda: "from-alembic")
    assert migrations.head_revision() == "from-alembic"
    (versions / "b.py").write_text('revision: str = "b"\ndown_revision: str | None = "a"\n')
    assert migrations.head_revision() == "b"
