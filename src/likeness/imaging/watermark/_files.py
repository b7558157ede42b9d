"""Image files for the CLI: JPEG, PNG and WebP in, the same out, orientation kept right.

Pillow reads and writes everything except 16-bit colour PNGs, which it would
truncate to 8 bits; OpenCV handles those. EXIF orientation is applied on reading
(so the mark is embedded in the pixels people see) and the ICC profile is kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from likeness.imaging.watermark._arrays import Pixels
from likeness.imaging.watermark._errors import InvalidImage

FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
JPEG_QUALITY = 95
WEBP_QUALITY = 95
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class LoadedImage:
    pixels: Pixels
    icc_profile: bytes | None = None

    def with_pixels(self, pixels: Pixels) -> LoadedImage:
        return replace(self, pixels=pixels)


def read_image(path: Path) -> LoadedImage:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidImage(f"{path} does not exist") from None
    except OSError as exc:
        raise InvalidImage(f"cannot read {path}: {exc.strerror}") from exc
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidImage(f"{path} is not a readable image ({exc})") from exc
    if image.format not in set(FORMATS.values()):
        raise InvalidImage(f"{path} is {image.format}; use JPEG, PNG or WebP")
    icc = image.info.get("icc_profile")
    if image.format == "PNG" and _is_16_bit_color_png(data):
        return LoadedImage(_read_16_bit_color_png(data, path), icc)
    upright: Image.Image = ImageOps.exif_transpose(image)
    return LoadedImage(_pixels(upright), icc)


def _is_16_bit_color_png(data: bytes) -> bool:
    # IHDR: bit depth at byte 24, colour type at byte 25 (2 = RGB, 6 = RGBA).
    return data[:8] == _PNG_SIGNATURE and len(data) > 25 and data[24] == 16 and data[25] in (2, 6)


def _read_16_bit_color_png(data: bytes, path: Path) -> Pixels:
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.dtype != np.uint16 or decoded.ndim != 3:
        raise InvalidImage(f"{path}: cannot decode this 16-bit PNG")
    code = cv2.COLOR_BGRA2RGBA if decoded.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return np.asarray(cv2.cvtColor(decoded, code), dtype=np.uint16)


def _pixels(image: Image.Image) -> Pixels:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(image, dtype=np.uint16)
    if mode == "I":
        values = np.asarray(image)
        if values.min() < 0 or values.max() > 65535:
            raise InvalidImage("32-bit integer images are not supported")
        return values.astype(np.uint16)
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGB")
    return np.asarray(image, dtype=np.uint8)


def write_image(path: Path, image: LoadedImage) -> None:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidImage(f"cannot write {path.name}: use a .jpg, .jpeg, .png or .webp name")
    pixels = image.pixels
    if fmt == "PNG" and pixels.dtype == np.uint16 and pixels.ndim == 3:
        _write_16_bit_color_png(path, pixels)
        return
    if pixels.dtype == np.uint16 and not (fmt == "PNG" and pixels.ndim == 2):
        pixels = np.rint(pixels / 257.0).astype(np.uint8)  # JPEG and WebP hold 8 bits
    if fmt == "JPEG" and pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        raise InvalidImage("JPEG cannot store transparency; write a .png or .webp instead")
    picture = Image.fromarray(pixels)
    options: dict[str, object] = {}
    if image.icc_profile:
        options["icc_profile"] = image.icc_profile
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, subsampling=0)
    elif fmt == "WEBP":
        options.update(quality=WEBP_QUALITY, method=4)
    try:
        picture.save(path, format=fmt, **options)
    except OSError as exc:
        raise InvalidImage(f"cannot write {path}: {exc}") from exc


def _write_16_bit_color_png(path: Path, pixels: Pixels) -> None:
    code = cv2.COLOR_RGBA2BGRA if pixels.shape[2] == 4 else cv2.COLOR_RGB2BGR
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(pixels, code))
    if not ok:
        raise InvalidImage(f"cannot encode {path} as a 16-bit PNG")
    try:
        path.write_bytes(encoded.tobytes())
    except OSError as exc:
        raise InvalidImage(f"cannot write {path}: {exc.strerror}") from exc
