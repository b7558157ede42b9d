from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.capture.lights import (
    angles_to_direction,
    direction_to_angles,
    fibonacci_sphere,
    sphere_coverage,
)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=-179.0, max_value=179.0),
    st.floats(min_value=-89.0, max_value=89.0),
)
def test_angles_round_trip(azimuth: float, elevation: float) -> None:
    d = angles_to_direction(azimuth, elevation)
    assert abs(float(np.linalg.norm(d)) - 1.0) < 1e-9
    az, el = direction_to_angles(d)
    assert abs(az - azimuth) < 1e-6 and abs(el - elevation) < 1e-6


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=8, max_value=200))
def test_more_lights_never_leave_bigger_gaps(count: int) -> None:
    _, gap_small = sphere_coverage(fibonacci_sphere(count), 30.0, samples=500)
    _, gap_large = sphere_coverage(fibonacci_sphere(count * 2), 30.0, samples=500)
    assert gap_large <= gap_small + 1e-9
    # Roughly one light per 4π/N steradians: the worst gap shrinks like 1/sqrt(N).
    assert gap_small < 160.0 / np.sqrt(count)


def test_hemisphere_rig_leaves_the_lower_half_dark() -> None:
    upper = fibonacci_sphere(64)
    upper = upper[upper[:, 1] > 0]
    fraction, worst = sphere_coverage(upper, 30.0)
    assert fraction < 0.7 and worst > 80.0
    assert sphere_coverage(np.zeros((0, 3)), 30.0) == (0.0, 180.0)
