"""Compositing and framing of relit subjects, in linear light.

Matte the subject (from a clean plate or a given alpha), place it on a canvas framed for
a channel with its face on the upper-third line, blend it over a background colour or
image with light wrap, colour match and an optional shadow, and encode for display::

    import numpy as np
    from likeness.imaging import compose as cp

    framing = cp.framing_preset("instagram-portrait")          # 1080 × 1350
    face = cp.face_from_alpha(alpha)                            # or cp.FaceBox(x, y, w, h)
    where = cp.face_placement(face, framing, matte=alpha)       # matte: frame a cut bust
    fg, a = cp.place(subject, where, framing), cp.place(alpha, where, framing)
    bg = cp.solid_background(framing, (0.18, 0.2, 0.22))
    out = cp.composite(fg, a, bg, cp.CompositeConfig(light_wrap=0.3))
    png_pixels = cp.to_display(out, "srgb")                     # uint8 [H, W, 3]

Framing puts the face's centre on the upper-third line. Given the subject's matte, a body
cut by the bottom of the source (a head-and-shoulders capture) is framed like a bust: the
cut edge lands on or below the canvas bottom, by a tighter crop with the face kept on the
line as far as the head keeps some headroom, else by moving the subject down; the cut never
shows inside the canvas. A subject clear of the bottom edge keeps the plain placement.

Arrays in, arrays out: float32 linear RGB ``[H, W, 3]``, alpha float32 ``[H, W]`` in [0, 1].
Display P3 output converts the gamut and comes with :func:`icc_profile` to embed.

Exceptions (subclasses of :class:`likeness.errors.LikenessError`, status 422)::

    ComposeError
    ├── InvalidImage    wrong shape/dtype, NaN, alpha outside [0, 1], mismatched sizes
    └── InvalidFraming  unknown preset, bad canvas size or face box
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._color import (
    SRGB_TO_P3,
    ColorSpace,
    icc_profile,
    srgb_decode,
    srgb_encode_float,
    to_display,
)
from likeness.imaging.compose._composite import (
    CompositeConfig,
    color_matched,
    composite,
    drop_shadow,
)
from likeness.imaging.compose._errors import ComposeError, InvalidFraming, InvalidImage
from likeness.imaging.compose._face import (
    CASCADE_MODEL,
    detect_face,
    face_from_alpha,
    haar_cascade_path,
)
from likeness.imaging.compose._framing import (
    FRAMING_ALIASES,
    FRAMING_PRESETS,
    FaceBox,
    Framing,
    Placement,
    cover,
    face_placement,
    framing_preset,
    place,
)
from likeness.imaging.compose._matte import feather, matte_from_plate


def solid_background(framing: Framing, rgb: tuple[float, float, float]) -> NDArray[np.float32]:
    """A canvas-sized background of one linear RGB colour."""
    color = np.asarray(rgb, dtype=np.float32)
    if color.shape != (3,) or not np.isfinite(color).all() or (color < 0).any():
        raise InvalidImage(f"background colour must be three non-negative numbers, got {rgb}")
    # Fill one row, then copy rows: plain memory copies instead of a 3-element broadcast.
    row = np.empty((1, framing.width, 3), dtype=np.float32)
    row[...] = color
    canvas = np.empty((framing.height, framing.width, 3), dtype=np.float32)
    canvas[...] = row
    return canvas


__all__ = [
    "CASCADE_MODEL",
    "FRAMING_ALIASES",
    "FRAMING_PRESETS",
    "SRGB_TO_P3",
    "ColorSpace",
    "ComposeError",
    "CompositeConfig",
    "FaceBox",
    "Framing",
    "InvalidFraming",
    "InvalidImage",
    "Placement",
    "color_matched",
    "composite",
    "cover",
    "detect_face",
    "drop_shadow",
    "face_from_alpha",
    "face_placement",
    "feather",
    "framing_preset",
    "haar_cascade_path",
    "icc_profile",
    "matte_from_plate",
    "place",
    "solid_background",
    "srgb_decode",
    "srgb_encode_float",
    "to_display",
]
