"""Body keypoints from the twin's own matte (no detector, no model)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from likeness.engines._base import EngineRefused

Point = tuple[float, float]


def _extents(mask: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row: leftmost and rightmost covered column (NaN on empty rows)."""
    covered = mask.any(axis=1)
    width = mask.shape[1]
    left = np.where(covered, np.argmax(mask, axis=1), np.nan).astype(np.float64)
    right = np.where(covered, width - 1 - np.argmax(mask[:, ::-1], axis=1), np.nan)
    return left, right.astype(np.float64)


def _smooth(values: NDArray[np.float64], radius: int) -> NDArray[np.float64]:
    if radius < 1:
        return values
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    padded = np.pad(values, radius, mode="edge")
    out: NDArray[np.float64] = np.convolve(padded, kernel, mode="valid")
    return out


def subject_keypoints(
    matte: NDArray[np.float32], face_box: Sequence[float] | None = None
) -> dict[str, Point]:
    """Named body points (x, y) of a front-on head-and-shoulders matte, in its pixels.

    ``face_box`` is ``(x, y, width, height)`` when known (it bounds the search for the
    neck); without it the head is taken from the matte's top. Returns ``head_top``,
    ``neck`` (the base of the neck, on its centre line), ``left_neck`` / ``right_neck``
    (the neck's sides at its base), ``left_shoulder`` / ``right_shoulder`` (where the
    outline turns from the shoulder's slope down into the arm, or meets the picture's
    edge), and ``chest`` / ``waist`` (on the centre line) only where the matte reaches
    them. "left" is the image's left. :class:`EngineRefused` when the matte shows no
    head above shoulders.
    """
    if not isinstance(matte, np.ndarray) or matte.ndim != 2 or min(matte.shape) < 16:
        raise EngineRefused("the subject's matte must be a 2-D array of at least 16 px")
    mask = matte > 0.5
    height, width = mask.shape
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size < 16:
        raise EngineRefused("the subject's matte is empty")
    top, bottom = int(rows[0]), int(rows[-1])
    left, right = _extents(mask)
    span = right - left
    radius = max(1, height // 160)
    span_s = _smooth(np.nan_to_num(span, nan=0.0), radius)
    # The neck: the narrowest row between the middle of the head and the shoulders.
    if face_box is not None:
        _, fy, _, fh = (float(v) for v in face_box)
        start = int(fy + 0.75 * fh)
        rows_of_face = span[max(top, int(fy)) : max(top + 2, int(fy + fh))]
        head_width = float(np.nanmax(rows_of_face)) if np.isfinite(rows_of_face).any() else 0.0
    else:
        start = top + int(0.35 * (bottom - top))
        head_width = float(np.nanmax(span[top : top + max(2, (bottom - top) // 3)]))
    start = min(max(start, top + 1), bottom - 2)
    below = span_s[start : bottom + 1]
    widest = float(below.max())
    onset = np.flatnonzero(below >= 0.75 * widest)
    stop = start + int(onset[0]) if onset.size else bottom
    if stop <= start + 1:
        raise EngineRefused("the subject's matte shows no neck above the shoulders")
    neck_row = start + int(np.argmin(span_s[start:stop]))
    neck_width = float(span_s[neck_row])
    if neck_width >= 0.95 * head_width:
        raise EngineRefused("the subject's matte shows no neck narrower than the head")
    flare = np.flatnonzero(span_s[neck_row:] > 1.3 * neck_width)
    base = neck_row + (int(flare[0]) if flare.size else 0)
    centre = (left[neck_row] + right[neck_row]) / 2.0
    points: dict[str, Point] = {
        "head_top": (float(centre), float(top)),
        "neck": (float(centre), float(base)),
        "left_neck": (float(left[neck_row]), float(base)),
        "right_neck": (float(right[neck_row]), float(base)),
    }
    # Shoulders: below the neck base, where each side's outline turns steeper than 45°.
    for side, edge, outward in (("left", left, -1.0), ("right", right, 1.0)):
        outline = _smooth(np.nan_to_num(edge, nan=centre), radius * 2)
        found = None
        for y in range(base, bottom - 1):
            clipped = edge[y] <= 0 or edge[y] >= width - 1
            slope = outward * (outline[min(y + 2 * radius, bottom)] - outline[y]) / (2 * radius)
            if clipped or (y > base + neck_width * 0.15 and slope < 1.0):
                found = (float(outline[y]) - outward * 0.02 * neck_width * 2, float(y))
                break
        if found is None:
            found = (float(outline[bottom]), float(bottom))
        points[f"{side}_shoulder"] = found
    shoulder_y = (points["left_shoulder"][1] + points["right_shoulder"][1]) / 2
    breadth = points["right_shoulder"][0] - points["left_shoulder"][0]
    for name, depth in (("chest", 0.45), ("waist", 1.05)):
        level = shoulder_y + depth * breadth
        if level < bottom - 1:
            points[name] = (float(centre), float(level))
    return points
