"""Colour differences: CIEDE2000 between sRGB pixels (CIE Lab, D65)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from skimage.color import deltaE_ciede2000, rgb2lab

from likeness.imaging.garment._errors import InvalidImage


def srgb_to_lab(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """8-bit sRGB ``[..., 3]`` → CIE Lab (D65, 2°) as float64."""
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.shape[-1:] != (3,):
        raise InvalidImage("sRGB pixels must be a uint8 array [..., 3]")
    flat = pixels.reshape(-1, 1, 3).astype(np.float64) / 255.0
    lab: NDArray[np.float64] = rgb2lab(flat).reshape(pixels.shape)
    return lab


def delta_e_2000(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Per-pixel CIEDE2000 between two 8-bit sRGB arrays of the same shape ``[..., 3]``."""
    if a.shape != b.shape:
        raise InvalidImage(f"cannot compare colours of shapes {a.shape} and {b.shape}")
    out: NDArray[np.float64] = deltaE_ciede2000(srgb_to_lab(a), srgb_to_lab(b))  # type: ignore[no-untyped-call]
    return out


def mean_delta_e(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> float:
    """Mean CIEDE2000 over paired pixels (``[N, 3]`` or any matching ``[..., 3]``)."""
    if a.size == 0:
        raise InvalidImage("no pixels to compare")
    return float(delta_e_2000(a, b).mean())
