"""Outputs on the command line: render → quarantine → review → release, each role seeing
only what it may."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from e2e import output_support as support
from e2e.cli_support import as_, ok_json, run
from integration.test_license_support import World
from likeness.kit.db import Database
from likeness.provenance import VerifyConfig, verify
from likeness.settings import Settings


@pytest.fixture
def flow(world: World, tmp_path: Path, db: Database) -> tuple[str, str, Path]:
    twin = support.built_twin(world, tmp_path)
    return twin, support.active_license(db, world), support.scene(tmp_path)


def _verify(path: Path, home: Path) -> dict[str, object]:
    settings = Settings(home=home)
    report = verify(path.read_bytes(), VerifyConfig.from_settings(settings))
    assert report.c2pa.manifest is not None and report.c2pa.manifest.likeness is not None
    assert report.watermark.found
    return {**report.c2pa.manifest.likeness, "watermark": report.watermark.payload_hex}


def test_render_review_and_release_on_the_command_line(
    world: World, tmp_path: Path, cli_home: Path, flow: tuple[str, str, Path]
) -> None:
    twin, lic, scene = flow
    talent, brand = as_(world, "talent"), as_(world, "brand")
    outputs = []
    for n in range(3):
        code, out = support.render(world, twin, lic, scene, tmp_path / f"p{n}.jpg")
        assert code == 0 and "waiting for the talent's review" in out, out
        outputs.append(out.split()[1])
    preview = _verify(tmp_path / "p0.jpg", cli_home)
    assert preview["asset_kind"] == "preview" and preview["engine"] == "studio"

    queue = ok_json("output", "list", "--queue", *talent)
    assert sorted(o["id"] for o in queue) == sorted(outputs)
    assert ok_json("output", "list", "--queue", *brand) == []
    listed = ok_json("output", "list", *brand)
    assert {o["status"] for o in listed} == {"pending"} and len(listed) == 3
    assert ok_json("output", "list", *as_(world, "other_brand")) == []
    code, out = run("output", "list", *brand)  # the table
    assert code == 0 and out.count("pending") == 3 and outputs[0][:8] in out, out
    code, out = run("output", "show", outputs[0], *brand)
    assert code == 0 and "decision" in out and "allow" in out, out

    # The brand sees metadata, never the picture in quarantine.
    code, out = run("output", "show", outputs[0], "--preview", str(tmp_path / "b.jpg"), *brand)
    assert code == 1 and out.startswith("error: ") and not (tmp_path / "b.jpg").exists(), out
    shown = ok_json("output", "show", outputs[0], "--preview", str(tmp_path / "t.jpg"), *talent)
    assert shown["status"] == "pending" and (tmp_path / "t.jpg").is_file()

    code, out = run("output", "reject", outputs[2], *talent)
    assert code == 2 and "--reason" in out  # a rejection needs a reason
    code, out = run("output", "approve", outputs[0], *brand)
    assert code == 1 and "talent" in out, out
    ok_json("output", "approve", outputs[0], *talent)
    ok_json("output", "approve", outputs[1], *talent)
    rejected = ok_json("output", "reject", outputs[2], "--reason", "not my smile", *talent)
    assert rejected["status"] == "rejected" and rejected["review_reason"] == "not my smile"

    released_path = tmp_path / "released.jpg"
    released = ok_json("release", outputs[0], "--idempotency-key", "k1",
                       "-o", str(released_path), *brand)  # fmt: skip
    assert released["replayed"] is False and released["released_count"] == 1
    manifest = _verify(released_path, cli_home)
    assert manifest["asset_kind"] == "release" and manifest["asset_id"] == released["asset_id"]
    assert manifest["watermark"] == released["asset_id"][:16]
    code, out = run("release", outputs[0], "--idempotency-key", "k1", *brand)
    assert code == 0 and released["asset_id"] in out and "replayed" in out, out
    again = ok_json("release", outputs[0], "--idempotency-key", "k1", *brand)
    assert again["replayed"] is True and again["asset_id"] == released["asset_id"]
    assert again["released_count"] == 1
    code, out = run("release", outputs[2], *brand)
    assert code == 1 and "rejected" in out and "never released" in out, out
    code, out = run("release", outputs[0], *brand)
    assert code == 1 and "released already" in out, out
    shown = ok_json("output", "show", outputs[0], *brand)
    assert shown["status"] == "released" and shown["asset_id"] == released["asset_id"]
    assert json.dumps(shown).count("blob_key") == 0


def test_a_revoked_license_blocks_a_release_on_the_command_line(
    world: World, tmp_path: Path, flow: tuple[str, str, Path]
) -> None:
    twin, lic, scene = flow
    code, out = support.render(world, twin, lic, scene, tmp_path / "p.jpg")
    assert code == 0, out
    output_id = out.split()[1]
    ok_json("output", "approve", output_id, *as_(world, "talent"))
    code, out = run("license", "revoke", lic, "--reason", "campaign cancelled",
                    *as_(world, "talent"))  # fmt: skip
    assert code == 0, out
    code, out = run("release", output_id, *as_(world, "brand"))
    assert code == 1 and "license.revoked" in out, out
    shown = ok_json("output", "show", output_id, *as_(world, "brand"))
    assert shown["status"] == "blocked"  # the block committed although the command failed


def test_release_writes_the_stamped_file_without_reading_it_back(
    world: World,
    tmp_path: Path,
    cli_home: Path,
    db: Database,
    flow: tuple[str, str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import select

    from likeness.asset import service as assets
    from likeness.models.asset import Asset
    from likeness.models.audit import AuditEvent

    twin, lic, scene = flow
    code, out = support.render(world, twin, lic, scene, tmp_path / "p.jpg")
    assert code == 0, out
    output_id = out.split()[1]
    ok_json("output", "approve", output_id, *as_(world, "talent"))

    def no_read_back(*args: object, **kwargs: object) -> object:
        raise AssertionError("the release read its own blob back")

    path = tmp_path / "released.jpg"
    with monkeypatch.context() as patched:
        patched.setattr(assets, "read_file", no_read_back)
        released = ok_json("release", output_id, "--idempotency-key", "k", "-o", str(path),
                           *as_(world, "brand"))  # fmt: skip
    assert hashlib.sha256(path.read_bytes()).hexdigest() == released["file_sha256"]
    with db.unit_of_work() as session:
        asset = session.get(Asset, released["asset_id"])
        assert asset is not None and asset.file_sha256 == released["file_sha256"]
        [event] = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "asset.downloaded", AuditEvent.object_id == asset.id
            )
        )
        assert json.loads(event.payload)["as"] == ["brand"]
    # A replay has nothing freshly stamped: it reads the stored file (audited again).
    again_path = tmp_path / "again.jpg"
    again = ok_json("release", output_id, "--idempotency-key", "k", "-o", str(again_path),
                    *as_(world, "brand"))  # fmt: skip
    assert again["replayed"] and again_path.read_bytes() == path.read_bytes()
