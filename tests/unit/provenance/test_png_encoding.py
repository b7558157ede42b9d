"""Stamped PNGs are written with fast zlib compression (PNG_COMPRESS_LEVEL): Pillow's
default level costs over a second per 1080×1350 image, and a generated image is encoded
three times on its way to release (bench/generation.py)."""

from __future__ import annotations

import io

from PIL import Image

from likeness.provenance import PNG_COMPRESS_LEVEL, StampConfig, stamp, stamp_preview
from unit.provenance.fakes import make_image, make_info, png_zlib_level


def test_the_png_level_is_zlibs_fast_class() -> None:
    # zlib levels 0-1 are header class 0 ("fastest"); Pillow's default 6 is class 2.
    assert PNG_COMPRESS_LEVEL <= 1


def test_a_stamped_release_png_is_compressed_fast_and_decodes_to_its_size(
    stamp_config: StampConfig,
) -> None:
    released = stamp(make_image("PNG", (320, 400)), make_info(), stamp_config)
    assert png_zlib_level(released) == 0
    with Image.open(io.BytesIO(released)) as image:
        assert (image.format, image.size) == ("PNG", (320, 400))


def test_a_stamped_preview_png_is_compressed_fast(stamp_config: StampConfig) -> None:
    info = make_info(approval_sha256=None, channel=None, asset_kind="preview")
    preview = stamp_preview(make_image("PNG", (320, 400)), info, stamp_config)
    assert png_zlib_level(preview) == 0
