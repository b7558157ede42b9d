"""Interpolation of a reflectance field over light direction.

The image under a light from direction ``d`` is predicted as a weighted sum of the rig's
images, with weights from a radial-basis interpolant on the sphere with a power kernel:
``f(d) = sum_i c_i * |S(d - d_i)|**p + c0`` (``0 < p < 2``, constant tail; these kernels
are conditionally positive definite of order one in any Euclidean space, so the system is
solvable for any set of distinct directions). ``S = diag(metric)`` scales the rig frame
before distances are measured: the default stretches the camera axis (z) by 2, so lights
that differ in how far they sit from the camera axis count as further apart than lights
that differ by a turn around it (moving a light towards grazing moves attached and cast
shadows more than swinging it around the axis). ``p = 1.5`` and the z stretch of 2 were
chosen on the tune half of the OLAT faces (leave-one-light-out; see
``docs/decisions/0006-relighting.md``).
The weights depend only on the rig geometry, never on the pixels, so relighting stays
linear in the basis and the lights; the constant tail makes them sum to one (a constant
reflectance field is reproduced exactly) and the interpolant passes through every rig
light, so a requested rig direction returns its capture unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._errors import InvalidLights
from likeness.imaging.relight._validate import check_directions

#: Rig directions closer than this (chordal) to a query are treated as the query itself.
SNAP_DISTANCE = 1e-5


#: Default per-axis scale of the rig frame (x right, y up, z towards the camera).
DEFAULT_METRIC = (1.0, 1.0, 2.0)


def _system(dirs: NDArray[np.float64], exponent: float) -> NDArray[np.float64]:
    count = dirs.shape[0]
    system = np.zeros((count + 1, count + 1))
    distances = np.linalg.norm(dirs[:, None, :] - dirs[None, :, :], axis=-1)
    system[:count, :count] = distances**exponent
    system[:count, count] = 1.0
    system[count, :count] = 1.0
    return system


@dataclass(frozen=True)
class LightInterpolator:
    """Maps any light direction to weights over the rig's lights.

    ``neighbours`` limits each query to its nearest rig lights (a local interpolant: fewer
    basis images touched per light, so faster renders); ``None`` uses every rig light.
    ``metric`` scales the x, y, z axes of the rig frame before distances are measured
    (``(1, 1, 1)`` is the plain chordal distance). Rig lights are still found and snapped
    to by their unscaled direction.
    """

    light_dirs: NDArray[np.float32]
    neighbours: int | None = 16
    exponent: float = 1.5
    metric: tuple[float, float, float] = DEFAULT_METRIC
    _dirs64: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _scale: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _scaled: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _inverse: NDArray[np.float64] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        dirs = check_directions(self.light_dirs).astype(np.float64)
        if self.neighbours is not None and self.neighbours < 1:
            raise InvalidLights(f"neighbours must be at least 1, got {self.neighbours}")
        if not 0.0 < self.exponent < 2.0:
            raise InvalidLights(f"exponent must lie strictly between 0 and 2, got {self.exponent}")
        scale = np.asarray(self.metric, dtype=np.float64)
        if scale.shape != (3,) or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise InvalidLights(f"metric must be three positive numbers, got {self.metric}")
        object.__setattr__(self, "_dirs64", dirs)
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_scaled", dirs * scale)
        local = self.neighbours is not None and self.neighbours < dirs.shape[0]
        inverse = None if local else np.linalg.pinv(_system(self._scaled, self.exponent))
        object.__setattr__(self, "_inverse", inverse)

    @property
    def count(self) -> int:
        return int(self._dirs64.shape[0])

    def weights(self, directions: NDArray[np.floating]) -> NDArray[np.float64]:
        """Weights ``[Q, L]`` for unit query directions ``[Q, 3]`` (each row sums to one)."""
        queries = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
        out = np.zeros((queries.shape[0], self.count))
        for row, query in enumerate(queries):
            out[row] = self._weights_one(query)
        return out

    def _weights_one(self, query: NDArray[np.float64]) -> NDArray[np.float64]:
        raw = np.linalg.norm(self._dirs64 - query, axis=1)
        nearest = int(np.argmin(raw))
        result = np.zeros(self.count)
        if raw[nearest] < SNAP_DISTANCE:
            result[nearest] = 1.0
            return result
        distances = np.linalg.norm(self._scaled - query * self._scale, axis=1)
        if self._inverse is not None:
            rhs = np.append(distances**self.exponent, 1.0)
            result[:] = (self._inverse @ rhs)[: self.count]
            return result
        assert self.neighbours is not None
        chosen = np.argsort(distances, kind="stable")[: self.neighbours]
        rhs = np.append(distances[chosen] ** self.exponent, 1.0)
        system = _system(self._scaled[chosen], self.exponent)
        local = np.linalg.lstsq(system, rhs, rcond=None)[0]
        result[chosen] = local[: chosen.size]
        return result
