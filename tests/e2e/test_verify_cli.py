"""``likeness verify`` end to end: stamp with the installation's keys, verify from disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.cli import app
from likeness.provenance import StampConfig, ensure_signing_material, library_watermarker, stamp
from likeness.provenance.keys import local_signing_material
from likeness.settings import Settings
from unit.provenance.c2pa_fixtures import (
    REMOTE_URL,
    camera_manifest,
    likeness_manifest,
    sign_manifest,
)
from unit.provenance.fakes import WATERMARK_KEY, make_image, make_info

runner = CliRunner()
REAL_WATERMARK = library_watermarker()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    keys_dir = Settings().keys_dir
    ensure_signing_material(keys_dir)
    (keys_dir / "watermark.key").write_bytes(WATERMARK_KEY)
    return tmp_path


@pytest.fixture
def released(home: Path) -> Path:
    keys_dir = Settings().keys_dir
    watermarker = REAL_WATERMARK
    config = StampConfig(local_signing_material(keys_dir), watermarker, WATERMARK_KEY)
    data = stamp(make_image("JPEG", size=(512, 384)), make_info(), config)
    path = home / "released.png"  # wrong extension on purpose: content decides
    path.write_bytes(data)
    return path


def test_verify_json_reports_a_trusted_manifest(released: Path) -> None:
    result = runner.invoke(app, ["verify", str(released), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["image"]["format"] == "jpeg"
    assert report["c2pa"]["state"] == "Trusted"
    manifest = report["c2pa"]["manifest"]
    assert manifest["likeness"]["asset_id"] == make_info().asset_id
    assert manifest["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert report["xmp"]["digital_source_type"].endswith("/trainedAlgorithmicMedia")
    assert report["label"]["present"] is True
    watermark = report["watermark"]
    assert watermark["found"] is True
    assert watermark["payload"] == make_info().watermark_payload.hex()
    assert watermark["matches_manifest"] is True


def test_verify_human_output(released: Path) -> None:
    result = runner.invoke(app, ["verify", str(released)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("verdict    LIKENESS RELEASE: Content Credentials of a")
    assert "license " + make_info().license_id + " · asset kind release" in result.stdout
    assert "C2PA       Trusted, signed by Likeness Content Credentials Signer" in result.stdout
    assert "c2pa.created · trainedAlgorithmicMedia" in result.stdout
    assert (
        "XMP        DigitalSourceType trainedAlgorithmicMedia; AI system Likeness" in result.stdout
    )
    assert "label      present (bottom-right, 'AI-generated')" in result.stdout


def test_unsigned_image_exits_3_with_the_report(home: Path) -> None:
    path = home / "plain.webp"
    path.write_bytes(make_image("WEBP"))
    result = runner.invoke(app, ["verify", str(path), "--json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["c2pa"] == {"state": "absent", "errors": [], "manifest": None, "remote_url": None}
    assert (report["verdict"], report["verified"], report["asset_kind"]) == ("absent", False, None)
    assert report["xmp"]["digital_source_type"] is None


def test_tampered_image_exits_3_and_says_why(released: Path) -> None:
    data = bytearray(released.read_bytes())
    data[-200] ^= 0x10  # inside the JPEG scan
    released.write_bytes(bytes(data))
    result = runner.invoke(app, ["verify", str(released)])
    assert result.exit_code == 3
    assert "C2PA       Invalid" in result.stdout
    assert "assertion.dataHash.mismatch" in result.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not a JPEG, PNG or WebP image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "cannot read the PNG header"),
        (b"%PDF-1.7 not an image", "not a JPEG, PNG or WebP image"),
    ],
)
def test_hostile_files_get_a_clear_report(home: Path, content: bytes, problem: str) -> None:
    path = home / "photo.jpg"
    path.write_bytes(content)
    result = runner.invoke(app, ["verify", str(path), "--json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert any(problem in line for line in report["problems"])


def test_missing_file_is_a_user_error(home: Path) -> None:
    result = runner.invoke(app, ["verify", str(home / "nope.jpg")])
    assert result.exit_code == 1
    assert "nope.jpg: no such file" in result.output
    assert "Traceback" not in result.output


def _signed(home: Path, manifest: dict[str, object], **options: object) -> Path:
    signing = local_signing_material(Settings().keys_dir)
    data, _ = sign_manifest(make_image("JPEG"), manifest, signing, **options)  # type: ignore[arg-type]
    path = home / "other.jpg"
    path.write_bytes(data)
    return path


def test_another_makers_credentials_are_said_plainly_not_to_be_a_likeness_release(
    home: Path,
) -> None:
    path = _signed(home, camera_manifest("image/jpeg"))
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 3, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("verdict    NOT A LIKENESS RELEASE: valid Content Credentials")
    assert "C2PA       Trusted" in result.stdout
    report = json.loads(runner.invoke(app, ["verify", str(path), "--json"]).stdout)
    assert (report["verdict"], report["verified"]) == ("not_likeness", False)
    assert report["c2pa"]["state"] == "Trusted"


def test_a_remote_manifest_gets_its_own_verdict_not_invalid(home: Path) -> None:
    path = _signed(home, camera_manifest("image/jpeg"), remote_url=REMOTE_URL, embed=False)
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 3, result.output
    assert result.stdout.splitlines()[0].startswith("verdict    REMOTE MANIFEST NOT FETCHED")
    assert f"C2PA       remote_not_fetched, stored at {REMOTE_URL} (not fetched)" in result.stdout
    assert "Invalid" not in result.stdout
    report = json.loads(runner.invoke(app, ["verify", str(path), "--json"]).stdout)
    assert report["verdict"] == "remote_not_fetched"
    assert report["c2pa"]["state"] == "remote_not_fetched"
    assert report["c2pa"]["remote_url"] == REMOTE_URL


def test_a_preview_says_preview_and_is_not_verified(home: Path) -> None:
    path = _signed(home, likeness_manifest(make_info(), "image/jpeg", asset_kind="preview"))
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("verdict    PREVIEW — not for publication")
    assert "· PREVIEW" in result.stdout
    report = json.loads(runner.invoke(app, ["verify", str(path), "--json"]).stdout)
    assert (report["verdict"], report["asset_kind"], report["verified"]) == (
        "likeness_preview",
        "preview",
        False,
    )
