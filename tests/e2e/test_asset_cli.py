"""`likeness asset …` and `likeness verify` with the registry lookup, end to end.

A released file is made the way the release makes it: allocate an id, stamp the image
with the installation's keys (label, watermark carrying the id's mark, signed C2PA),
register the stamped file. Verify then finds it by its manifest, and a copy stripped
of all metadata and re-encoded by its watermark alone.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from e2e.cli_support import as_, ok_json, run
from integration import asset_support as support
from integration.test_license_support import World
from likeness.asset import service as assets
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.models.asset import AssetKind
from likeness.models.audit import AuditEvent
from likeness.provenance import Channel, StampConfig, StampInfo, ensure_signing_material, stamp
from likeness.provenance.keys import local_signing_material
from likeness.runtime import Runtime
from likeness.settings import Settings
from unit.provenance.c2pa_fixtures import likeness_manifest, sign_manifest
from unit.provenance.fakes import make_image


@dataclass
class Registered:
    release_id: str
    preview_id: str
    license_id: str
    released_file: bytes


@pytest.fixture
def installation(world: World) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(Settings())
    yield runtime
    runtime.close()


def stamped(asset_id: str, released: support.Released, settings: Settings) -> bytes:
    info = StampInfo(
        asset_id=asset_id,
        twin_id=released.twin.id,
        license_id=released.license.id,
        consent_sha256=released.consent_sha256,
        approval_sha256="a" * 64,
        channel=Channel.INSTAGRAM,
    )
    return stamp(make_image("JPEG", size=(512, 384)), info, StampConfig.from_settings(settings))


@pytest.fixture
def registered(world: World, installation: Runtime) -> Registered:
    deps = installation.storage
    with installation.db.unit_of_work() as session:
        released = support.licensed(session, world, deps)
        out = support.output(session, released)
        asset_id, _ = assets.allocate(session)
        data = stamped(asset_id, released, installation.settings)
        assets.register(
            session,
            SYSTEM_ACTOR,
            deps,
            asset_id=asset_id,
            kind=AssetKind.release,
            output=out,
            data=data,
            media_type="image/jpeg",
            channel="instagram",
            consent_sha256=released.consent_sha256,
            approval_sha256="a" * 64,
            valid_until=released.license.ends_at,
        )
        preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
        return Registered(asset_id, preview.id, released.license.id, data)


def test_brand_lists_downloads_and_reports_publication(
    world: World, registered: Registered, tmp_path: Path, db: Database
) -> None:
    listed = ok_json("asset", "list", *as_(world, "brand"))
    assert {a["id"] for a in listed} == {registered.release_id, registered.preview_id}
    assert ok_json("asset", "list", *as_(world, "other_brand")) == []
    code, out = run("asset", "show", registered.release_id, *as_(world, "other_brand"))
    assert code == 1 and f"no asset {registered.release_id}" in out

    target = tmp_path / "got.jpg"
    code, out = run(
        "asset", "download", registered.release_id, "-o", str(target), *as_(world, "brand")
    )
    assert code == 0, out
    assert target.read_bytes() == registered.released_file and "image/jpeg" in out
    code, out = run(
        "asset", "download", registered.release_id, "-o", str(target), *as_(world, "brand")
    )
    assert code == 1 and "already exists" in out  # never overwrites a file
    with db.unit_of_work() as session:  # the refused one was not recorded as a download
        downloads = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "asset.downloaded")
        ).all()
    assert len(downloads) == 1
    code, out = run("asset", "download", registered.preview_id, "-o", str(tmp_path / "p.png"),
                    *as_(world, "brand"))  # fmt: skip
    assert code == 1 and "previews are never downloadable by a brand" in out
    assert not (tmp_path / "p.png").exists()

    code, out = run("asset", "report-publication", registered.release_id, "--channel", "tiktok",
                    "--territory", "FR", *as_(world, "brand"))  # fmt: skip
    assert code == 1 and out.startswith("error: ") and "channel 'tiktok' is not licensed" in out
    published = ok_json(
        "asset", "report-publication", registered.release_id, "--channel", "instagram",
        "--territory", "FR", "--url", "https://instagram.com/p/x", *as_(world, "brand"),
    )  # fmt: skip
    assert published["territory"] == "FR" and published["url"] == "https://instagram.com/p/x"
    shown = ok_json("asset", "show", registered.release_id, *as_(world, "talent"))
    assert [p["channel"] for p in shown["publications"]] == ["instagram"]
    code, out = run("asset", "list", *as_(world, "talent"))
    assert code == 0 and "instagram/FR" in out


def test_revocation_gives_the_brand_its_takedown_list(
    world: World, registered: Registered, db: Database
) -> None:
    code, out = run("asset", "takedowns", *as_(world, "brand"))
    assert code == 0 and "nothing to take down" in out
    code, out = run("license", "revoke", registered.license_id, "--reason", "breach")
    assert code == 0, out
    settled = ok_json("asset", "settle")
    assert set(settled["changed"]) == {registered.release_id, registered.preview_id}
    assert ok_json("asset", "settle") == {"changed": []}
    code, out = run("asset", "settle", *as_(world, "brand"))
    assert code == 1 and "only operators" in out
    (line,) = ok_json("asset", "takedowns", *as_(world, "brand"))
    assert line["asset_id"] == registered.release_id and line["status"] == "revoked"
    assert line["takedown_by"] is not None
    assert ok_json("asset", "takedowns", *as_(world, "other_brand")) == []
    done = ok_json("asset", "taken-down", registered.release_id, "--note", "removed",
                   *as_(world, "brand"))  # fmt: skip
    assert done["status"] == "taken_down"
    assert ok_json("asset", "takedowns", *as_(world, "brand")) == []
    code, out = run("asset", "taken-down", registered.release_id, *as_(world, "brand"))
    assert code == 1 and "already taken down" in out


def strip_and_reencode(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)  # no EXIF, XMP or C2PA segments
    return out.getvalue()


def test_verify_names_the_registered_asset_from_manifest_or_watermark(
    world: World, registered: Registered, tmp_path: Path
) -> None:
    path = tmp_path / "released.jpg"
    path.write_bytes(registered.released_file)
    code, out = run("verify", str(path), "--json")
    assert code == 0, out
    report = json.loads(out)
    block = report["asset"]
    assert block["id"] == registered.release_id and block["matched_by"] == "manifest"
    assert block["kind"] == "release" and block["status"] == "active"
    assert (block["talent"], block["brand"], block["license"], block["channel"]) == (
        world.talent.id,
        world.brand.id,
        registered.license_id,
        "instagram",
    )
    assert {"released_at", "valid_until"} <= set(block)

    copy = tmp_path / "copy.jpg"
    copy.write_bytes(strip_and_reencode(registered.released_file))
    code, out = run("verify", str(copy), "--json")
    report = json.loads(out)
    assert code == 3 and report["c2pa"]["state"] == "absent"  # no manifest left
    assert report["asset"]["id"] == registered.release_id
    assert report["asset"]["matched_by"] == "watermark"

    code, out = run("verify", str(copy))
    assert f"asset      {registered.release_id} · release · active (found by the watermark)" in out


def test_verify_without_a_registered_asset_keeps_its_output(world: World, tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    path.write_bytes(make_image("PNG"))
    code, out = run("verify", str(path), "--json")
    assert code == 3 and "asset" not in json.loads(out)


def test_verify_does_not_name_a_real_asset_on_a_self_signed_manifests_word(
    world: World, registered: Registered, tmp_path: Path
) -> None:
    # Someone with their own CA signs a Likeness-looking manifest naming a real asset id
    # into an image that carries no watermark of ours.
    other_keys = tmp_path / "other-keys"
    ensure_signing_material(other_keys)
    claim = StampInfo(
        asset_id=registered.release_id,
        twin_id=world.talent.id,
        license_id=registered.license_id,
        consent_sha256="c" * 64,
        approval_sha256="a" * 64,
        channel=Channel.INSTAGRAM,
    )
    forged, _ = sign_manifest(
        make_image("JPEG", size=(512, 384)),
        likeness_manifest(claim, "image/jpeg"),
        local_signing_material(other_keys),
    )
    path = tmp_path / "forged.jpg"
    path.write_bytes(forged)
    _, out = run("verify", str(path), "--json")
    report = json.loads(out)
    assert report["c2pa"]["state"] == "Valid"  # intact, but not from a trusted signer
    assert report["watermark"]["found"] is False
    assert "asset" not in report  # the registry names neither talent, brand nor license
    assert registered.release_id in report["asset_problem"]
    assert "not trusted" in report["asset_problem"]
    _, out = run("verify", str(path))
    assert f"asset      ! the manifest names asset {registered.release_id}" in out
    assert world.brand.id not in out and "found by the" not in out
