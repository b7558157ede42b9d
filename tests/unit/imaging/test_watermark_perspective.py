"""Wider geometry: a keystone undone through the picture's frame, larger turns, aspect."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _detect, _image, _pattern, _perspective, _sync
from unit.imaging.watermark_pictures import calm_scene

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")
SIZE = 512


def _keystone(image: np.ndarray, corners: list[tuple[float, float]]) -> np.ndarray:
    """The picture's corners (TL, TR, BR, BL) moved to ``corners`` (px), on black."""
    h, w = image.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC)


#: The top edge 8 % shorter than the bottom (a photo taken from below).
TOP_KEYSTONE = [(20.48, 0.0), (491.52, 0.0), (512.0, 512.0), (0.0, 512.0)]


@pytest.fixture(scope="module")
def marked() -> np.ndarray:
    return np.asarray(watermark.embed(calm_scene(SIZE), PAYLOAD, KEY))


def _plane(image: np.ndarray) -> np.ndarray:
    plane, _ = _image.analysis_plane(image, _image.inspect(image))
    return plane


def test_the_frame_gives_the_corners_of_a_keystoned_picture(marked: np.ndarray) -> None:
    quad = _perspective.frame_quad(_plane(_keystone(marked, TOP_KEYSTONE)))
    assert quad is not None
    # Outline pixels are the content's outermost ones: within a px of the true corners.
    assert np.abs(quad - np.array(TOP_KEYSTONE)).max() < 1.5


def test_a_picture_without_a_flat_frame_has_no_quad(marked: np.ndarray) -> None:
    assert _perspective.frame_quad(_plane(marked)) is None


def test_a_turned_picture_is_a_parallelogram_and_is_not_rectified(marked: np.ndarray) -> None:
    h, w = marked.shape[:2]
    turned = cv2.warpAffine(marked, cv2.getRotationMatrix2D((w / 2, h / 2), 6, 0.8), (w, h))
    assert _perspective.frame_quad(_plane(turned)) is not None
    assert _perspective.rectified(_plane(turned)) is None  # the lattice search's job


def test_corners_are_ordered_from_the_top_left_clockwise() -> None:
    corners = np.array(TOP_KEYSTONE)
    shuffled = corners[[2, 0, 3, 1]]
    assert np.array_equal(_perspective._ordered(shuffled), corners)


def test_rectifying_leaves_a_rectangle_of_the_mean_sides() -> None:
    found = _perspective.rectifying_homography(np.array(TOP_KEYSTONE))
    assert found is not None
    matrix, size = found
    side = float(np.hypot(512.0, 20.48))  # the slanted sides
    assert size == (492, round(side))  # (471 + 512) / 2 wide
    mapped = cv2.perspectiveTransform(np.float32([TOP_KEYSTONE]), matrix)[0]
    expected = [[0, 0], [491.52, 0], [491.52, side], [0, side]]
    assert np.abs(mapped - np.array(expected)).max() < 1e-2


def test_a_keystoned_copy_is_read_through_its_frame(marked: np.ndarray) -> None:
    keystoned = _keystone(marked, TOP_KEYSTONE)
    assert watermark.detect(keystoned, KEY).payload == PAYLOAD
    # The rectified plane alone is enough: its lattice is found and decodes.
    straightened = _perspective.rectified(_plane(keystoned))
    assert straightened is not None
    found = _detect._Decoder(_pattern.layout_for(KEY)).rectified(straightened)
    assert found is not None
    assert found.payload == PAYLOAD


def test_a_side_keystone_with_jpeg_is_read(marked: np.ndarray) -> None:
    corners = [(0.0, 0.0), (512.0, 16.0), (512.0, 496.0), (0.0, 512.0)]  # 6 % on the right
    ok, data = cv2.imencode(".jpg", _keystone(marked, corners), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    assert watermark.detect(cv2.imdecode(data, cv2.IMREAD_COLOR), KEY).payload == PAYLOAD


@pytest.mark.parametrize("degrees", [10.0, -10.0])
def test_a_ten_degree_turn_is_read(marked: np.ndarray, degrees: float) -> None:
    h, w = marked.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    turned = cv2.warpAffine(marked, matrix, (w, h), flags=cv2.INTER_CUBIC)
    assert watermark.detect(turned, KEY).payload == PAYLOAD


@pytest.mark.parametrize("factor", [0.75, 1.33])
def test_an_aspect_change_is_read(marked: np.ndarray, factor: float) -> None:
    h, w = marked.shape[:2]
    stretched = cv2.resize(marked, (round(w * factor), h), interpolation=cv2.INTER_AREA)
    assert watermark.detect(stretched, KEY).payload == PAYLOAD


def test_an_unmarked_keystoned_picture_abstains_within_the_counted_attempts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(5)
    unmarked = cv2.GaussianBlur(rng.uniform(0, 255, (SIZE, SIZE, 3)), (0, 0), 1.5)
    keystoned = _keystone(unmarked.astype(np.uint8), TOP_KEYSTONE)
    rectified: list[bool] = []
    original = _detect._Decoder.rectified

    def spy(self: _detect._Decoder, plane: np.ndarray) -> _detect.Outcome | None:
        rectified.append(True)
        return original(self, plane)

    monkeypatch.setattr(_detect._Decoder, "rectified", spy)
    outcome = _detect.detect_array(keystoned, KEY)
    assert rectified  # the wider search ran
    assert outcome.payload is None
    # Decision 0029: at most RECTIFIED_ATTEMPTS more on a rectified plane, within the
    # detector's counted total.
    assert 1 <= outcome.attempts <= _detect.MAX_ATTEMPTS


def _peaks_on(basis: np.ndarray, distractor: float) -> np.ndarray:
    """Noise with weak peaks on ``basis``'s lattice and strong ones on a horizontal comb."""
    half = 260
    rng = np.random.default_rng(8)
    corr = rng.standard_normal((2 * half + 1, 2 * half + 1)).astype(np.float32)
    for a in range(-5, 6):
        for b in range(-5, 6):
            x, y = basis @ np.array([a, b], dtype=np.float64)
            if 0 < np.hypot(x, y) < half - 8:
                corr[round(y) + half, round(x) + half] += 4.0
    for k in (1, 2, 3):
        for sign in (-1, 1):
            corr[half, half + sign * round(k * distractor)] += 14.0
    return corr


def test_the_upright_comb_finds_a_nearly_square_tile_under_strong_single_peaks() -> None:
    truth = np.diag([96.0, 99.0])  # 3 % taller than wide
    found = _perspective.upright_lattices(_peaks_on(truth, 57.0))
    assert found
    assert _sync._same(found[0], _sync.Lattice(basis=truth, score=0.0), 0.01)
