"""Seeded procedural noise for the synthetic rig's textures (value noise, fBm)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating[Any]]


class ValueNoise3D:
    """Smooth 3-D value noise on a periodic random lattice, trilinearly interpolated.

    Sampling is by world position (cm), so a texture sticks to the surface whatever the
    camera does, and the same seed always gives the same pattern.
    """

    def __init__(self, rng: np.random.Generator, lattice: int = 32) -> None:
        self._grid = rng.random((lattice, lattice, lattice), dtype=np.float32) * 2.0 - 1.0
        self._n = lattice

    def sample(self, points: FloatArray, frequency: float) -> FloatArray:
        """Noise in [-1, 1] at ``points`` [N, 3] scaled by ``frequency`` (cycles per cm)."""
        p = points.astype(np.float32) * np.float32(frequency)
        base = np.floor(p)
        frac = p - base
        # Smoothstep fade hides the lattice's straight lines.
        f = frac * frac * (3.0 - 2.0 * frac)
        i = base.astype(np.int64) % self._n
        j = (i + 1) % self._n
        g = self._grid
        out = np.zeros(len(p), dtype=np.float32)
        for dx in (0, 1):
            ix = j[:, 0] if dx else i[:, 0]
            wx = f[:, 0] if dx else 1.0 - f[:, 0]
            for dy in (0, 1):
                iy = j[:, 1] if dy else i[:, 1]
                wy = f[:, 1] if dy else 1.0 - f[:, 1]
                for dz in (0, 1):
                    iz = j[:, 2] if dz else i[:, 2]
                    wz = f[:, 2] if dz else 1.0 - f[:, 2]
                    out += g[ix, iy, iz] * (wx * wy * wz)
        return out

    def fbm(self, points: FloatArray, frequency: float, octaves: int = 4) -> FloatArray:
        """Fractal sum of ``octaves`` noise layers, roughly in [-1, 1]."""
        total = np.zeros(len(points), dtype=np.float32)
        amplitude, norm = 1.0, 0.0
        for octave in range(octaves):
            # Offsetting each octave decorrelates the layers sharing one lattice.
            shifted = points + np.float32(17.3 * octave)
            total += np.float32(amplitude) * self.sample(shifted, frequency * 2.0**octave)
            norm += amplitude
            amplitude *= 0.5
        return total / np.float32(norm)
