from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from likeness.provenance import PRESETS, Channel, Corner, ImageRejected, label_required
from likeness.provenance._label import (
    MIN_BADGE_HEIGHT_PX,
    LabelPlacement,
    Scheme,
    badge_box,
    candidate_placements,
    draw_label,
    find_label,
)


def _flat(size: tuple[int, int], value: int) -> Image.Image:
    return Image.new("RGB", size, (value, value, value))


@pytest.mark.parametrize(
    ("channel", "required"),
    [
        (Channel.INSTAGRAM, False),
        (Channel.TIKTOK, False),
        (Channel.YOUTUBE, False),
        (Channel.WEB, True),
        (Channel.PRINT, True),
        (Channel.OOH, True),
        (Channel.FACEBOOK, False),
        (Channel.EMAIL, True),
        (Channel.TV, True),
    ],
)
def test_channel_presets_decide_whether_a_label_is_required(
    channel: Channel, required: bool
) -> None:
    assert label_required(channel, license_requires_label=False) is required
    assert label_required(channel, license_requires_label=True) is True


def test_badge_sits_in_the_preset_corner_inside_the_margin() -> None:
    for preset in PRESETS.values():
        left, top, right, bottom = badge_box((1200, 800), preset, "AI-generated")
        margin = round(800 * preset.margin_fraction)
        assert bottom - top == round(800 * preset.height_fraction)
        if preset.corner in (Corner.TOP_LEFT, Corner.BOTTOM_LEFT):
            assert left == margin
        else:
            assert right == 1200 - margin
        if preset.corner in (Corner.TOP_LEFT, Corner.TOP_RIGHT):
            assert top == margin
        else:
            assert bottom == 800 - margin


def test_badge_scales_with_the_image_but_never_below_legible_size() -> None:
    preset = PRESETS[Channel.WEB]
    small = badge_box((300, 200), preset, "AI-generated")
    large = badge_box((3000, 2000), preset, "AI-generated")
    assert small[3] - small[1] == MIN_BADGE_HEIGHT_PX
    assert large[3] - large[1] == 80
    assert (large[2] - large[0]) > 4 * (small[2] - small[0])


def test_image_too_small_for_a_legible_label_is_rejected() -> None:
    with pytest.raises(ImageRejected, match="too small for a legible"):
        badge_box((60, 40), PRESETS[Channel.WEB], "AI-generated")


def test_scheme_contrasts_with_the_background() -> None:
    preset = PRESETS[Channel.WEB]
    assert draw_label(_flat((400, 300), 235), preset, "AI-generated").scheme is Scheme.DARK
    assert draw_label(_flat((400, 300), 20), preset, "AI-generated").scheme is Scheme.LIGHT


def test_drawn_badge_has_legible_text_contrast() -> None:
    image = _flat((400, 300), 128)
    placement = draw_label(image, PRESETS[Channel.OOH], "AI-generated")
    badge = np.asarray(image.crop(placement.box).convert("L"), dtype=np.int16)
    assert badge.max() - badge.min() > 200  # ink vs fill
    assert image.getpixel((5, 5)) == (128, 128, 128)  # outside untouched


def test_drawing_is_deterministic() -> None:
    first, second = _flat((640, 480), 90), _flat((640, 480), 90)
    draw_label(first, PRESETS[Channel.PRINT], "AI-generated")
    draw_label(second, PRESETS[Channel.PRINT], "AI-generated")
    assert first.tobytes() == second.tobytes()


def test_label_is_found_where_drawn_and_not_on_clean_images() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(40, 200, (360, 480, 3), dtype=np.uint8)
    clean = Image.fromarray(pixels, mode="RGB")
    labelled = clean.copy()
    placement = draw_label(labelled, PRESETS[Channel.TIKTOK], "AI-generated")
    assert find_label(labelled, candidate_placements(labelled.size)) == placement
    assert find_label(clean, candidate_placements(clean.size)) is None
    flat_fill = _flat((480, 360), 17)  # the dark badge's fill, but no text
    assert find_label(flat_fill, candidate_placements(flat_fill.size)) is None


def test_placement_round_trips_and_rejects_malformed_manifest_data() -> None:
    placement = LabelPlacement("AI-generated", Corner.TOP_LEFT, (1, 2, 30, 20), Scheme.LIGHT)
    assert LabelPlacement.from_dict(placement.to_dict()) == placement
    for bad in (
        None,
        {},
        {"text": "x"},
        {**placement.to_dict(), "box": [1, 2]},
        {**placement.to_dict(), "corner": "middle"},
    ):
        assert LabelPlacement.from_dict(bad) is None
