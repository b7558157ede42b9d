"""The interpolator's metric: symmetry it must keep, exactness, and bad values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.imaging import relight as rl

DIRS = rl.rig_directions((1, 6, 10, 12))


def _rotation(axis: str, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    if axis == "z":
        return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _weights(dirs: np.ndarray, query: np.ndarray, metric: tuple[float, float, float]) -> np.ndarray:
    interp = rl.LightInterpolator(dirs.astype(np.float32), neighbours=None, metric=metric)
    return interp.weights(query[None])[0]


QUERY = np.asarray(rl.direction_from_angles(23, 31))


@settings(max_examples=15, deadline=None)
@given(angle=st.floats(0.1, 6.0))
def test_stretched_metric_is_symmetric_about_the_camera_axis(angle: float) -> None:
    # Stretching z keeps every turn about the camera axis a symmetry of the interpolant.
    turn = _rotation("z", angle)
    base = _weights(DIRS, QUERY, (1.0, 1.0, 2.0))
    turned = _weights(DIRS @ turn.T, turn @ QUERY, (1.0, 1.0, 2.0))
    np.testing.assert_allclose(turned, base, atol=1e-7)


def test_only_the_isotropic_metric_is_symmetric_under_any_rotation() -> None:
    tilt = _rotation("x", 0.4)
    plain = _weights(DIRS, QUERY, (1.0, 1.0, 1.0))
    np.testing.assert_allclose(
        _weights(DIRS @ tilt.T, tilt @ QUERY, (1.0, 1.0, 1.0)), plain, atol=1e-7
    )
    stretched = _weights(DIRS, QUERY, (1.0, 1.0, 2.0))
    tilted = _weights(DIRS @ tilt.T, tilt @ QUERY, (1.0, 1.0, 2.0))
    assert np.abs(tilted - stretched).max() > 1e-3


def test_default_metric_stretches_the_camera_axis() -> None:
    interp = rl.LightInterpolator(DIRS)
    assert interp.metric == (1.0, 1.0, 2.0)


@pytest.mark.parametrize("metric", [(1.0, 1.0, 2.0), (0.5, 1.5, 3.0)])
def test_any_metric_is_exact_on_rig_lights_and_sums_to_one(
    metric: tuple[float, float, float],
) -> None:
    for neighbours in (None, 8):
        interp = rl.LightInterpolator(DIRS, neighbours=neighbours, metric=metric)
        np.testing.assert_array_equal(
            interp.weights(DIRS[5:6].astype(np.float64))[0], np.eye(29)[5]
        )
        between = interp.weights(QUERY[None])[0]
        assert abs(between.sum() - 1.0) < 1e-9
        assert np.count_nonzero(between) == (29 if neighbours is None else neighbours)


def test_stretch_changes_the_weights_of_an_off_axis_query() -> None:
    plain = _weights(DIRS, QUERY, (1.0, 1.0, 1.0))
    stretched = _weights(DIRS, QUERY, (1.0, 1.0, 2.0))
    assert np.abs(plain - stretched).max() > 1e-3


@pytest.mark.parametrize(
    "metric", [(1.0, 1.0, 0.0), (1.0, -1.0, 1.0), (1.0, float("nan"), 1.0), (1.0, 1.0)]
)
def test_bad_metric_is_rejected(metric: tuple[float, ...]) -> None:
    with pytest.raises(rl.InvalidLights, match="metric"):
        rl.LightInterpolator(DIRS, metric=metric)  # type: ignore[arg-type]
