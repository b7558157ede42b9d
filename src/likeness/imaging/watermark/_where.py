"""Where the mark is: the decoded tile laid back over the residual, block by block.

Once a payload has decoded, the whole tile is known (sync and coded chips), and so is
the grid it was read on. Each pixel of the residual is mapped into the tile the way the
fold mapped it, and the residual is correlated with the tile's chip there over blocks
of the analysed picture. Marked blocks correlate; unmarked ones (the rest of a collage,
a screenshot's frame, another picture) give about N(0, 1). The box is the rectangle of
blocks that holds the most evidence for the mark (:func:`marked_box`).
"""

from __future__ import annotations

import functools

import numpy as np

from likeness.imaging.watermark import _coding, _fold, _pattern
from likeness.imaging.watermark._arrays import Float32, Float64, IntArray

#: Block side (px of the analysed plane) the correlation is summed over, at least.
BLOCK = 16
#: Larger planes get larger blocks, so that at most this many lie along a side (the
#: rectangle search grows with the fourth power of it).
MAX_BLOCKS = 40
#: The correlation is taken on every STEP-th pixel of every STEP-th row: a quarter of
#: the work, and the chips (2 px and more) are all still sampled.
STEP = 2
#: A box is reported only where its blocks' pooled z-score reaches this.
MIN_Z = 5.0


def expected_tile(layout: _pattern.Layout, payload: bytes) -> Float32:
    """The decoded tile's chip signs at the fold's rate (FOLD × FOLD), aligned."""
    chips = _pattern.chip_tile(layout, _coding.encode(payload))
    up = np.repeat(np.repeat(chips, _fold.OVERSAMPLE, axis=0), _fold.OVERSAMPLE, axis=1)
    return np.asarray(up, dtype=np.float32)


def block_size(shape: tuple[int, int]) -> int:
    """Block side (px of the analysed plane, a multiple of STEP) for a ``shape`` residual."""
    side = max(BLOCK, -(-max(shape) // MAX_BLOCKS))
    return -(-side // STEP) * STEP


def block_z(residual: Float32, expected: Float32, block: int) -> Float32:
    """Correlation of ``residual`` with ``expected`` (same shape) summed over blocks of

    ``block`` px a side, divided by the spread the sum would have if ``residual`` were
    independent of ``expected``; the last, partial blocks are dropped. Neighbouring
    pixels are correlated, so this is not yet a z-score: see :func:`calibrated`.
    """
    rows, cols = residual.shape[0] // block, residual.shape[1] // block
    cut = (slice(0, rows * block), slice(0, cols * block))
    shape = (rows, block, cols, block)
    r, e = residual[cut], expected[cut]
    product = (r * e).reshape(shape).sum(axis=(1, 3), dtype=np.float64)
    # Var(sum r e) = sum r² sum e² / n for independent, unordered samples.
    power = (r * r).reshape(shape).sum(axis=(1, 3), dtype=np.float64)
    variance = power * (e * e).reshape(shape).mean(axis=(1, 3), dtype=np.float64)
    return np.asarray(product / np.sqrt(np.maximum(variance, 1e-12)), dtype=np.float32)


def calibrated(score: Float32, null: Float32) -> Float32:
    """``score`` as a z-score, by the spread of the same statistic for a wrong tile.

    ``null`` is :func:`block_z` with a tile the picture cannot hold (the decoded one
    moved by half a tile): it sees the same residual with the same pixel correlations,
    so its spread is what ``score``'s would be where there is no mark.
    """
    spread = float(np.sqrt(np.mean(null.astype(np.float64) ** 2)))
    return np.asarray(score / max(spread, 1e-6), dtype=np.float32)


def tile_index(shape: tuple[int, int], basis: Float64, step: int = 1) -> IntArray:
    """The flat fold sample (row × FOLD + column) each pixel of a ``shape`` residual
    was summed into (every ``step``-th pixel of every ``step``-th row)."""
    rows, cols = _fold.tile_coordinates(shape, basis, step)
    r = np.floor(rows + 0.5).astype(np.intp) % _fold.FOLD
    c = np.floor(cols + 0.5).astype(np.intp) % _fold.FOLD
    return np.asarray(r * _fold.FOLD + c, dtype=np.intp)


def mark_map(residual: Float32, basis: Float64, folded: Float32) -> Float32:
    """z-score per block (:func:`block_size`) that ``residual`` holds ``folded``, laid
    on ``basis``.

    ``folded`` is the decoded tile as the fold saw it (FOLD × FOLD, posed and offset).
    """
    index = tile_index(residual.shape, basis, STEP)
    sampled = residual[::STEP, ::STEP]
    half = _fold.FOLD // 2
    block = block_size(residual.shape) // STEP
    score = block_z(sampled, folded.ravel()[index], block)
    wrong = np.roll(folded, (half, half), axis=(0, 1)).ravel()
    return calibrated(score, block_z(sampled, wrong[index], block))


def marked_box(z: Float32) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom), in blocks, of the rectangle that best holds the mark.

    The scan statistic: of all axis-aligned rectangles of blocks, the one whose blocks'
    z-scores sum highest over the square root of their count. For a mark that covers a
    region evenly, any rectangle taking in unmarked blocks or leaving out marked ones
    scores less, so this finds a region even where single blocks hardly stand out (a
    weak mark, read only by pooling the whole region). None when no rectangle scores
    above ``MIN_Z``.
    """
    rows, cols = z.shape
    if rows == 0 or cols == 0:
        return None
    tops, bottoms, lefts, rights, weights = _rectangles(rows, cols)
    # Column sums of every band of rows (top ≤ bottom), then every span of columns.
    by_row = np.vstack([np.zeros((1, cols)), np.cumsum(z, axis=0, dtype=np.float64)])
    bands = by_row[bottoms + 1] - by_row[tops]  # (bands, cols)
    spans = np.hstack([np.zeros((len(tops), 1)), np.cumsum(bands, axis=1)])
    score = spans[:, rights + 1] - spans[:, lefts]  # (bands, spans): sums
    score *= weights
    best = int(np.argmax(score))
    band, span = divmod(best, score.shape[1])
    if score.flat[best] < MIN_Z:
        return None
    return int(lefts[span]), int(tops[band]), int(rights[span]) + 1, int(bottoms[band]) + 1


@functools.cache
def _rectangles(rows: int, cols: int) -> tuple[IntArray, IntArray, IntArray, IntArray, Float64]:
    """Every band of rows and span of columns, and 1 / √(blocks) of each rectangle."""
    tops, bottoms = np.triu_indices(rows)
    lefts, rights = np.triu_indices(cols)
    weights = 1.0 / np.sqrt(np.outer(bottoms - tops + 1, rights - lefts + 1))
    for array in (tops, bottoms, lefts, rights, weights):
        array.flags.writeable = False
    return tops, bottoms, lefts, rights, weights
