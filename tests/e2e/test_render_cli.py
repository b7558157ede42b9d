"""``likeness render`` end to end on synthetic captures (npz and directory bases).

A ``--basis`` render is a local test render: registered nowhere, but marked like every
preview (the visible "PREVIEW — not for publication" band and the installation's
watermark), so the home must be initialised.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from likeness.cli import app
from likeness.imaging import compose as cp
from likeness.imaging import relight as rl
from likeness.studio import load_basis, load_scene, parse_scene, render_scene
from likeness.studio.errors import InvalidScene

runner = CliRunner()

SCENE = """
lights:
  - {azimuth_deg: -35, elevation_deg: 25, color: [1.0, 0.95, 0.9]}
environment: {preset: overcast, intensity: 0.2}
background: {color: [0.05, 0.08, 0.12]}
framing: {width: 160, height: 200}
"""


@pytest.fixture(autouse=True)
def home(cli_home: Path) -> Path:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return cli_home


def _outside_mark(image: np.ndarray) -> np.ndarray:
    """Every pixel row outside the preview band."""
    from likeness.provenance import PREVIEW_MARK_TEXT
    from likeness.provenance._label import preview_mark_box

    _, top, _, bottom = preview_mark_box((image.shape[1], image.shape[0]), PREVIEW_MARK_TEXT)
    return np.concatenate([image[:top], image[bottom:]])


@pytest.fixture
def npz_basis(tmp_path: Path) -> Path:
    basis, dirs, alpha = rl.synthetic_basis(48)
    path = tmp_path / "capture.npz"
    np.savez(path, basis=basis, light_dirs=dirs, alpha=alpha)
    return path


def _scene(tmp_path: Path, text: str = SCENE) -> Path:
    path = tmp_path / "scene.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_render_writes_a_framed_png(tmp_path: Path, npz_basis: Path) -> None:
    out = tmp_path / "out.png"
    result = runner.invoke(
        app, ["render", "--basis", str(npz_basis), "--scene", str(_scene(tmp_path)), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "160x200" in result.output and "registered nowhere" in result.output
    image = np.asarray(Image.open(out))
    assert image.shape == (200, 160, 3)
    corner = image[:6, :6].reshape(-1, 3).mean(0)
    expected = cp.to_display(np.float32([[[0.05, 0.08, 0.12]]]))[0, 0].astype(int)
    assert np.abs(corner - expected).max() <= 3  # the watermark moves pixels a little
    assert image[67, 80].astype(int).sum() > corner.sum() + 60  # the lit face


def test_render_matches_the_library(tmp_path: Path, npz_basis: Path) -> None:
    out = tmp_path / "out.png"
    scene_path = _scene(tmp_path)
    runner.invoke(
        app, ["render", "--basis", str(npz_basis), "--scene", str(scene_path), "-o", str(out)]
    )
    scene = parse_scene(
        {
            "lights": [{"azimuth_deg": -35, "elevation_deg": 25, "color": [1.0, 0.95, 0.9]}],
            "environment": {"preset": "overcast", "intensity": 0.2},
            "background": {"color": [0.05, 0.08, 0.12]},
            "framing": {"width": 160, "height": 200},
        }
    )
    expected = cp.to_display(render_scene(load_basis(npz_basis), scene)).astype(int)
    written = np.asarray(Image.open(out)).astype(int)
    # The library's pixels, watermarked (a small change), with the preview band drawn on.
    assert np.abs(_outside_mark(written) - _outside_mark(expected)).mean() < 2.0
    assert np.abs(written - expected).max() > 60  # the band is there


def test_directory_basis_and_display_p3(tmp_path: Path) -> None:
    basis, dirs, alpha = rl.synthetic_basis(32)
    folder = tmp_path / "capture"
    folder.mkdir()
    with (folder / "lights.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "azimuth_deg", "elevation_deg"])
        writer.writerow(["ambient.png", "", ""])
        for index, direction in enumerate(dirs):
            az, el = rl.angles_from_direction(direction)
            name = f"light_{index:02d}.png"
            pixels = cp.to_display(basis[index])
            cv2.imwrite(str(folder / name), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
            writer.writerow([name, f"{az:.4f}", f"{el:.4f}"])
    cv2.imwrite(str(folder / "alpha.png"), np.round(alpha * 255).astype(np.uint8))
    scene = _scene(tmp_path, SCENE + "output: {color_space: display-p3}\n")
    out = tmp_path / "p3.png"
    result = runner.invoke(
        app, ["render", "--basis", str(folder), "--scene", str(scene), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    loaded = load_basis(folder)
    assert len(loaded.views) == 1
    # Cropped to where the subject's alpha is non-zero; origin says where the crop starts.
    rows = np.flatnonzero((alpha > 0).any(axis=1))
    cols = np.flatnonzero((alpha > 0).any(axis=0))
    assert loaded.origin == (max(0, cols[0] - 2), max(0, rows[0] - 2))
    height, width = loaded.views[0].shape
    assert loaded.views[0].planes.shape == (3, dirs.shape[0], height * width)
    assert loaded.alpha is not None
    assert loaded.alpha.shape == (1, height, width)
    np.testing.assert_allclose(loaded.light_dirs, dirs, atol=1e-4)
    assert Image.open(out).info.get("icc_profile") == cp.icc_profile("display-p3")


@pytest.mark.parametrize(
    ("scene_text", "message"),
    [
        ("lights: []\n", "no light"),
        ("lights: [{azimuth_deg: 500, elevation_deg: 0}]\n", "azimuth_deg"),
        ("environment: {preset: studio}\nframing: {preset: billboard}\n", "billboard"),
        ("environment: {preset: studio, path: x.hdr}\n", "exactly one"),
        ("- just\n- a list\n", "mapping"),
        ("lights: [\n", "not valid YAML"),
        ("environment: {preset: studio}\nsurprise: 1\n", "surprise"),
        ("lights: " + "[" * 5000 + "\n", "nests lists or mappings deeper than 64 levels"),
        ("lights:\n  " + "- " * 5000 + "x\n", "nests lists or mappings deeper than 64 levels"),
        ("base: &b {azimuth_deg: 1}\nlights: [*b]\n", "uses a YAML alias"),
    ],
)
def test_bad_scenes_give_one_line_errors(
    tmp_path: Path, npz_basis: Path, scene_text: str, message: str
) -> None:
    result = runner.invoke(
        app,
        [
            "render",
            "--basis",
            str(npz_basis),
            "--scene",
            str(_scene(tmp_path, scene_text)),
            "-o",
            str(tmp_path / "o.png"),
        ],
    )
    assert result.exit_code == 1
    assert "error:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_json_scene_files_are_read_with_the_same_bounds(tmp_path: Path) -> None:
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(yaml.safe_load(SCENE)), encoding="utf-8")
    assert load_scene(scene) == parse_scene(yaml.safe_load(SCENE), base_dir=tmp_path)
    scene.write_text('{"lights": ' + "[" * 5000 + "}", encoding="utf-8")
    with pytest.raises(InvalidScene, match=r"^scene file scene\.json nests lists or objects"):
        load_scene(scene)


def test_bad_basis_and_output_paths(tmp_path: Path, npz_basis: Path) -> None:
    scene = str(_scene(tmp_path))
    broken = tmp_path / "broken.npz"
    np.savez(
        broken,
        basis=np.full((3, 4, 4, 3), np.nan, np.float32),
        light_dirs=np.eye(3, dtype=np.float32),
    )
    cases = [
        (
            ["--basis", str(tmp_path / "missing"), "--scene", scene, "-o", str(tmp_path / "a.png")],
            "directory or an .npz",
        ),
        (["--basis", str(broken), "--scene", scene, "-o", str(tmp_path / "a.png")], "NaN"),
        (["--basis", str(npz_basis), "--scene", scene, "-o", str(tmp_path / "a.gif")], ".png"),
        (
            [
                "--basis",
                str(npz_basis),
                "--scene",
                str(tmp_path / "none.yaml"),
                "-o",
                str(tmp_path / "a.png"),
            ],
            "not found",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["render", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output


def test_damaged_bases_and_scenes_are_one_clean_line(
    tmp_path: Path, npz_basis: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    scene = str(_scene(tmp_path))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(npz_basis.read_bytes()[:200])
    uneven = tmp_path / "uneven.npz"
    np.savez(
        uneven,
        basis=np.ones((3, 4, 4, 3), np.float32),
        azimuth_deg=np.array([0.0, 90.0, 180.0]),
        elevation_deg=np.array([10.0, 20.0]),
    )
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "lights.csv").write_text("file,azimuth_deg,elevation_deg\nlight.png,0,10\n")
    (folder / "light.png").write_bytes(b"not a png")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("lights:\n  - {azimuth_deg: 1\n  bad\n", encoding="utf-8")
    cases = [
        (truncated, scene, "cannot read truncated.npz"),
        (uneven, scene, "azimuth_deg has 3 values but elevation_deg has 2"),
        (folder, scene, "cannot read image light.png"),
        (npz_basis, str(bad_yaml), "not valid YAML"),
    ]
    for basis, scene_path, message in cases:
        capfd.readouterr()
        args = ["render", "--basis", str(basis), "--scene", scene_path]
        result = runner.invoke(app, [*args, "-o", str(tmp_path / "o.png")])
        assert result.exit_code == 1, result.output
        assert message in result.output
        (line,) = [x for x in result.output.splitlines() if x.strip()]
        assert line.startswith("error:") and "Traceback" not in result.output
        assert "WARN" not in capfd.readouterr().err  # no OpenCV chatter either


def test_multi_view_plate_matte_and_hdr_environment(tmp_path: Path) -> None:
    basis, dirs, alpha = rl.synthetic_basis(40)
    plate = np.full((40, 40, 3), 0.3, np.float32)
    shot = basis + plate * (1 - alpha[..., None])  # subject in front of a grey backdrop
    views = np.stack([shot, shot[:, :, ::-1]])  # a second "view": the mirror image
    path = tmp_path / "views.npz"
    np.savez(
        path, basis=views, light_dirs=dirs, plate=np.stack([plate, plate]), view_yaw_deg=[-20, 20]
    )
    sky = rl.environment_preset("golden_hour", height=16).radiance
    assert cv2.imwrite(str(tmp_path / "sky.hdr"), cv2.cvtColor(sky, cv2.COLOR_RGB2BGR))
    text = "environment: {path: sky.hdr}\nview: {yaw_deg: %s}\nframing: {width: 64, height: 80}\n"
    loaded = load_basis(path)
    assert loaded.view_yaws_deg == (-20.0, 20.0)
    from likeness.studio import load_scene

    left = render_scene(loaded, load_scene(_scene(tmp_path, text % -20)))
    middle = render_scene(loaded, load_scene(_scene(tmp_path, text % 0)))
    right = render_scene(loaded, load_scene(_scene(tmp_path, text % 20)))
    assert left.shape == (80, 64, 3)
    assert not np.allclose(left, right)
    # Half-way between two views is their cross-fade (same framing from the blended matte).
    assert np.abs(middle - (left + right) / 2).mean() < np.abs(left - right).mean()
