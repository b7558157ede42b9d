"""Where the mark is: the box around a marked picture inside a larger one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _fold, _where
from unit.imaging.watermark_pictures import calm_scene, dense_texture, printed_page

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")
OTHER = bytes.fromhex("fedcba9876543210")

Box = tuple[int, int, int, int]


def _iou(a: Box, b: Box) -> float:
    """Intersection over union of two (left, top, right, bottom) boxes."""
    across = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    down = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = across * down
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
    return inter / (area - inter)


def _canvas(height: int, width: int) -> np.ndarray:
    """An unmarked page-like background (text and flats), as around a screenshot."""
    side = max(height, width)
    return np.ascontiguousarray(printed_page(side, seed=9)[:height, :width])


def test_a_marked_picture_pasted_into_a_larger_canvas_is_boxed() -> None:
    marked = watermark.embed(calm_scene(320), PAYLOAD, KEY)
    canvas = _canvas(700, 900)
    x, y = 413, 157
    canvas[y : y + 320, x : x + 320] = marked
    found = watermark.detect(canvas, KEY)
    assert found.payload == PAYLOAD
    assert found.box is not None
    assert _iou(found.box, (x, y, x + 320, y + 320)) > 0.8


def test_a_collage_of_two_boxes_the_picture_whose_id_it_reports() -> None:
    first = watermark.embed(calm_scene(320), PAYLOAD, KEY)
    second = watermark.embed(dense_texture(320, seed=4), OTHER, KEY)
    canvas = _canvas(420, 800)
    canvas[40:360, 30:350] = first
    canvas[70:390, 440:760] = second
    found = watermark.detect(canvas, KEY)
    assert found.payload in (PAYLOAD, OTHER)
    assert found.box is not None
    mine, theirs = (30, 40, 350, 360), (440, 70, 760, 390)
    if found.payload == OTHER:
        mine, theirs = theirs, mine
    assert _iou(found.box, mine) > 0.75
    assert _iou(found.box, theirs) < 0.05


def test_a_wholly_marked_picture_is_boxed_whole_and_jpeg_keeps_the_box() -> None:
    marked = watermark.embed(calm_scene(384), PAYLOAD, KEY)
    found = watermark.detect(marked, KEY)
    assert found.box is not None
    assert _iou(found.box, (0, 0, 384, 384)) > 0.85
    assert 0 <= found.box[0] < found.box[2] <= 384
    assert found.box[2:] == (384, 384)  # the last, partial blocks are taken in
    ok, encoded = cv2.imencode(".jpg", marked, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    again = watermark.detect(cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED), KEY)
    assert again.payload == PAYLOAD
    assert again.box is not None
    assert _iou(again.box, found.box) > 0.8


def test_nothing_found_means_no_box_and_where_false_skips_it() -> None:
    found = watermark.detect(calm_scene(256), KEY)
    assert not found.found
    assert found.box is None
    marked = watermark.embed(calm_scene(256), PAYLOAD, KEY)
    quick = watermark.detect(marked, KEY, where=False)
    assert quick.payload == PAYLOAD
    assert quick.box is None


@pytest.mark.parametrize(
    "basis",
    [
        np.array([[128.0, 0.0], [0.0, 128.0]]),
        np.array([[60.0, 0.0], [0.0, 60.0]]),  # folded at half rate
        np.array([[130.0, -11.0], [9.0, 126.0]]),  # turned and sheared
    ],
)
def test_tile_coordinates_invert_the_fold(basis: np.ndarray) -> None:
    # A tile laid over a picture along ``basis`` folds back into the same tile.
    chips = np.random.default_rng(2).standard_normal((_fold.FOLD // 4, _fold.FOLD // 4))
    tile = np.repeat(np.repeat(chips, 4, axis=0), 4, axis=1).astype(np.float32)
    laid = tile.ravel()[_where.tile_index((500, 700), basis)]
    folded = _fold.fold(laid, basis)

    def agreement(rows: int, cols: int) -> float:
        moved = np.roll(folded, (rows, cols), axis=(0, 1))
        return float(np.corrcoef(moved.ravel(), tile.ravel())[0, 1])

    # Resampling (and the half-rate fold's interpolation) blurs it a little; no offset.
    assert agreement(0, 0) > 0.75
    assert agreement(0, 0) > max(agreement(1, 0), agreement(-1, 0), agreement(0, 1))
    assert agreement(0, 0) > agreement(0, -1)


def test_the_box_is_the_rectangle_that_holds_the_evidence() -> None:
    z = np.random.default_rng(5).standard_normal((30, 40)).astype(np.float32)
    z[6:20, 11:31] += 2.0  # a marked region, each block hardly standing out
    assert _where.marked_box(z) == (11, 6, 31, 20)
    assert _where.marked_box(np.zeros((30, 40), np.float32)) is None
    assert _where.marked_box(np.zeros((0, 0), np.float32)) is None


def test_block_scores_are_calibrated_on_a_wrong_tile() -> None:
    rng = np.random.default_rng(6)
    residual = cv2.GaussianBlur(rng.standard_normal((480, 480)).astype(np.float32), (0, 0), 1)
    tile = np.sign(rng.standard_normal((_fold.FOLD, _fold.FOLD))).astype(np.float32)
    basis = _fold.identity_basis(128.0)
    z = _where.mark_map(residual, basis, tile)
    assert z.shape == (480 // _where.BLOCK, 480 // _where.BLOCK)
    assert 0.6 < float(np.std(z)) < 1.6  # unmarked: about N(0, 1)
    marked = residual + 0.3 * tile.ravel()[_where.tile_index(residual.shape, basis)]
    assert float(np.mean(_where.mark_map(marked, basis, tile))) > 3.0
