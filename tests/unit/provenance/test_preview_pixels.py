"""``stamp_preview(..., pixels=)``: a generation job hands the preview stamp the pixels it
has just encoded, so the PNG is not decoded again; the preview is the same."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import (
    ImageRejected,
    StampConfig,
    StampInfo,
    _stamp,
    encode_png,
    stamp_preview,
)
from unit.provenance.fakes import make_image, make_info


def _preview_info() -> StampInfo:
    return make_info(approval_sha256=None, channel=None, asset_kind="preview")


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def test_a_preview_from_the_pixels_is_the_preview_from_the_png(
    stamp_config: StampConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    pixels = _pixels(make_image("PNG", (320, 400)))
    encoded = encode_png(pixels)
    from_bytes = stamp_preview(encoded, _preview_info(), stamp_config)

    def no_decoding(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the PNG was decoded again")

    monkeypatch.setattr(_stamp, "decode", no_decoding)
    kept = pixels.copy()
    from_pixels = stamp_preview(encoded, _preview_info(), stamp_config, pixels=pixels)
    assert np.array_equal(_pixels(from_pixels), _pixels(from_bytes))
    assert np.array_equal(pixels, kept)  # the caller's pixels are not drawn on


@pytest.mark.parametrize("other", ["size", "format", "dtype"])
def test_pixels_that_are_not_the_pngs_are_refused(stamp_config: StampConfig, other: str) -> None:
    pixels = _pixels(make_image("PNG", (320, 400)))
    encoded = encode_png(pixels)
    if other == "size":
        pixels = pixels[:-1]
    elif other == "format":
        encoded = make_image("JPEG", (320, 400))
    else:
        pixels = pixels.astype(np.float32)
    with pytest.raises(ImageRejected):
        stamp_preview(encoded, _preview_info(), stamp_config, pixels=pixels)
