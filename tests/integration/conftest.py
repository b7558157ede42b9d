"""Integration fixtures: a scratch database for migration tests, the rights world, and
small synthetic captures with in-memory storage for capture and twin tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from integration.capture_support import CONFIG
from integration.test_license_support import World, make_world
from likeness.capture.synthetic import write_capture
from likeness.storage import MemoryBlobStore
from likeness.storage.intents import IntentJournal
from likeness.vault.crypto import InMemoryMasterKey, MemoryKeyVault, TwinCipher
from likeness.vault.deps import StorageDeps


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed 0 at :data:`integration.capture_support.CONFIG`, rendered once per module."""
    return write_capture(tmp_path_factory.mktemp("cap") / "s", seed=0, config=CONFIG).parent


@pytest.fixture
def vault() -> MemoryKeyVault:
    return MemoryKeyVault()


@pytest.fixture
def deps(vault: MemoryKeyVault, tmp_path: Path) -> StorageDeps:
    return StorageDeps(
        MemoryBlobStore(),
        TwinCipher(InMemoryMasterKey(), vault),
        IntentJournal(tmp_path / "intents"),
    )


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    schema = f"scratch_{uuid.uuid4().hex[:8]}"
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


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
