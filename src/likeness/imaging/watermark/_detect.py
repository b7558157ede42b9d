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


def _untouched_bases(info: _image.ImageInfo, factor: int) -> list[Float64]:
    """Tile grids the embedder would have used at this size, for unmoved pixels."""
    chips = {2, _embed_chip_size(info.height, info.width)}
    return [_fold.identity_basis(_pattern.TILE_CHIPS * chip / factor) for chip in sorted(chips)]


def _embed_chip_size(height: int, width: int) -> int:
    # Mirrors _embed.chip_size_for with the default configuration.
    return max(2, round(min(height, width) / 640))


def _lattice_bases(residual: Float32) -> list[Float64]:
    corr = _sync.autocorrelation(residual)
    return [lattice.basis for lattice in _sync.find_lattices(corr)]


class _Decoder:
    """Tries alignments until one decodes; counts what it tried."""

    def __init__(self, layout: _pattern.Layout) -> None:
        self.layout = layout
        self.template_fft = np.fft.rfft2(_sync_template(layout))
        self.attempts = 0
        self.best_z = 0.0

    def decode(self, aligned: Float32) -> _coding.Decoded | None:
        self.attempts += 1
        soft = _pattern.soft_bits(self.layout, _fold.chips(aligned))
        return _coding.decode(soft, flips=_pattern.flips(self.layout))

    def try_basis(self, residual: Float32, basis: Float64, *, in_place: bool) -> Outcome | None:
        folded = _fold.fold(residual, basis)
        if in_place:
            # Pixels not moved (compression, colour, blur, noise): the tile origin is
            # known, so decode straight away; this works even where the sync is weak.
            decoded = self.decode(folded)
            if decoded is not None:
                return self._outcome(decoded, 0.0)
        aligned, z = _locate(folded, self.template_fft)
        self.best_z = max(self.best_z, z)
        if z < MIN_SYNC_Z:
            return None
        decoded = self.decode(aligned)
        return None if decoded is None else self._outcome(decoded, z)

    def _outcome(self, decoded: _coding.Decoded, z: float) -> Outcome:
        confidence = 1.0 - decoded.errors / _coding.CODED_BITS
        return Outcome(decoded.payload, confidence, z, self.attempts)


def detect_array(image: npt.NDArray[np.generic], key: bytes) -> Outcome:
    info = _image.inspect(image)
    decoder = _Decoder(_pattern.layout_for(key))
    plane, factor = _image.analysis_plane(image, info)
    residual = _sync.noise_residual(plane)
    for basis in _untouched_bases(info, factor):
        found = decoder.try_basis(residual, basis, in_place=True)
        if found is not None:
            return found
    for basis in _lattice_bases(residual):
        found = decoder.try_basis(residual, basis, in_place=False)
        if found is not None:
            return found
    return Outcome(None, 0.0, decoder.best_z, decoder.attempts)
