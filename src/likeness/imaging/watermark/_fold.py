"""Folding: resample the residual along a lattice and sum every tile onto one."""

from __future__ import annotations

import cv2
import numpy as np

from likeness.imaging.watermark._arrays import Float32, Float64
from likeness.imaging.watermark._pattern import TILE_CHIPS

#: Samples per chip when the residual is resampled onto the tile grid.
OVERSAMPLE = 2
FOLD = TILE_CHIPS * OVERSAMPLE


def fold(residual: Float32, basis: Float64) -> Float32:
    """Sum of all tiles along ``basis`` (columns: tile edges in px), FOLD×FOLD samples.

    Each sample is divided by the square root of how many tiles covered it, which
    keeps the noise level even where the image covers only part of the grid. A tile
    shorter than FOLD / 2 px is folded at half the rate and interpolated back up: at
    FOLD samples it would be sampled over four times per pixel, which costs time (the
    warp grows with the square of the rate) and adds nothing the pixels hold.
    """
    period = float(np.hypot(*basis[:, 0]))
    if period < FOLD / 2:
        return _double(_fold_at(residual, basis, FOLD // 2))
    return _fold_at(residual, basis, FOLD)


def _fold_at(residual: Float32, basis: Float64, samples: int) -> Float32:
    """:func:`fold` with ``samples`` × ``samples`` samples per tile."""
    h, w = residual.shape
    to_image = basis / samples  # tile-sample coordinates -> image pixels
    to_tile = np.linalg.inv(to_image)
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64).T
    tile_corners = to_tile @ corners
    low = np.floor(tile_corners.min(axis=1))
    size = np.ceil(tile_corners.max(axis=1) - low).astype(int) + 1
    size = (-(-size // samples)) * samples
    matrix = np.hstack([to_image, (to_image @ low)[:, None]])
    source = _antialiased(residual, float(np.hypot(*basis[:, 0])), samples)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    out_size = (int(size[0]), int(size[1]))
    warped = cv2.warpAffine(source, matrix, out_size, flags=flags)
    ones = np.ones(residual.shape, dtype=np.uint8)
    nearest = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    valid = cv2.warpAffine(ones, matrix, out_size, flags=nearest)
    rows, cols = warped.shape
    shape = (rows // samples, samples, cols // samples, samples)
    sums = warped.reshape(shape).sum(axis=(0, 2))
    # Counted in integers straight from the byte mask: a float copy of a mask this
    # size (several times the image when the tile is upsampled) cost as much as the warp.
    counts = valid.reshape(shape).sum(axis=(0, 2), dtype=np.int32)
    scale = np.sqrt(np.maximum(counts, 1).astype(np.float32))
    return np.asarray(sums / scale, dtype=np.float32)


def tile_coordinates(
    shape: tuple[int, int], basis: Float64, step: int = 1
) -> tuple[Float32, Float32]:
    """Where every pixel of a ``shape`` residual lands in :func:`fold`'s tile (rows, cols).

    In FOLD samples, before wrapping (take them modulo FOLD): the inverse of the
    resampling :func:`fold` does, including its half-rate path, so a fold's sample
    ``(r, c)`` holds exactly the pixels whose rounded coordinates wrap to ``(r, c)``.
    With ``step`` > 1, only for every ``step``-th pixel of every ``step``-th row.
    """
    h, w = shape
    period = float(np.hypot(*basis[:, 0]))
    samples = FOLD // 2 if period < FOLD / 2 else FOLD
    to_tile = np.linalg.inv(basis / samples)
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64).T
    low = np.floor((to_tile @ corners).min(axis=1))
    to_fold = to_tile * (FOLD / samples)
    offset = low * (FOLD / samples)
    xs = np.arange(0, w, step, dtype=np.float32)[None, :]
    ys = np.arange(0, h, step, dtype=np.float32)[:, None]
    cols = np.float32(to_fold[0, 0]) * xs + (np.float32(to_fold[0, 1]) * ys - offset[0])
    rows = np.float32(to_fold[1, 0]) * xs + (np.float32(to_fold[1, 1]) * ys - offset[1])
    return np.asarray(rows, dtype=np.float32), np.asarray(cols, dtype=np.float32)


def scaled_fold(residual: Float32, period: float, samples: int = FOLD) -> Float32:
    """:func:`fold` for an upright square grid of ``period`` px, by resizing, not warping.

    For the detector's scale sweep, which folds one picture at hundreds of scales: a
    resize is separable and the tile counts follow from the resized size, so no
    coverage mask is warped. ``samples`` per tile side (``samples`` × ``samples`` out);
    the sweep takes about one per pixel, which holds all the picture has and never
    blows a small picture up fourfold. The samples sit up to half a pixel from
    :func:`fold`'s, which the sync search absorbs.
    """
    rate = samples / period
    source = _antialiased(residual, period, samples)
    resized = cv2.resize(source, None, fx=rate, fy=rate, interpolation=cv2.INTER_LINEAR)
    rows, cols = resized.shape
    padded = cv2.copyMakeBorder(
        resized, 0, -rows % samples, 0, -cols % samples, cv2.BORDER_CONSTANT, value=0
    )
    # Tiles summed a band of rows at a time, then across (two contiguous reductions).
    bands = padded.reshape(-1, samples, padded.shape[1]).sum(axis=0)
    sums = bands.reshape(samples, -1, samples).sum(axis=1)
    # Tiles covering each sample row (column): ceil((length - index) / samples).
    row_counts = -((np.arange(samples) - rows) // samples)
    col_counts = -((np.arange(samples) - cols) // samples)
    counts = np.maximum(np.outer(row_counts, col_counts), 1).astype(np.float32)
    return np.asarray(sums / np.sqrt(counts), dtype=np.float32)


def _antialiased(residual: Float32, period: float, samples: int) -> Float32:
    """``residual`` ready to be sampled ``samples`` times per ``period`` px.

    Shrinking by more than 1.5x: averaged first (Gaussian, σ = 0.4 px of the output),
    so the samples do not alias; otherwise the residual itself.
    """
    if period > 1.5 * samples:
        return np.asarray(cv2.GaussianBlur(residual, (0, 0), 0.4 * period / samples), np.float32)
    return residual


def _double(tile: Float32) -> Float32:
    """A periodic tile at twice the rate: new samples halfway, linearly interpolated."""
    right = np.roll(tile, -1, axis=1)
    below = np.roll(tile, -1, axis=0)
    diagonal = np.roll(right, -1, axis=0)
    out = np.empty((2 * tile.shape[0], 2 * tile.shape[1]), dtype=np.float32)
    out[0::2, 0::2] = tile
    out[0::2, 1::2] = 0.5 * (tile + right)
    out[1::2, 0::2] = 0.5 * (tile + below)
    out[1::2, 1::2] = 0.25 * (tile + right + below + diagonal)
    return out


def chips(aligned: Float32) -> Float32:
    """Chip values (TILE_CHIPS×TILE_CHIPS) of a folded tile aligned to the layout."""
    blocks = aligned.reshape(TILE_CHIPS, OVERSAMPLE, TILE_CHIPS, OVERSAMPLE)
    return np.asarray(blocks.sum(axis=(1, 3)), dtype=np.float32)


def identity_basis(period: float) -> Float64:
    return np.array([[period, 0.0], [0.0, period]])
