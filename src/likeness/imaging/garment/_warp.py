"""Warping a garment onto a body with a thin-plate spline (scikit-image).

The spline maps canvas points to packshot points (the inverse map a resampler needs),
fitted on matching keypoints. Evaluating it at every canvas pixel costs one kernel per
control point per pixel; the map is smooth, so it is evaluated on a coarse grid over the
garment's reach and enlarged with bilinear interpolation, then ``cv2.remap`` samples the
packshot once. The result is exact at the grid nodes and off by far less than a pixel
between them for the gentle bends of a garment on shoulders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage.transform import ThinPlateSplineTransform

from likeness.imaging.garment._errors import InvalidImage

Point = tuple[float, float]

#: Canvas pixels between evaluated nodes of the spline.
_GRID = 8


@dataclass(frozen=True)
class WarpedGarment:
    """The garment on the canvas: float32 pixels ``[H, W, C]`` and matte ``[H, W]``, both
    zero outside ``box`` ``(x, y, width, height)``, the canvas area the garment covers."""

    pixels: NDArray[np.float32]
    alpha: NDArray[np.float32]
    box: tuple[int, int, int, int]
    #: Largest enlargement of the packshot anywhere on the canvas (1 = native resolution).
    upscale: float


def _points(pairs: Mapping[str, tuple[Point, Point]]) -> tuple[NDArray[np.float64], ...]:
    if len(pairs) < 3:
        raise InvalidImage("a thin-plate spline needs at least three matching points")
    canvas = np.array([pair[1] for pair in pairs.values()], dtype=np.float64)
    source = np.array([pair[0] for pair in pairs.values()], dtype=np.float64)
    if not (np.isfinite(canvas).all() and np.isfinite(source).all()):
        raise InvalidImage("keypoints must be finite")
    return source, canvas


def warp_garment(
    pixels: NDArray[np.float32],
    alpha: NDArray[np.float32],
    pairs: Mapping[str, tuple[Point, Point]],
    size: tuple[int, int],
) -> WarpedGarment:
    """Warp ``pixels``/``alpha`` (packshot grid) onto a ``size`` = (width, height) canvas.

    ``pairs`` maps a name to ``(packshot point, canvas point)``, each (x, y). Canvas pixels
    whose spline image falls outside the packshot get alpha 0.
    """
    if pixels.shape[:2] != alpha.shape or pixels.dtype != np.float32:
        raise InvalidImage("garment pixels must be float32 [H, W, C] matching the matte")
    source, canvas = _points(pairs)
    width, height = size
    spline = ThinPlateSplineTransform.from_estimate(canvas, source)
    if not spline:
        raise InvalidImage("the garment keypoints do not define a warp (collinear points?)")
    # Where the garment can land: the forward image of its bounding box, from the
    # similarity that best matches the points (the spline bends it only a little).
    rows = np.flatnonzero((alpha > 0).any(axis=1))
    cols = np.flatnonzero((alpha > 0).any(axis=0))
    if rows.size == 0:
        raise InvalidImage("the garment matte is empty")
    corners = np.array(
        [[cols[0], rows[0]], [cols[-1], rows[0]], [cols[0], rows[-1]], [cols[-1], rows[-1]]],
        dtype=np.float64,
    )
    forward, _ = cv2.estimateAffinePartial2D(source, canvas)
    if forward is None:
        raise InvalidImage("the garment keypoints do not define a warp")
    landed = corners @ forward[:, :2].T + forward[:, 2]
    margin = 0.15 * float(np.ptp(landed[:, 1]) + np.ptp(landed[:, 0]))
    x0 = int(max(0, np.floor(landed[:, 0].min() - margin)))
    y0 = int(max(0, np.floor(landed[:, 1].min() - margin)))
    x1 = int(min(width, np.ceil(landed[:, 0].max() + margin)))
    y1 = int(min(height, np.ceil(landed[:, 1].max() + margin)))
    out_pixels = np.zeros((height, width, pixels.shape[2]), np.float32)
    out_alpha = np.zeros((height, width), np.float32)
    if x1 <= x0 or y1 <= y0:
        return WarpedGarment(out_pixels, out_alpha, (0, 0, 0, 0), 1.0)
    gx = np.arange(x0, x1 + _GRID, _GRID, dtype=np.float64)
    gy = np.arange(y0, y1 + _GRID, _GRID, dtype=np.float64)
    nodes = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    mapped = spline(nodes).reshape(gy.size, gx.size, 2).astype(np.float32)
    box_w, box_h = x1 - x0, y1 - y0
    # Node k sits on canvas pixel x0 + k * _GRID: resize with the same spacing.
    full_w = (gx.size - 1) * _GRID + 1
    full_h = (gy.size - 1) * _GRID + 1
    dense = _corner_aligned(mapped, full_w, full_h)
    map_x = np.ascontiguousarray(dense[:box_h, :box_w, 0])
    map_y = np.ascontiguousarray(dense[:box_h, :box_w, 1])
    # Resample premultiplied, so the backdrop under the matte's edge never bleeds in.
    stack = np.dstack([pixels * alpha[..., None], alpha[..., None]]).astype(np.float32)
    sampled = cv2.remap(
        stack, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    covered = np.clip(sampled[..., -1], 0.0, 1.0)
    out_alpha[y0:y1, x0:x1] = covered
    out_pixels[y0:y1, x0:x1] = sampled[..., :-1] / np.maximum(covered, 1e-4)[..., None]
    inside = covered > 0.5
    return WarpedGarment(
        out_pixels, out_alpha, (x0, y0, box_w, box_h), _upscale(map_x, map_y, inside)
    )


def _corner_aligned(nodes: NDArray[np.float32], width: int, height: int) -> NDArray[np.float32]:
    """Bilinear enlargement where node (i, j) lands exactly on pixel (i·g, j·g)."""
    rows, cols = nodes.shape[:2]
    ys = np.linspace(0, rows - 1, height, dtype=np.float32)
    xs = np.linspace(0, cols - 1, width, dtype=np.float32)
    map_x, map_y = np.meshgrid(xs, ys)
    out: NDArray[np.float32] = cv2.remap(  # type: ignore[assignment]
        nodes, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return out


def _upscale(
    map_x: NDArray[np.float32], map_y: NDArray[np.float32], inside: NDArray[np.bool_]
) -> float:
    """How many canvas pixels one packshot pixel spans where the garment shows: the 95th
    percentile over the spline's grid of the inverse map's smallest stretch (a few nodes
    where the spline pinches the collar would otherwise speak for the whole garment)."""
    step = _GRID
    mx, my, keep = map_x[::step, ::step], map_y[::step, ::step], inside[::step, ::step]
    if min(mx.shape) < 2:
        return 1.0
    along_x = np.hypot(np.diff(mx, axis=1), np.diff(my, axis=1))[:-1, :] / step
    along_y = np.hypot(np.diff(mx, axis=0), np.diff(my, axis=0))[:, :-1] / step
    shown = keep[:-1, :-1]
    if not shown.any():
        return 1.0
    stretch = np.minimum(along_x, along_y)[shown]
    return float(np.percentile(1.0 / np.maximum(stretch, 1e-6), 95))
