"""Geometric synchronisation: find the tile lattice, then the tile's offset and pose.

The mark repeats with a period of one tile, so the autocorrelation of the image's
noise residual has peaks on a lattice whose basis vectors are the (rotated, scaled,
sheared) tile edges. Whitening the power spectrum first makes those peaks sharp and
independent of the picture. A least-squares fit over every visible lattice peak gives
the basis to a small fraction of a pixel, which is what lets the detector fold all
tiles of a large, rotated image onto one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark._arrays import Float32, Float64, Mask

#: Shortest lattice period (px in the analysed image) the detector looks for.
MIN_PERIOD = 40.0
#: Strong autocorrelation peaks are looked for within this lag (px).
STRONG_PEAK_RADIUS = 420.0
HIGH_PASS_SIGMA = 1.0
LOCAL_SIGMA = 2.0
#: Normalised residuals are clipped here so strong edges cannot dominate.
CLIP = 3.0
#: Square-lattice candidates scoring below this (matched-filter units) are not tried.
MIN_SQUARE_SCORE = 2.0
#: Square candidates count as already tried only within this (lattice units): 0.05 %
#: of a tile per tile already smears a fold over 20 tiles.
SQUARE_SAME_TOLERANCE = 0.0005


@dataclass(frozen=True, slots=True)
class Lattice:
    """Basis vectors (x, y) in pixels of the analysed image; columns of ``basis``."""

    basis: Float64
    score: float


def noise_residual(luma: Float32) -> Float32:
    """High-passed, locally normalised luminance: the mark over picture detail."""
    residual, scale = _high_pass_and_scale(luma)
    return np.asarray(np.clip(residual * scale, -CLIP, CLIP), dtype=np.float32)


#: Median windows (px) of the residuals read after denoising filters (see median_residual).
MEDIAN_WINDOWS = (3, 5)
#: Median residuals are clipped here (grey levels): what a denoiser leaves of the mark
#: is a level or two, and a tighter clip keeps the text and edges it sharpened out.
MEDIAN_CLIP = 1.5


def median_residual(luma: Float32, window: int) -> Float32:
    """Luminance minus its ``window``-px median, clipped: the mark as an edge-keeping
    denoiser leaves it.

    Non-local means and bilateral filters keep edges and flatten low-contrast detail,
    and what they leave of the mark sits in isolated pixels and thin lines that a
    Gaussian high-pass spreads out over the denoised flats around them. A median keeps
    those flats and edges as they are, so subtracting it isolates the leftover chips
    (a text picture after non-local means, h = 3: 67 of 248 bits wrong at the true grid
    with :func:`noise_residual`, none with this one). Not normalised by the local
    level: after such a filter the flats hold no mark, and scaling them up would only
    add their rounding noise. Clipped at ``MEDIAN_CLIP``: a text picture after a
    bilateral filter (d = 9, σ = 75) had 63 bits wrong at ±3, 39 at ±1.5 (the code
    takes 42); other pictures moved by a few bits either way.
    """
    median = cv2.medianBlur(np.ascontiguousarray(luma, dtype=np.float32), window)
    clipped = np.clip(luma - median, -MEDIAN_CLIP, MEDIAN_CLIP)
    return np.asarray(clipped, dtype=np.float32)


def linear_response(luma: Float32, delta: Float32) -> Float32:
    """What adding a small ``delta`` to ``luma`` adds to :func:`noise_residual`.

    The embedder uses it to predict, before marking, how strongly each bit will be
    read back on top of the picture's own interference.
    """
    _, scale = _high_pass_and_scale(luma)
    high = delta - cv2.GaussianBlur(delta, (0, 0), HIGH_PASS_SIGMA)
    return (high * scale).astype(np.float32)


def residual_and_response(luma: Float32, delta: Float32) -> tuple[Float32, Float32]:
    """:func:`noise_residual` of ``luma`` and :func:`linear_response` to ``delta`` at once."""
    residual, scale = _high_pass_and_scale(luma)
    high = delta - cv2.GaussianBlur(delta, (0, 0), HIGH_PASS_SIGMA)
    clipped = np.clip(residual * scale, -CLIP, CLIP)
    return clipped.astype(np.float32), (high * scale).astype(np.float32)


def _high_pass_and_scale(luma: Float32) -> tuple[Float32, Float32]:
    residual = luma - cv2.GaussianBlur(luma, (0, 0), HIGH_PASS_SIGMA)
    local = cv2.GaussianBlur(residual * residual, (0, 0), LOCAL_SIGMA)
    return residual, (1.0 / np.sqrt(local + 1.0)).astype(np.float32)


#: Side of the spectral window a folded tile is whitened with (FFT bins).
WHITEN_WINDOW = 9


def whiten_tile(tile: Float32) -> Float32:
    """A folded (periodic) tile with its spectrum flattened: each bin over its neighbours.

    A picture's strong periodic or narrow-band structure (a weave, a screen, a dense
    texture that a crop has freed from the embedder's cancellation) piles up in a few
    bins of the fold; dividing every bin by the mean magnitude around it notches those
    out while the mark, spread over all bins, keeps most of its energy.
    """
    return np.asarray(np.fft.ifft2(_whitened_spectrum(tile)).real, dtype=np.float32)


def whitened_half_spectrum(tile: Float32) -> npt.NDArray[np.complex64]:
    """``rfft2(whiten_tile(tile))``, without the round trip through pixels.

    Dividing by a local mean of magnitudes keeps a real tile's spectrum Hermitian
    (the window is symmetric), so the whitened tile's real spectrum is simply the
    left half of the whitened full one.
    """
    half = _whitened_spectrum(tile)[:, : tile.shape[1] // 2 + 1]
    return np.asarray(half, dtype=np.complex64)


def widen_half_spectrum(half: npt.NDArray[np.complex64], side: int) -> npt.NDArray[np.complex64]:
    """A real ``n``×``n`` tile's half spectrum as that of a ``side``×``side`` one (side ≥ n).

    The same frequencies (bins count cycles per tile) with zeros above the small
    tile's Nyquist: the spectrum of the band-limited interpolation of the tile to
    ``side`` samples, up to a constant factor. The Nyquist row of an even ``n`` is kept
    on the positive side.
    """
    n = half.shape[0]
    wide = np.zeros((side, side // 2 + 1), dtype=np.complex64)
    positive = n // 2 + 1
    wide[:positive, : half.shape[1]] = half[:positive]
    wide[side - (n - positive) :, : half.shape[1]] = half[positive:]
    return wide


def _whitened_spectrum(tile: Float32) -> npt.NDArray[np.complex128]:
    spectrum = np.fft.fft2(tile)
    magnitude = np.abs(spectrum).astype(np.float32)
    pad = WHITEN_WINDOW // 2
    wrapped = np.pad(magnitude, pad, mode="wrap")
    local = cv2.blur(wrapped, (WHITEN_WINDOW, WHITEN_WINDOW))[pad:-pad, pad:-pad]
    return np.asarray(spectrum / (local.astype(np.float64) + 1e-9), dtype=np.complex128)


def autocorrelation(residual: Float32) -> Float32:
    """Spectrally whitened autocorrelation for lags up to half the short side.

    The result is square, with lag (0, 0) at its centre. Zero padding by half a side
    keeps those lags free of wrap-around aliases (a lag d would otherwise also show up
    at N - k·period).
    """
    h, w = residual.shape
    ph, pw = _even_dft_size(h + h // 2), _even_dft_size(w + w // 2)
    centred = residual - np.float32(residual.mean())
    padded = cv2.copyMakeBorder(centred, 0, ph - h, 0, pw - w, cv2.BORDER_CONSTANT, value=0)
    # OpenCV's packed real transforms: float32, and half the work of complex ones.
    power = _half_power(np.asarray(cv2.dft(padded), dtype=np.float32))
    background = cv2.blur(power, (9, 9), borderType=cv2.BORDER_REFLECT)
    whitened = power / (background + np.float32(1e-6 * float(power.mean()) + 1e-12))
    corr = cv2.dft(_packed_real(whitened, pw), flags=_REAL_INVERSE)
    lag = min(h, w) // 2 + 8
    rows = np.arange(-lag, lag + 1) % ph
    cols = np.arange(-lag, lag + 1) % pw
    return np.ascontiguousarray(corr[np.ix_(rows, cols)], dtype=np.float32)


_REAL_INVERSE = cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE


def _even_dft_size(length: int) -> int:
    """The smallest fast transform length from ``length`` up that is even.

    Even sides keep OpenCV's packed (CCS) spectrum layout, which the helpers below
    read and write, the same in both directions.
    """
    size = int(cv2.getOptimalDFTSize(length))
    while size % 2:
        size = int(cv2.getOptimalDFTSize(size + 1))
    return size


def _half_power(packed: Float32) -> Float32:
    """|F|² over columns 0 … W/2 (NumPy's rfft2 layout) from a packed 2-D real spectrum.

    In OpenCV's CCS layout the inner columns hold (re, im) pairs for every row, and
    the first and last column each hold the packed 1-D spectrum of spectral column 0
    and W/2.
    """
    rows, cols = packed.shape
    half = cols // 2
    power = np.empty((rows, half + 1), dtype=np.float32)
    real, imag = packed[:, 1 : cols - 1 : 2], packed[:, 2 : cols - 1 : 2]
    power[:, 1:half] = real * real + imag * imag
    power[:, 0] = _packed_column_power(packed[:, 0])
    power[:, half] = _packed_column_power(packed[:, cols - 1])
    return power


def _packed_column_power(column: Float32) -> Float32:
    """|F|² of every bin of a packed 1-D real spectrum (a real signal's is symmetric)."""
    length = column.shape[0]
    half = length // 2
    power = np.empty(length, dtype=np.float32)
    power[0] = column[0] * column[0]
    power[half] = column[length - 1] * column[length - 1]
    real, imag = column[1 : length - 1 : 2], column[2 : length - 1 : 2]
    power[1:half] = real * real + imag * imag
    power[half + 1 :] = power[1:half][::-1]
    return power


def _packed_real(half_plane: Float32, cols: int) -> Float32:
    """A real spectrum given over columns 0 … W/2, packed (CCS) for an inverse transform.

    Columns 0 and W/2 are made symmetric first, which is what an inverse real FFT of
    that half plane (NumPy's irfft2) takes of them too.
    """
    rows = half_plane.shape[0]
    half = cols // 2
    packed = np.zeros((rows, cols), dtype=np.float32)
    packed[:, 1 : cols - 1 : 2] = half_plane[:, 1:half]
    for source, target in ((0, 0), (half, cols - 1)):
        column = half_plane[:, source]
        mirrored = column[(-np.arange(rows)) % rows]
        even = 0.5 * (column + mirrored)
        packed[0, target] = even[0]
        packed[1 : rows - 1 : 2, target] = even[1 : rows // 2]
        packed[rows - 1, target] = even[rows // 2]
    return packed


def _local_peaks(corr: Float32, points: Float64, radius: int) -> tuple[Float64, Float64, Mask]:
    """Sub-pixel position and height of the largest value near each point (x, y from centre).

    Returns positions and heights of the points whose window lies inside ``corr``, and
    the mask of those points.
    """
    h, w = corr.shape
    cx, cy = w // 2, h // 2
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x0 = np.rint(points[:, 0]).astype(np.intp) + cx
    y0 = np.rint(points[:, 1]).astype(np.intp) + cy
    inside = (radius + 1 <= x0) & (x0 < w - radius - 1) & (radius + 1 <= y0) & (y0 < h - radius - 1)
    x0, y0 = x0[inside], y0[inside]
    offsets = np.arange(-radius, radius + 1)
    windows = corr[y0[:, None, None] + offsets[:, None], x0[:, None, None] + offsets]
    side = 2 * radius + 1
    iy, ix = np.divmod(windows.reshape(len(x0), side * side).argmax(axis=1), side)
    py, px = y0 - radius + iy, x0 - radius + ix
    centre = corr[py, px].astype(np.float64)
    dx = _parabola(corr[py, px - 1].astype(np.float64), centre, corr[py, px + 1].astype(np.float64))
    dy = _parabola(corr[py - 1, px].astype(np.float64), centre, corr[py + 1, px].astype(np.float64))
    return np.column_stack([px - cx + dx, py - cy + dy]), centre, inside


def _parabola(left: Float64, centre: Float64, right: Float64) -> Float64:
    """Sub-sample offset of a parabola's vertex through three samples (0 if not a peak)."""
    denom = left - 2 * centre + right
    peaked = denom < 0
    offset = 0.5 * (left - right) / np.where(peaked, denom, -1.0)
    return np.where(peaked, np.clip(offset, -0.5, 0.5), 0.0)


def _strong_peaks(corr: Float32, max_radius: float, count: int) -> list[Float64]:
    h, w = corr.shape
    if (h - 1) / 2 > max_radius + 4:  # only the central window can hold them
        trim = int((h - 1) / 2 - max_radius - 4)
        corr = corr[trim : h - trim, trim : w - trim]
        h, w = corr.shape
    cy, cx = h // 2, w // 2
    yy, xx = np.ogrid[-cy : h - cy, -cx : w - cx]
    radius2 = xx * xx + yy * yy
    band = (
        (radius2 >= MIN_PERIOD**2)
        & (radius2 <= max_radius**2)
        & ((yy > 0) | ((yy == 0) & (xx > 0)))
    )
    dilated = cv2.dilate(corr, np.ones((5, 5), np.uint8))
    candidates = np.flatnonzero((corr >= dilated) & band)
    top = candidates[np.argsort(corr.ravel()[candidates])[::-1][:count]]
    return [np.array([float(i % w - cx), float(i // w - cy)]) for i in top]


def find_lattices(corr: Float32, *, max_candidates: int = 3) -> list[Lattice]:
    """Candidate tile lattices, best first, each refined over all its visible peaks."""
    max_radius = corr.shape[0] // 2 - 6.0
    noise = float(np.std(corr)) + 1e-12
    peaks = _strong_peaks(corr, min(max_radius, STRONG_PEAK_RADIUS), 12)
    vectors: list[Float64] = []
    for i, p in enumerate(peaks):
        vectors.extend((p, p / 2, p / 3))
        for q in peaks[i + 1 :]:
            vectors.extend((p - q, p + q))
    lengths = np.hypot(*np.array(vectors).reshape(-1, 2).T)
    usable = [
        v for v, length in zip(vectors, lengths, strict=True) if MIN_PERIOD <= length <= max_radius
    ]
    positions, heights, _ = _local_peaks(corr, np.array(usable), 2)
    strong: list[Float64] = []
    for found, height in zip(positions, heights, strict=True):
        if height / noise < 4.0:
            continue
        if not any(np.hypot(*(found - v)) < 2 or np.hypot(*(found + v)) < 2 for v in strong):
            strong.append(found)
    strong.sort(key=lambda v: float(np.hypot(*v)))
    strong = strong[:10]
    nearby = np.asarray(cv2.dilate(corr, np.ones((3, 3), np.uint8)), dtype=np.float32)
    _, peak_heights, _ = _local_peaks(corr, np.array(peaks), 1)
    hit_level = max(4.0, 0.3 * float(np.median(peak_heights / noise))) if peaks else 4.0
    scored: list[tuple[tuple[float, float], Float64]] = []
    for i, v1 in enumerate(strong):
        for v2 in strong[i + 1 :]:
            cross = abs(v1[0] * v2[1] - v1[1] * v2[0])
            if cross < 0.5 * np.hypot(*v1) * np.hypot(*v2):
                continue
            basis = reduce_basis(np.column_stack([v1, v2]))
            hits = _hit_fraction(nearby, basis, noise, max_radius, hit_level)
            # Every point of the true lattice is a peak; of the lattices that pass,
            # the finest one is the tile (coarser ones are its sub-lattices).
            rank = (0.0 if hits >= 0.75 else 1.0, cross if hits >= 0.75 else -hits)
            scored.append((rank, basis))
    scored.sort(key=lambda item: item[0])
    lattices: list[Lattice] = []
    seen: list[Lattice] = []
    for _, basis in scored:
        lattice = _refine(corr, basis, noise)
        if lattice is None or any(_same(lattice, known) for known in lattices + seen):
            continue
        seen.append(lattice)
        if len(seen) > 3 * max_candidates:
            break
        finer = _finest(corr, lattice.basis, noise, max_radius)
        if finer is not lattice.basis:
            lattice = _refine(corr, finer, noise) or lattice
        if not any(_same(lattice, known) for known in lattices):
            lattices.append(lattice)
        if len(lattices) == max_candidates:
            break
    return lattices


def square_lattices(
    corr: Float32, known: list[Lattice], *, max_candidates: int = 6
) -> list[Lattice]:
    """Extra candidates for a rotated or rescaled copy: square lattices ``[v, rot90(v)]``.

    Rotation and uniform scaling keep the tile square, so one visible tile edge gives
    the whole lattice. This catches images where texture peaks fool the general
    search into pairing a true edge with a false one. Each candidate is scored as a
    matched filter (sum of peak heights over √points, within a fixed radius), which
    ranks the true lattice above both its sub-lattices and its refinements.
    """
    max_radius = corr.shape[0] // 2 - 6.0
    radius = min(max_radius, STRONG_PEAK_RADIUS)
    noise, nearby, level = _peak_map(corr)
    vectors: list[Float64] = []
    for peak in _strong_peaks(corr, radius, 16):
        for k in (1, 2, 3):
            if np.hypot(*peak) / k >= MIN_PERIOD:
                vectors.append(peak / k)
    scored: list[tuple[float, Float64]] = []
    for v in vectors:
        basis = reduce_basis(np.column_stack([v, np.array([-v[1], v[0]])]))
        scored.append((_matched_score(nearby, basis, noise, level, radius), basis))
    scored.sort(key=lambda item: -item[0])
    lattices: list[Lattice] = []
    for score, basis in scored:
        if score < MIN_SQUARE_SCORE or len(lattices) == max_candidates:
            break
        # Both fits: the square one resists a texture peak beside a lattice point, the
        # general one follows a slight aspect change (and leaves polishing less to do).
        for lattice in (_refine(corr, basis, noise), _refine_square(corr, basis, noise)):
            # A tight test: a known lattice 3 % off (one texture-made edge), or even 0.1 %
            # off on a large image, is no substitute.
            if lattice is None or len(lattices) == max_candidates:
                continue
            if not any(_same(lattice, other, SQUARE_SAME_TOLERANCE) for other in known + lattices):
                lattices.append(lattice)
    return lattices


def _peak_map(corr: Float32) -> tuple[float, Float32, float]:
    """The matched filters' inputs: noise level, 3×3 running maximum, and its median.

    Heights are measured from the running maximum's median, which sits below its mean:
    a sum over n lattice points then grows like √n, a prior towards the finer of two
    harmonically related lattices (the tile over its sub-lattices) that the thresholds
    were set with. The median of every 16th sample is as good as the full one, and 16
    times cheaper.
    """
    noise = float(np.std(corr)) + 1e-12
    nearby = np.asarray(cv2.dilate(corr, np.ones((3, 3), np.uint8)), dtype=np.float32)
    return noise, nearby, float(np.median(nearby[::4, ::4]))


#: Periods the axis-aligned comb tries, as a step in px of the analysed image.
COMB_STEP = 0.25


@dataclass(frozen=True, slots=True)
class Comb:
    """The square comb over every period: the matched-filter inputs and scores.

    Computed once per autocorrelation (:func:`square_comb`) and shared by the axis and
    rectangular combs.
    """

    noise: float
    nearby: Float32
    level: float
    radius: float
    periods: Float64
    scores: Float64

    def peaks(self) -> npt.NDArray[np.intp]:
        """Indices of the scores' local maxima (over ±1 px of period), best first."""
        reach = 4
        padded = np.pad(self.scores, reach, constant_values=-np.inf)
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
        peaks = np.flatnonzero(self.scores >= windows.max(axis=1))
        return peaks[np.argsort(-self.scores[peaks], kind="stable")]


def square_comb(corr: Float32) -> Comb:
    """Score the square, axis-aligned lattice ``p·I`` for every period ``p`` from
    ``MIN_PERIOD`` in steps of ``COMB_STEP`` (no periods: the picture is too small)."""
    radius = min(corr.shape[0] // 2 - 6.0, STRONG_PEAK_RADIUS)
    noise, nearby, level = _peak_map(corr)
    periods = np.arange(MIN_PERIOD, radius / np.sqrt(2.0), COMB_STEP)
    if periods.size == 0:
        scores = np.zeros(0)
    else:
        scores = _comb_scores(nearby, periods, radius, (level, noise))
    return Comb(noise, nearby, level, radius, periods, scores)


def axis_lattices(
    corr: Float32, known: list[Lattice], *, max_candidates: int = 1, comb: Comb | None = None
) -> list[Lattice]:
    """Last candidates for a copy that was only rescaled: square, axis-aligned lattices.

    Resizing (a crop blown back up, a copy kept smaller) is the most common geometric
    edit and keeps the tile axis-aligned, so one number, the period, is left to find.
    Every period from ``MIN_PERIOD`` up is scored as a matched filter over all its
    lattice points at once, which finds the tile even where no single peak stands out
    of a busy picture's autocorrelation (each one does not, their sum does). The best
    local maximum is refined to a fiftieth of a pixel, then by the square fit (scale
    and a small angle) where its peaks are strong enough for that. ``comb``: the
    :func:`square_comb` of ``corr``, if already made.
    """
    comb = comb or square_comb(corr)
    if comb.periods.size == 0:
        return []  # too small a picture for two tiles a side
    peaks = [i for i in comb.peaks() if comb.scores[i] >= MIN_SQUARE_SCORE]
    smooth = np.asarray(cv2.GaussianBlur(corr, (0, 0), 1.0), dtype=np.float32)
    lattices: list[Lattice] = []
    for i in peaks[: 2 * max_candidates]:
        period = _comb_refine(smooth, float(comb.periods[i]), comb.radius)
        # A small turn as well: the square fit, where the peaks are strong enough for it.
        square = _refine_square(corr, period * np.eye(2), comb.noise)
        lattice = square or Lattice(basis=period * np.eye(2), score=float(comb.scores[i]))
        if any(_same(lattice, other, SQUARE_SAME_TOLERANCE) for other in known + lattices):
            continue
        lattices.append(lattice)
        if len(lattices) == max_candidates:
            break
    return lattices


#: Ratios (y period over x period) the rectangular comb tries: a stretched or squeezed
#: re-post (aspect 0.75-1.33) with a margin. Step of the other period (px).
ASPECT_RANGE = (0.7, 1.45)
RECTANGLE_STEP = 0.5
#: Square-comb periods (its best local maxima) the rectangular comb starts from.
RECTANGLE_SEEDS = 3
#: Ratios closer to 1 than this are the square combs' ground.
MIN_ASPECT_CHANGE = 0.02
#: The least-squares fit replaces the comb's rectangle only within this (lattice units).
RECTANGLE_FIT_TOLERANCE = 0.02


def rectangular_lattices(
    corr: Float32, known: list[Lattice], *, max_candidates: int = 1, comb: Comb | None = None
) -> list[Lattice]:
    """Candidates for a stretched or squeezed copy: upright lattices ``diag(px, py)``.

    A change of aspect (a picture resized to other proportions) keeps the tile upright
    but makes it a rectangle, which none of the square searches can fold, and on a
    busy picture the general search pairs one true edge with a texture peak. Scoring
    every pair of periods costs too much (a 1,024 px picture: 0.7 s), so each search
    starts from one period that other evidence picks: the square comb's best periods
    (its lattice points on one axis are right) and the best periods of each axis on
    its own (the lattice points on that axis only). The other period is then scored
    over ``ASPECT_RANGE`` as a matched filter over every lattice point, and the best
    rectangle is refined by the general least-squares fit where its peaks hold the fit
    near it. ``comb``: the :func:`square_comb` of ``corr``, if already made.
    """
    comb = comb or square_comb(corr)
    if comb.periods.size == 0:
        return []  # too small a picture for two tiles a side
    square = _separate(comb.periods, comb.peaks())
    along = [_separate(comb.periods, _axis_peaks(comb, axis)) for axis in (0, 1)]
    # (the period found, which axis it is fixed on: 0 = x, 1 = y, None = either)
    seeds = [(p, None) for p in square] + [(p, axis) for axis in (0, 1) for p in along[axis]]
    pairs: list[Float64] = []
    for seed, axis in seeds:
        others = np.arange(seed * ASPECT_RANGE[0], seed * ASPECT_RANGE[1], RECTANGLE_STEP)
        others = others[(others >= MIN_PERIOD) & (np.abs(others / seed - 1) >= MIN_ASPECT_CHANGE)]
        fixed = np.full_like(others, seed)
        if axis in (None, 0):
            pairs.append(np.column_stack([fixed, others]))
        if axis in (None, 1):
            pairs.append(np.column_stack([others, fixed]))
    pairs = [pair for pair in pairs if pair.size]
    if not pairs:
        return []
    candidates = np.concatenate(pairs)
    # Scored a seed at a time: each needs only the lattice steps its own periods reach.
    level_noise = (comb.level, comb.noise)
    scores = np.concatenate(
        [_rectangle_scores(comb.nearby, pair, comb.radius, level_noise) for pair in pairs]
    )
    lattices: list[Lattice] = []
    for i in np.argsort(-scores):
        if scores[i] < MIN_SQUARE_SCORE or len(lattices) == max_candidates:
            break
        lattice = Lattice(basis=np.diag(candidates[i]), score=float(scores[i]))
        # The fit, where the peaks hold it near the comb's rectangle (weak ones do not).
        fitted = _refine(corr, lattice.basis, comb.noise)
        if fitted is not None and _same(fitted, lattice, RECTANGLE_FIT_TOLERANCE):
            lattice = fitted
        if any(_same(lattice, other, SQUARE_SAME_TOLERANCE) for other in known + lattices):
            continue
        lattices.append(lattice)
    return lattices


def _separate(periods: Float64, ranked: npt.NDArray[np.intp]) -> list[float]:
    """The first ``RECTANGLE_SEEDS`` of ``periods[ranked]`` at least 2 % from each other."""
    chosen: list[float] = []
    for period in periods[ranked]:
        if all(abs(period / other - 1) >= MIN_ASPECT_CHANGE for other in chosen):
            chosen.append(float(period))
            if len(chosen) == RECTANGLE_SEEDS:
                break
    return chosen


def _axis_peaks(comb: Comb, axis: int) -> npt.NDArray[np.intp]:
    """Periods ranked by the matched filter over their points on one axis only."""
    multiples = np.arange(1, int(comb.radius / comb.periods[0]) + 1)
    offsets = comb.periods[:, None] * multiples[None, :]
    inside = offsets <= comb.radius
    centre = comb.nearby.shape[0] // 2
    index = np.where(inside, np.rint(offsets).astype(np.int64) + centre, centre)
    row = comb.nearby[centre, :] if axis == 0 else comb.nearby[:, centre]
    heights = np.where(inside, (row[index] - comb.level) / comb.noise, 0.0)
    counts = inside.sum(axis=1)
    scores = np.where(counts >= 2, heights.sum(axis=1) / np.sqrt(np.maximum(counts, 1)), 0.0)
    axis_comb = Comb(comb.noise, comb.nearby, comb.level, comb.radius, comb.periods, scores)
    return axis_comb.peaks()


def _rectangle_scores(
    nearby: Float32, periods: Float64, radius: float, level_noise: tuple[float, float]
) -> Float64:
    """Matched-filter score of the upright lattice ``diag(px, py)`` for each row (px, py)."""
    level, noise = level_noise
    steps = _half_plane_steps(int(radius / float(periods.min())) + 1)
    points = periods[:, None, :] * steps[None, :, :]  # [candidate, step, xy]
    inside = np.hypot(points[..., 0], points[..., 1]) <= radius
    centre = nearby.shape[0] // 2
    index = np.where(inside[..., None], np.rint(points).astype(np.int64) + centre, centre)
    heights = (nearby[index[..., 1], index[..., 0]] - level) / noise
    counts = inside.sum(axis=1)
    totals = np.where(inside, heights, 0.0).sum(axis=1)
    return np.asarray(
        np.where(counts >= 4, totals / np.sqrt(np.maximum(counts, 1)), 0.0), dtype=np.float64
    )


@functools.cache
def _half_plane_steps(reach: int) -> Float64:
    """Lattice steps (a, b) up to ``reach``, one of each ± pair (b > 0, or b = 0 < a).

    Made once per ``reach`` (the lattice search asks for the same few hundreds of
    times per picture) and read-only, as it is shared.
    """
    a, b = np.meshgrid(np.arange(-reach, reach + 1), np.arange(0, reach + 1))
    steps = np.column_stack([a.ravel(), b.ravel()]).astype(np.float64)
    kept = steps[(steps[:, 1] > 0) | (steps[:, 0] > 0)]
    kept.flags.writeable = False
    return kept


def _lattice_points(
    basis: Float64, radius: float, reach: int | None = None
) -> tuple[Float64, Float64]:
    """Half-plane steps of ``basis`` and their points (x, y) within ``radius``.

    ``reach`` (steps along each axis) defaults to what the shorter edge needs to
    cover the radius.
    """
    if reach is None:
        reach = int(radius / min(np.hypot(*basis[:, 0]), np.hypot(*basis[:, 1]))) + 1
    steps = _half_plane_steps(reach)
    points = steps @ basis.T
    within = np.hypot(points[:, 0], points[:, 1]) <= radius
    return steps[within], points[within]


def _comb_refine(smooth: Float32, period: float, radius: float) -> float:
    """The comb's period to a fiftieth of a pixel.

    Maximises the smoothed autocorrelation summed over the lattice points, sampled
    between pixels, within ±0.6 px of the coarse period.
    """
    steps = _half_plane_steps(int(radius / period) + 1).astype(np.float32)
    trials = period + np.arange(-0.6, 0.61, 0.02, dtype=np.float32)
    points = trials[:, None, None] * steps[None, :, :]
    inside = np.hypot(points[..., 0], points[..., 1]) <= radius
    centre = np.float32(smooth.shape[0] // 2)
    map_x = (points[..., 0] + centre).astype(np.float32)
    map_y = (points[..., 1] + centre).astype(np.float32)
    values = cv2.remap(smooth, map_x, map_y, cv2.INTER_LINEAR)
    sums = np.where(inside, values, 0.0).sum(axis=1)
    return float(trials[int(np.argmax(sums))])


def _comb_scores(
    nearby: Float32, periods: Float64, radius: float, level_noise: tuple[float, float]
) -> Float64:
    """Matched-filter score of the square lattice ``p·I`` for every period ``p``."""
    level, noise = level_noise
    steps = _half_plane_steps(int(radius / periods[0]) + 1)
    points = periods[:, None, None] * steps[None, :, :]  # [period, step, xy]
    inside = np.hypot(points[..., 0], points[..., 1]) <= radius
    centre = nearby.shape[0] // 2
    index = np.rint(points).astype(np.int64) + centre
    index = np.where(inside[..., None], index, centre)
    heights = (nearby[index[..., 1], index[..., 0]] - level) / noise
    counts = inside.sum(axis=1)
    totals = np.where(inside, heights, 0.0).sum(axis=1)
    return np.where(counts >= 4, totals / np.sqrt(np.maximum(counts, 1)), 0.0)


def _refine_square(corr: Float32, basis: Float64, noise: float) -> Lattice | None:
    """Least-squares fit of a square lattice (scale and angle only) to its visible peaks.

    Two parameters fitted over every peak resist a single texture peak next to a lattice
    point far better than the general four-parameter fit, which it would pull off.
    """
    limit = corr.shape[0] // 2 - 6.0
    edge = complex(basis[0, 0], basis[1, 0])
    for _ in range(2):
        steps, predicted = _lattice_points(_square(edge), limit)
        points, heights, inside = _local_peaks(corr, predicted, 1)
        weight = np.maximum(heights / noise - 2.0, 0.0)
        index = steps[inside, 0] + 1j * steps[inside, 1]
        numerator = complex(np.sum(weight * (points[:, 0] + 1j * points[:, 1]) * index.conjugate()))
        denominator = float(np.sum(weight * np.abs(index) ** 2))
        if denominator <= 0:
            return None
        edge = numerator / denominator
        if abs(edge) < MIN_PERIOD:
            return None
    return Lattice(basis=reduce_basis(_square(edge)), score=0.0)


def _square(edge: complex) -> Float64:
    """The square lattice basis ``[edge, edge turned 90°]`` of an edge given as x + iy."""
    return np.array([[edge.real, -edge.imag], [edge.imag, edge.real]])


def _matched_score(
    nearby: Float32, basis: Float64, noise: float, level: float, radius: float
) -> float:
    _, points = _lattice_points(basis, radius)
    if len(points) < 4:
        return 0.0
    centre = nearby.shape[0] // 2
    index = np.rint(points).astype(int) + centre
    heights = (nearby[index[:, 1], index[:, 0]] - level) / noise
    return float(heights.sum() / np.sqrt(len(heights)))


def _finest(corr: Float32, basis: Float64, noise: float, max_radius: float) -> Float64:
    """Refine ``basis`` to a finer lattice while the added points are real peaks.

    Higher harmonics of the tile can outshine its fundamental (on large, downsampled
    or blurred images), so the lattice found first may be a sub-lattice of the tile's.
    Index-2 and index-3 refinements are accepted when the points they add stand out.
    """
    for _ in range(2):
        own = _mean_height(corr, basis, basis, noise, max_radius)
        best: tuple[float, Float64] | None = None
        b1, b2 = basis[:, 0], basis[:, 1]
        for k in (2, 3):
            for finer in (
                np.column_stack([b1 / k, b2]),
                np.column_stack([b1, b2 / k]),
                np.column_stack([(b1 + b2) / k, b2]),
                np.column_stack([(b1 - b2) / k, b2]),
            ):
                if min(np.hypot(*finer[:, 0]), np.hypot(*finer[:, 1])) < MIN_PERIOD:
                    continue
                added = _mean_height(corr, finer, basis, noise, max_radius)
                if added >= max(2.5, 0.35 * own) and (best is None or added > best[0]):
                    best = (added, finer)
        if best is None:
            return basis
        basis = reduce_basis(best[1])
    return basis


def _mean_height(
    corr: Float32, lattice: Float64, exclude: Float64, noise: float, max_radius: float
) -> float:
    """Mean peak height (in noise units) at points of ``lattice`` not on ``exclude``."""
    _, points = _lattice_points(lattice, max_radius, reach=3)
    if lattice is not exclude:
        coords = points @ np.linalg.inv(exclude).T
        points = points[~np.all(np.abs(coords - np.round(coords)) < 0.1, axis=1)]
    _, heights, _ = _local_peaks(corr, points, 1)
    return float(np.mean(heights / noise)) if len(heights) >= 3 else 0.0


def _hit_fraction(
    nearby: Float32, basis: Float64, noise: float, max_radius: float, level: float
) -> float:
    """Share of the lattice's nearest points (up to ±2 steps) that are real peaks.

    ``nearby`` is the autocorrelation's 3×3 running maximum, so each test is a lookup.
    """
    _, points = _lattice_points(basis, max_radius, reach=2)
    if len(points) < 3:
        return 0.0
    centre = nearby.shape[0] // 2
    index = np.rint(points).astype(int) + centre
    heights = nearby[index[:, 1], index[:, 0]] / noise
    return float(np.mean(heights >= level))


def reduce_basis(basis: Float64) -> Float64:
    """Lagrange-Gauss reduction: the shortest, most orthogonal basis of the same lattice.

    Folding needs the tile's own edges; any other basis of the lattice would shear it.
    """
    u, v = basis[:, 0].copy(), basis[:, 1].copy()
    for _ in range(32):
        if u @ u > v @ v:
            u, v = v, u
        if u @ u < 1e-12:
            break  # degenerate input: nothing to reduce
        step = round(float(u @ v) / float(u @ u))
        if step == 0:
            break
        v = v - step * u
    return np.column_stack([u, v])


def _same(a: Lattice, b: Lattice, tolerance: float = 0.05) -> bool:
    # Same lattice if each basis is an integer combination of the other's (unimodular).
    transform = np.linalg.solve(a.basis, b.basis)
    return (
        bool(np.allclose(transform, np.round(transform), atol=tolerance))
        and abs(abs(np.linalg.det(np.round(transform))) - 1) < 0.5
    )


def _degenerate(basis: Float64) -> bool:
    """A fit over few, texture-made peaks can collapse a basis vector or make them parallel."""
    shortest = min(np.hypot(*basis[:, 0]), np.hypot(*basis[:, 1]))
    area = abs(float(np.linalg.det(basis)))
    return bool(shortest < MIN_PERIOD / 2 or area < 0.25 * MIN_PERIOD**2)


def _refine(corr: Float32, basis: Float64, noise: float) -> Lattice | None:
    limit = corr.shape[0] // 2 - 6.0
    for _ in range(2):
        if _degenerate(basis):
            return None
        steps, predicted = _lattice_points(basis, limit)
        points, peak_heights, inside = _local_peaks(corr, predicted, 2)
        rows = steps[inside]
        heights = peak_heights / noise
        if len(rows) < 2:
            return None
        weights = np.clip(heights - 2.0, 0.0, None)
        if np.count_nonzero(weights) < 2:
            return None
        design = rows * np.sqrt(weights)[:, None]
        target = points * np.sqrt(weights)[:, None]
        solution, *_ = np.linalg.lstsq(design, target, rcond=None)
        basis = np.asarray(solution.T, dtype=np.float64)
    if _degenerate(basis):
        return None
    on_lattice = float(np.mean(heights))
    _, half, _ = _local_peaks(corr, np.array([[0.5, 0.0], [0.0, 0.5], [0.5, 0.5]]) @ basis.T, 1)
    off_lattice = float(np.max(half / noise)) if half.size else 0.0
    return Lattice(basis=reduce_basis(basis), score=on_lattice - off_lattice)
