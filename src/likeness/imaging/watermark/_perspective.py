"""Perspective: find the picture's frame, undo its keystone, leave the rest to the lattice.

A photo of a screen, a billboard or a printed page taken at a slight angle (a keystone)
scales the tile differently across the picture: 8 % of the side is 1 % of a tile per
tile, so no single lattice folds a 1,024 px picture's tiles onto one, and the lattice's
autocorrelation peaks smear. Fitting the lattice block by block was tried and was not
precise enough on busy pictures (see decision 0029). What such photos do show is the
picture's own outline: the screen's bezel, the page's margin, the padding a tilted copy
is pasted on. When that outline is a quadrilateral that is not a parallelogram, the
homography that maps it onto a rectangle leaves the marked picture only rescaled (a
homography taking one rectangle's corners onto another's is a scaling), and the
ordinary lattice search reads it from there.
"""

from __future__ import annotations

import cv2
import numpy as np

from likeness.imaging.watermark import _sync
from likeness.imaging.watermark._arrays import Float32, Float64
from likeness.imaging.watermark._image import MIN_SIDE

#: A frame pixel is one of the flat, even area (within this many grey levels of the
#: frame's own level) that touches the picture's edge.
FRAME_TOLERANCE = 6.0
#: Local detail (mean absolute high-pass, grey levels) below which an area is flat.
FLAT_DETAIL = 1.5
#: The framed content must cover at least this share of the picture.
MIN_CONTENT = 0.3
#: A quadrilateral whose projective part moves a corner by less than this share of the
#: side is a parallelogram: the affine lattice search already handles it.
MIN_KEYSTONE = 0.004


def frame_quad(plane: Float32) -> Float64 | None:
    """Corners (TL, TR, BR, BL; x, y) of the picture inside a flat frame, or None.

    The frame is the flat, even area connected to the picture's edge at the level of
    the edge's flat pixels (black padding, a bezel, a page margin). None when there is
    no such frame, or what it encloses is not a clear quadrilateral.
    """
    h, w = plane.shape
    detail = cv2.blur(np.abs(plane - cv2.blur(plane, (3, 3))), (5, 5))
    flat = detail < FLAT_DETAIL
    edge = np.zeros_like(flat)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    edge_flat = flat & edge
    if np.count_nonzero(edge_flat) < 0.05 * np.count_nonzero(edge):
        return None
    level = float(np.median(plane[edge_flat]))
    # The frame's level, not its flatness, decides where it ends: the detail filter
    # reaches a few px into the frame, which would move slanted sides outwards.
    even = (np.abs(plane - level) <= FRAME_TOLERANCE).astype(np.uint8)
    _, labels = cv2.connectedComponents(even, connectivity=4)
    touching = np.unique(labels[edge_flat & (even > 0)])
    frame = np.isin(labels, touching[touching > 0])
    content = (~frame).astype(np.uint8)
    contours, _ = cv2.findContours(content, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    if cv2.contourArea(hull) < MIN_CONTENT * h * w:
        return None
    approx = cv2.approxPolyDP(hull, 0.01 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(approx) != 4:
        return None
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    return _refined(_ordered(approx.astype(np.float64)), outline)


def _refined(corners: Float64, outline: Float64) -> Float64:
    """Corners where lines fitted to each side's outline points meet.

    The hull's vertices snap to single outline pixels, a few px off on a slanted side;
    a line through all of a side's points (its middle 80 %, within 3 px) is exact.
    """
    lines = []
    for i in range(4):
        start, end = corners[i], corners[(i + 1) % 4]
        along = end - start
        length = float(np.hypot(*along))
        unit = along / length
        rel = outline - start
        t = rel @ unit
        distance = np.abs(rel[:, 0] * unit[1] - rel[:, 1] * unit[0])
        near = (distance < 3.0) & (t > 0.1 * length) & (t < 0.9 * length)
        if np.count_nonzero(near) < 10:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(
            outline[near].astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01
        ).ravel()
        lines.append(np.cross([x0, y0, 1.0], [x0 + vx, y0 + vy, 1.0]))
    out = []
    for i in range(4):
        point = np.cross(lines[i - 1], lines[i])
        if abs(point[2]) < 1e-9:
            return corners
        out.append(point[:2] / point[2])
    refined = np.array(out)
    # Keep the hull's corners if the fit moved any by more than a few px (a bad side).
    return refined if np.abs(refined - corners).max() < 8.0 else corners


def _ordered(corners: Float64) -> Float64:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    ring = corners[np.argsort(angles)]  # clockwise on screen (y down), from the left
    start = int(np.argmin(ring.sum(axis=1)))
    return np.roll(ring, -start, axis=0)


def rectifying_homography(quad: Float64) -> tuple[Float64, tuple[int, int]] | None:
    """The map of ``quad`` onto an upright rectangle of its mean sides, and that size.

    None when ``quad`` is a parallelogram to ``MIN_KEYSTONE`` (nothing projective to undo).
    """
    tl, tr, br, bl = quad
    width = 0.5 * (np.hypot(*(tr - tl)) + np.hypot(*(br - bl)))
    height = 0.5 * (np.hypot(*(bl - tl)) + np.hypot(*(br - tr)))
    if min(width, height) < MIN_SIDE:
        return None  # the detector's own floor: too little to search
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = np.asarray(cv2.getPerspectiveTransform(quad.astype(np.float32), target), np.float64)
    # How far the projective part moves the far corner: (g·x + h·y) over the rectangle.
    keystone = abs(matrix[2, 0]) * width + abs(matrix[2, 1]) * height
    if keystone < MIN_KEYSTONE:
        return None
    return matrix, (round(width), round(height))


def rectified(plane: Float32) -> Float32 | None:
    """``plane`` with its frame's keystone undone (cropped to the frame), or None."""
    quad = frame_quad(plane)
    if quad is None:
        return None
    found = rectifying_homography(quad)
    if found is None:
        return None
    matrix, size = found
    flags = cv2.INTER_LINEAR
    out = cv2.warpPerspective(plane, matrix, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.float32)


#: The rectified picture's tile: periods (px) and x/y ratios the upright comb scores.
COMB_STEP = 0.5
COMB_RATIOS = np.exp(np.linspace(np.log(0.95), np.log(1.05), 25))


def upright_lattices(corr: Float32, *, max_candidates: int = 2) -> list[_sync.Lattice]:
    """Upright lattices ``diag(p, r·p)`` scored as matched filters over all their points.

    A rectified picture is the marked one rescaled, each axis by its own factor (the
    frame's sides measured to a px or two), so its tile is upright but only nearly
    square. Like :func:`_sync.axis_lattices`, every period is scored over all its
    lattice points at once (a screen's moiré makes single peaks that outshine the
    mark's), here for each x/y ratio within ±5 %; the best separate ones are refined
    by the general least-squares fit.
    """
    radius = min(corr.shape[0] // 2 - 6.0, _sync.STRONG_PEAK_RADIUS)
    noise, nearby, level = _sync._peak_map(corr)
    periods = np.arange(_sync.MIN_PERIOD, radius / np.sqrt(2.0) / COMB_RATIOS.max(), COMB_STEP)
    if periods.size == 0:
        return []
    steps = _sync._half_plane_steps(int(radius / periods[0]) + 1)
    centre = nearby.shape[0] // 2
    scores = np.zeros((periods.size, COMB_RATIOS.size))
    for j, ratio in enumerate(COMB_RATIOS):
        scale = np.array([1.0, ratio])
        points = periods[:, None, None] * (steps * scale)[None]  # [period, step, xy]
        inside = np.hypot(points[..., 0], points[..., 1]) <= radius
        index = np.where(inside[..., None], np.rint(points).astype(np.int64) + centre, centre)
        heights = (nearby[index[..., 1], index[..., 0]] - level) / noise
        counts = inside.sum(axis=1)
        totals = np.where(inside, heights, 0.0).sum(axis=1)
        scores[:, j] = np.where(counts >= 4, totals / np.sqrt(np.maximum(counts, 1)), 0.0)
    lattices: list[_sync.Lattice] = []
    for flat in np.argsort(-scores, axis=None):
        i, j = divmod(int(flat), COMB_RATIOS.size)
        if scores[i, j] < _sync.MIN_SQUARE_SCORE or len(lattices) == max_candidates:
            break
        basis = np.diag([periods[i], periods[i] * COMB_RATIOS[j]])
        lattice = _sync._refine(corr, basis, noise) or _sync.Lattice(basis, float(scores[i, j]))
        if not any(_sync._same(lattice, other, 0.02) for other in lattices):
            lattices.append(lattice)
    return lattices
