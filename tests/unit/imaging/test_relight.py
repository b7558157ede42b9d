"""Relighting an OLAT basis: exactness on rig lights, linearity, interpolation, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.imaging import relight as rl

BASIS, DIRS, ALPHA = rl.synthetic_basis(24)
RNG_BASIS = np.random.default_rng(7).random((6, 5, 4, 3), dtype=np.float32)
RNG_DIRS = rl.rig_directions((1, 5))


def test_rig_light_reproduces_its_capture_exactly() -> None:
    for index in (0, 17, 63):
        image = rl.relight(BASIS, DIRS, [(DIRS[index], (1.0, 1.0, 1.0))])
        np.testing.assert_array_equal(image, BASIS[index])


def test_colored_rig_light_scales_each_channel() -> None:
    image = rl.relight(BASIS, DIRS, [rl.Light(tuple(DIRS[3]), (2.0, 0.5, 0.0))])
    np.testing.assert_allclose(image, BASIS[3] * np.array([2.0, 0.5, 0.0]), rtol=1e-6)


def test_grey_basis_gives_rgb_under_colored_light() -> None:
    grey = RNG_BASIS[..., :1].copy()
    image = rl.relight(grey, RNG_DIRS, [(RNG_DIRS[2], (1.0, 0.0, 0.5))])
    assert image.shape == (5, 4, 3)
    np.testing.assert_allclose(image[..., 0], grey[2, ..., 0], rtol=1e-6)
    np.testing.assert_allclose(image[..., 1], 0.0)
    np.testing.assert_allclose(image[..., 2], 0.5 * grey[2, ..., 0], rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    az=st.floats(-120, 120),
    el=st.floats(-30, 80),
    az2=st.floats(-120, 120),
    el2=st.floats(-30, 80),
    a=st.floats(0, 3),
    b=st.floats(0, 3),
)
def test_relight_is_linear_in_the_lights(
    az: float, el: float, az2: float, el2: float, a: float, b: float
) -> None:
    d1, d2 = rl.direction_from_angles(az, el), rl.direction_from_angles(az2, el2)
    one = rl.relight(RNG_BASIS, RNG_DIRS, [(d1, (1, 1, 1))])
    two = rl.relight(RNG_BASIS, RNG_DIRS, [(d2, (1, 1, 1))])
    both = rl.relight(RNG_BASIS, RNG_DIRS, [(d1, (a, a, a)), (d2, (b, b, b))])
    np.testing.assert_allclose(both, a * one + b * two, rtol=1e-4, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(x=st.floats(-1, 1), y=st.floats(-1, 1), z=st.floats(0.05, 1))
def test_interpolation_weights_sum_to_one(x: float, y: float, z: float) -> None:
    query = np.array([x, y, z]) / math.sqrt(x * x + y * y + z * z)
    for neighbours in (None, 8):
        weights = rl.LightInterpolator(DIRS, neighbours=neighbours).weights(query[None])
        assert weights.shape == (1, DIRS.shape[0])
        assert abs(weights.sum() - 1.0) < 1e-9


def test_constant_reflectance_field_is_reproduced_everywhere() -> None:
    flat = np.ones((DIRS.shape[0], 2, 2, 3), dtype=np.float32)
    image = rl.relight(flat, DIRS, [(rl.direction_from_angles(13, 27), (1, 1, 1))])
    np.testing.assert_allclose(image, 1.0, atol=1e-5)


def test_local_interpolator_touches_only_its_neighbours() -> None:
    interp = rl.LightInterpolator(DIRS, neighbours=6)
    weights = interp.weights(np.array([rl.direction_from_angles(20, 10)]))
    assert np.count_nonzero(weights) == 6


def test_novel_direction_is_close_to_lambertian_truth() -> None:
    # The synthetic head is Lambertian: a light between rig lights has a known answer.
    direction = rl.direction_from_angles(23, 17)
    truth, _, _ = rl.synthetic_basis(24, np.array([direction], dtype=np.float32))
    image = rl.relight(BASIS, DIRS, [(direction, (1, 1, 1))])
    mse = float(np.mean((image - truth[0]) ** 2))
    assert 10 * math.log10(1.0 / mse) > 35.0
    nearest = int(np.argmax(DIRS @ np.asarray(direction, dtype=np.float32)))
    nearest_mse = float(np.mean((BASIS[nearest] - truth[0]) ** 2))
    assert mse < nearest_mse / 4


def test_angles_round_trip_and_frame_convention() -> None:
    # azimuth > 0 lights the image's left
    assert rl.direction_from_angles(90, 0)[0] == pytest.approx(-1.0)
    assert rl.direction_from_angles(0, 90)[1] == pytest.approx(1.0)
    az, el = rl.angles_from_direction(rl.direction_from_angles(-35, 20))
    assert (az, el) == (pytest.approx(-35), pytest.approx(20))


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        (RNG_BASIS.astype(np.float64), "float32"),
        (RNG_BASIS[0], r"\[L, H, W, C\]"),
        (np.zeros((6, 5, 4, 2), np.float32), "1 or 3 channels"),
        (np.where(RNG_BASIS > 0.5, np.nan, RNG_BASIS).astype(np.float32), "NaN"),
        ([[1.0]], "numpy array"),
    ],
)
def test_bad_basis_is_rejected(basis: object, message: str) -> None:
    with pytest.raises(rl.InvalidBasis, match=message):
        rl.relight(basis, RNG_DIRS, [(RNG_DIRS[0], (1, 1, 1))])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("dirs", "message"),
    [
        (RNG_DIRS[:4], "4 rows"),
        (RNG_DIRS * 2, "unit vectors"),
        (RNG_DIRS[:, :2], r"\[L, 3\]"),
        (np.vstack([RNG_DIRS[:5], RNG_DIRS[:1]]), "same direction twice"),
        (np.full((6, 3), np.nan, np.float32), "NaN"),
    ],
)
def test_bad_light_dirs_are_rejected(dirs: np.ndarray, message: str) -> None:
    with pytest.raises(rl.InvalidBasis, match=message):
        rl.relight(RNG_BASIS, dirs, [(RNG_DIRS[0], (1, 1, 1))])


@pytest.mark.parametrize(
    ("lights", "message"),
    [
        ([], "no lights"),
        ([((0, 0, 1),)], "pair"),
        ([((0, 0, 1), (1, 1))], "3-vector"),
        ([((0, 0, 0), (1, 1, 1))], "zero direction"),
        ([((0, 0, 1), (1, -1, 1))], "negative"),
        ([((0, float("nan"), 1), (1, 1, 1))], "NaN"),
        ([(("a", 0, 1), (1, 1, 1))], "non-numeric"),
    ],
)
def test_bad_lights_are_rejected(lights: list[object], message: str) -> None:
    with pytest.raises(rl.InvalidLights, match=message):
        rl.relight(RNG_BASIS, RNG_DIRS, lights)  # type: ignore[arg-type]


def test_errors_are_likeness_errors_with_422() -> None:
    from likeness.errors import LikenessError

    with pytest.raises(LikenessError) as caught:
        rl.relight(RNG_BASIS, RNG_DIRS, [])
    assert caught.value.status_code == 422


def test_prepared_reflectance_matches_relight() -> None:
    prepared = rl.Reflectance(BASIS, DIRS, neighbours=16)
    lights = rl.key_fill_rim()
    expected = rl.relight(BASIS, DIRS, lights, interpolator=prepared.interpolator)
    np.testing.assert_allclose(prepared.relight(lights), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(prepared.relight([(DIRS[9], (1, 1, 1))]), BASIS[9])
    assert prepared.nbytes == BASIS.nbytes
    with pytest.raises(rl.InvalidBasis, match="weights"):
        prepared.render(np.zeros((3, 3), np.float32))


@pytest.mark.parametrize("exponent", [0.0, 2.0, -1.0])
def test_kernel_exponent_must_keep_the_system_solvable(exponent: float) -> None:
    with pytest.raises(rl.InvalidLights, match="exponent"):
        rl.LightInterpolator(DIRS, exponent=exponent)


def test_neighbours_must_be_positive() -> None:
    with pytest.raises(rl.InvalidLights, match="neighbours"):
        rl.LightInterpolator(DIRS, neighbours=0)
