"""imaging.garment: cut-out, keypoints, thin-plate warp and CIEDE2000."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.imaging import garment as gm


def _shirt(size: int = 128, colour: tuple[int, int, int] = (30, 60, 150)) -> np.ndarray:
    import cv2

    image = np.full((size, size, 3), 245, np.uint8)
    s = size / 128
    outline = np.array(
        [
            [50, 20],
            [30, 26],
            [22, 70],
            [34, 72],
            [40, 40],
            [40, 110],
            [88, 110],
            [88, 40],
            [94, 72],
            [106, 70],
            [98, 26],
            [78, 20],
            [70, 30],
            [58, 30],
        ],
        np.float64,
    )
    cv2.fillPoly(image, [np.round(outline * s).astype(np.int32)], colour, lineType=cv2.LINE_AA)
    return image


def test_cut_out_separates_the_garment_from_its_backdrop() -> None:
    shot = _shirt()
    cut = gm.cut_out(shot)
    assert cut.background == (245, 245, 245)
    assert cut.alpha[64, 64] == 1.0 and cut.alpha[5, 5] == 0.0
    x, y, w, h = cut.box
    assert 20 <= x <= 24 and 18 <= y <= 22 and 80 <= w <= 88 and 88 <= h <= 94
    # Same packshot, same matte (GrabCut's seeding is fixed).
    assert np.array_equal(cut.alpha, gm.cut_out(shot).alpha)
    # The anti-aliased edge is de-haloed: no pixel of the garment is lighter than the cloth.
    edge = (cut.alpha > 0.3) & (cut.alpha < 0.9)
    assert edge.any()
    assert cut.rgb[edge][:, 0].max() < 120


def test_cut_out_refuses_busy_or_empty_pictures() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    with pytest.raises(gm.NoGarmentFound):
        gm.cut_out(noise)
    with pytest.raises(gm.NoGarmentFound):
        gm.cut_out(np.full((64, 64, 3), 240, np.uint8))
    with pytest.raises(gm.InvalidImage):
        gm.cut_out(np.zeros((64, 64), np.uint8))  # type: ignore[arg-type]


def test_keypoints_of_a_flat_garment() -> None:
    points = gm.garment_keypoints(gm.cut_out(_shirt()).alpha)
    assert points["left_collar"][0] < points["neck"][0] < points["right_collar"][0]
    assert points["left_shoulder"][0] < points["left_collar"][0]
    assert points["neck"][1] == pytest.approx(30, abs=2)
    assert points["hem"][1] == pytest.approx(110, abs=2)
    # The garment's sides at chest height leave the sleeves out.
    assert points["left_side"][0] == pytest.approx(40, abs=2)
    assert points["right_side"][0] == pytest.approx(88, abs=2)


def test_warp_with_matching_points_is_a_plain_scale() -> None:
    pixels = np.random.default_rng(2).random((64, 64, 3), dtype=np.float32)
    alpha = np.ones((64, 64), np.float32)
    corners = [(0.0, 0.0), (63.0, 0.0), (0.0, 63.0), (63.0, 63.0), (31.0, 20.0)]
    pairs = {f"p{i}": (p, (2 * p[0], 2 * p[1])) for i, p in enumerate(corners)}
    placed = gm.warp_garment(pixels, alpha, pairs, (140, 140))
    assert placed.upscale == pytest.approx(2.0, rel=0.02)
    assert np.allclose(placed.pixels[40, 60], pixels[20, 30], atol=1e-3)
    assert placed.alpha[130, 130] == 0.0


def test_warp_needs_three_points() -> None:
    pixels = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(gm.InvalidImage):
        gm.warp_garment(pixels, np.ones((8, 8), np.float32), {"a": ((0, 0), (0, 0))}, (8, 8))


def test_ciede2000() -> None:
    grey = np.array([[128, 128, 128]], np.uint8)
    assert gm.mean_delta_e(grey, grey) == 0.0
    black, white = np.array([[0, 0, 0]], np.uint8), np.array([[255, 255, 255]], np.uint8)
    assert gm.mean_delta_e(black, white) == pytest.approx(100.0, abs=0.5)
    # A just-noticeable step of one code value in a mid grey is well under 1.
    assert gm.mean_delta_e(grey, grey + 1) < 1.0
