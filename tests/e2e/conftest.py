from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import factories
from conftest import TEST_AUDIT_KEY
from e2e.http_support import bearer
from integration.test_license_support import World, make_world
from likeness.api.app import create_app
from likeness.kit.db import Database
from likeness.runtime import Runtime


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def cli_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, db: Database
) -> Path:
    """Point the CLI at a fresh data home and at the test database.

    The home holds the test audit key (init keeps an existing key), so events written
    by the CLI and by the tests' own sessions belong to one chain.
    """
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LIKENESS_DATABASE_URL", database_url)
    monkeypatch.delenv("LIKENESS_SECRET_KEY", raising=False)
    keys = tmp_path / "home" / "keys"
    keys.mkdir(parents=True, mode=0o700)
    (keys / "audit.key").write_bytes(TEST_AUDIT_KEY)
    (keys / "audit.key").chmod(0o600)
    return tmp_path / "home"


@pytest.fixture
def world(cli_home: Path, db: Database) -> World:
    """An initialised home with a talent, agency, agents and brands (see make_world)."""
    from e2e.cli_support import run

    code, out = run("init")
    assert code == 0, out
    with db.unit_of_work() as session:
        return make_world(session)


@pytest.fixture
def parties(db: Database) -> tuple[World, dict[str, dict[str, str]]]:
    """The rights world (see make_world) and a bearer header for each of its people."""
    with db.unit_of_work() as session:
        world = make_world(session)
        headers = {
            who: bearer(factories.token_for(session, getattr(world, f"{who}_user")))
            for who in ("talent", "agent", "brand", "other_brand", "other_talent")
        }
        headers["stranger_agent"] = bearer(factories.token_for(session, world.stranger_agent))
    return world, headers
