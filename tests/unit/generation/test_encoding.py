"""The generation job stores each image as a PNG written with fast zlib compression
(Pillow's default costs over a second per 1080×1350 image: bench/generation.py)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from likeness.generation import service
from unit.provenance.fakes import png_zlib_level


def test_a_generated_image_is_stored_as_a_fast_png_with_its_pixels() -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(135, 108, 3), dtype=np.uint8)
    data = service._encode_png(pixels)
    assert png_zlib_level(data) == 0
    with Image.open(io.BytesIO(data)) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), pixels)
