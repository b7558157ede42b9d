"""Safe image reading for captures: format sniffing, limits, EXIF orientation.

Every file is checked before its pixels are decoded: its size on disk, its real format
(from the magic bytes, not the name) and its pixel count from the header, so a
decompression bomb is refused without ever being inflated. Pixels come back as float32
linear RGB in [0, 1].
"""

from __future__ import annotations

import hashlib
import importlib
import io
import struct
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness.capture._color import srgb_to_linear

FORMATS = ("jpeg", "png", "tiff", "exr")
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class CaptureLimits:
    """Refusal limits: bytes per file, pixels per image, files and bytes per session."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_files: int = 20_000
    max_total_bytes: int = 64 * 1024**3
    min_side: int = 64


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int  # after EXIF orientation
    height: int
    orientation: int
    sha256: str
    size_bytes: int


def sniff_format(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"v/1\x01"):
        return "exr"
    return None


class ImageRefused(Exception):
    """Internal: why one file is unusable (turned into a Problem by the caller)."""


def inspect_image(path: Path, limits: CaptureLimits) -> ImageInfo:
    """Check ``path`` without decoding its pixels; raise :class:`ImageRefused`."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ImageRefused(f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit")
    return inspect_bytes(path.read_bytes(), limits)


def inspect_bytes(data: bytes, limits: CaptureLimits) -> ImageInfo:
    """:func:`inspect_image` for bytes in memory."""
    size = len(data)
    if size == 0:
        raise ImageRefused("file is empty")
    if size > limits.max_file_bytes:
        raise ImageRefused(f"file is {size} bytes, over the {limits.max_file_bytes}-byte limit")
    fmt = sniff_format(data[:8])
    if fmt is None:
        raise ImageRefused("not a JPEG, PNG, TIFF or EXR image")
    if fmt == "exr":
        width, height, orientation = (*_exr_size(data), 1)
    else:
        width, height, orientation = _pil_header(data)
    if width * height > limits.max_pixels:
        raise ImageRefused(
            f"{width}×{height} is {width * height} pixels, over the {limits.max_pixels} limit"
            " (possible decompression bomb)"
        )
    if min(width, height) < limits.min_side:
        raise ImageRefused(f"{width}×{height} is smaller than {limits.min_side} pixels a side")
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return ImageInfo(
        format=fmt,
        width=width,
        height=height,
        orientation=orientation,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=size,
    )


def _pil_header(data: bytes) -> tuple[int, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        # Opening reads the header only. The pixel limit is ours, so PIL's own bomb
        # warning is silenced (its hard error becomes a refusal), and so are its
        # warnings about damaged metadata: damaged pixels are caught when decoding.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                orientation = int(img.getexif().get(_EXIF_ORIENTATION, 1) or 1)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(f"unreadable image header ({exc})") from None
    except Image.DecompressionBombError:
        raise ImageRefused("image header declares too many pixels (decompression bomb)") from None
    if orientation not in range(1, 9):
        orientation = 1
    return width, height, orientation


def _exr_size(data: bytes) -> tuple[int, int]:
    """Width and height from an OpenEXR header's ``dataWindow`` attribute."""
    pos = 8
    while pos < min(len(data), 65536):
        end = data.find(b"\x00", pos)
        if end <= pos:
            break
        name = data[pos:end]
        type_end = data.find(b"\x00", end + 1)
        if type_end < 0 or type_end + 5 > len(data):
            break
        (length,) = struct.unpack_from("<i", data, type_end + 1)
        value_at = type_end + 5
        if name == b"dataWindow" and length == 16:
            x0, y0, x1, y1 = struct.unpack_from("<iiii", data, value_at)
            return x1 - x0 + 1, y1 - y0 + 1
        pos = value_at + length
    raise ImageRefused("EXR header has no dataWindow")


def decode_image(path: Path, info: ImageInfo, encoding: str) -> NDArray[np.float32]:
    """Pixels of an inspected image as float32 linear RGB [H, W, 3] in [0, 1]."""
    if info.format == "exr":
        return _decode_exr(path)
    return decode_bytes(path.read_bytes(), info, encoding)


def decode_bytes(data: bytes, info: ImageInfo, encoding: str) -> NDArray[np.float32]:
    """:func:`decode_image` for bytes in memory."""
    import cv2

    if info.format == "exr":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "frame.exr"
            path.write_bytes(data)
            return _decode_exr(path)
    raw = np.frombuffer(data, dtype=np.uint8)
    with _opencv_silent():
        img: NDArray[Any] | None = cv2.imdecode(
            raw, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
        )
    if img is None:
        raise ImageRefused("image data is corrupt or truncated")
    img = orient(img, info.orientation)
    if img.ndim == 2:
        img = img[:, :, None]
    channels = img.shape[2]
    if channels == 1:
        img = np.repeat(img, 3, axis=2)
    elif channels == 4:
        img = img[:, :, :3]
    if channels >= 3:
        img = img[:, :, 2::-1]  # OpenCV decodes BGR
    if img.dtype == np.uint8:
        out = img.astype(np.float32) / 255.0
    elif img.dtype == np.uint16:
        out = img.astype(np.float32) / 65535.0
    elif np.issubdtype(img.dtype, np.floating):
        out = img.astype(np.float32)
        if not np.isfinite(out).all():
            raise ImageRefused("image contains NaN or infinite values")
        return np.ascontiguousarray(out)  # float TIFFs are linear already
    else:
        raise ImageRefused(f"unsupported pixel type {img.dtype}")
    if encoding == "srgb":
        out = srgb_to_linear(out)
    return np.ascontiguousarray(out, dtype=np.float32)


@contextmanager
def _opencv_silent() -> Iterator[None]:
    """OpenCV (and libtiff through it) writes its own lines about damaged data straight to
    stderr before it returns nothing; the refusal already says it in one line, naming the
    file, so OpenCV's log is silenced while it decodes (and restored after)."""
    import cv2

    log = cv2.utils.logging
    before = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        log.setLogLevel(before)


def decode_gray(path: Path | bytes, info: ImageInfo) -> NDArray[np.float32]:
    """A matte: single channel float32 [H, W] in [0, 1] (no transfer function)."""
    data = path if isinstance(path, bytes) else path.read_bytes()
    rgb = decode_bytes(data, info, "linear")
    return np.ascontiguousarray(rgb.mean(axis=2), dtype=np.float32)


def orient(img: NDArray[Any], orientation: int) -> NDArray[Any]:
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.swapaxes(a, 0, 1)[:, ::-1],
        7: lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
        8: lambda a: np.swapaxes(a, 0, 1)[::-1],
    }
    op = ops.get(orientation)
    return np.ascontiguousarray(op(img)) if op else img


def _decode_exr(path: Path) -> NDArray[np.float32]:
    try:
        # Imported by name: the extension ships no type information.
        openexr: Any = importlib.import_module("OpenEXR")
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImageRefused("EXR support needs the `openexr` package") from None
    try:
        with openexr.File(str(path)) as exr:
            channels = exr.channels()
            if "RGB" in channels or "RGBA" in channels:
                pixels = np.asarray(channels.get("RGB", channels.get("RGBA")).pixels, np.float32)
                pixels = pixels[..., :3]
            elif all(c in channels for c in ("R", "G", "B")):
                parts = [np.asarray(channels[c].pixels, np.float32) for c in ("R", "G", "B")]
                pixels = np.stack(parts, axis=-1)
            elif "Y" in channels:
                pixels = np.repeat(np.asarray(channels["Y"].pixels, np.float32)[..., None], 3, 2)
            else:
                raise ImageRefused(f"EXR has no RGB or Y channels ({', '.join(channels)})")
    except ImageRefused:
        raise
    except Exception as exc:  # OpenEXR raises plain RuntimeError/OSError on bad data
        raise ImageRefused(f"EXR data is corrupt or unsupported ({exc})") from None
    if not np.isfinite(pixels).all():
        raise ImageRefused("image contains NaN or infinite values")
    return np.ascontiguousarray(pixels, dtype=np.float32)
