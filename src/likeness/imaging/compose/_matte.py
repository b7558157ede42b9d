"""Mattes: difference keying against a clean background plate, and soft edges."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidImage
from likeness.imaging.compose._validate import check_alpha, check_rgb


def feather(alpha: NDArray[np.float32], radius_px: float) -> NDArray[np.float32]:
    """Soften a matte's edge with a Gaussian of ``radius_px`` (0: unchanged)."""
    if radius_px < 0:
        raise InvalidImage("feather radius must be >= 0")
    check_alpha(alpha, alpha.shape)
    if radius_px == 0:
        return alpha
    soft = cv2.GaussianBlur(alpha, (0, 0), sigmaX=radius_px, borderType=cv2.BORDER_REPLICATE)
    return np.clip(soft, 0.0, 1.0).astype(np.float32)


def matte_from_plate(
    image: NDArray[np.float32],
    plate: NDArray[np.float32],
    *,
    low: float = 0.02,
    high: float = 0.08,
    feather_px: float = 1.0,
) -> NDArray[np.float32]:
    """Alpha from the difference between a shot and its clean background plate.

    Per pixel the largest channel difference (in linear light) is mapped through a
    smoothstep from ``low`` (background) to ``high`` (subject); a 3×3 open/close removes
    speckle and holes, then the edge is feathered.
    """
    check_rgb(image, "image")
    check_rgb(plate, "plate")
    if image.shape != plate.shape:
        raise InvalidImage(f"plate shape {plate.shape} differs from image shape {image.shape}")
    if not 0 <= low < high:
        raise InvalidImage("matte thresholds need 0 <= low < high")
    difference = np.abs(image - plate).max(axis=2)
    t = np.clip((difference - low) / (high - low), 0.0, 1.0)
    alpha = (t * t * (3 - 2 * t)).astype(np.float32)
    kernel = np.ones((3, 3), np.uint8)
    alpha = cv2.morphologyEx(alpha, cv2.MORPH_OPEN, kernel)
    alpha = cv2.morphologyEx(alpha, cv2.MORPH_CLOSE, kernel)
    return feather(alpha.astype(np.float32), feather_px)
