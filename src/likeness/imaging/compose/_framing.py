"""Framing presets per channel and face-aware placement of the subject on the canvas."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidFraming


@dataclass(frozen=True)
class Framing:
    """Output canvas: ``width`` × ``height`` pixels at ``dpi`` (for print metadata)."""

    name: str
    width: int
    height: int
    dpi: int = 72

    def __post_init__(self) -> None:
        if not (16 <= self.width <= 20000 and 16 <= self.height <= 20000):
            raise InvalidFraming(f"canvas {self.width}x{self.height} is outside 16..20000 px")
        if self.dpi < 1:
            raise InvalidFraming("dpi must be positive")


def _print(name: str, inches_w: float, inches_h: float) -> Framing:
    return Framing(name, round(inches_w * 300), round(inches_h * 300), dpi=300)


FRAMING_PRESETS: dict[str, Framing] = {
    "instagram-portrait": Framing("instagram-portrait", 1080, 1350),
    "story": Framing("story", 1080, 1920),
    "square": Framing("square", 1080, 1080),
    "landscape": Framing("landscape", 1920, 1080),
    "print-4x6": _print("print-4x6", 4, 6),
    "print-5x7": _print("print-5x7", 5, 7),
    "print-8x10": _print("print-8x10", 8, 10),
    "print-a4": _print("print-a4", 8.27, 11.69),
}
#: Other names people use for the same canvases.
FRAMING_ALIASES = {"tiktok": "story", "reels": "story", "stories": "story", "youtube": "landscape"}


def framing_preset(name: str) -> Framing:
    key = FRAMING_ALIASES.get(name, name)
    if key not in FRAMING_PRESETS:
        names = ", ".join(sorted([*FRAMING_PRESETS, *FRAMING_ALIASES]))
        raise InvalidFraming(f"unknown framing preset {name!r}; choose one of {names}")
    return FRAMING_PRESETS[key]


@dataclass(frozen=True)
class FaceBox:
    """Face rectangle in source pixels: left ``x``, top ``y``, ``width``, ``height``."""

    x: float
    y: float
    width: float
    height: float

    def __post_init__(self) -> None:
        values = (self.x, self.y, self.width, self.height)
        if not all(np.isfinite(v) for v in values) or self.width <= 0 or self.height <= 0:
            raise InvalidFraming(f"face box must have a positive finite size, got {values}")

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class Placement:
    """Source → canvas similarity: ``canvas = scale * source + (tx, ty)``."""

    scale: float
    tx: float
    ty: float

    def matrix(self) -> NDArray[np.float32]:
        return np.array([[self.scale, 0, self.tx], [0, self.scale, self.ty]], dtype=np.float32)

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.scale * x + self.tx, self.scale * y + self.ty


def face_placement(
    face: FaceBox,
    framing: Framing,
    *,
    face_height_fraction: float | None = None,
    face_line: float = 1 / 3,
) -> Placement:
    """Scale and shift so the face's centre sits on the upper-third line, centred across.

    ``face_height_fraction`` is the face height as a share of the canvas height; by default
    it is tighter on wide canvases and looser on tall ones (head-and-shoulders framing).
    """
    if face_height_fraction is None:
        face_height_fraction = 0.22 if framing.height > framing.width else 0.3
    if not 0.02 <= face_height_fraction <= 1.0:
        raise InvalidFraming("face_height_fraction must lie in [0.02, 1]")
    if not 0.0 < face_line < 1.0:
        raise InvalidFraming("face_line must lie strictly between 0 and 1")
    scale = face_height_fraction * framing.height / face.height
    cx, cy = face.centre
    return Placement(scale, framing.width / 2 - scale * cx, face_line * framing.height - scale * cy)


def place(
    image: NDArray[np.float32], placement: Placement, framing: Framing
) -> NDArray[np.float32]:
    """Warp ``image`` (``[H, W]`` or ``[H, W, C]``) onto the canvas; outside stays zero."""
    # Bilinear warping aliases only when shrinking by more than 2x; then pre-filter.
    if placement.scale < 0.5:
        # warpAffine has no area filter: resize first (anti-aliased), then shift.
        height, width = image.shape[:2]
        size = (max(1, round(width * placement.scale)), max(1, round(height * placement.scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        sx, sy = size[0] / width, size[1] / height
        matrix = np.array(
            [[placement.scale / sx, 0, placement.tx], [0, placement.scale / sy, placement.ty]],
            dtype=np.float32,
        )
        image = small.astype(np.float32)
    else:
        matrix = placement.matrix()
    out: NDArray[np.float32] = cv2.warpAffine(  # type: ignore[assignment]
        image,
        matrix,
        (framing.width, framing.height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return out


def cover(background: NDArray[np.float32], framing: Framing) -> NDArray[np.float32]:
    """Resize and centre-crop a background so it fills the canvas (no bars)."""
    height, width = background.shape[:2]
    scale = max(framing.width / width, framing.height / height)
    size = (max(framing.width, round(width * scale)), max(framing.height, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(background, size, interpolation=interpolation)
    top = (size[1] - framing.height) // 2
    left = (size[0] - framing.width) // 2
    out: NDArray[np.float32] = np.ascontiguousarray(
        resized[top : top + framing.height, left : left + framing.width]
    )
    return out
