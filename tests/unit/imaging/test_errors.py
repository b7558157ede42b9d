"""Every imaging library's bad-image error shares one base, so callers catch it once."""

from __future__ import annotations

import numpy as np
import pytest

from likeness import imaging
from likeness.errors import LikenessError
from likeness.imaging import compose, faces, relight, watermark


@pytest.mark.parametrize(
    "error",
    [watermark.InvalidImage, faces.InvalidImage, compose.InvalidImage, relight.InvalidBasis],
)
def test_each_library_invalid_image_is_the_shared_one(error: type[Exception]) -> None:
    assert issubclass(error, imaging.InvalidImage)
    assert issubclass(error, LikenessError)
    assert error("x").status_code == 422  # type: ignore[attr-defined]


def test_a_bad_array_is_caught_by_the_shared_base() -> None:
    not_an_image = np.zeros((4,), dtype=np.uint8)
    with pytest.raises(imaging.InvalidImage):
        watermark.embed(not_an_image, b"12345678", bytes(32))
