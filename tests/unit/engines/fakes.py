"""A small synthetic head-and-shoulders OLAT basis (no tests in here)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_DIRS = np.array([[0.0, 0.0, 1.0], [0.7, 0.0, 0.7], [-0.7, 0.0, 0.7], [0.0, 0.7, 0.7]])
LIGHT_DIRS = (_DIRS / np.linalg.norm(_DIRS, axis=1, keepdims=True)).astype(np.float32)


def matte(height: int = 96, width: int = 80) -> NDArray[np.float32]:
    """A head (an ellipse), a neck and shoulders, as a [0, 1] matte."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    cx = width / 2
    head = ((x - cx) / (width * 0.2)) ** 2 + ((y - height * 0.3) / (height * 0.2)) ** 2 <= 1
    neck = (np.abs(x - cx) <= width * 0.08) & (y >= height * 0.45) & (y < height * 0.65)
    body = (np.abs(x - cx) <= width * 0.42) & (y >= height * 0.65) & (y < height * 0.95)
    return (head | neck | body).astype(np.float32)


def basis_arrays(
    height: int = 96, width: int = 80
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``[L, H, W, 3]`` linear OLAT images lit from :data:`LIGHT_DIRS`, and the matte."""
    m = matte(height, width)
    x = np.mgrid[0:height, 0:width][1].astype(np.float32)
    skin = np.array([0.55, 0.38, 0.3], np.float32)
    images = []
    for d in LIGHT_DIRS:
        shade = 0.4 + 0.6 * np.clip(d[0] * (x / width - 0.5) + d[2] * 0.5 + d[1] * 0.2, 0, 1)
        images.append((m * shade)[..., None] * skin)
    return np.stack(images).astype(np.float32), m


def basis(height: int = 96, width: int = 80) -> object:
    from likeness.studio import Basis

    images, m = basis_arrays(height, width)
    return Basis.from_arrays(images, LIGHT_DIRS, alpha=m[None])
