"""The face analyzer's windows (``_faces._edge_window``): a slice of the image with its
edges repeated past the border, as gathering every row and column by clipped index
gives it, for windows inside, across and wholly past every edge."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.imaging.faces._faces import _edge_window


def _gathered(rgb: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    rows = np.clip(np.arange(top, bottom), 0, h - 1)
    columns = np.clip(np.arange(left, right), 0, w - 1)
    return rgb[rows][:, columns]


@pytest.mark.parametrize("seed", range(6))
def test_a_window_is_the_image_read_with_its_edges_repeated(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(8, 90, size=2))
    rgb = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    for _ in range(60):
        top = int(rng.integers(-2 * height, 2 * height))
        left = int(rng.integers(-2 * width, 2 * width))
        bottom = top + int(rng.integers(1, 3 * height))
        right = left + int(rng.integers(1, 3 * width))
        window = _edge_window(rgb, top, bottom, left, right)
        assert window.shape == (bottom - top, right - left, 3)
        assert np.array_equal(window, _gathered(rgb, top, bottom, left, right))
