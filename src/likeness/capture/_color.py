"""Linear ↔ sRGB transfer functions (IEC 61966-2-1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def linear_to_srgb(linear: NDArray[np.floating]) -> NDArray[np.float32]:
    x = np.clip(np.asarray(linear, np.float32), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1.0 / 2.4) - 0.055).astype(
        np.float32
    )


def srgb_to_linear(srgb: NDArray[np.floating]) -> NDArray[np.float32]:
    x = np.clip(np.asarray(srgb, np.float32), 0.0, 1.0)
    return np.where(x <= 0.04045, x / 12.92, np.power((x + 0.055) / 1.055, 2.4)).astype(np.float32)
