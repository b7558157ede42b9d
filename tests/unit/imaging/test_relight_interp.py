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


def _weights(
    dirs: np.ndarray, query: np.ndarray, metric: tuple[float, float, float], frontal: float = 2.0
) -> np.ndarray:
    interp = rl.LightInterpolator(
        dirs.astype(np.float32), neighbours=None, metric=metric, frontal=frontal
    )
    return interp.weights(query[None])[0]


QUERY = np.asarray(rl.direction_from_angles(23, 31))


@settings(max_examples=15, deadline=None)
@given(angle=st.floats(0.1, 6.0))
def test_stretched_metric_is_symmetric_about_the_camera_axis(angle: float) -> None:
    # Stretching z and the frontal bump keep every turn about the camera axis a symmetry.
    turn = _rotation("z", angle)
    base = _weights(DIRS, QUERY, (1.0, 1.0, 2.0))
    turned = _weights(DIRS @ turn.T, turn @ QUERY, (1.0, 1.0, 2.0))
    np.testing.assert_allclose(turned, base, atol=1e-7)


@pytest.mark.parametrize(("metric", "frontal"), [((1.0, 1.0, 2.0), 0.0), ((1.0, 1.0, 1.0), 2.0)])
def test_only_the_plain_metric_is_symmetric_under_any_rotation(
    metric: tuple[float, float, float], frontal: float
) -> None:
    tilt = _rotation("x", 0.4)
    plain = _weights(DIRS, QUERY, (1.0, 1.0, 1.0), frontal=0.0)
    tilted_plain = _weights(DIRS @ tilt.T, tilt @ QUERY, (1.0, 1.0, 1.0), frontal=0.0)
    np.testing.assert_allclose(tilted_plain, plain, atol=1e-7)
    warped = _weights(DIRS, QUERY, metric, frontal)
    tilted = _weights(DIRS @ tilt.T, tilt @ QUERY, metric, frontal)
    assert np.abs(tilted - warped).max() > 1e-3


def test_default_embedding_stretches_the_camera_axis_and_adds_the_frontal_bump() -> None:
    interp = rl.LightInterpolator(DIRS)
    assert (interp.metric, interp.frontal, interp.frontal_power) == ((1.0, 1.0, 1.5), 2.0, 8.0)
    default = _weights(DIRS, QUERY, interp.metric, interp.frontal)
    np.testing.assert_allclose(
        rl.LightInterpolator(DIRS, neighbours=None).weights(QUERY[None])[0], default, atol=1e-12
    )


def test_frontal_bump_only_moves_lights_in_front() -> None:
    points = rl.embed_directions(
        np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.6, -0.8]]),
        np.ones(3),
        frontal=2.0,
        power=8.0,
    )
    np.testing.assert_allclose(points[:, 3], [2.0, 0.0, 0.0])
    np.testing.assert_allclose(points[:, :3], [[0, 0, 1], [1, 0, 0], [0, 0.6, -0.8]])


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


@pytest.mark.parametrize(("metric", "frontal"), [((1.0, 1.0, 2.0), 0.0), ((1.0, 1.0, 1.0), 2.0)])
def test_stretch_and_bump_change_the_weights_of_an_off_axis_query(
    metric: tuple[float, float, float], frontal: float
) -> None:
    plain = _weights(DIRS, QUERY, (1.0, 1.0, 1.0), frontal=0.0)
    assert np.abs(plain - _weights(DIRS, QUERY, metric, frontal)).max() > 1e-3


@pytest.mark.parametrize(
    "metric", [(1.0, 1.0, 0.0), (1.0, -1.0, 1.0), (1.0, float("nan"), 1.0), (1.0, 1.0)]
)
def test_bad_metric_is_rejected(metric: tuple[float, ...]) -> None:
    with pytest.raises(rl.InvalidLights, match="metric"):
        rl.LightInterpolator(DIRS, metric=metric)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frontal": -1.0}, "frontal must"),
        ({"frontal": float("inf")}, "frontal must"),
        ({"frontal_power": 0.5}, "frontal_power"),
    ],
)
def test_bad_frontal_bump_is_rejected(options: dict[str, float], message: str) -> None:
    with pytest.raises(rl.InvalidLights, match=message):
        rl.LightInterpolator(DIRS, **options)  # type: ignore[arg-type]
