"""Detection: find the lattice, fold every tile onto one, locate the sync, decode."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark import (
    _coding,
    _fold,
    _image,
    _pattern,
    _perspective,
    _sync,
    _where,
)
from likeness.imaging.watermark._arrays import Float32, Float64

_Cell = TypeVar("_Cell", bound=np.generic)

OVERSAMPLE = _fold.OVERSAMPLE
FOLD = _fold.FOLD
#: A sync peak below this z-score is not worth decoding (decoding is the real gate).
MIN_SYNC_Z = 4.0
#: Only alignments whose sync already stands out are polished (an unmarked image's best
#: sync z is typically 4.4-5.5, a marked one's 6-25); at most this many, each decoded
#: once more.
POLISH_MIN_Z = 5.0
POLISH_CANDIDATES = 2
#: Ordered-statistics decoding is tried on located alignments from this sync z-score.
OSD_MIN_Z = 5.0
#: Relative scale and rotation (radians) steps of the polishing search.
POLISH_STEPS = (0.004, 0.0015)
#: The lattice is searched at this many times the analysis resolution (see _lattice_bases).
SEARCH_REFINEMENT = 2
#: When nothing decoded, the unmoved grids (at most 2, 2 decodes each) and this many
#: lattice candidates, those whose plain sync stood out most (1 decode each), are read
#: once more with their fold whitened: 17 + 7 = 24 attempts so far (and the scale
#: sweep's 2 on small pictures, 26 in all).
WHITENED_LATTICES = 3
#: A whitened read is decoded only where its sync already stands out: on an unmoved
#: grid, at the known origin (an unmarked picture: about N(0, 1) there); elsewhere, at
#: its best alignment, as much as polishing asks. Unmarked pictures rarely pass, which
#: keeps the last reads from costing them decodes.
WHITENED_ORIGIN_Z = 3.0
WHITENED_MIN_Z = POLISH_MIN_Z
#: A picture whose frame shows a keystone is read once more after undoing it (see
#: _Decoder.rectified): up to 2 upright-comb, 3 general and 6 square lattice candidates
#: and 1 polished alignment (the best-synchronised: polishing is most of what an
#: unmarked picture's rectified search costs): 12 attempts more (``MAX_ATTEMPTS``).
RECTIFIED_POLISHED = 1
RECTIFIED_ATTEMPTS = 12
#: Pictures whose long side is at most this many px end with a scale sweep
#: (see _Decoder.sweep): they hold so few tiles that the lattice's autocorrelation
#: peaks can stay under the picture's, while a fold at the right scale still reads.
#: 800 px takes in the usual re-post sizes (720, 640, 512) and keeps the sweep's
#: cost off larger pictures, which the lattice search serves well.
SWEEP_MAX_SIDE = 800
#: Swept tile sizes, relative to the embedder's at this size, in geometric steps
#: (log). The step keeps every scale within the sync's reach on such pictures (about
#: ±0.2 % for a weak mark); the range covers copies shrunk to as little as 0.45x and
#: kept small (a halved re-post), and crops enlarged back to the original size.
SWEEP_RANGE = (0.45, 1.35)
SWEEP_STEP = 0.003
#: A swept scale is polished and decoded only from this sync z: over 80 unmarked
#: pictures and crops of 307-720 px the sweep's best was 5.2-6.5, 7 of them from 6 (a
#: marked one's: 6.5-25). The decoder is the real gate; this one saves time.
#: At most this many (separate peaks), one decode each: 24 + 2 = 26 attempts.
SWEEP_MIN_Z = 6.0
SWEEP_CANDIDATES = 2
#: Polishing steps for swept scales (the sweep's own step is 0.3 %).
SWEEP_POLISH_STEPS = (0.0015, 0.0006)
#: Tile sides the sweep folds at (fast FFT lengths): the first one at least the period.
SWEEP_SAMPLES = (64, 80, 96, 112, FOLD)
#: After everything but the sweep, the unmoved grids are read once more from each
#: median residual (``_sync.MEDIAN_WINDOWS``), for copies run through an edge-keeping
#: denoiser (non-local means, bilateral): decoded in place where the sync stands out at
#: the grid's own origin, else at the best alignment where it stands out as much as
#: polishing asks: at most 2 windows x 2 grids x 2 = 8 attempts (34 in all).
DENOISED_ORIGIN_Z = 3.0
DENOISED_MIN_Z = POLISH_MIN_Z
#: The most decoding attempts one detection makes (the false-ID bound counts them):
#: 4 unmoved + 11 lattice (3 general, 6 square, 1 axis, 1 rectangular) + 2 polished +
#: 7 whitened + 8 denoised + 2 swept, and ``RECTIFIED_ATTEMPTS`` more for a picture
#: whose frame shows a keystone.
MAX_ATTEMPTS = 34 + RECTIFIED_ATTEMPTS


@dataclass(frozen=True, slots=True)
class Alignment:
    """Where a decoded fold came from: the residual, its tile grid, pose and offset.

    Enough to lay the decoded tile back over the residual (see ``_where``).
    """

    residual: Float32
    basis: Float64
    pose: int
    shift: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Outcome:
    payload: bytes | None
    confidence: float
    sync_z: float
    attempts: int
    alignment: Alignment | None = None


def _pose_view(tile: npt.NDArray[_Cell], pose: int) -> npt.NDArray[_Cell]:
    """One of the eight dihedral views of a square tile (pose 0: the tile itself)."""
    flipped, turns = divmod(pose, 4)
    return np.ascontiguousarray(np.rot90(tile.T if flipped else tile, turns))


def _pose_source(tile: Float32, pose: int) -> Float32:
    """The tile whose view ``pose`` is ``tile`` (the inverse of :func:`_pose_view`)."""
    flipped, turns = divmod(pose, 4)
    turned = np.rot90(tile, -turns)
    return np.ascontiguousarray(turned.T if flipped else turned)


class _Templates:
    """The sync template as seen from each pose, ready to correlate a fold with.

    Correlating view ``p`` of a fold with the template equals correlating the fold
    itself with the template turned back by ``p``, read at permuted lags. So one
    forward transform of the fold serves all eight poses (and only the winning view
    is ever built).
    """

    def __init__(self, template: Float32) -> None:
        self.template = template
        self._spectra: dict[int, npt.NDArray[np.complex64]] = {}
        #: For each pose: flat lag in the fold's correlation -> flat lag in the view's.
        self.view_lag = _view_lags(template.shape[0])

    def spectrum(self, pose: int) -> npt.NDArray[np.complex64]:
        """Conjugate spectrum of the template turned back by ``pose`` (made on first use)."""
        if pose not in self._spectra:
            turned = _pose_source(self.template, pose)
            self._spectra[pose] = np.conj(np.fft.rfft2(turned)).astype(np.complex64)
        return self._spectra[pose]

    @functools.cached_property
    def all_spectra(self) -> npt.NDArray[np.complex64]:
        """The eight poses' spectra stacked, to correlate with all of them in one call."""
        return np.stack([self.spectrum(pose) for pose in range(8)])

    def best_pose(self, spectrum: npt.NDArray[np.complex64]) -> tuple[float, int]:
        """Sync z-score and pose of the best view of a fold, given its real spectrum.

        Only the score: :func:`_locate` builds the aligned view. Single precision and
        one batched inverse transform, for the scale sweep's many folds.
        """
        products = spectrum[None] * self.all_spectra
        peaks = np.fft.irfft2(products, s=self.template.shape).reshape(8, -1).max(axis=1)
        # Mean and spread straight from the spectrum (Parseval): columns 1 … n/2 - 1
        # of a real signal's half spectrum stand for two bins each.
        size = self.template.size
        power = np.abs(products) ** 2
        total = power.sum(axis=(1, 2)) + power[:, :, 1:-1].sum(axis=(1, 2))
        mean = products[:, 0, 0].real / size
        spread = np.sqrt(np.maximum(total / size**2 - mean**2, 0.0))
        z = (peaks - mean) / (spread + 1e-12)
        pose = int(np.argmax(z))
        return float(z[pose]), pose


@functools.cache
def _view_lags(side: int) -> tuple[npt.NDArray[np.intp], ...]:
    """Per pose, where a lag of the fold's correlation lands in the view's (see _Templates)."""
    flat = np.arange(side * side).reshape(side, side)
    lags = []
    for pose in range(8):
        # The view's index map x -> g(x) = R x + t (mod side); lags move by R alone.
        rows, cols = np.divmod(_pose_view(flat, pose), side)
        fold_lag = ((rows - rows[0, 0]) % side) * side + (cols - cols[0, 0]) % side
        view_lag = np.empty(side * side, dtype=np.intp)
        view_lag[fold_lag.ravel()] = np.arange(side * side)
        view_lag.flags.writeable = False
        lags.append(view_lag)
    return tuple(lags)


def _sync_template(layout: _pattern.Layout) -> Float32:
    up = np.repeat(np.repeat(layout.sync, OVERSAMPLE, axis=0), OVERSAMPLE, axis=1)
    return up.astype(np.float32)


def _locate(
    folded: Float32, templates: _Templates, poses: range = range(8)
) -> tuple[Float32, float, int]:
    """Best dihedral view of ``folded``, rolled onto the sync template, its z-score and pose."""
    aligned, peak, pose, _ = _align(folded, templates, poses)
    return aligned, peak, pose


def _align(
    folded: Float32, templates: _Templates, poses: range = range(8)
) -> tuple[Float32, float, int, tuple[int, int]]:
    """:func:`_locate`, and the (rows, columns) the view was rolled back by."""
    spectrum = np.fft.rfft2(folded)
    best: tuple[float, int, int] | None = None
    for pose in poses:
        corr = np.fft.irfft2(spectrum * templates.spectrum(pose), s=folded.shape)
        z = (corr - corr.mean()) / (corr.std() + 1e-12)
        index = int(np.argmax(z))
        peak = float(z.flat[index])
        if best is None or peak > best[0]:
            best = (peak, pose, index)
    assert best is not None
    peak, pose, index = best
    dy, dx = divmod(int(templates.view_lag[pose][index]), FOLD)
    return np.roll(_pose_view(folded, pose), (-dy, -dx), axis=(0, 1)), peak, pose, (dy, dx)


def _origin_z(folded: Float32, templates: _Templates) -> float:
    """Sync z-score of ``folded`` at the grid's own origin and pose (no search)."""
    corr = np.fft.irfft2(np.fft.rfft2(folded) * templates.spectrum(0), s=folded.shape)
    return float((corr[0, 0] - corr.mean()) / (corr.std() + 1e-12))


#: Polishing moves: ± each generator of the 2×2 linear maps (x and y scale, both shears),
#: so the search also corrects the small aspect and shear errors a fit leaves.
_MOVES = [
    sign * np.eye(2)[:, [i]] @ np.eye(2)[[j], :]
    for i in range(2)
    for j in range(2)
    for sign in (1.0, -1.0)
]


def _untouched_bases(info: _image.ImageInfo, factor: int) -> list[Float64]:
    """Tile grids the embedder would have used at this size, for unmoved pixels."""
    chips = {2, _embed_chip_size(info.height, info.width)}
    return [_fold.identity_basis(_pattern.TILE_CHIPS * chip / factor) for chip in sorted(chips)]


def _embed_chip_size(height: int, width: int) -> int:
    # Mirrors _embed.chip_size_for with the default configuration.
    return max(2, round(min(height, width) / 640))


def _lattice_bases(
    image: npt.NDArray[np.generic], info: _image.ImageInfo, factor: int, *, rectangular: bool
) -> Iterator[Float64]:
    """General lattice candidates, then (only as far as still needed) the square ones,
    the axis comb's and, if ``rectangular``, the rectangular comb's (an aspect change;
    the quick read leaves it out: it costs an unmarked picture about 5 % more).

    The lattice is searched on a finer plane than the one that is folded: the central
    part of the image at half the analysis downsampling (full resolution up to 2,200
    px). The autocorrelation's lattice peaks grow with the square of the mark-to-picture
    ratio, and box-averaging busy texture into 1.5-px chips loses much of it, while the
    fold (linear in the mark) works well on the coarser plane over the whole image.
    """
    search, scale = _image.search_plane(image, info, max(1, factor // SEARCH_REFINEMENT))
    corr = _sync.autocorrelation(_sync.noise_residual(search))
    to_analysis = scale / factor
    lattices = _sync.find_lattices(corr)
    for lattice in lattices:
        yield lattice.basis * to_analysis
    squares = _sync.square_lattices(corr, lattices)
    for lattice in squares:
        yield lattice.basis * to_analysis
    comb = _sync.square_comb(corr)
    axes = _sync.axis_lattices(corr, lattices + squares, comb=comb)
    for lattice in axes:
        yield lattice.basis * to_analysis
    if not rectangular:
        return
    for lattice in _sync.rectangular_lattices(corr, lattices + squares + axes, comb=comb):
        yield lattice.basis * to_analysis


@dataclass(frozen=True, slots=True)
class _Tried:
    """A grid that was read and did not decode: its fold and how well its sync stood out."""

    folded: Float32
    in_place: bool
    sync_z: float
    basis: Float64


class _Decoder:
    """Tries alignments until one decodes; counts what it tried."""

    def __init__(
        self,
        layout: _pattern.Layout,
        residual: Float32 | None = None,
        templates: _Templates | None = None,
    ) -> None:
        self.layout = layout
        #: The residual the reads fold (the denoised reads swap in their own), kept
        #: with a decoded alignment; None: no alignment is kept.
        self.residual = residual
        self.templates = templates or _Templates(_sync_template(layout))
        self.attempts = 0
        self.best_z = 0.0
        #: (sync z, basis, pose) of every alignment that was located, for polishing.
        self.located: list[tuple[float, Float64, int]] = []
        #: Every grid tried that did not decode, for the whitened reads.
        self.tried: list[_Tried] = []

    def decode(self, aligned: Float32, sync_z: float | None = None) -> _coding.Decoded | None:
        """Decode one alignment; ``sync_z`` is its sync score (``None``: the grid is known).

        Ordered-statistics decoding only runs where the sync stands out, which is where
        a marked copy's near misses are; it is what unmarked images cost most time in.
        """
        self.attempts += 1
        soft = _pattern.soft_bits(self.layout, _fold.chips(aligned))
        thorough = sync_z is None or sync_z >= OSD_MIN_Z
        return _coding.decode(soft, flips=_pattern.flips(self.layout), ordered_statistics=thorough)

    def try_basis(self, residual: Float32, basis: Float64, *, in_place: bool) -> Outcome | None:
        folded = _fold.fold(residual, basis)
        found = self._read(folded, basis, in_place=in_place)
        if found is None:
            self.tried.append(_Tried(folded, in_place, self.located[-1][0], basis))
        return found

    def denoised(self, luma: Float32, bases: list[Float64]) -> Outcome | None:
        """Read the unmoved grids from each median residual (edge-keeping denoisers).

        Non-local means and bilateral filters flatten the mark where the picture is
        smooth and leave it in isolated pixels and thin lines; a median residual finds
        it there (``_sync.median_residual``). In place where the sync stands out at the
        origin, else at the best alignment (a denoised copy also cropped or pasted).
        """
        for window in _sync.MEDIAN_WINDOWS:
            self.residual = _sync.median_residual(luma, window)
            for basis in bases:
                folded = _fold.fold(self.residual, basis)
                if _origin_z(folded, self.templates) >= DENOISED_ORIGIN_Z:
                    decoded = self.decode(folded)
                    if decoded is not None:
                        return self._outcome(decoded, 0.0, basis, 0, (0, 0))
                aligned, z, pose, shift = _align(folded, self.templates)
                if z >= DENOISED_MIN_Z:
                    decoded = self.decode(aligned, z)
                    if decoded is not None:
                        return self._outcome(decoded, z, basis, pose, shift)
        return None

    def whitened(self, *, lattices: int = WHITENED_LATTICES) -> Outcome | None:
        """Read the unmoved grids and the best-synchronised lattices again, whitened.

        A picture's own narrow-band structure (a weave, a dense texture whose
        interference a crop or blur has brought back) can outweigh the mark in the
        plain fold; whitening notches it out at a small cost to the mark, so this
        comes last, for pictures where the plain reads failed.
        """
        unmoved = [t for t in self.tried if t.in_place]
        moved = sorted((t for t in self.tried if not t.in_place), key=lambda t: -t.sync_z)
        for tried in unmoved + moved[:lattices]:
            whitened = _sync.whiten_tile(tried.folded)
            found = self._read(whitened, tried.basis, in_place=tried.in_place, whitened=True)
            if found is not None:
                return found
        return None

    def _read(
        self, folded: Float32, basis: Float64, *, in_place: bool, whitened: bool = False
    ) -> Outcome | None:
        """Decode one fold: in place first if the grid is unmoved, then at its sync peak.

        ``basis`` is remembered for polishing, unless the read is ``whitened``; a
        whitened read is decoded only where its sync stands out (``WHITENED_ORIGIN_Z``).
        """
        if in_place and (not whitened or _origin_z(folded, self.templates) >= WHITENED_ORIGIN_Z):
            # Pixels not moved (compression, colour, blur, noise): the tile origin is
            # known, so decode straight away; this works even where the sync is weak.
            decoded = self.decode(folded)
            if decoded is not None:
                return self._outcome(decoded, 0.0, basis, 0, (0, 0))
        aligned, z, pose, shift = _align(folded, self.templates)
        if not whitened:
            self.best_z = max(self.best_z, z)
            self.located.append((z, basis, pose))
        if z < (WHITENED_MIN_Z if whitened else MIN_SYNC_Z):
            return None
        decoded = self.decode(aligned, z)
        return None if decoded is None else self._outcome(decoded, z, basis, pose, shift)

    def polish(self, residual: Float32, *, candidates: int = POLISH_CANDIDATES) -> Outcome | None:
        """Refine the best-synchronised lattices by a local search, then decode once each.

        The autocorrelation fit can be pulled off by periodic texture by a fraction of a
        pixel per tile, which smears the fold over many tiles. Here a pattern search over
        the four entries of the linear map (relative steps 0.4 %, then 0.15 %) maximises
        the sync z-score itself (one pose, one FFT per step).
        """
        ranked = sorted(self.located, key=lambda item: -item[0])
        tried: list[Float64] = []
        for z, basis, pose in ranked:
            if z < POLISH_MIN_Z or len(tried) == candidates:
                break
            if any(np.allclose(basis, other, rtol=1e-3) for other in tried):
                continue
            tried.append(basis)
            best = self._climb(residual, basis, z, pose, POLISH_STEPS, whitened=False)
            if best is basis:
                continue  # nothing better than what was already decoded
            found = self._decode_at(residual, best, pose, whitened=False)
            if found is not None:
                return found
        return None

    def rectified(self, plane: Float32) -> Outcome | None:
        """Read a keystoned picture again once its frame's perspective is undone.

        ``plane`` is the analysed plane mapped onto an upright rectangle (see
        :mod:`_perspective`); what is left is a rescaling, so the lattice candidates and
        polishing run on it as on any moved picture. Their attempts count towards this
        detection's total (at most ``RECTIFIED_ATTEMPTS`` more).
        """
        residual = _sync.noise_residual(plane)
        corr = _sync.autocorrelation(residual)
        inner = _Decoder(self.layout, templates=self.templates)
        lattices = _sync.find_lattices(corr)
        squares = _sync.square_lattices(corr, lattices)
        combs = _perspective.upright_lattices(corr)
        found = None
        for lattice in combs + lattices + squares:
            found = inner.try_basis(residual, lattice.basis, in_place=False)
            if found is not None:
                break
        if found is None:
            found = inner.polish(residual, candidates=RECTIFIED_POLISHED)
        self.attempts += inner.attempts
        self.best_z = max(self.best_z, inner.best_z)
        if found is None:
            return None
        return Outcome(found.payload, found.confidence, found.sync_z, self.attempts)

    def sweep(self, residual: Float32, tile: float) -> Outcome | None:
        """Fold a small picture at every scale around the embedder's ``tile`` (px).

        The last resort for pictures too small for the autocorrelation to show their
        lattice (a few tiles give few peak pairs): upright square grids over
        ``SWEEP_RANGE`` in steps of ``SWEEP_STEP``, each folded, whitened and scored by
        its best sync over the eight poses. The best separate peaks that stand out
        (``SWEEP_MIN_Z``) are polished on the same whitened score and decoded once each.
        """
        for z, period, pose in _swept_peaks(residual, tile, self.templates):
            basis = _fold.identity_basis(period)
            best = self._climb(residual, basis, z, pose, SWEEP_POLISH_STEPS, whitened=True)
            found = self._decode_at(residual, best, pose, whitened=True)
            if found is not None:
                return found
        return None

    def _climb(
        self,
        residual: Float32,
        basis: Float64,
        z: float,
        pose: int,
        steps: tuple[float, ...],
        *,
        whitened: bool,
    ) -> Float64:
        """Pattern search over the linear map for the highest sync z in ``pose``.

        Returns ``basis`` itself (the same object) when no step improved on ``z``.
        """
        best_z, best_basis = z, basis
        for step in steps:
            for _ in range(3):
                moved = False
                for move in _MOVES:
                    trial = (np.eye(2) + step * move) @ best_basis
                    _, trial_z = self._aligned(residual, trial, pose, whitened=whitened)
                    if trial_z > best_z:
                        best_z, best_basis, moved = trial_z, trial, True
                if not moved:
                    break
        return best_basis

    def _aligned(
        self, residual: Float32, basis: Float64, pose: int, *, whitened: bool
    ) -> tuple[Float32, float]:
        """The fold along ``basis`` (whitened or not) aligned in ``pose``, and its sync z."""
        aligned, z, _ = self._aligned_at(residual, basis, pose, whitened=whitened)
        return aligned, z

    def _aligned_at(
        self, residual: Float32, basis: Float64, pose: int, *, whitened: bool
    ) -> tuple[Float32, float, tuple[int, int]]:
        folded = _fold.fold(residual, basis)
        if whitened:
            folded = _sync.whiten_tile(folded)
        aligned, z, _, shift = _align(folded, self.templates, range(pose, pose + 1))
        return aligned, z, shift

    def _decode_at(
        self, residual: Float32, basis: Float64, pose: int, *, whitened: bool
    ) -> Outcome | None:
        aligned, z, shift = self._aligned_at(residual, basis, pose, whitened=whitened)
        decoded = self.decode(aligned, z)
        return None if decoded is None else self._outcome(decoded, z, basis, pose, shift)

    def _outcome(
        self,
        decoded: _coding.Decoded,
        z: float,
        basis: Float64,
        pose: int,
        shift: tuple[int, int],
    ) -> Outcome:
        confidence = 1.0 - decoded.errors / _coding.CODED_BITS
        alignment = None
        if self.residual is not None:
            alignment = Alignment(self.residual, basis, pose, shift)
        return Outcome(decoded.payload, confidence, z, self.attempts, alignment)


def _swept_peaks(
    residual: Float32, tile: float, templates: _Templates
) -> list[tuple[float, float, int]]:
    """(sync z, period, pose) of the scale sweep's best separate peaks over SWEEP_MIN_Z."""
    low, high = SWEEP_RANGE
    periods = tile * np.exp(np.arange(np.log(low), np.log(high), SWEEP_STEP))

    def score(period: float) -> tuple[float, int]:
        samples = _sweep_samples(period)
        spectrum = _sync.whitened_half_spectrum(_fold.scaled_fold(residual, period, samples))
        return templates.best_pose(_sync.widen_half_spectrum(spectrum, FOLD))

    _ = templates.all_spectra  # made once, before the threads share it
    # As many threads as OpenCV may use, up to 8 (its resizes and NumPy's FFTs release
    # the GIL); the scores do not depend on the order they are computed in.
    with ThreadPoolExecutor(min(8, max(1, cv2.getNumThreads()))) as pool:
        scored = list(pool.map(score, periods))
    z = np.array([value for value, _ in scored])
    # A peak is the best within ±1 % of scale: neighbours of one peak are one candidate.
    reach = max(1, round(0.01 / SWEEP_STEP))
    padded = np.pad(z, reach, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    peaks = np.flatnonzero((z >= windows.max(axis=1)) & (z >= SWEEP_MIN_Z))
    ranked = sorted(peaks, key=lambda index: -z[index])[:SWEEP_CANDIDATES]
    return [(float(z[i]), float(periods[i]), scored[i][1]) for i in ranked]


def _sweep_samples(period: float) -> int:
    """About one sample per pixel, at most FOLD: a finer fold would only interpolate."""
    return next((n for n in SWEEP_SAMPLES if n >= period), FOLD)


def _sweep_tile(info: _image.ImageInfo, factor: int) -> float | None:
    """The embedder's tile (px of the analysed plane) if this picture gets a sweep.

    The picture's own size decides, not the analysed plane's: a 1,536 px picture is
    analysed at 768 px, but sweeping it would cost 0.5 s where the lattice search
    serves such sizes well.
    """
    if max(info.height, info.width) > SWEEP_MAX_SIDE:
        return None
    return _pattern.TILE_CHIPS * _embed_chip_size(info.height, info.width) / factor


def detect_array(image: npt.NDArray[np.generic], key: bytes, *, sweep: bool = True) -> Outcome:
    info = _image.inspect(image)
    plane, factor = _image.analysis_plane(image, info)
    residual = _sync.noise_residual(plane)
    decoder = _Decoder(_pattern.layout_for(key), residual)
    untouched = _untouched_bases(info, factor)
    for basis in untouched:
        found = decoder.try_basis(residual, basis, in_place=True)
        if found is not None:
            return found
    for basis in _lattice_bases(image, info, factor, rectangular=sweep):
        found = decoder.try_basis(residual, basis, in_place=False)
        if found is not None:
            return found
    found = decoder.polish(residual)
    if found is not None:
        return found
    straightened = _perspective.rectified(plane)
    if straightened is not None:
        found = decoder.rectified(straightened)
        if found is not None:
            return found
    found = decoder.whitened()
    if found is not None:
        return found
    found = decoder.denoised(plane, untouched)
    if found is not None:
        return found
    decoder.residual = residual
    tile = _sweep_tile(info, factor) if sweep else None
    if tile is not None:
        found = decoder.sweep(residual, tile)
        if found is not None:
            return found
    return Outcome(None, 0.0, decoder.best_z, decoder.attempts)


def where(
    outcome: Outcome, key: bytes, factor: int, size: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """Box (left, top, right, bottom; px of the picture) around the mark ``outcome`` read.

    The decoded tile is laid back over the residual it was read from, on the grid, pose
    and offset it was read at, and correlated with it block by block (``_where``);
    ``factor`` is the analysed plane's downsampling and ``size`` the picture's (h, w).
    None when nothing decoded or no region stands out.
    """
    alignment = outcome.alignment
    if outcome.payload is None or alignment is None:
        return None
    tile = _where.expected_tile(_pattern.layout_for(key), outcome.payload)
    folded = _pose_source(np.roll(tile, alignment.shift, axis=(0, 1)), alignment.pose)
    residual = alignment.residual
    z = _where.mark_map(residual, alignment.basis, folded)
    blocks = _where.marked_box(z)
    if blocks is None:
        return None
    step = _where.block_size(residual.shape) * factor
    left, top = blocks[0] * step, blocks[1] * step
    # A box reaching the last whole block takes in the partial one past it (not scored).
    right = size[1] if blocks[2] == z.shape[1] else min(size[1], blocks[2] * step)
    bottom = size[0] if blocks[3] == z.shape[0] else min(size[0], blocks[3] * step)
    return left, top, right, bottom
