"""The visible "AI-generated" badge: drawing it and finding it again.

The badge is opaque, so its pixels depend only on the text, the box and the
colour scheme; verification re-renders the expected badge and compares, which
needs no OCR and survives ordinary JPEG/WebP compression.
"""

from __future__ import annotations

import enum
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from likeness.provenance._channels import PRESETS, Corner, LabelPreset
from likeness.provenance._errors import ImageRejected
from likeness.provenance._info import DEFAULT_LABEL_TEXT

FONT_RESOURCE = "fonts/LikenessLabel-Bold.ttf"
#: Below this badge height text stops being legible on a phone screen.
MIN_BADGE_HEIGHT_PX = 16
FONT_TO_BADGE_HEIGHT = 0.6
PADDING_TO_BADGE_HEIGHT = 0.35
#: Background luma above which the dark badge contrasts better than the light one.
LIGHT_BACKGROUND_LUMA = 140.0
#: Mean absolute grey-level difference under which a rendered badge counts as found.
MATCH_THRESHOLD = 24.0
_BOX_KEYS = ("left", "top", "right", "bottom")


class Scheme(enum.StrEnum):
    DARK = "dark"  # near-black badge, white text: for light backgrounds
    LIGHT = "light"  # near-white badge, black text: for dark backgrounds

    @property
    def colors(self) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        if self is Scheme.DARK:
            return (17, 17, 17), (255, 255, 255)
        return (250, 250, 250), (17, 17, 17)


@dataclass(frozen=True)
class LabelPlacement:
    text: str
    corner: Corner
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive)
    scheme: Scheme

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "corner": str(self.corner),
            # A mapping, not a list: c2pa-rs stores lists of small ints as byte strings.
            "box": dict(zip(_BOX_KEYS, self.box, strict=True)),
            "scheme": str(self.scheme),
        }

    @classmethod
    def from_dict(cls, data: Any) -> LabelPlacement | None:
        """Parse a placement from untrusted manifest data; ``None`` when malformed."""
        try:
            left, top, right, bottom = (int(data["box"][key]) for key in _BOX_KEYS)
            return cls(
                str(data["text"]),
                Corner(data["corner"]),
                (left, top, right, bottom),
                Scheme(data["scheme"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return resources.files("likeness.provenance").joinpath(FONT_RESOURCE).read_bytes()


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: no dependency on libraqm, so every machine draws the same pixels.
    return ImageFont.truetype(
        io.BytesIO(_font_bytes()), size=size, layout_engine=ImageFont.Layout.BASIC
    )


def badge_size(text: str, height: int) -> tuple[int, int]:
    font = _font(max(1, round(height * FONT_TO_BADGE_HEIGHT)))
    padding = round(height * PADDING_TO_BADGE_HEIGHT)
    return math.ceil(font.getlength(text)) + 2 * padding, height


def badge_box(
    image_size: tuple[int, int], preset: LabelPreset, text: str
) -> tuple[int, int, int, int]:
    """Where the badge goes for this image size and preset; refuses tiny images."""
    width, height = image_size
    short_side = min(width, height)
    badge_h = max(MIN_BADGE_HEIGHT_PX, round(short_side * preset.height_fraction))
    badge_w, badge_h = badge_size(text, badge_h)
    margin = round(short_side * preset.margin_fraction)
    if badge_w + 2 * margin > width or badge_h + 2 * margin > height:
        raise ImageRejected(
            f"image {width}x{height} is too small for a legible {text!r} label "
            f"(needs {badge_w + 2 * margin}x{badge_h + 2 * margin})"
        )
    left = (
        margin
        if preset.corner in (Corner.TOP_LEFT, Corner.BOTTOM_LEFT)
        else width - margin - badge_w
    )
    top = (
        margin
        if preset.corner in (Corner.TOP_LEFT, Corner.TOP_RIGHT)
        else height - margin - badge_h
    )
    return left, top, left + badge_w, top + badge_h


def render_badge(text: str, width: int, height: int, scheme: Scheme) -> Image.Image:
    fill, ink = scheme.colors
    badge = Image.new("RGB", (width, height), fill)
    draw = ImageDraw.Draw(badge)
    font = _font(max(1, round(height * FONT_TO_BADGE_HEIGHT)))
    draw.text((width / 2, height / 2), text, font=font, fill=ink, anchor="mm")
    return badge


def choose_scheme(image: Image.Image, box: tuple[int, int, int, int]) -> Scheme:
    """Dark badge on light surroundings, light badge on dark ones."""
    left, top, right, bottom = box
    pad = max(2, (bottom - top) // 2)
    around = image.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(image.width, right + pad),
            min(image.height, bottom + pad),
        )
    )
    luma = float(np.asarray(around.convert("L"), dtype=np.float64).mean())
    return Scheme.DARK if luma > LIGHT_BACKGROUND_LUMA else Scheme.LIGHT


def draw_label(image: Image.Image, preset: LabelPreset, text: str) -> LabelPlacement:
    """Paint the badge onto ``image`` (RGB, modified in place) and say where."""
    box = badge_box(image.size, preset, text)
    scheme = choose_scheme(image, box)
    placement = LabelPlacement(text, preset.corner, box, scheme)
    image.paste(render_badge(text, placement.width, placement.height, scheme), box[:2])
    return placement


def badge_difference(image: Image.Image, placement: LabelPlacement) -> float:
    """Mean absolute grey-level difference between the image and the expected badge."""
    left, top, right, bottom = placement.box
    if (
        left < 0
        or top < 0
        or right > image.width
        or bottom > image.height
        or right <= left
        or bottom <= top
    ):
        return math.inf
    found = np.asarray(image.crop(placement.box).convert("L"), dtype=np.float64)
    expected = render_badge(placement.text, placement.width, placement.height, placement.scheme)
    return float(np.abs(found - np.asarray(expected.convert("L"), dtype=np.float64)).mean())


def candidate_placements(
    image_size: tuple[int, int], text: str = DEFAULT_LABEL_TEXT
) -> list[LabelPlacement]:
    """Every placement a channel preset could have produced for this image."""
    candidates: list[LabelPlacement] = []
    seen: set[tuple[int, int, int, int]] = set()
    for preset in PRESETS.values():
        try:
            box = badge_box(image_size, preset, text)
        except ImageRejected:
            continue
        if box in seen:
            continue
        seen.add(box)
        candidates.extend(LabelPlacement(text, preset.corner, box, scheme) for scheme in Scheme)
    return candidates


def find_label(image: Image.Image, candidates: list[LabelPlacement]) -> LabelPlacement | None:
    """The best-matching candidate badge, if any matches closely enough."""
    best: tuple[float, LabelPlacement] | None = None
    for placement in candidates:
        difference = badge_difference(image, placement)
        if difference < MATCH_THRESHOLD and (best is None or difference < best[0]):
            best = (difference, placement)
    return best[1] if best else None


#: The preview mark's height, relative to the image's shorter side: larger than a channel
#: badge, so nobody takes a preview for a release.
PREVIEW_MARK_HEIGHT_FRACTION = 0.07
PREVIEW_MARK_MARGIN_FRACTION = 0.03
#: On small images (thumbnails, test renders) the mark shrinks below the legible badge
#: size rather than be left out.
PREVIEW_MARK_MIN_HEIGHT_PX = 6


#: Where the preview band's centre sits, as a fraction of the height from the top: the
#: lower third, clear of where portraits and fashion shots put the face.
PREVIEW_MARK_CENTRE_FRACTION = 0.75


def preview_mark_box(image_size: tuple[int, int], text: str) -> tuple[int, int, int, int]:
    """A band centred across the image's lower third, as wide as the text needs (shrunk
    to fit narrow images): low enough to leave a portrait's face clear for the reviewer,
    across the body, where cropping it away would take the picture with it."""
    width, height = image_size
    short_side = min(width, height)
    margin = round(short_side * PREVIEW_MARK_MARGIN_FRACTION)
    badge_h = max(MIN_BADGE_HEIGHT_PX, round(short_side * PREVIEW_MARK_HEIGHT_FRACTION))
    badge_w, badge_h = badge_size(text, badge_h)
    while badge_w + 2 * margin > width and badge_h > PREVIEW_MARK_MIN_HEIGHT_PX:
        badge_w, badge_h = badge_size(text, badge_h - 1)
    if badge_w + 2 * margin > width or badge_h + 2 * margin > height:
        raise ImageRejected(
            f"image {width}x{height} is too small for a legible {text!r} preview mark"
        )
    left = (width - badge_w) // 2
    top = round(height * PREVIEW_MARK_CENTRE_FRACTION - badge_h / 2)
    top = min(max(top, margin), height - margin - badge_h)
    return left, top, left + badge_w, top + badge_h


def draw_preview_mark(image: Image.Image, text: str) -> dict[str, Any]:
    """Paint the "not for publication" band onto ``image`` (in place); say where, for the
    manifest (text, box and colour scheme, like a channel badge's placement)."""
    box = preview_mark_box(image.size, text)
    scheme = choose_scheme(image, box)
    left, top, right, bottom = box
    image.paste(render_badge(text, right - left, bottom - top, scheme), (left, top))
    return {
        "text": text,
        "box": dict(zip(_BOX_KEYS, box, strict=True)),
        "scheme": str(scheme),
    }
