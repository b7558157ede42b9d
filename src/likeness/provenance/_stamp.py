"""``stamp``: label, watermark, XMP and a signed C2PA manifest, in that order."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field, replace
from typing import Any

import c2pa
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from likeness.provenance._channels import label_required, preset_for
from likeness.provenance._errors import (
    ImageRejected,
    SigningConfigurationError,
    SigningFailed,
    StampRefused,
)
from likeness.provenance._formats import ImageFormat, sniff_format
from likeness.provenance._image import DEFAULT_MAX_PIXELS, Decoded, decode, encode, read_header
from likeness.provenance._info import PREVIEW_MARK_TEXT, StampInfo
from likeness.provenance._label import LabelPlacement, draw_label, draw_preview_mark
from likeness.provenance._manifest import (
    CREATED_ASSERTIONS,
    build_manifest,
    ingredient_definition,
)
from likeness.provenance._watermark import (
    WATERMARK_KEY_BYTES,
    Watermarker,
    library_watermarker,
    load_watermark_key,
)
from likeness.provenance._xmp import build_xmp
from likeness.provenance.keys import SigningMaterial, signing_material_from_settings
from likeness.settings import Settings


@dataclass(frozen=True)
class StampConfig:
    """What stamping needs besides the image: who signs, and how to watermark."""

    signing: SigningMaterial
    watermarker: Watermarker
    watermark_key: bytes = field(repr=False)
    quality: int = 95
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self) -> None:
        if len(self.watermark_key) != WATERMARK_KEY_BYTES:
            raise SigningConfigurationError(f"watermark key must be {WATERMARK_KEY_BYTES} bytes")
        if not 1 <= self.quality <= 100:
            raise SigningConfigurationError("quality must be between 1 and 100")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> StampConfig:
        """The installation's configuration, checked now so that it fails at start-up."""
        settings = settings or Settings()
        key = load_watermark_key(settings.keys_dir)
        if key is None:
            raise SigningConfigurationError(
                f"no watermark key at {settings.keys_dir}/watermark.key: run `likeness init`"
            )
        return cls(
            signing=signing_material_from_settings(settings),
            watermarker=library_watermarker(),
            watermark_key=key,
        )


def _watermark(image: Image.Image, payload: bytes, config: StampConfig) -> Image.Image:
    """Embed the 8-byte ``payload``; a watermarker that changes the image shape or type
    is refused rather than trusted."""
    pixels = np.asarray(image, dtype=np.uint8)
    marked = config.watermarker.embed(pixels, payload, config.watermark_key)
    if marked.shape != pixels.shape or marked.dtype != np.uint8:
        raise SigningFailed("the watermarker changed the image shape or type")
    return Image.fromarray(marked, mode="RGB")


def _sign(
    encoded: bytes,
    manifest: dict[str, object],
    mime_type: str,
    signing: SigningMaterial,
    ingredient: bytes | None = None,
) -> bytes:
    settings: dict[str, object] = {
        "builder": {
            "thumbnail": {"enabled": False},
            "created_assertion_labels": CREATED_ASSERTIONS,
        },
        "verify": {"verify_after_sign": True, "remote_manifest_fetch": False, "ocsp_fetch": False},
    }
    if signing.trust_anchors_pem:
        settings["trust"] = {"user_anchors": signing.trust_anchors_pem.decode()}
    out = io.BytesIO()
    try:
        with (
            c2pa.Context.from_dict(settings) as context,
            signing.c2pa_signer() as signer,
            c2pa.Builder(manifest, context=context) as builder,
        ):
            if ingredient is not None:
                fmt = sniff_format(ingredient)
                if fmt is None:  # StampInfo checked it; never trust a second reader blindly
                    raise SigningFailed("the ingredient is not a JPEG, PNG or WebP image")
                builder.add_ingredient(
                    ingredient_definition(f"imported original.{fmt.name.lower()}"),
                    fmt.mime_type,
                    io.BytesIO(ingredient),
                )
            builder.sign(signer, mime_type, io.BytesIO(encoded), out)
    except c2pa.C2paError as exc:
        raise SigningFailed(f"C2PA signing failed: {exc}") from None
    return out.getvalue()


def _finish(
    decoded: Decoded,
    info: StampInfo,
    config: StampConfig,
    *,
    label: LabelPlacement | None,
    preview_mark: dict[str, Any] | None = None,
) -> bytes:
    """The tail every signed stamp shares: watermark, XMP, manifest, signature."""
    decoded.rgb = _watermark(decoded.rgb, info.watermark_payload, config)
    encoded = encode(decoded, xmp=build_xmp(info), quality=config.quality)
    manifest = build_manifest(
        info,
        mime_type=decoded.format.mime_type,
        watermark_algorithm=config.watermarker.algorithm,
        label=label,
        preview_mark=preview_mark,
    )
    return _sign(encoded, manifest, decoded.format.mime_type, config.signing, info.ingredient)


def _from_pixels(image_bytes: bytes, pixels: NDArray[np.uint8], max_pixels: int) -> Decoded:
    """``image_bytes`` as :func:`decode` gives it, from the pixels they were encoded from:
    only the header is read, and it must agree with them (a PNG of their size)."""
    header = read_header(image_bytes)
    array = np.asarray(pixels)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ImageRejected(f"pixels must be H×W×3 uint8, not {array.dtype} {array.shape}")
    if header.format is not ImageFormat.PNG or (header.height, header.width) != array.shape[:2]:
        raise ImageRejected("the pixels given are not the PNG's: a different format or size")
    if header.width * header.height > max_pixels:
        raise ImageRejected(
            f"image is {header.width}x{header.height} pixels; the limit is {max_pixels} pixels"
        )
    # Pillow copies RGB pixels into its own image: the stamp draws on that copy only.
    return Decoded(ImageFormat.PNG, Image.fromarray(array, mode="RGB"), None, None)


def stamp(image_bytes: bytes, info: StampInfo, config: StampConfig | None = None) -> bytes:
    """Return the released image: same format, labelled if required, watermarked,
    with IPTC/XMP AI metadata and a signed C2PA manifest.

    The XMP is written before signing because C2PA hard-binds every byte outside
    its own manifest box; any metadata written afterwards would invalidate it.
    """
    if info.asset_kind != "release" or info.channel is None:
        raise StampRefused("stamp() makes releases; stamp a preview with stamp_preview()")
    config = config or StampConfig.from_settings()
    decoded = decode(image_bytes, max_pixels=config.max_pixels)
    placement: LabelPlacement | None = None
    if label_required(info.channel, license_requires_label=info.license_requires_label):
        placement = draw_label(decoded.rgb, preset_for(info.channel), info.label_text)
    return _finish(decoded, info, config, label=placement)


def stamp_preview(
    image_bytes: bytes,
    info: StampInfo,
    config: StampConfig | None = None,
    *,
    pixels: NDArray[np.uint8] | None = None,
) -> bytes:
    """Return the reviewer's preview: the visible "PREVIEW — not for publication" mark
    across the lower third, the watermark with the preview asset's ID, XMP and a signed C2PA
    manifest whose Likeness assertion says ``asset_kind: "preview"`` (no approval yet,
    no channel), so verify never mistakes it for a release.

    ``info.asset_kind`` is set to ``"preview"`` whatever it said. ``pixels``: what
    ``image_bytes`` decodes to (H×W×3 uint8, no alpha), when the caller made those bytes
    from them (a generation job encodes its image once): the bytes are then not decoded
    again, only their header read (format, size).
    """
    if info.asset_kind != "preview":
        info = replace(info, asset_kind="preview")
    config = config or StampConfig.from_settings()
    if pixels is None:
        decoded = decode(image_bytes, max_pixels=config.max_pixels)
    else:
        decoded = _from_pixels(image_bytes, pixels, config.max_pixels)
    mark = draw_preview_mark(decoded.rgb, PREVIEW_MARK_TEXT)
    return _finish(decoded, info, config, label=None, preview_mark=mark)


def mark_preview(
    image_bytes: bytes,
    config: StampConfig | None = None,
    *,
    payload: bytes | None = None,
    text: str = PREVIEW_MARK_TEXT,
) -> bytes:
    """The visible "PREVIEW — not for publication" mark and a watermark on an image that
    belongs to no registered asset (a local test render from a capture basis, a talent's
    catalogue picture: ``text`` says which): no C2PA manifest, no XMP, since nothing
    stands behind it. ``payload`` (8 bytes) defaults to a random one, which no registry
    knows."""
    config = config or StampConfig.from_settings()
    mark = payload if payload is not None else os.urandom(8)
    if len(mark) != 8:
        raise StampRefused("a watermark payload is 8 bytes")
    decoded = decode(image_bytes, max_pixels=config.max_pixels)
    draw_preview_mark(decoded.rgb, text)
    decoded.rgb = _watermark(decoded.rgb, mark, config)
    return encode(decoded, xmp=None, quality=config.quality)
