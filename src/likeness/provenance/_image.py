"""Decoding untrusted image bytes safely and encoding stamped ones."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from PIL.PngImagePlugin import PngInfo

from likeness.imaging import DECODE_ERRORS
from likeness.provenance._errors import ImageRejected
from likeness.provenance._formats import ImageFormat, sniff_format
from likeness.provenance._png import PNG_COMPRESS_LEVEL, encode_png

__all__ = ["PNG_COMPRESS_LEVEL", "Decoded", "Header", "decode", "encode", "read_header"]

#: Pixel limit for decoding; kept under Pillow's own bomb limit (~89 MP) so our
#: message, not Pillow's warning, is what the user sees. 80 MP covers print and OOH.
DEFAULT_MAX_PIXELS = 80_000_000
#: Input files above this size are refused before any parsing.
MAX_INPUT_BYTES = 256 * 1024 * 1024
XMP_PNG_KEY = "XML:com.adobe.xmp"


@dataclass(frozen=True)
class Header:
    format: ImageFormat
    width: int
    height: int
    xmp: bytes | None


@dataclass
class Decoded:
    format: ImageFormat
    rgb: Image.Image
    alpha: Image.Image | None
    icc_profile: bytes | None


def _open(data: bytes, fmt: ImageFormat) -> Image.Image:
    with warnings.catch_warnings(action="error", category=Image.DecompressionBombWarning):
        return Image.open(io.BytesIO(data), formats=[fmt.pillow_name])


def read_header(data: bytes) -> Header:
    """Container, dimensions and XMP packet, without decoding pixels."""
    if len(data) > MAX_INPUT_BYTES:
        raise ImageRejected(f"file is {len(data)} bytes; the limit is {MAX_INPUT_BYTES}")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejected("not a JPEG, PNG or WebP image (checked by content, not extension)")
    try:
        image = _open(data, fmt)
        width, height = image.size
        xmp = image.info.get("xmp") or image.info.get(XMP_PNG_KEY)
    except DECODE_ERRORS as exc:
        raise ImageRejected(f"cannot read the {fmt.name} header: {_reason(exc)}") from None
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    return Header(fmt, width, height, xmp if isinstance(xmp, bytes) else None)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return "dimensions too large"
    return str(exc) or type(exc).__name__


def decode(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Decode to RGB (plus alpha when present) with EXIF orientation applied."""
    header = read_header(data)
    if header.width * header.height > max_pixels:
        raise ImageRejected(
            f"image is {header.width}x{header.height} pixels; the limit is {max_pixels} pixels"
        )
    try:
        image = _open(data, header.format)
        image.load()
        icc_profile = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image)
        alpha = image.convert("RGBA").getchannel("A") if _has_alpha(image) else None
        rgb = image.convert("RGB")
    except DECODE_ERRORS as exc:
        raise ImageRejected(
            f"cannot decode the {header.format.name} image: {_reason(exc)}"
        ) from None
    return Decoded(
        header.format, rgb, alpha, icc_profile if isinstance(icc_profile, bytes) else None
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def encode(decoded: Decoded, *, xmp: bytes | None, quality: int) -> bytes:
    """Encode with only our XMP (if any) and the colour profile as metadata."""
    if decoded.format is ImageFormat.PNG and decoded.rgb.mode == "RGB":
        # Likeness's own writer (``_png``): several times faster than Pillow's.
        alpha = None if decoded.alpha is None else np.asarray(decoded.alpha, dtype=np.uint8)
        return encode_png(
            np.asarray(decoded.rgb, dtype=np.uint8),
            alpha=alpha,
            xmp=xmp,
            icc_profile=decoded.icc_profile,
        )
    out = io.BytesIO()
    image = decoded.rgb
    if decoded.alpha is not None and decoded.format is not ImageFormat.JPEG:
        image = image.copy()
        image.putalpha(decoded.alpha)
    extra: dict[str, object] = {}
    if decoded.icc_profile:
        extra["icc_profile"] = decoded.icc_profile
    if xmp is not None and decoded.format is not ImageFormat.PNG:
        extra["xmp"] = xmp
    if decoded.format is ImageFormat.JPEG:
        # 4:4:4 keeps the label's text edges and the watermark's chroma intact.
        image.save(out, format="JPEG", quality=quality, subsampling=0, **extra)
    elif decoded.format is ImageFormat.PNG:
        info = PngInfo()
        if xmp is not None:
            info.add_itxt(XMP_PNG_KEY, xmp.decode("utf-8"))
        image.save(out, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL, **extra)
    else:
        image.save(out, format="WEBP", quality=quality, method=4, **extra)
    return out.getvalue()
