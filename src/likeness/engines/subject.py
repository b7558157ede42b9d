"""Build the :class:`~likeness.engines.Subject` an engine sees from a studio basis.

The generation feature decrypts a twin version (``twin.service.load_basis``), turns it
into a render basis (``studio.Basis.from_twin``) and calls :func:`subject_from_basis`:
a neutral, front-lit reference render of the front view, its matte, and named keypoints
found from the matte alone (:func:`keypoints_from_matte`), so nothing here loads a
model. Engines that need better keypoints may compute their own from ``basis``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from likeness.engines._base import F32, U8, Subject

#: The neutral light of the reference render: a soft key from slightly above the camera.
NEUTRAL_SCENE: dict[str, Any] = {
    "lights": [{"azimuth_deg": 0.0, "elevation_deg": 15.0, "intensity": 1.0}],
    "environment": {"preset": "studio", "intensity": 0.35},
}


def reference_render(basis: Any) -> tuple[U8, F32]:
    """The front view of ``basis`` under :data:`NEUTRAL_SCENE` (sRGB uint8, uncropped,
    unframed) and its matte (float32 in [0, 1])."""
    from likeness.imaging import compose as cp
    from likeness.studio import parse_scene, scene_weights

    weights = scene_weights(basis, parse_scene(NEUTRAL_SCENE))
    front = int(np.argmin(np.abs(np.asarray(basis.view_yaws_deg, np.float32))))
    lit = np.maximum(basis.views[front].render(weights), 0.0).astype(np.float32)
    if basis.alpha is not None:
        matte = np.clip(basis.alpha[front], 0.0, 1.0).astype(np.float32)
    else:
        matte = np.ones(lit.shape[:2], np.float32)
    return cp.to_display(lit), matte


def keypoints_from_matte(matte: F32, threshold: float = 0.5) -> dict[str, tuple[float, float]]:
    """Named 2-D keypoints of a head-and-shoulders matte, from its silhouette only.

    The silhouette's row widths give the head (the widest row in the upper half), the
    neck (the narrowest row below it) and the shoulders (the first row below the neck at
    least 1.3× the head's width, else the bottom row); the face features sit at fixed
    fractions of the head. Coarse, deterministic, and model-free. Empty when the matte is
    empty.
    """
    mask = np.asarray(matte) >= threshold
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size < 4:
        return {}
    top, bottom = int(rows[0]), int(rows[-1])
    widths = mask.sum(axis=1).astype(np.int64)
    height = bottom - top + 1
    upper = np.arange(top, top + max(2, height // 2))
    head_row = int(upper[np.argmax(widths[upper])])
    head_width = int(widths[head_row])
    below = np.arange(head_row, bottom + 1)
    narrow = below[widths[below] < head_width]
    neck = int(narrow[np.argmin(widths[narrow])]) if narrow.size else bottom
    wide = np.flatnonzero(widths[neck:] >= 1.3 * head_width)
    shoulder_row = neck + int(wide[0]) if wide.size else bottom

    def span(row: int) -> tuple[float, float]:
        xs = np.flatnonzero(mask[row])
        return float(xs[0]), float(xs[-1])

    left, right = span(head_row)
    cx = (left + right) / 2.0
    chin_y = top + 0.92 * (neck - top)
    eye_y = top + 0.48 * (neck - top)
    eye_dx = 0.2 * (right - left)
    s_left, s_right = span(shoulder_row)
    n_left, n_right = span(neck)
    return {
        "top": (cx, float(top)),
        "left_eye": (cx - eye_dx, eye_y),
        "right_eye": (cx + eye_dx, eye_y),
        "nose": (cx, top + 0.65 * (neck - top)),
        "chin": (cx, chin_y),
        "neck": ((n_left + n_right) / 2.0, float(neck)),
        "left_shoulder": (s_left, float(shoulder_row)),
        "right_shoulder": (s_right, float(shoulder_row)),
    }


def subject_from_basis(
    twin_id: str, twin_version: int, basis: Any, extras: Mapping[str, bytes] | None = None
) -> Subject:
    """The :class:`Subject` of a loaded twin version."""
    reference, matte = reference_render(basis)
    return Subject(
        twin_id=twin_id,
        twin_version=twin_version,
        basis=basis,
        reference=reference,
        reference_matte=matte,
        keypoints=keypoints_from_matte(matte),
        extras=dict(extras or {}),
    )
