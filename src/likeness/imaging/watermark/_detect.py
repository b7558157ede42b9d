"""Detection: find the lattice, fold every tile onto one, locate the sync, decode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark import _coding, _fold, _image, _pattern, _sync

Float32 = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]

OVERSAMPLE = _fold.OVERSAMPLE
FOLD = _fold.FOLD
#: A sync peak below this z-score is not worth decoding (decoding is the real gate).
MIN_SYNC_Z = 4.0


@dataclass(frozen=True, slots=True)
class Outcome:
    payload: bytes | None
    confidence: float
    sync_z: float
    attempts: int


def _dihedral(tile: Float32) -> list[Float32]:
    views = []
    for flipped in (tile, tile.T):
        for turns in range(4):
            views.append(np.ascontiguousarray(np.rot90(flipped, turns)))
    return views


def _sync_template(layout: _pattern.Layout) -> Float32:
    up = np.repeat(np.repeat(layout.sync, OVERSAMPLE, axis=0), OVERSAMPLE, axis=1)
    return up.astype(np.float32)


def _locate(folded: Float32, template_fft: npt.NDArray[np.complex128]) -> tuple[Float32, float]:
    """Best dihedral view of ``folded``, rolled onto the sync template, and its z-score."""
    best: tuple[float, Float32, tuple[int, int]] | None = None
    for view in _dihedral(folded):
        corr = np.fft.irfft2(np.fft.rfft2(view) * np.conj(template_fft), s=view.shape)
        z = (corr - corr.mean()) / (corr.std() + 1e-12)
        index = int(np.argmax(z))
        peak = float(z.flat[index])
        if best is None or peak > best[0]:
            best = (peak, view, (index // FOLD, index % FOLD))
    assert best is not None
    peak, view, (dy, dx) = best
    return np.roll(view, (-dy, -dx), axis=(0, 1)), peak


def _candidate_bases(residual: Float32, factor: int) -> list[Float64]:
    corr = _sync.autocorrelation(residual)
    bases = [lattice.basis for lattice in _sync.find_lattices(corr)]
    # Untouched geometry: the period the embedder would have used at this size.
    h, w = residual.shape
    for chip in sorted({2, max(2, round(min(h, w) * factor / 640))}):
        period = _pattern.TILE_CHIPS * chip / factor
        bases.append(_fold.identity_basis(period))
    return bases


def detect_array(image: npt.NDArray[np.generic], key: bytes) -> Outcome:
    info = _image.inspect(image)
    layout = _pattern.layout_for(key)
    template_fft = np.fft.rfft2(_sync_template(layout))
    plane, factor = _image.analysis_plane(image, info)
    residual = _sync.noise_residual(plane)
    best_z = 0.0
    attempts = 0
    for basis in _candidate_bases(residual, factor):
        folded = _fold.fold(residual, basis)
        aligned, z = _locate(folded, template_fft)
        best_z = max(best_z, z)
        if z < MIN_SYNC_Z:
            continue
        attempts += 1
        soft = _pattern.soft_bits(layout, _fold.chips(aligned))
        decoded = _coding.decode(soft)
        if decoded is not None:
            confidence = 1.0 - decoded.errors / _coding.CODED_BITS
            return Outcome(decoded.payload, confidence, z, attempts)
    return Outcome(None, 0.0, best_z, attempts)
