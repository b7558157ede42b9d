"""Proof bundles and signed heads on the command line and over HTTP (issue 23): a release
made with the CLI is proved, checked offline, held to a later head, and refused to anyone
who is not a party to it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import factories
from e2e import output_support as support
from e2e.cli_support import as_, ok_json, run
from e2e.http_support import bearer
from integration.test_license_support import World
from likeness.api.app import create_app
from likeness.audit.key import AuditKeys
from likeness.kit.db import Database
from likeness.models.party import User
from likeness.runtime import Runtime
from likeness.settings import Settings


@pytest.fixture
def released(world: World, tmp_path: Path, cli_home: Path, db: Database) -> str:
    twin = support.built_twin(world, tmp_path)
    lic = support.active_license(db, world)
    code, out = support.render(world, twin, lic, support.scene(tmp_path), tmp_path / "p.jpg")
    assert code == 0, out
    output = out.split()[1]
    ok_json("output", "approve", output, *as_(world, "talent"))
    return str(ok_json("release", output, *as_(world, "brand"))["asset_id"])


@pytest.fixture
def api(cli_home: Path, database_url: str) -> Iterator[TestClient]:
    settings = Settings(home=cli_home, database_url=database_url)
    keyed = Database(database_url, audit_key=AuditKeys(settings.keys_dir))
    with TestClient(create_app(runtime=Runtime(settings=settings, db=keyed))) as client:
        yield client
    keyed.dispose()


def _token(db: Database, user: User) -> dict[str, str]:
    with db.unit_of_work() as session:
        return bearer(factories.token_for(session, session.merge(user)))


def test_prove_check_and_hold_to_a_later_head(
    world: World, tmp_path: Path, cli_home: Path, released: str
) -> None:
    bundle = tmp_path / "proof.zip"
    code, out = run("prove", released, "-o", str(bundle), *as_(world, "brand"))
    assert code == 0 and "wrote" in out and bundle.is_file(), out
    code, out = run("prove", released, "-o", str(bundle))
    assert code == 1 and out.startswith("error: ") and "already exists" in out, out

    code, out = run("prove", "--check", str(bundle))
    assert code == 0 and out.rstrip().endswith("proof bundle verified"), out
    assert "FAIL" not in out and "OK   decision.json" in out and "Trusted" in out

    # Tamper with one member: the verifier names it and exits 3.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            dst.writestr(
                name, body.replace(b"instagram", b"instagrem") if name == "asset.json" else body
            )
    code, out = run("prove", "--check", str(tampered))
    assert code == 3 and "FAIL asset.json" in out and "NOT verified: asset.json" in out, out

    # A later head, after more events, with the consistency proof from the bundle's size.
    size = json.loads(zipfile.ZipFile(bundle).read("audit/head.json"))["tree_size"]
    ok_json("brand", "list")  # reading appends nothing; a change does:
    run("talent", "list")
    head = tmp_path / "later.json"
    code, out = run("audit", "head", "--sign", "--since", str(size), "-o", str(head))
    assert code == 0 and "wrote" in out, out
    code, out = run("prove", "--check", str(bundle), "--head", str(head))
    assert code == 0 and "OK   --head" in out, out
    fingerprint = json.loads(head.read_text())["key_fingerprint"]
    code, out = run("prove", "--check", str(bundle), "--key-fingerprint", "sha256:" + "0" * 64)
    assert code == 3 and "FAIL audit/head.json" in out, out
    code, out = run("prove", "--check", str(bundle), "--key-fingerprint", fingerprint)
    assert code == 0, out

    code, out = run("audit", "head")
    assert code == 1 and "--sign" in out
    code, out = run("audit", "head", "--public-key")
    assert code == 0 and out.startswith("-----BEGIN PUBLIC KEY-----")
    code, out = run("prove", "--check", str(tmp_path / "missing.zip"))
    assert code == 1 and out.startswith("error: ") and "cannot read" in out, out
    code, out = run("prove", released)
    assert code == 1 and "-o" in out, out


def test_the_api_serves_bundles_to_the_parties_and_heads_to_anyone_signed_in(
    world: World, db: Database, api: TestClient, released: str
) -> None:
    for who in (world.brand_user, world.talent_user, world.agent_user):
        response = api.get(f"/api/v1/assets/{released}/proof", headers=_token(db, who))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert response.content.startswith(b"PK")
    for who in (world.other_brand_user, world.stranger_agent):
        response = api.get(f"/api/v1/assets/{released}/proof", headers=_token(db, who))
        assert response.status_code == 404
        assert response.json()["error"] == "AssetNotFound"
    assert api.get(f"/api/v1/assets/{released}/proof").status_code == 401

    talent = _token(db, world.talent_user)
    head = api.get("/api/v1/audit/head", params={"since": 1}, headers=talent)
    assert head.status_code == 200, head.text
    doc = head.json()
    assert doc["schema"] == "likeness.chain-head/1" and doc["consistency"][0]["from_size"] == 1
    bad = api.get(
        "/api/v1/audit/head", params={"since": 10**6}, headers=_token(db, world.brand_user)
    )
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidInput"
