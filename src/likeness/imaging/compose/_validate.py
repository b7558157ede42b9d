"""Array checks for the compositing functions."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidImage


def check_rgb(image: object, name: str = "image") -> NDArray[np.float32]:
    if not isinstance(image, np.ndarray):
        raise InvalidImage(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise InvalidImage(f"{name} must have shape [H, W, 3], got {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidImage(f"{name} is empty")
    if image.dtype != np.float32:
        raise InvalidImage(f"{name} must be float32 linear light, got {image.dtype}")
    if not np.isfinite(image).all():
        raise InvalidImage(f"{name} contains NaN or infinite values")
    return image


def check_alpha(alpha: object, shape: tuple[int, ...]) -> NDArray[np.float32]:
    if not isinstance(alpha, np.ndarray):
        raise InvalidImage(f"alpha must be a numpy array, got {type(alpha).__name__}")
    if alpha.shape != shape[:2]:
        raise InvalidImage(f"alpha must have shape {shape[:2]}, got {alpha.shape}")
    if alpha.dtype != np.float32:
        raise InvalidImage(f"alpha must be float32 in [0, 1], got {alpha.dtype}")
    if not np.isfinite(alpha).all():
        raise InvalidImage("alpha contains NaN or infinite values")
    if alpha.min(initial=0.0) < 0 or alpha.max(initial=0.0) > 1:
        raise InvalidImage("alpha must lie in [0, 1]")
    return alpha
