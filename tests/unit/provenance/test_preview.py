"""Previews: the visible "PREVIEW — not for publication" mark, the watermark and a
manifest that says ``asset_kind: preview``; releases say ``release`` and name the engine."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from likeness.provenance import (
    PREVIEW_MARK_TEXT,
    ImageRejected,
    SigningFailed,
    StampConfig,
    StampInfo,
    StampRefused,
    VerifyConfig,
    mark_preview,
    parse_xmp,
    stamp,
    stamp_preview,
    verify,
)
from likeness.provenance._channels import Corner
from likeness.provenance._image import read_header
from likeness.provenance._label import (
    LabelPlacement,
    Scheme,
    badge_difference,
    preview_mark_box,
    render_badge,
)
from unit.provenance.fakes import BlockPairWatermarker, make_image, make_info

PREVIEW_ID = uuid.UUID(int=0xABCD_EF01_2345_6789_0000_1111_2222_3333).hex


def _preview_info(**overrides: object) -> StampInfo:
    values: dict[str, object] = {
        "asset_id": PREVIEW_ID,
        "approval_sha256": None,
        "channel": None,
        "engine": "studio",
        "asset_kind": "preview",
    }
    return make_info(**{**values, **overrides})


def test_a_preview_carries_the_mark_the_watermark_and_says_it_is_a_preview(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    source = make_image("JPEG", (480, 600))
    preview = stamp_preview(source, _preview_info(), stamp_config)
    report = verify(preview, verify_config)
    assert report.c2pa.state == "Trusted"
    manifest = report.c2pa.manifest
    assert manifest is not None and manifest.likeness is not None
    assert manifest.likeness["asset_kind"] == "preview"
    assert manifest.likeness["engine"] == "studio"
    assert manifest.likeness["approval_sha256"] is None
    assert manifest.likeness["channel"] is None
    assert manifest.likeness["asset_id"] == PREVIEW_ID
    assert report.watermark.found and report.watermark.payload_hex == PREVIEW_ID[:16]
    assert parse_xmp(read_header(preview).xmp).asset_kind == "preview"
    # The mark is where the manifest says, and it reads as the preview text.
    mark = manifest.likeness["preview_mark"]
    assert mark["text"] == PREVIEW_MARK_TEXT
    image = Image.open(io.BytesIO(preview)).convert("RGB")
    box = tuple(mark["box"][k] for k in ("left", "top", "right", "bottom"))
    assert box == preview_mark_box(image.size, PREVIEW_MARK_TEXT)
    placement = LabelPlacement(PREVIEW_MARK_TEXT, Corner.TOP_LEFT, box, Scheme(mark["scheme"]))
    assert badge_difference(image, placement) < 24.0
    original = Image.open(io.BytesIO(source)).convert("RGB")
    assert badge_difference(original, placement) > 24.0


def test_a_release_says_release_and_names_its_engine(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    released = stamp(make_image(), make_info(engine="studio"), stamp_config)
    manifest = verify(released, verify_config).c2pa.manifest
    assert manifest is not None and manifest.likeness is not None
    assert manifest.likeness["asset_kind"] == "release"
    assert manifest.likeness["engine"] == "studio"
    assert "preview_mark" not in manifest.likeness
    assert parse_xmp(read_header(released).xmp).asset_kind == "release"


def test_kinds_are_checked_and_stamp_never_makes_a_preview(stamp_config: StampConfig) -> None:
    with pytest.raises(StampRefused, match="asset_kind"):
        make_info(asset_kind="draft")
    with pytest.raises(StampRefused, match="channel"):
        make_info(channel=None)  # a release is for a channel
    with pytest.raises(StampRefused, match="approval_sha256"):
        make_info(approval_sha256=None)  # and it was approved
    with pytest.raises(StampRefused, match="stamp_preview"):
        stamp(make_image(), _preview_info(), stamp_config)
    with pytest.raises(StampRefused, match="engine"):
        make_info(engine="x" * 65)


def test_a_local_preview_is_marked_and_watermarked_without_a_manifest(
    stamp_config: StampConfig, verify_config: VerifyConfig
) -> None:
    payload = bytes.fromhex("0102030405060708")
    marked = mark_preview(make_image("PNG", (320, 400)), stamp_config, payload=payload)
    report = verify(marked, verify_config)
    assert report.c2pa.manifest is None
    assert report.watermark.found and report.watermark.payload_hex == payload.hex()
    image = np.asarray(Image.open(io.BytesIO(marked)).convert("RGB"))
    left, top, right, bottom = preview_mark_box((320, 400), PREVIEW_MARK_TEXT)
    assert image[top:bottom, left:right].std() > 20  # text on a flat band


class _CroppingWatermarker(BlockPairWatermarker):
    """A broken watermarker: it hands back fewer rows than it was given."""

    def embed(self, image: NDArray[np.uint8], payload: bytes, key: bytes) -> NDArray[np.uint8]:
        return super().embed(image, payload, key)[:-8]


@pytest.mark.parametrize("make", ["mark_preview", "stamp_preview", "stamp"])
def test_every_stamp_refuses_a_watermarker_that_changes_the_shape(
    stamp_config: StampConfig, make: str
) -> None:
    config = replace(stamp_config, watermarker=_CroppingWatermarker())
    image = make_image("PNG", (320, 400))
    makers: dict[str, Callable[[], bytes]] = {
        "mark_preview": lambda: mark_preview(image, config, payload=bytes(8)),
        "stamp_preview": lambda: stamp_preview(image, _preview_info(), config),
        "stamp": lambda: stamp(image, make_info(), config),
    }
    with pytest.raises(SigningFailed, match="shape"):
        makers[make]()


def test_the_mark_shrinks_on_small_images_but_never_disappears() -> None:
    left, top, right, bottom = preview_mark_box((120, 150), PREVIEW_MARK_TEXT)
    assert 0 <= left < right <= 120 and 0 <= top < bottom <= 150
    assert render_badge(PREVIEW_MARK_TEXT, right - left, bottom - top, Scheme.DARK).size
    with pytest.raises(ImageRejected):
        preview_mark_box((20, 20), PREVIEW_MARK_TEXT)


@pytest.mark.parametrize("size", [(1080, 1350), (1080, 1080), (1920, 1080), (320, 400)])
def test_the_preview_band_leaves_the_upper_half_clear_for_the_face(size: tuple[int, int]) -> None:
    """The reviewer must see the face they approve: portraits put it in the upper half."""
    width, height = size
    left, top, right, bottom = preview_mark_box(size, PREVIEW_MARK_TEXT)
    assert top >= height // 2 and bottom <= height
    assert abs((left + right) / 2 - width / 2) <= 1
