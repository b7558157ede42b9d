"""The audit chain end to end: the CLI and the API give one verdict, a wiped or rolled-back
log is caught from `likeness init` on, and writes stop without the right audit key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import factories
from e2e.cli_support import run
from e2e.http_support import bearer
from likeness.api.app import create_app
from likeness.audit.key import AuditKeys
from likeness.kit.db import Database
from likeness.models.party import Role
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.storage import MemoryBlobStore

GENESIS = "0" * 64


@pytest.fixture
def api(cli_home: Path, database_url: str) -> Iterator[TestClient]:
    """The API of the CLI's installation: same database, same keys folder."""
    settings = Settings(home=cli_home, database_url=database_url)
    keyed = Database(database_url, audit_key=AuditKeys(settings.keys_dir))
    runtime = Runtime(settings=settings, db=keyed, blobs=MemoryBlobStore())
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    keyed.dispose()


@pytest.fixture
def operator(db: Database) -> dict[str, str]:
    with db.unit_of_work() as session:
        return bearer(factories.token_for(session, factories.create_user(session, Role.operator)))


def _sql(db: Database, statement: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def _head(db: Database) -> tuple[int, str, str]:
    with db.engine.connect() as connection:
        seq, digest, mac = connection.execute(text("SELECT seq, hash, mac FROM audit_head")).one()
    return int(seq), str(digest), str(mac)


def _brands(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM brands")).scalar_one())


def test_init_seals_the_empty_chain_and_starts_the_checkpoint(cli_home: Path, db: Database) -> None:
    _sql(db, "UPDATE audit_head SET mac = ''")  # a blank database, as the migrations leave it
    code, out = run("init")
    assert code == 0 and "audit chain sealed (genesis)" in out, out
    assert (cli_home / "keys" / "audit.checkpoint").read_text() == f"0:{GENESIS}\n"
    code, out = run("audit", "verify")
    assert code == 0 and "audit chain OK: 0 events" in out, out


def test_a_wiped_log_is_broken_everywhere_and_init_will_not_bless_it(
    cli_home: Path, db: Database, api: TestClient, operator: dict[str, str]
) -> None:
    assert run("init")[0] == 0
    assert run("brand", "create", "A")[0] == 0
    assert run("brand", "create", "B")[0] == 0
    _sql(db, "DELETE FROM audit_events")
    _sql(db, f"UPDATE audit_head SET seq = 0, hash = '{GENESIS}', mac = ''")
    code, out = run("audit", "verify")
    assert code == 3 and "BROKEN" in out and "audit chain OK" not in out, out
    assert api.get("/api/v1/audit/verify", headers=operator).json()["ok"] is False
    code, out = run("brand", "create", "C")
    assert code == 1 and "no genesis seal" in out and out.count("\n") == 1, out
    code, out = run("init")
    assert code == 1 and "AuditChainErased" in out and out.count("\n") == 1, out
    assert _brands(db) == 2


def test_cli_and_api_agree_after_a_rollback(
    cli_home: Path, db: Database, api: TestClient, operator: dict[str, str]
) -> None:
    assert run("init")[0] == 0
    assert run("brand", "create", "A")[0] == 0
    older = _head(db)
    assert run("brand", "create", "B")[0] == 0  # the checkpoint moves on; nobody verifies
    # Roll the database back to its older, genuinely sealed state.
    _sql(db, f"DELETE FROM audit_events WHERE seq > {older[0]}")
    _sql(db, f"UPDATE audit_head SET seq = {older[0]}, hash = '{older[1]}', mac = '{older[2]}'")
    code, out = run("audit", "verify", "--json")
    assert code == 3, out
    from_cli = json.loads(out)
    response = api.get("/api/v1/audit/verify", headers=operator)
    assert response.status_code == 200
    assert response.json() == from_cli
    assert from_cli["ok"] is False and "rolled back" in from_cli["problem"]
    assert from_cli["first_bad_seq"] == older[0] + 1


def test_cli_and_api_agree_on_an_intact_chain(
    cli_home: Path, db: Database, api: TestClient, operator: dict[str, str]
) -> None:
    assert run("init")[0] == 0
    assert api.post("/api/v1/brands", headers=operator, json={"name": "A"}).status_code == 201
    assert run("brand", "create", "B")[0] == 0
    code, out = run("audit", "verify", "--json")
    assert code == 0, out
    assert api.get("/api/v1/audit/verify", headers=operator).json() == json.loads(out)
    seq, digest, _mac = _head(db)
    assert (cli_home / "keys" / "audit.checkpoint").read_text() == f"{seq}:{digest}\n"


def test_a_missing_audit_key_stops_writes_with_the_file_named(
    cli_home: Path, db: Database, api: TestClient, operator: dict[str, str]
) -> None:
    assert run("init")[0] == 0
    key_file = cli_home / "keys" / "audit.key"
    key_file.unlink()
    code, out = run("brand", "create", "A")
    assert code == 1 and out.startswith("error: ") and out.count("\n") == 1, out
    assert str(key_file) in out and "AuditKeyMissing" in out
    response = api.post("/api/v1/brands", headers=operator, json={"name": "A"})
    assert response.status_code == 503
    assert response.json()["error"] == "AuditKeyMissing"
    assert str(key_file) in response.json()["detail"]
    verify = api.get("/api/v1/audit/verify", headers=operator)
    assert verify.status_code == 503 and verify.json()["error"] == "AuditKeyMissing"
    assert _brands(db) == 0


def test_a_replaced_audit_key_stops_writes_with_the_file_named(
    cli_home: Path, db: Database, api: TestClient, operator: dict[str, str]
) -> None:
    assert run("init")[0] == 0
    assert run("brand", "create", "A")[0] == 0
    key_file = cli_home / "keys" / "audit.key"
    key_file.write_bytes(b"a-brand-new-key-".ljust(32, b"n"))
    code, out = run("brand", "create", "B")
    assert code == 1 and "AuditKeyMismatch" in out and str(key_file) in out, out
    response = api.post("/api/v1/brands", headers=operator, json={"name": "B"})
    assert response.status_code == 503 and response.json()["error"] == "AuditKeyMismatch"
    assert _brands(db) == 1


def test_an_older_install_is_sealed_by_init(cli_home: Path, db: Database) -> None:
    """A database from before the genesis seal: writes ask for init, init seals it."""
    assert run("init")[0] == 0
    (cli_home / "keys" / "audit.checkpoint").unlink()  # older installs had none
    _sql(db, "UPDATE audit_head SET mac = ''")
    code, out = run("brand", "create", "A")
    assert code == 1 and "likeness init" in out, out
    code, out = run("init")
    assert code == 0 and "genesis" in out, out
    assert run("brand", "create", "A")[0] == 0
    code, out = run("audit", "verify")
    assert code == 0 and "OK: 1 events" in out, out
