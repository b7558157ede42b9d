"""Shape, dtype and value checks shared by the relighting functions."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._errors import InvalidBasis

FloatArray = NDArray[np.float32]

#: How far from unit length a light direction may be before it is rejected.
UNIT_TOLERANCE = 1e-3


def check_basis(basis: object) -> FloatArray:
    if not isinstance(basis, np.ndarray):
        raise InvalidBasis(f"basis must be a numpy array, got {type(basis).__name__}")
    if basis.dtype != np.float32:
        raise InvalidBasis(f"basis must be float32 (linear light), got {basis.dtype}")
    if basis.ndim != 4:
        raise InvalidBasis(f"basis must have shape [L, H, W, C], got {basis.shape}")
    lights, height, width, channels = basis.shape
    if lights < 1 or height < 1 or width < 1:
        raise InvalidBasis(f"basis is empty: shape {basis.shape}")
    if channels not in (1, 3):
        raise InvalidBasis(f"basis must have 1 or 3 channels, got {channels}")
    if not np.isfinite(basis).all():
        raise InvalidBasis("basis contains NaN or infinite values")
    return basis


def check_directions(light_dirs: object, count: int | None = None) -> FloatArray:
    if not isinstance(light_dirs, np.ndarray):
        raise InvalidBasis(f"light_dirs must be a numpy array, got {type(light_dirs).__name__}")
    if light_dirs.ndim != 2 or light_dirs.shape[1] != 3:
        raise InvalidBasis(f"light_dirs must have shape [L, 3], got {light_dirs.shape}")
    if not np.issubdtype(light_dirs.dtype, np.floating):
        raise InvalidBasis(f"light_dirs must be floating point, got {light_dirs.dtype}")
    if count is not None and light_dirs.shape[0] != count:
        raise InvalidBasis(
            f"light_dirs has {light_dirs.shape[0]} rows but the basis has {count} images"
        )
    if light_dirs.shape[0] < 1:
        raise InvalidBasis("light_dirs is empty")
    if not np.isfinite(light_dirs).all():
        raise InvalidBasis("light_dirs contains NaN or infinite values")
    norms = np.linalg.norm(light_dirs.astype(np.float64), axis=1)
    if np.any(np.abs(norms - 1.0) > UNIT_TOLERANCE):
        worst = float(norms[np.argmax(np.abs(norms - 1.0))])
        raise InvalidBasis(f"light_dirs must be unit vectors (found length {worst:.4f})")
    cosines = light_dirs.astype(np.float64) @ light_dirs.astype(np.float64).T
    np.fill_diagonal(cosines, -1.0)
    if light_dirs.shape[0] > 1 and cosines.max() > 1.0 - 1e-9:
        raise InvalidBasis("light_dirs contains the same direction twice")
    return light_dirs.astype(np.float32, copy=False)
