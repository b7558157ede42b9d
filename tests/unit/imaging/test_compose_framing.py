"""Framing presets, face-aware placement and backgrounds."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.imaging import compose as cp


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("instagram-portrait", (1080, 1350)),
        ("story", (1080, 1920)),
        ("tiktok", (1080, 1920)),
        ("reels", (1080, 1920)),
        ("square", (1080, 1080)),
        ("landscape", (1920, 1080)),
        ("print-4x6", (1200, 1800)),
        ("print-8x10", (2400, 3000)),
    ],
)
def test_preset_sizes(name: str, size: tuple[int, int]) -> None:
    framing = cp.framing_preset(name)
    assert (framing.width, framing.height) == size


def test_print_presets_are_300_dpi() -> None:
    assert cp.framing_preset("print-5x7").dpi == 300


def test_unknown_preset_lists_the_choices() -> None:
    with pytest.raises(cp.InvalidFraming, match="instagram-portrait"):
        cp.framing_preset("billboard")


@pytest.mark.parametrize("name", ["instagram-portrait", "story", "landscape"])
def test_face_lands_on_the_upper_third_line(name: str) -> None:
    framing = cp.framing_preset(name)
    face = cp.FaceBox(40, 30, 50, 60)
    where = cp.face_placement(face, framing)
    cx, cy = where.apply(*face.centre)
    assert cx == pytest.approx(framing.width / 2)
    assert cy == pytest.approx(framing.height / 3)
    assert where.scale * face.height == pytest.approx(
        (0.22 if framing.height > framing.width else 0.3) * framing.height
    )


def test_placed_image_puts_the_face_pixel_where_promised() -> None:
    source = np.zeros((200, 160), np.float32)
    source[95:105, 75:85] = 1.0  # a marker at the face centre (80, 100)
    framing = cp.Framing("test", 300, 400)
    where = cp.face_placement(cp.FaceBox(55, 70, 50, 60), framing, face_height_fraction=0.3)
    placed = cp.place(source, where, framing)
    assert placed.shape == (400, 300)
    ys, xs = np.nonzero(placed > 0.5)
    assert xs.mean() == pytest.approx(150, abs=2)
    assert ys.mean() == pytest.approx(400 / 3, abs=2)


def test_downscaled_placement_is_antialiased_and_sized() -> None:
    source = np.ones((400, 400, 3), np.float32)
    framing = cp.Framing("small", 64, 80)
    where = cp.face_placement(cp.FaceBox(100, 50, 200, 200), framing, face_height_fraction=0.25)
    placed = cp.place(source, where, framing)
    assert placed.shape == (80, 64, 3)
    assert placed.max() <= 1.0 + 1e-6


def test_face_from_alpha_finds_the_head() -> None:
    alpha = np.zeros((100, 80), np.float32)
    alpha[20:90, 25:55] = 1
    face = cp.face_from_alpha(alpha)
    assert (face.x, face.y, face.width) == (25, 20, 30)
    with pytest.raises(cp.InvalidImage, match="empty"):
        cp.face_from_alpha(np.zeros((10, 10), np.float32))


def test_detect_face_without_a_face_returns_none() -> None:
    assert cp.detect_face(np.zeros((64, 64), np.uint8)) is None
    with pytest.raises(cp.InvalidImage):
        cp.detect_face(np.zeros((64, 64), np.float32))  # type: ignore[arg-type]


def test_cover_fills_the_canvas() -> None:
    background = np.random.default_rng(1).random((50, 200, 3), dtype=np.float32)
    framing = cp.framing_preset("square")
    assert cp.cover(background, framing).shape == (1080, 1080, 3)


def test_bad_boxes_and_canvases() -> None:
    with pytest.raises(cp.InvalidFraming):
        cp.FaceBox(0, 0, 0, 10)
    with pytest.raises(cp.InvalidFraming):
        cp.Framing("tiny", 4, 4)
    with pytest.raises(cp.InvalidImage, match="colour"):
        cp.solid_background(cp.framing_preset("square"), (1.0, -1.0, 0.0))
