"""Framing presets per channel and face-aware placement of the subject on the canvas.

The face's centre goes on the upper-third line. A subject whose matte is cut by the
bottom of the source (a head-and-shoulders capture) is framed like a bust: the cut edge
goes onto or below the canvas bottom, never inside the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidFraming, InvalidImage
from likeness.imaging.compose._validate import check_alpha


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
    matte: NDArray[np.float32] | None = None,
) -> Placement:
    """Scale and shift so the face's centre sits on the upper-third line, centred across.

    ``face_height_fraction`` is the face height as a share of the canvas height; by default
    it is tighter on wide canvases and looser on tall ones (head-and-shoulders framing).

    ``matte`` is the subject's alpha in the same pixel grid as ``face``. When it reaches the
    source's bottom edge (a bust whose torso goes on below the capture), the placement
    brings that cut edge onto or below the canvas bottom: first by scaling up with the face
    kept on the line (a tighter crop), as far as the top of the head keeps a little
    headroom, then by moving the subject down. The cut never shows inside the canvas. A
    matte clear of the bottom edge, or none, keeps the plain placement.
    """
    if face_height_fraction is None:
        face_height_fraction = 0.22 if framing.height > framing.width else 0.3
    if not 0.02 <= face_height_fraction <= 1.0:
        raise InvalidFraming("face_height_fraction must lie in [0.02, 1]")
    if not 0.0 < face_line < 1.0:
        raise InvalidFraming("face_line must lie strictly between 0 and 1")
    scale = face_height_fraction * framing.height / face.height
    cx, cy = face.centre
    plain = Placement(
        scale, framing.width / 2 - scale * cx, face_line * framing.height - scale * cy
    )
    if matte is None:
        return plain
    if not isinstance(matte, np.ndarray) or matte.ndim != 2 or 0 in matte.shape:
        shape = getattr(matte, "shape", type(matte).__name__)
        raise InvalidImage(f"matte must be a non-empty array [H, W], got {shape}")
    check_alpha(matte, matte.shape)
    if not _cut_at_bottom(matte):
        return plain
    return _bust_placement(plain, face, framing, face_line, _matte_top(matte), matte.shape[0])


#: Opaque pixels the matte's last row needs to count as a body cut by the frame: a share
#: of the width and a floor, so that a few stray pixels of a noisy key reframe nothing.
_CUT_COVERAGE = 0.02
_CUT_MIN_PIXELS = 3
#: Room kept above the head, as a share of the canvas height, when a bust is scaled up.
_HEADROOM = 0.04


def _cut_at_bottom(matte: NDArray[np.float32]) -> bool:
    opaque = int(np.count_nonzero(matte[-1] > 0.5))
    return opaque >= max(_CUT_MIN_PIXELS, _CUT_COVERAGE * int(matte.shape[1]))


def _matte_top(matte: NDArray[np.float32]) -> float:
    rows = np.flatnonzero((matte > 0.5).any(axis=1))
    return float(rows[0]) if rows.size else 0.0


def _cut_clearance(scale: float) -> float:
    # Placement maps pixel indices, and bilinear sampling reaches one source pixel
    # (``scale`` canvas pixels) beyond the last row: landing the cut this far past the
    # canvas edge keeps the bottom canvas row fully inside the matte, also after the
    # area pre-filter of strong reductions.
    return 0.5 + max(0.0, scale - 1.0)


def _bust_placement(
    plain: Placement,
    face: FaceBox,
    framing: Framing,
    face_line: float,
    head_top: float,
    source_height: int,
) -> Placement:
    """Place a bust cut by the source's bottom edge so that the cut falls off the canvas."""
    height = framing.height
    cx, cy = face.centre
    below_face = source_height - cy
    above_face = cy - head_top
    # Scale that puts the cut on the canvas bottom with the face on the line (none helps
    # when the face reaches the cut), and the largest that leaves headroom above the matte.
    needed = (1 - face_line) * height / below_face if below_face > 0 else plain.scale
    roomy = (face_line - _HEADROOM) * height / above_face if above_face > 0 else needed
    scale = max(plain.scale, min(needed, roomy))
    on_line = face_line * height - scale * cy
    cut_below = height + _cut_clearance(scale) - scale * source_height
    return Placement(scale, framing.width / 2 - scale * cx, max(on_line, cut_below))


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
        # Pixel k of the reduced image is centred on source pixel (k + 0.5) / s - 0.5, not on
        # k / s: without this shift the subject lands up to half a canvas pixel up and left.
        shift_x = placement.scale * (0.5 / sx - 0.5)
        shift_y = placement.scale * (0.5 / sy - 0.5)
        matrix = np.array(
            [
                [placement.scale / sx, 0, placement.tx + shift_x],
                [0, placement.scale / sy, placement.ty + shift_y],
            ],
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
