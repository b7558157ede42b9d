"""Weights folders vouched for by a manifest, and the licence-tag table."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from likeness import modelreg
from likeness.modelreg import (
    MANIFEST_NAME,
    OPT_IN_VARIABLE,
    ModelChecksumMismatch,
    ModelLicenseRefused,
    ModelManifestInvalid,
    ModelMissing,
    admit_folder,
    license_terms,
    read_manifest,
    write_manifest,
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    root = tmp_path / "weights"
    (root / "unet").mkdir(parents=True)
    (root / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"weights-1")
    (root / "unet" / "config.json").write_text("{}")
    (root / "model_index.json").write_text("{}")
    return root


@pytest.mark.parametrize(
    ("tag", "commercial"),
    [
        ("openrail++", True),
        ("CreativeML-OpenRAIL-M", True),
        (" Apache-2.0 ", True),
        ("cc-by-nc-4.0", False),
        ("stabilityai-ai-community", False),
    ],
)
def test_known_licence_tags_say_whether_commercial_use_is_allowed(
    tag: str, commercial: bool
) -> None:
    terms = license_terms(tag)
    assert terms is not None and terms.commercial_use is commercial
    assert terms.url.startswith("https://")


def test_an_unknown_tag_has_no_terms() -> None:
    assert license_terms("my-own-licence") is None


def test_write_then_admit(folder: Path) -> None:
    written = write_manifest(folder, license="openrail++", name="sdxl")
    on_disk = json.loads((folder / MANIFEST_NAME).read_text())
    assert on_disk["name"] == "sdxl" and on_disk["license"] == "openrail++"
    assert set(on_disk["files"]) == {
        "model_index.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
    }
    assert read_manifest(folder) == written
    assert [p for p, _ in written.weight_files] == ["unet/diffusion_pytorch_model.safetensors"]
    admitted = admit_folder(folder)
    assert admitted.commercial_use and not admitted.opted_in
    assert modelreg.folder_commercial_use(written)


def test_a_changed_file_is_refused_even_with_the_opt_in(folder: Path) -> None:
    write_manifest(folder, license="openrail++")
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"weights-2")
    for allow in (False, True):
        with pytest.raises(ModelChecksumMismatch, match="SHA-256"):
            admit_folder(folder, allow_noncommercial=allow)


def test_unlisted_weights_missing_files_and_code_are_refused(folder: Path) -> None:
    write_manifest(folder, license="openrail++")
    extra = folder / "unet" / "diffusion_pytorch_model.fp16.safetensors"
    extra.write_bytes(b"unvetted")
    with pytest.raises(ModelManifestInvalid, match=r"weight file .* not listed"):
        admit_folder(folder, allow_noncommercial=True)
    extra.unlink()
    (folder / "pipeline.py").write_text("import os")
    with pytest.raises(ModelManifestInvalid, match="holds code"):
        admit_folder(folder)
    with pytest.raises(ModelManifestInvalid, match="holds code"):
        write_manifest(folder, license="openrail++")
    (folder / "pipeline.py").unlink()
    (folder / "unet" / "config.json").unlink()
    with pytest.raises(ModelMissing, match=r"unet/config\.json"):
        admit_folder(folder)


@pytest.mark.parametrize(
    "manifest",
    [
        "not json",
        "[]",
        '{"license": "openrail++", "files": {"a.safetensors": "' + "0" * 64 + '"}}',
        '{"name": "m", "files": {"a.safetensors": "' + "0" * 64 + '"}}',
        '{"name": "m", "license": "openrail++", "files": {}}',
        '{"name": "m", "license": "openrail++", "files": {"a.safetensors": "abc"}}',
        '{"name": "m", "license": "openrail++", "files": {"../a.safetensors": "' + "0" * 64 + '"}}',
        '{"name": "m", "license": "openrail++", "files": {"/etc/passwd": "' + "0" * 64 + '"}}',
    ],
)
def test_a_malformed_manifest_is_refused(folder: Path, manifest: str) -> None:
    (folder / MANIFEST_NAME).write_text(manifest)
    with pytest.raises(ModelManifestInvalid):
        admit_folder(folder, allow_noncommercial=True)


def test_no_manifest_or_no_folder(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelManifestInvalid, match="likeness models manifest"):
        admit_folder(folder)
    with pytest.raises(ModelMissing):
        admit_folder(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    with pytest.raises(ModelManifestInvalid, match="no weight file"):
        write_manifest(empty, license="openrail++")


@pytest.mark.parametrize("tag", ["cc-by-nc-4.0", "my-own-licence"])
def test_noncommercial_or_unknown_licences_need_the_opt_in(
    folder: Path, tag: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write_manifest(folder, license=tag)
    with pytest.raises(ModelLicenseRefused, match=OPT_IN_VARIABLE):
        admit_folder(folder)
    monkeypatch.setenv(OPT_IN_VARIABLE, "1")
    with caplog.at_level(logging.WARNING, logger="likeness.modelreg"):
        admitted = admit_folder(folder)
    assert admitted.opted_in and not admitted.commercial_use and admitted.reason
    assert any(OPT_IN_VARIABLE in r.getMessage() for r in caplog.records)
    assert not modelreg.folder_commercial_use(admitted.manifest)


def test_any_unlisted_file_is_refused_whatever_its_suffix(folder: Path) -> None:
    write_manifest(folder, license="openrail++")
    index = folder / "unet" / "diffusion_pytorch_model.safetensors.index.json"
    index.write_text(json.dumps({"weight_map": {"w": "w.safetensors"}}))
    with pytest.raises(ModelManifestInvalid, match=r"file unet/.*index\.json .* not listed"):
        admit_folder(folder, allow_noncommercial=True)
    index.unlink()
    (folder / "unet" / "notes.txt").write_text("hello")
    with pytest.raises(ModelManifestInvalid, match=r"unet/notes\.txt .* not listed"):
        admit_folder(folder, allow_noncommercial=True)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("unet/w.part.bin", b"pickle"),
        ("unet/model.ckpt", b"pickle"),
        ("unet/model.pt", b"pickle"),
        ("unet/diffusion_pytorch_model.bin.index.json", b'{"weight_map": {}}'),
        (
            "unet/diffusion_pytorch_model.safetensors.index.json",
            b'{"weight_map": {"conv.weight": "w.part"}}',
        ),
    ],
)
def test_pickled_weights_are_refused_even_when_listed(
    folder: Path, name: str, content: bytes
) -> None:
    (folder / name).write_bytes(content)
    with pytest.raises(ModelManifestInvalid, match="safetensors"):
        write_manifest(folder, license="openrail++")
    (folder / name).unlink()
    write_manifest(folder, license="openrail++")
    (folder / name).write_bytes(content)
    manifest = json.loads((folder / MANIFEST_NAME).read_text())
    manifest["files"][name] = modelreg.file_sha256(folder / name)
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(ModelManifestInvalid, match="safetensors"):
        admit_folder(folder, allow_noncommercial=True)


def test_symbolic_links_are_refused(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "diffusion_pytorch_model.safetensors").write_bytes(b"unvetted")
    write_manifest(folder, license="openrail++")
    (folder / "controlnet").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ModelManifestInvalid, match=r"controlnet .* symbolic link"):
        admit_folder(folder, allow_noncommercial=True)
    with pytest.raises(ModelManifestInvalid, match="symbolic link"):
        write_manifest(folder, license="openrail++")
    (folder / "controlnet").unlink()
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    weights.unlink()
    weights.symlink_to(elsewhere / "diffusion_pytorch_model.safetensors")
    with pytest.raises(ModelManifestInvalid, match="symbolic link"):
        admit_folder(folder, allow_noncommercial=True)
