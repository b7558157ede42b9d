"""The watermark's block average and its marking step, written with OpenCV for speed,
compute what the NumPy versions did: the same block means (to float32 rounding) and the
same marked pixels, rounded half to even and saturated."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.imaging.watermark import _image


@pytest.mark.parametrize("factor", [2, 3, 4])
@pytest.mark.parametrize("shape", [(1351, 1081), (300, 517)])
def test_block_mean_is_the_mean_of_each_block(factor: int, shape: tuple[int, int]) -> None:
    plane = (np.random.default_rng(factor).random(shape, dtype=np.float32) * 255).astype(np.float32)
    h, w = shape[0] // factor, shape[1] // factor
    expected = plane[: h * factor, : w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))
    got = _image.block_mean(plane, factor)
    assert got.dtype == np.float32 and got.shape == (h, w)
    assert np.allclose(got, expected, rtol=0, atol=1e-4)


def _numpy_marked(block: np.ndarray, delta: np.ndarray) -> np.ndarray:
    marked = block.astype(np.float32)
    marked += delta[:, :, None]
    return np.clip(np.rint(marked), 0, 255).astype(np.uint8)


def test_marking_rgb8_rounds_half_to_even_and_saturates() -> None:
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, size=(140, 130, 3), dtype=np.uint8)
    image[:10] = 0
    image[10:20] = 255
    delta = (rng.standard_normal((140, 130)) * 4).astype(np.float32)
    delta[::3, ::2] = 0.5  # ties: to even, as np.rint
    delta[1::3, ::2] = -2.5
    info = _image.inspect(image)
    got = _image.add_luminance(image, slice(5, 120), delta[5:120], info)
    assert got.dtype == np.uint8
    assert np.array_equal(got, _numpy_marked(image[5:120], delta[5:120]))
