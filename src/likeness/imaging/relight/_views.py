"""Multi-view selection: which captured views make a requested camera angle.

Views are captured at a few camera yaws (degrees, positive towards the subject's left /
the image's right). A request within ``snap_deg`` of a view, or outside the captured range,
uses one view; between two views the two nearest are cross-faded with linear weights.
A cross-fade is not a new viewpoint: features that move between the views (nose, ears,
hair edges) show as double, semi-transparent ghosts, strongest half-way; keep views
within ~15° of each other or request captured angles for hero shots.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from likeness.imaging.relight._errors import InvalidViews
from likeness.imaging.relight._validate import FloatArray


def select_views(
    view_yaws_deg: Sequence[float], yaw_deg: float, *, snap_deg: float = 1.0
) -> tuple[tuple[int, float], ...]:
    """``((view index, weight), ...)`` with weights summing to one."""
    yaws = np.asarray(view_yaws_deg, dtype=np.float64)
    if yaws.ndim != 1 or yaws.size == 0:
        raise InvalidViews("at least one view yaw is needed")
    if not np.isfinite(yaws).all() or not np.isfinite(yaw_deg):
        raise InvalidViews("view yaws must be finite numbers")
    if np.unique(yaws).size != yaws.size:
        raise InvalidViews("two views have the same yaw")
    nearest = int(np.argmin(np.abs(yaws - yaw_deg)))
    if abs(yaws[nearest] - yaw_deg) <= snap_deg:
        return ((nearest, 1.0),)
    below = np.flatnonzero(yaws < yaw_deg)
    above = np.flatnonzero(yaws > yaw_deg)
    if below.size == 0 or above.size == 0:
        return ((nearest, 1.0),)
    low = int(below[np.argmax(yaws[below])])
    high = int(above[np.argmin(yaws[above])])
    t = float((yaw_deg - yaws[low]) / (yaws[high] - yaws[low]))
    return ((low, 1.0 - t), (high, t))


def blend_views(images: Sequence[FloatArray], picks: Sequence[tuple[int, float]]) -> FloatArray:
    """Cross-fade the picked view images (all the same shape) by their weights."""
    if not picks:
        raise InvalidViews("no views picked")
    first = images[picks[0][0]]
    if len(picks) == 1 and picks[0][1] == 1.0:
        return first
    out = np.zeros_like(first, dtype=np.float32)
    for index, weight in picks:
        if not 0 <= index < len(images):
            raise InvalidViews(f"view index {index} out of range")
        if images[index].shape != first.shape:
            raise InvalidViews("views must share one image shape to be blended")
        out += np.float32(weight) * images[index]
    return out
