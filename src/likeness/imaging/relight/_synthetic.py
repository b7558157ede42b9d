"""Synthetic OLAT captures with known geometry, for tests, benchmarks and docs.

A Lambertian "head": an ellipsoid face with a nose bump, lit with attached shadows and a
constant ambient term, on a black background. Not a person model (that is
``likeness.capture.synthetic``); just enough structure to check relighting and compositing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._relight import direction_from_angles


def rig_directions(rings: tuple[int, ...] = (1, 8, 14, 18, 23)) -> NDArray[np.float32]:
    """A hemisphere-ish rig: rings of lights from the camera axis out to 100° (``sum(rings)``)."""
    dirs: list[tuple[float, float, float]] = []
    for ring, count in enumerate(rings):
        polar = np.radians(100.0 * ring / (len(rings) - 1))
        for k in range(count):
            spin = 2 * np.pi * (k + 0.5 * (ring % 2)) / count
            dirs.append(
                (
                    float(np.sin(polar) * np.cos(spin)),
                    float(np.sin(polar) * np.sin(spin)),
                    float(np.cos(polar)),
                )
            )
    return np.asarray(dirs, dtype=np.float32)


Arrays3 = tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]


def head_geometry(size: int) -> Arrays3:
    """Normals ``[S, S, 3]``, RGB albedo ``[S, S, 3]`` and alpha ``[S, S]`` of the head."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    u = (x + 0.5) / size * 2 - 1
    v = 1 - (y + 0.5) / size * 2
    a, b = 0.62, 0.8
    inside = (u / a) ** 2 + ((v - 0.05) / b) ** 2
    depth = np.sqrt(np.clip(1 - inside, 0, None))
    nose = 0.35 * np.exp(-((u / 0.09) ** 2 + ((v + 0.05) / 0.2) ** 2))
    height = depth + nose
    gy, gx = np.gradient(height * size / 2)
    normals = np.stack([-gx, gy, np.ones_like(gx)], -1)
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    alpha = np.clip((1 - inside) * size / 6, 0, 1)
    albedo = np.empty((size, size, 3))
    albedo[:] = (0.72, 0.52, 0.42)
    albedo[(np.abs(u) < 0.2) & (np.abs(v + 0.4) < 0.04)] = (0.55, 0.25, 0.25)
    for side in (-1, 1):
        eye = ((u - side * 0.25) / 0.09) ** 2 + ((v - 0.2) / 0.045) ** 2 < 1
        albedo[eye] = (0.15, 0.12, 0.1)
    return normals.astype(np.float32), albedo.astype(np.float32), alpha.astype(np.float32)


def synthetic_basis(
    size: int = 64,
    light_dirs: NDArray[np.float32] | None = None,
    *,
    ambient: float = 0.02,
) -> Arrays3:
    """``(basis [L, S, S, 3], light_dirs [L, 3], alpha [S, S])`` of the Lambertian head."""
    dirs = rig_directions() if light_dirs is None else light_dirs
    normals, albedo, alpha = head_geometry(size)
    shading = np.maximum(np.einsum("hwk,lk->lhw", normals, dirs), 0) + ambient
    basis = shading[..., None] * albedo[None] * alpha[None, ..., None]
    return basis.astype(np.float32), dirs.astype(np.float32), alpha


def key_fill_rim() -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """A classic three-light setup as ``(direction, rgb)`` pairs."""
    return [
        (direction_from_angles(-35, 25), (1.0, 0.96, 0.9)),
        (direction_from_angles(40, 5), (0.25, 0.27, 0.3)),
        (direction_from_angles(-100, 45), (0.5, 0.5, 0.55)),
    ]
