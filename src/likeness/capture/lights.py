"""Light and camera directions: one frame for the whole capture pipeline.

The frame is the subject's, seen from the frontal camera: ``+x`` points to the image's
right (the subject's left), ``+y`` up, ``+z`` from the subject towards the frontal camera.
Angles follow the convention of light-stage data sets such as Extended Yale B:
azimuth > 0 puts a light (or a camera, for view yaw) on the subject's right, which is
the image's left; elevation > 0 is above. A direction always points from the subject
towards the light or camera.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "angles_to_direction",
    "direction_to_angles",
    "fibonacci_sphere",
    "sphere_coverage",
]


def angles_to_direction(azimuth_deg: float, elevation_deg: float) -> NDArray[np.float64]:
    """Unit vector for an azimuth/elevation pair in degrees."""
    az = math.radians(azimuth_deg)
    el = math.radians(elevation_deg)
    return np.array(
        [-math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)],
        dtype=np.float64,
    )


def direction_to_angles(direction: NDArray[np.floating]) -> tuple[float, float]:
    """Inverse of :func:`angles_to_direction` (azimuth, elevation) in degrees."""
    x, y, z = (float(v) for v in direction / np.linalg.norm(direction))
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, y))))
    azimuth = math.degrees(math.atan2(-x, z))
    return azimuth, elevation


def fibonacci_sphere(count: int) -> NDArray[np.float64]:
    """``count`` nearly evenly spread unit vectors covering the whole sphere.

    The golden-angle spiral gives every light about the same solid angle, which is what
    a light stage aims for; it is deterministic, so a rig of N lights is always the same.
    """
    if count < 1:
        raise ValueError("need at least one light")
    i = np.arange(count, dtype=np.float64) + 0.5
    y = 1.0 - 2.0 * i / count
    radius = np.sqrt(np.clip(1.0 - y * y, 0.0, 1.0))
    theta = math.pi * (3.0 - math.sqrt(5.0)) * i
    return np.stack([radius * np.sin(theta), y, radius * np.cos(theta)], axis=1)


def sphere_coverage(
    directions: NDArray[np.floating], max_gap_deg: float, samples: int = 2000
) -> tuple[float, float]:
    """How well ``directions`` cover the sphere.

    Returns ``(fraction, worst_gap_deg)``: the fraction of evenly spread probe directions
    that have a light within ``max_gap_deg``, and the largest angle from any probe to
    its nearest light.
    """
    dirs = np.asarray(directions, dtype=np.float64)
    if dirs.ndim != 2 or dirs.shape[1] != 3 or len(dirs) == 0:
        return 0.0, 180.0
    dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    probes = fibonacci_sphere(samples)
    nearest = np.clip((probes @ dirs.T).max(axis=1), -1.0, 1.0)
    gaps = np.degrees(np.arccos(nearest))
    return float((gaps <= max_gap_deg).mean()), float(gaps.max())
