"""Shared fixtures.

The database is SQLite in a temporary directory unless ``LIKENESS_TEST_DATABASE_URL``
points at PostgreSQL (CI runs the integration and e2e suites on both). It is migrated
to head once per session with Alembic, and every table is emptied after each test
that used it, so tests see a fresh database without re-running migrations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from likeness import migrations
from likeness.audit.chain import genesis_head
from likeness.kit.db import Database
from likeness.models import Base
from likeness.models.audit import GENESIS_HASH, AuditHead
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import MemoryBlobStore

# Property tests explore fresh random examples on every local run; CI (``.ci/run`` passes
# ``--hypothesis-profile=ci``) replays a fixed set, so a red CI is always about the change
# in front of it. A failure prints the blob that reproduces it anywhere.
settings.register_profile("ci", derandomize=True, print_blob=True)

TEST_SECRET = "test-secret-" + "x" * 40
TEST_AUDIT_KEY = b"test-audit-key-".ljust(32, b"k")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LIKENESS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    migrations.upgrade(database_url)
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    reset_database(db)  # a sealed genesis, as `likeness init` leaves it
    yield db
    db.dispose()


def reset_database(db: Database) -> None:
    with db.unit_of_work() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "ledger_transactions":  # adjustments first: they name others
                session.execute(delete(table).where(table.c.reverses_id.is_not(None)))
            if table.name != "alembic_version":
                session.execute(delete(table))
        genesis = genesis_head(TEST_AUDIT_KEY)
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS_HASH, mac=genesis.mac))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    yield database
    reset_database(database)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A unit of work that commits at the end of the test, like a request would."""
    with db.unit_of_work() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url, secret_key=TEST_SECRET)


@pytest.fixture
def runtime(settings: Settings, db: Database) -> Runtime:
    return Runtime(settings=settings, db=db, blobs=MemoryBlobStore())


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")
