"""Portrait bytes of synthetic people, for reference-photo tests (rendered once each)."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture

#: One frontal view is all a portrait needs; 256 px puts the face at about 90 px.
PORTRAIT = RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(0.0,))


@cache
def portrait_rgb(seed: int) -> np.ndarray:
    view = render_capture(seed, PORTRAIT).views[0]
    return to_preview(view.full, view.alpha)


def png(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    assert ok
    return data.tobytes()


def portrait_png(seed: int) -> bytes:
    return png(portrait_rgb(seed))
