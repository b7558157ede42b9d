"""Input checks and the luminance plane the watermark lives in.

Accepted arrays: ``uint8`` or ``uint16``; ``H×W`` (grey), ``H×W×1``, ``H×W×2`` (grey and
alpha), ``H×W×3`` (RGB) or ``H×W×4`` (RGBA). The mark is a luminance change added
equally to the colour channels, alpha is left untouched, and 16-bit images receive the
same change scaled by 257, so every supported layout is marked the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark._arrays import Float32
from likeness.imaging.watermark._errors import ImageTooSmall, InvalidImage

#: Shortest side that holds one whole tile at the smallest chip size.
MIN_SIDE = 128
#: Rows processed at once, so memory stays bounded for very large images.
STRIP_ROWS = 1024
#: The detector analyses images with at most this many pixels on the long side.
ANALYSIS_SIDE = 1100

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class ImageInfo:
    height: int
    width: int
    color_channels: int
    scale: float  # multiply 8-bit units by this to get the image's units


def inspect(image: object) -> ImageInfo:
    """Validate an image array and describe it, or raise :class:`InvalidImage`."""
    if not isinstance(image, np.ndarray):
        raise InvalidImage(f"expected a NumPy array, got {type(image).__name__}")
    if image.dtype not in (np.uint8, np.uint16):
        raise InvalidImage(
            f"expected a uint8 or uint16 image, got dtype {image.dtype}; "
            "convert floats with (image * 255).round().astype(np.uint8)"
        )
    if image.ndim == 2:
        channels = 1
    elif image.ndim == 3 and image.shape[2] in (1, 2, 3, 4):
        channels = image.shape[2]
    else:
        raise InvalidImage(
            f"expected an H×W, H×W×1, H×W×2, H×W×3 or H×W×4 image, got shape {image.shape}"
        )
    height, width = int(image.shape[0]), int(image.shape[1])
    if min(height, width) < MIN_SIDE:
        raise ImageTooSmall(
            f"image is {width}×{height} px; the watermark needs at least {MIN_SIDE} px on each side"
        )
    color = 3 if channels >= 3 else 1
    scale = 257.0 if image.dtype == np.uint16 else 1.0
    return ImageInfo(height, width, color, scale)


def luminance(image: npt.NDArray[np.generic], info: ImageInfo) -> Float32:
    """Luma (BT.601 weights) in 8-bit units, float32."""
    if image.ndim == 2:
        plane = image.astype(np.float32)
    elif info.color_channels == 1:
        plane = image[:, :, 0].astype(np.float32)
    else:
        plane = image[:, :, :3].astype(np.float32) @ _LUMA
    if info.scale != 1.0:
        plane /= np.float32(info.scale)
    return plane


def strips(height: int, margin: int, multiple: int = 1) -> Iterator[tuple[int, int, int, int]]:
    """Row ranges ``(read_start, read_stop, write_start, write_stop)`` with overlap.

    Strip starts are multiples of ``multiple`` so block-averaging by that factor gives
    the same result strip by strip as over the whole image.
    """
    step = multiple * max(1, STRIP_ROWS // multiple)
    for start in range(0, height, step):
        stop = min(height, start + step)
        yield max(0, start - margin), min(height, stop + margin), start, stop


def analysis_factor(info: ImageInfo) -> int:
    """Integer downsampling factor that brings the long side within ``ANALYSIS_SIDE``."""
    return max(1, math.ceil(max(info.height, info.width) / ANALYSIS_SIDE))


def block_mean(plane: Float32, factor: int) -> Float32:
    """Average ``factor``×``factor`` blocks (trailing partial blocks are dropped)."""
    if factor == 1:
        return plane
    h, w = plane.shape[0] // factor, plane.shape[1] // factor
    whole = np.ascontiguousarray(plane[: h * factor, : w * factor], dtype=np.float32)
    # OpenCV's area resize at an integer factor is this block average (to float32
    # rounding: the same sums, added in another order), some 30× faster than NumPy's
    # mean over a reshaped view (bench/generation.py: twice per embedding).
    return np.asarray(cv2.resize(whole, (w, h), interpolation=cv2.INTER_AREA), dtype=np.float32)


def analysis_plane(image: npt.NDArray[np.generic], info: ImageInfo) -> tuple[Float32, int]:
    """The luminance the detector analyses: block-averaged so the long side fits."""
    factor = analysis_factor(info)
    if factor == 1:
        return luminance(image, info), 1
    rows = [
        block_mean(luminance(image[start:stop], info), factor)
        for _, _, start, stop in strips(info.height, 0, factor)
    ]
    return np.vstack(rows), factor


def search_plane(
    image: npt.NDArray[np.generic], info: ImageInfo, factor: int
) -> tuple[Float32, int]:
    """Luminance of the image centre, block-averaged by ``factor``, ``ANALYSIS_SIDE`` a side.

    Returns the plane and its downsampling factor (pixels of the image per sample).
    """
    side = ANALYSIS_SIDE * factor
    top = max(0, (info.height - side) // 2)
    left = max(0, (info.width - side) // 2)
    window = image[top : top + side, left : left + side]
    return block_mean(luminance(window, info), factor), factor


def add_luminance(
    image: npt.NDArray[np.generic], rows: slice, delta: Float32, info: ImageInfo
) -> npt.NDArray[np.generic]:
    """Return the rows of ``image`` with ``delta`` (8-bit units) added to colour channels."""
    top = 65535 if image.dtype == np.uint16 else 255
    block = image[rows]
    if image.dtype == np.uint8 and block.ndim == 3 and block.shape[2] == 3:
        # The same sum in float32, rounded half to even and saturated (what rint and clip
        # do below), in one pass instead of four full-size temporaries.
        plane = np.asarray(delta, dtype=np.float32)
        added = cv2.add(
            np.ascontiguousarray(block), cv2.merge([plane, plane, plane]), dtype=cv2.CV_8U
        )
        return np.asarray(added, dtype=np.uint8)
    scaled = delta * np.float32(info.scale)
    if block.ndim == 2:
        marked = block.astype(np.float32) + scaled
    else:
        marked = block.astype(np.float32)
        marked[:, :, : info.color_channels] += scaled[:, :, None]
    return np.clip(np.rint(marked), 0, top).astype(image.dtype)
