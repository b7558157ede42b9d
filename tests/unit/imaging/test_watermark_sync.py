"""Geometric recovery: square-lattice candidates and the sync-driven polishing search."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _detect, _fold, _image, _pattern, _sync

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")
SIZE = 384
#: The embedder's tile at this size: 64 chips of 2 px.
TILE = 128.0


def _scene(size: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    base = cv2.resize(rng.uniform(40, 210, (12, 12, 3)).astype(np.float32), (size, size))
    grain = rng.standard_normal((size, size, 1)).astype(np.float32) * 6
    return np.clip(np.rint(base + grain), 0, 255).astype(np.uint8)


def _similarity(img: np.ndarray, degrees: float, scale: float) -> np.ndarray:
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def moved() -> np.ndarray:
    marked = watermark.embed(_scene(SIZE), PAYLOAD, KEY)
    return _similarity(marked, 3.0, 1.1)


@pytest.fixture(scope="module")
def residual(moved: np.ndarray) -> np.ndarray:
    info = _image.inspect(moved)
    plane, _ = _image.analysis_plane(moved, info)
    return _sync.noise_residual(plane)


def _true_basis(degrees: float, scale: float) -> np.ndarray:
    # OpenCV's positive angle turns the picture counter-clockwise on screen (y down).
    t = np.deg2rad(-degrees)
    rotation = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return scale * TILE * rotation


def _matches(basis: np.ndarray, truth: np.ndarray, tolerance: float) -> bool:
    transform = np.linalg.solve(truth, basis)
    rounded = np.round(transform)
    close = np.abs(truth @ rounded - basis).max() < tolerance
    return bool(close and abs(abs(np.linalg.det(rounded)) - 1) < 0.5)


def _synthetic_autocorrelation(truth: np.ndarray, distractor: float) -> np.ndarray:
    """Noise with peaks on ``truth``'s lattice and stronger ones on a horizontal comb."""
    half = 260
    rng = np.random.default_rng(4)
    corr = rng.standard_normal((2 * half + 1, 2 * half + 1)).astype(np.float32)
    steps = np.array([(a, b) for a in range(-4, 5) for b in range(-4, 5)], dtype=np.float64)
    for x, y in steps @ truth.T:
        if 0 < np.hypot(x, y) < half - 8:
            corr[round(y) + half, round(x) + half] += 8.0
    for k in range(1, 4):
        for sign in (-1, 1):
            corr[half, half + sign * round(k * distractor)] += 12.0
    return corr


def test_square_candidates_include_a_tile_that_texture_hides() -> None:
    truth = _true_basis(4.0, 0.75)  # a 96 px tile turned by 4 degrees
    corr = _synthetic_autocorrelation(truth, 70.0)
    found = _sync.square_lattices(corr, [])
    assert any(_matches(lattice.basis, truth, 1.0) for lattice in found)


def test_square_candidates_skip_lattices_already_known(residual: np.ndarray) -> None:
    corr = _sync.autocorrelation(residual)
    first = _sync.square_lattices(corr, [])
    again = _sync.square_lattices(corr, first)
    assert first
    assert not any(_matches(a.basis, b.basis, 0.5) for a in again for b in first)


def test_polishing_recovers_a_lattice_estimate_that_is_slightly_off(residual: np.ndarray) -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    off = np.array([[1.025, 0.0], [0.004, 1.0]]) @ _true_basis(3.0, 1.1)
    assert decoder.try_basis(residual, off, in_place=False) is None  # too far off to decode
    z_before = decoder.located[-1][0]
    found = decoder.polish(residual)
    assert found is not None
    assert found.payload == PAYLOAD
    assert found.sync_z > z_before


def test_polishing_skips_alignments_whose_sync_is_noise() -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    decoder.try_basis(noise, _fold.identity_basis(TILE), in_place=False)
    attempts = decoder.attempts
    assert decoder.polish(noise) is None
    assert decoder.attempts == attempts  # nothing was decoded


def test_detect_reads_the_rotated_rescaled_copy(moved: np.ndarray) -> None:
    found = watermark.detect(moved, KEY)
    assert found.found
    assert found.payload == PAYLOAD


def test_an_unmarked_image_is_decoded_at_most_15_times() -> None:
    # The false-ID bound in decision 0004 counts 15 alignments (128 Chase patterns each).
    rng = np.random.default_rng(11)
    unmarked = cv2.GaussianBlur(rng.uniform(0, 255, (SIZE, SIZE, 3)), (0, 0), 1.5)
    outcome = _detect.detect_array(unmarked.astype(np.uint8), KEY)
    assert outcome.payload is None
    assert 1 <= outcome.attempts <= 15
