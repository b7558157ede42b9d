"""Matting, compositing and colour output."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from likeness.imaging import compose as cp

RNG = np.random.default_rng(3)


def _rgb(h: int = 16, w: int = 12, value: float | None = None) -> np.ndarray:
    if value is not None:
        return np.full((h, w, 3), value, np.float32)
    return RNG.random((h, w, 3), dtype=np.float32)


def test_plain_composite_is_the_over_operator() -> None:
    fg, bg = _rgb(), _rgb()
    alpha = RNG.random((16, 12), dtype=np.float32)
    config = cp.CompositeConfig(light_wrap=0.0, color_match=0.0)
    out = cp.composite(fg, alpha, bg, config)
    np.testing.assert_allclose(out, alpha[..., None] * fg + (1 - alpha[..., None]) * bg, atol=1e-6)


def test_opaque_and_clear_alpha() -> None:
    fg, bg = _rgb(), _rgb()
    config = cp.CompositeConfig(light_wrap=0.0, color_match=0.0)
    np.testing.assert_allclose(cp.composite(fg, np.ones((16, 12), np.float32), bg, config), fg)
    np.testing.assert_allclose(cp.composite(fg, np.zeros((16, 12), np.float32), bg, config), bg)


def test_light_wrap_brightens_only_near_the_edge() -> None:
    fg = _rgb(64, 64, 0.1)
    bg = _rgb(64, 64, 1.0)
    alpha = np.zeros((64, 64), np.float32)
    alpha[8:56, 8:56] = 1.0
    plain = cp.composite(fg, alpha, bg, cp.CompositeConfig(light_wrap=0.0, color_match=0.0))
    wrapped = cp.composite(fg, alpha, bg, cp.CompositeConfig(light_wrap=0.8, color_match=0.0))
    assert wrapped[9, 32].mean() > plain[9, 32].mean() + 0.01
    np.testing.assert_allclose(wrapped[32, 32], plain[32, 32], atol=1e-3)


def test_color_match_moves_cast_and_keeps_luminance() -> None:
    fg = _rgb(8, 8, 0.4)
    bg = np.broadcast_to(np.float32([0.6, 0.3, 0.1]), (8, 8, 3)).copy()
    alpha = np.ones((8, 8), np.float32)
    matched = cp.color_matched(fg, alpha, bg, 1.0)
    luma = np.float32([0.2126, 0.7152, 0.0722])
    assert matched[0, 0] @ luma == pytest.approx(fg[0, 0] @ luma, rel=1e-5)
    assert matched[0, 0, 0] > matched[0, 0, 2]


def test_shadow_darkens_background_only() -> None:
    bg = _rgb(40, 40, 0.5)
    alpha = np.zeros((40, 40), np.float32)
    alpha[10:20, 10:20] = 1
    shaded = cp.drop_shadow(bg, alpha, cp.CompositeConfig(shadow_opacity=0.8))
    assert shaded.min() < 0.45
    assert shaded.max() == pytest.approx(0.5)


def test_matte_from_clean_plate() -> None:
    plate = _rgb(32, 32, 0.2)
    shot = plate.copy()
    shot[8:24, 10:22] = (0.8, 0.5, 0.4)
    alpha = cp.matte_from_plate(shot, plate, feather_px=0)
    assert alpha[16, 16] == pytest.approx(1.0)
    assert alpha[2, 2] == pytest.approx(0.0)
    soft = cp.matte_from_plate(shot, plate, feather_px=2)
    assert 0.05 < soft[8, 16] < 0.95  # soft edge


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cp.composite(_rgb(), np.ones((16, 12)), _rgb()), "float32"),
        (lambda: cp.composite(_rgb(), np.ones((5, 5), np.float32), _rgb()), "shape"),
        (lambda: cp.composite(_rgb(), np.full((16, 12), 2, np.float32), _rgb()), r"\[0, 1\]"),
        (lambda: cp.composite(_rgb(), np.ones((16, 12), np.float32), _rgb(8, 8)), "differ"),
        (lambda: cp.composite(_rgb(value=np.nan), np.ones((16, 12), np.float32), _rgb()), "NaN"),
        (
            lambda: cp.composite(np.zeros((16, 12, 3)), np.ones((16, 12), np.float32), _rgb()),
            "float32",
        ),
        (lambda: cp.matte_from_plate(_rgb(), _rgb(8, 8)), "differs"),
        (lambda: cp.to_display(_rgb(), "adobe"), "unknown colour space"),  # type: ignore[arg-type]
        (lambda: cp.CompositeConfig(light_wrap=2), "light_wrap"),
    ],
)
def test_bad_input_is_rejected(call: object, message: str) -> None:
    with pytest.raises(cp.ComposeError, match=message):
        call()  # type: ignore[operator]


def test_srgb_encoding_matches_the_standard() -> None:
    linear = np.float32([[[0.0, 0.0031308, 0.18], [0.5, 1.0, 2.0]]])
    display = cp.to_display(linear)
    assert display.dtype == np.uint8
    np.testing.assert_array_equal(display[0, 0], [0, 10, 118])
    np.testing.assert_array_equal(display[0, 1], [188, 255, 255])
    np.testing.assert_allclose(
        cp.srgb_decode(cp.srgb_encode_float(linear)), np.clip(linear, 0, 1), atol=1e-5
    )


def test_display_p3_profile_round_trips_through_littlecms() -> None:
    colors = np.float32([[[0.05, 0.08, 0.12], [0.8, 0.2, 0.1], [0.3, 0.6, 0.2]]])
    p3 = Image.fromarray(cp.to_display(colors, "display-p3"))
    profile = ImageCms.ImageCmsProfile(io.BytesIO(cp.icc_profile("display-p3")))
    assert "Display P3" in ImageCms.getProfileDescription(profile)
    to_srgb = ImageCms.buildTransform(profile, ImageCms.createProfile("sRGB"), "RGB", "RGB")
    back = np.asarray(ImageCms.applyTransform(p3, to_srgb)).astype(int)
    expected = cp.to_display(colors, "srgb").astype(int)
    assert np.abs(back - expected).max() <= 3
    assert not np.array_equal(np.asarray(p3), expected)  # P3 values really differ
