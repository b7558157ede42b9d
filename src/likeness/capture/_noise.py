"""Seeded procedural noise for the synthetic rig's textures (value noise, fBm)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating[Any]]


def _lerp(a: NDArray[np.float32], b: NDArray[np.float32], t: FloatArray) -> NDArray[np.float32]:
    """``a + (b - a) * t``, reusing ``b``'s buffer (callers pass fresh gathers)."""
    b -= a
    b *= t
    b += a
    return b


class ValueNoise3D:
    """Smooth 3-D value noise on a periodic random lattice, trilinearly interpolated.

    Sampling is by world position (cm), so a texture sticks to the surface whatever the
    camera does, and the same seed always gives the same pattern.
    """

    def __init__(self, rng: np.random.Generator, lattice: int = 32) -> None:
        grid = rng.random((lattice, lattice, lattice), dtype=np.float32) * 2.0 - 1.0
        self._n = lattice
        # One wrapped layer on every far face, so a cell's eight corners are fixed
        # offsets from its first corner in the flat array: one index, eight takes.
        self._padded = np.pad(grid, ((0, 1), (0, 1), (0, 1)), mode="wrap").ravel()
        m = lattice + 1
        self._corners = [
            dx * m * m + dy * m + dz for dx in (0, 1) for dy in (0, 1) for dz in (0, 1)
        ]

    def sample(self, points: FloatArray, frequency: float) -> NDArray[np.float32]:
        """Noise in [-1, 1] at ``points`` [N, 3] scaled by ``frequency`` (cycles per cm)."""
        p = points.astype(np.float32) * np.float32(frequency)
        base = np.floor(p)
        frac = p - base
        # Smoothstep fade hides the lattice's straight lines.
        f = frac * frac * (np.float32(3.0) - np.float32(2.0) * frac)
        cell = base.astype(np.int64) % self._n
        m = self._n + 1
        first = (cell[:, 0] * m + cell[:, 1]) * m + cell[:, 2]
        c = [self._padded.take(first + offset) for offset in self._corners]
        fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
        c0 = _lerp(_lerp(c[0], c[4], fx), _lerp(c[2], c[6], fx), fy)
        c1 = _lerp(_lerp(c[1], c[5], fx), _lerp(c[3], c[7], fx), fy)
        return _lerp(c0, c1, fz)

    def fbm(self, points: FloatArray, frequency: float, octaves: int = 4) -> NDArray[np.float32]:
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


class SensorNoise:
    """Read noise for one camera's frames: keyed slices of keyed Gaussian banks.

    Drawing fresh Gaussian noise for every pixel of every frame cost the rig more than
    shading it. Instead each view draws two banks, each twice the size it serves: one
    for whole frames and one for the ``covered`` channel values of the subject (in the
    shader's order, so adding it needs no gather). Frame ``k`` reads both from its own
    keyed offsets. Within a frame the noise is i.i.d. Gaussian; two frames share noise
    at a pixel only where their offsets coincide.
    """

    def __init__(
        self, key: list[int], shape: tuple[int, int], sigma: float, frames: int, covered: int
    ) -> None:
        self.shape = (*shape, 3)
        self.size = shape[0] * shape[1] * 3
        self.covered = covered
        rng = np.random.default_rng(key)
        self.bank = self._bank(rng, 2 * self.size, sigma)
        self.covered_bank = self._bank(rng, 2 * covered, sigma)
        # Whole-frame offsets are pixel-aligned, so a slice's channels stay channels.
        self.offsets = rng.integers(0, shape[0] * shape[1], size=frames) * 3
        self.covered_offsets = rng.integers(0, covered + 1, size=frames)
        self._floor: NDArray[np.float32] | None = None
        self._floor_u16: NDArray[np.uint16] | None = None

    @staticmethod
    def _bank(rng: np.random.Generator, size: int, sigma: float) -> NDArray[np.float32]:
        if sigma == 0:
            return np.zeros(size, np.float32)
        bank = rng.standard_normal(size, dtype=np.float32)
        bank *= np.float32(sigma)
        return bank

    def _slices(self, frame: int) -> tuple[slice, slice]:
        start = int(self.offsets[frame])
        lit = int(self.covered_offsets[frame])
        return slice(start, start + self.size), slice(lit, lit + self.covered)

    def over(self, frame: int, image: NDArray[np.float32]) -> NDArray[np.float32]:
        """``image`` [H, W, 3] plus frame ``frame``'s noise, clipped at zero (new array)."""
        whole, _ = self._slices(frame)
        out = image + self.bank[whole].reshape(self.shape)
        np.maximum(out, np.float32(0.0), out=out)
        return out

    def frame(
        self, frame: int, flat: NDArray[np.int64], values: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        """A black frame [H, W, 3] with ``values`` at flat indices ``flat``, plus noise."""
        if self._floor is None:
            self._floor = np.maximum(self.bank, np.float32(0.0))
        whole, lit = self._slices(frame)
        out = self._floor[whole].copy()
        covered = values + self.covered_bank[lit]
        np.maximum(covered, np.float32(0.0), out=covered)
        out[flat] = covered
        return out.reshape(self.shape)

    def frame_u16(
        self, frame: int, flat: NDArray[np.int64], values: NDArray[np.float32]
    ) -> NDArray[np.uint16]:
        """``quantise_u16(frame(...))`` without building the float frame."""
        if self._floor_u16 is None:
            self._floor_u16 = quantise_u16(self.bank)
        whole, lit = self._slices(frame)
        out = self._floor_u16[whole].copy()
        out[flat] = quantise_u16(values + self.covered_bank[lit])
        return out.reshape(self.shape)


def quantise_u16(linear: NDArray[np.float32]) -> NDArray[np.uint16]:
    """Linear [0, 1] to 16-bit codes (1.0 = 65535), clipping both ends."""
    scaled = np.clip(linear, np.float32(0.0), np.float32(1.0))
    scaled *= np.float32(65535.0)
    scaled += np.float32(0.5)
    return scaled.astype(np.uint16)
