"""Keypoints of a garment laid flat, read from its matte.

A packshot shows a top, jacket or dress front-on, neck opening up. From the matte:

* ``neck``: the bottom of the neck opening on the centre line (the front neckline);
* ``left_collar`` / ``right_collar``: where the neck opening meets the shoulder line;
* ``left_shoulder`` / ``right_shoulder``: the outer ends of the shoulder line;
* ``hem``: the lowest point on the centre line;
* ``left_side`` / ``right_side``: the body of the garment's sides (sleeves excluded) at
  45 % of its height, where a top is about chest-wide.

"left" and "right" are image left and right, like the subject's keypoints.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.garment._errors import InvalidImage, NoGarmentFound

Point = tuple[float, float]


def _extent(row: NDArray[np.bool_]) -> tuple[int, int] | None:
    cols = np.flatnonzero(row)
    return (int(cols[0]), int(cols[-1])) if cols.size else None


def garment_keypoints(alpha: NDArray[np.float32]) -> dict[str, Point]:
    """Named points (x, y) of a flat garment in its packshot's pixels (see module doc)."""
    if not isinstance(alpha, np.ndarray) or alpha.ndim != 2:
        raise InvalidImage("a garment matte must be a 2-D array")
    mask = alpha > 0.5
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size < 8:
        raise NoGarmentFound("the garment matte is empty")
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    # The centre line: the middle of the garment's top band (sleeves hang lower and wider).
    band = mask[top : top + max(2, height // 8)]
    cols = np.flatnonzero(band.any(axis=0))
    centre = (cols[0] + cols[-1]) / 2.0
    column = mask[:, round(centre)]
    below = np.flatnonzero(column)
    if below.size == 0:
        raise NoGarmentFound("the garment has nothing on its centre line")
    neck_y = float(below[0])
    hem_y = float(below[-1])
    # Shoulder line: a little below the top, where the shoulder seams run.
    shoulder_y = top + 0.05 * height
    span = _extent(mask[round(shoulder_y)])
    if span is None:
        raise NoGarmentFound("the garment has no shoulder line")
    # The neck opening: the gap around the centre on the top rows.
    collar_y = top + 0.015 * height
    row = mask[round(collar_y)]
    c = round(centre)
    left_gap = np.flatnonzero(row[:c])
    right_gap = np.flatnonzero(row[c:])
    left_collar = float(left_gap[-1]) if left_gap.size and not row[c] else centre - 1.0
    right_collar = float(c + right_gap[0]) if right_gap.size and not row[c] else centre + 1.0
    side_y = top + 0.45 * height
    sides = _central_run(mask[round(side_y)], round(centre))
    if sides is None:
        raise NoGarmentFound("the garment has nothing on its centre line at chest height")
    return {
        "left_side": (float(sides[0]), side_y),
        "right_side": (float(sides[1]), side_y),
        "neck": (float(centre), neck_y),
        "left_collar": (left_collar, collar_y),
        "right_collar": (right_collar, collar_y),
        "left_shoulder": (float(span[0]), shoulder_y),
        "right_shoulder": (float(span[1]), shoulder_y),
        "hem": (float(centre), hem_y),
    }


def _central_run(row: NDArray[np.bool_], centre: int) -> tuple[int, int] | None:
    """The run of covered pixels through ``centre`` (a sleeve beside it is another run)."""
    if not row[centre]:
        return None
    gaps = np.flatnonzero(~row)
    left = gaps[gaps < centre]
    right = gaps[gaps > centre]
    return (
        int(left[-1]) + 1 if left.size else 0,
        int(right[0]) - 1 if right.size else row.size - 1,
    )


def side_extent(alpha: NDArray[np.float32], y: float) -> tuple[float, float] | None:
    """Leftmost and rightmost garment pixels on row ``y`` (None when the row is empty)."""
    row = round(min(max(y, 0.0), alpha.shape[0] - 1.0))
    span = _extent(alpha[row] > 0.5)
    return None if span is None else (float(span[0]), float(span[1]))
