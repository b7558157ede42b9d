"""Environment maps and presets projected onto the rig; multi-view selection."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from likeness.imaging import relight as rl

DIRS = rl.rig_directions()


def test_solid_angles_cover_the_sphere() -> None:
    dirs, solid = rl.pixel_directions(16)
    assert solid.sum() == pytest.approx(4 * math.pi, rel=1e-12)
    np.testing.assert_allclose(np.linalg.norm(dirs, axis=-1), 1.0)
    assert dirs[0, 0, 1] > 0.9  # top row looks up
    assert dirs[8, 16, 2] > 0.9  # centre column looks towards the camera


@pytest.mark.parametrize("preset", rl.PRESETS)
def test_projection_conserves_energy(preset: str) -> None:
    env = rl.environment_preset(preset, height=96)  # pooled down to 64 rows
    intensities = rl.project_environment(env, DIRS)
    assert (intensities >= 0).all()
    np.testing.assert_allclose(intensities.sum(0), rl.environment_energy(env), rtol=1e-4)


def test_uniform_white_sky_gives_each_light_its_cell_area() -> None:
    env = rl.EnvironmentMap(np.ones((32, 64, 3), np.float32))
    intensities = rl.project_environment(env, DIRS)
    assert intensities.sum() / 3 == pytest.approx(4 * math.pi, rel=1e-4)
    np.testing.assert_allclose(intensities[:, 0], intensities[:, 2], rtol=1e-6)


def test_bright_pixel_goes_to_the_nearest_rig_light() -> None:
    radiance = np.zeros((32, 64, 3), np.float32)
    radiance[12, 40] = (5.0, 4.0, 3.0)
    env = rl.EnvironmentMap(radiance)
    dirs, solid = rl.pixel_directions(32)
    owner = int(np.argmax(DIRS @ dirs[12, 40].astype(np.float32)))
    intensities = rl.project_environment(env, DIRS)
    assert int(np.argmax(intensities[:, 0])) == owner
    np.testing.assert_allclose(intensities[owner], np.array([5, 4, 3]) * solid[12, 40], rtol=1e-5)


def test_environment_render_is_the_weighted_basis_sum() -> None:
    basis, dirs, _ = rl.synthetic_basis(16)
    env = rl.environment_preset("golden_hour", height=32)
    image = rl.relight_environment(basis, dirs, env)
    weights = rl.project_environment(env, dirs)
    expected = np.einsum("lc,lhwc->hwc", weights, basis)
    np.testing.assert_allclose(image, expected, rtol=1e-4, atol=1e-6)


def test_rotation_moves_the_light() -> None:
    env = rl.environment_preset("studio", height=32)
    turned = rl.rotate_environment(env, 180)
    assert not np.allclose(rl.project_environment(env, DIRS), rl.project_environment(turned, DIRS))
    np.testing.assert_allclose(rl.environment_energy(turned), rl.environment_energy(env), rtol=1e-6)


def test_hdr_file_is_loaded_linear(tmp_path: Path) -> None:
    radiance = rl.environment_preset("overcast", height=16).radiance
    path = tmp_path / "sky.hdr"
    assert cv2.imwrite(str(path), cv2.cvtColor(radiance, cv2.COLOR_RGB2BGR))
    loaded = rl.load_environment(path)
    np.testing.assert_allclose(loaded.radiance, radiance, rtol=0.02, atol=1e-3)


@pytest.mark.parametrize(
    ("radiance", "message"),
    [
        (np.ones((8, 8, 3), np.float32), "twice as wide"),
        (np.ones((8, 16), np.float32), r"\[H, W, 3\]"),
        (np.ones((8, 16, 3), np.float64), "float32"),
        (np.full((8, 16, 3), -1, np.float32), "negative"),
        (np.full((8, 16, 3), np.inf, np.float32), "NaN or infinite"),
    ],
)
def test_bad_environment_is_rejected(radiance: np.ndarray, message: str) -> None:
    with pytest.raises(rl.InvalidEnvironment, match=message):
        rl.EnvironmentMap(radiance)


def test_missing_or_unknown_environment(tmp_path: Path) -> None:
    with pytest.raises(rl.InvalidEnvironment, match="not found"):
        rl.load_environment(tmp_path / "nope.hdr")
    with pytest.raises(rl.InvalidEnvironment, match="unknown preset"):
        rl.environment_preset("disco")


def test_view_selection_snaps_blends_and_clamps() -> None:
    yaws = [-30.0, 0.0, 30.0]
    assert rl.select_views(yaws, 0.4) == ((1, 1.0),)
    picks = rl.select_views(yaws, 10.0)
    assert [index for index, _ in picks] == [1, 2]
    assert picks[0][1] == pytest.approx(2 / 3)
    assert sum(weight for _, weight in picks) == pytest.approx(1.0)
    assert rl.select_views(yaws, 75.0) == ((2, 1.0),)
    with pytest.raises(rl.InvalidViews):
        rl.select_views([], 0.0)
    with pytest.raises(rl.InvalidViews, match="same yaw"):
        rl.select_views([0.0, 0.0], 5.0)


def test_blend_views_cross_fades() -> None:
    a = np.zeros((2, 2, 3), np.float32)
    b = np.ones((2, 2, 3), np.float32)
    np.testing.assert_allclose(rl.blend_views([a, b], ((0, 0.25), (1, 0.75))), 0.75)
    with pytest.raises(rl.InvalidViews, match="shape"):
        rl.blend_views([a, np.ones((3, 2, 3), np.float32)], ((0, 0.5), (1, 0.5)))
