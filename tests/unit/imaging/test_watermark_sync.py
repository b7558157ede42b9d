"""Geometric recovery: lattice candidates, polishing, and the whitened last reads."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _detect, _fold, _image, _pattern, _sync
from unit.imaging.watermark_pictures import calm_scene, dense_texture

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")
SIZE = 384
#: The embedder's tile at this size: 64 chips of 2 px.
TILE = 128.0


def _similarity(img: np.ndarray, degrees: float, scale: float) -> np.ndarray:
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def moved() -> np.ndarray:
    marked = watermark.embed(calm_scene(SIZE), PAYLOAD, KEY)
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


def test_an_unmarked_image_is_decoded_at_most_max_attempts_times() -> None:
    # The false-ID bound in decision 0004 counts 33 alignments (128 Chase patterns each).
    rng = np.random.default_rng(11)
    unmarked = cv2.GaussianBlur(rng.uniform(0, 255, (SIZE, SIZE, 3)), (0, 0), 1.5)
    outcome = _detect.detect_array(unmarked.astype(np.uint8), KEY)
    assert outcome.payload is None
    assert 1 <= outcome.attempts <= _detect.MAX_ATTEMPTS


def test_the_lattice_search_plane_is_the_centre_at_finer_resolution() -> None:
    image = np.zeros((2400, 2600, 3), np.uint8)
    image[1000:1400, 1100:1500] = 200  # a bright square around the centre
    info = _image.inspect(image)
    search, factor = _image.search_plane(image, info, 1)
    assert factor == 1 and search.shape == (_image.ANALYSIS_SIDE, _image.ANALYSIS_SIDE)
    assert search.mean() > _image.luminance(image, info).mean()  # the centre, not a corner
    coarse, coarse_factor = _image.search_plane(image, info, 3)
    assert coarse_factor == 3 and coarse.shape == (800, 866)  # the whole image, block-averaged


def test_a_busy_picture_over_the_analysis_size_is_found_after_rotation_and_scaling() -> None:
    # 1,200 px is analysed at half resolution; its lattice is searched at full resolution,
    # where busy texture leaves the tile's autocorrelation peaks far stronger (searched
    # at half resolution, this copy is not found).
    marked = watermark.embed(dense_texture(1200), PAYLOAD, KEY)
    assert watermark.detect(_similarity(marked, -3.0, 1.1), KEY).payload == PAYLOAD


def test_the_axis_comb_finds_a_rescaled_tile_whose_peaks_are_all_weak() -> None:
    truth = 107.3 * np.eye(2)  # a 96 px tile blown up by 1.118 (a crop resized back)
    half = 300
    rng = np.random.default_rng(7)
    corr = rng.standard_normal((2 * half + 1, 2 * half + 1)).astype(np.float32)
    for a in range(-3, 4):
        for b in range(-3, 4):
            x, y = truth @ np.array([a, b], dtype=np.float64)
            if 0 < np.hypot(x, y) < half - 8:
                corr[round(y) + half, round(x) + half] += 2.5  # too weak one by one
    general = _sync.find_lattices(corr)
    squares = _sync.square_lattices(corr, general)
    assert not any(_matches(lattice.basis, truth, 1.0) for lattice in general + squares)
    found = _sync.axis_lattices(corr, general + squares)
    assert any(_matches(lattice.basis, truth, 0.5) for lattice in found)


def test_the_axis_comb_skips_a_lattice_already_tried() -> None:
    truth = 107.3 * np.eye(2)
    half = 300
    corr = np.random.default_rng(6).standard_normal((2 * half + 1,) * 2).astype(np.float32)
    for a in range(-3, 4):
        for b in range(-3, 4):
            x, y = truth @ np.array([a, b], dtype=np.float64)
            if 0 < np.hypot(x, y) < half - 8:
                corr[round(y) + half, round(x) + half] += 8.0
    known = _sync.axis_lattices(corr, [])
    assert any(_matches(lattice.basis, truth, 0.5) for lattice in known)
    again = _sync.axis_lattices(corr, known)
    assert not any(_matches(lattice.basis, truth, 0.5) for lattice in again)


def _rectangle_autocorrelation(truth: np.ndarray, height: float, seed: int) -> np.ndarray:
    """Noise with peaks of ``height`` on ``truth``'s lattice (an upright rectangle)."""
    half = 300
    corr = np.random.default_rng(seed).standard_normal((2 * half + 1,) * 2).astype(np.float32)
    for a in range(-4, 5):
        for b in range(-4, 5):
            x, y = truth @ np.array([a, b], dtype=np.float64)
            if 0 < np.hypot(x, y) < half - 8:
                corr[round(y) + half, round(x) + half] += height
    return corr


@pytest.mark.parametrize("periods", [(96.0, 128.0), (128.0, 170.5)])
def test_the_rectangular_comb_finds_a_stretched_tile_whose_peaks_are_all_weak(
    periods: tuple[float, float],
) -> None:
    truth = np.diag(periods)  # a 128 px tile after an aspect change of 0.75 / 1.33
    corr = _rectangle_autocorrelation(truth, 3.5, 7)  # too weak for the other searches
    general = _sync.find_lattices(corr)
    squares = _sync.square_lattices(corr, general)
    comb = _sync.square_comb(corr)
    axes = _sync.axis_lattices(corr, general + squares, comb=comb)
    known = general + squares + axes
    assert not any(_matches(lattice.basis, truth, 1.0) for lattice in known)
    found = _sync.rectangular_lattices(corr, known, comb=comb)
    assert len(found) == 1
    assert _matches(found[0].basis, truth, 0.5)
    # The same comb, made on the spot when not given.
    assert _matches(_sync.rectangular_lattices(corr, known)[0].basis, truth, 0.5)


@pytest.mark.parametrize("sweep", [True, False])
def test_only_the_thorough_read_tries_the_rectangular_comb(
    sweep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The quick read (monitoring's, ``sweep=False``) must not pay for the aspect search
    # on every unmarked picture; the thorough one looks there too.
    calls: list[int] = []
    real = _sync.rectangular_lattices

    def counting(*args: object, **kwargs: object) -> list[_sync.Lattice]:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_sync, "rectangular_lattices", counting)
    unmarked = dense_texture(384, seed=5)
    assert _detect.detect_array(unmarked, KEY, sweep=sweep).payload is None
    assert bool(calls) is sweep


def test_the_rectangular_comb_skips_a_lattice_already_tried() -> None:
    truth = np.diag([96.0, 128.0])
    corr = _rectangle_autocorrelation(truth, 8.0, 6)
    known = _sync.rectangular_lattices(corr, [])
    assert any(_matches(lattice.basis, truth, 0.5) for lattice in known)
    again = _sync.rectangular_lattices(corr, known)
    assert not any(_matches(lattice.basis, truth, 0.5) for lattice in again)


def test_the_rectangular_comb_leaves_square_tiles_to_the_square_combs() -> None:
    truth = 107.3 * np.eye(2)
    corr = _rectangle_autocorrelation(truth, 8.0, 5)
    for lattice in _sync.rectangular_lattices(corr, [], max_candidates=3):
        x, y = np.abs(np.diag(lattice.basis))
        assert not (_matches(lattice.basis, truth, 1.0) and abs(y / x - 1) < 0.01)


def test_the_rectangular_comb_needs_room_for_two_tiles() -> None:
    tiny = np.random.default_rng(9).standard_normal((101, 101)).astype(np.float32)
    assert _sync.square_comb(tiny).periods.size == 0
    assert _sync.rectangular_lattices(tiny, []) == []


def test_comb_peaks_are_local_maxima_best_first() -> None:
    scores = np.zeros(40)
    scores[[5, 6, 20, 33]] = [3.0, 2.0, 5.0, 1.0]  # 6 is beside a higher one: no peak
    comb = _sync.Comb(1.0, np.zeros((1, 1), np.float32), 0.0, 1.0, np.arange(40.0), scores)
    peaks = list(comb.peaks())
    assert peaks[:3] == [20, 5, 33]
    assert 6 not in peaks


def test_whitening_a_tile_notches_out_a_periodic_pattern() -> None:
    rng = np.random.default_rng(7)
    mark = rng.choice([-1.0, 1.0], (128, 128)).astype(np.float32)
    yy, xx = np.mgrid[0:128, 0:128].astype(np.float32)
    weave = 12.0 * np.sin(xx * 2 * np.pi / 4.6) * np.sin(yy * 2 * np.pi / 6.0)
    tile = (mark + weave).astype(np.float32)

    def agreement(values: np.ndarray) -> float:
        return float(np.corrcoef(values.ravel(), mark.ravel())[0, 1])

    assert agreement(tile) < 0.15  # the weave swamps the mark
    assert agreement(_sync.whiten_tile(tile)) > 0.6
    assert _sync.whiten_tile(tile).dtype == np.float32


def test_whitened_reads_decode_only_where_the_sync_stands_out() -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    noise = np.random.default_rng(8).standard_normal((SIZE, SIZE)).astype(np.float32)
    assert decoder.try_basis(noise, _fold.identity_basis(TILE), in_place=True) is None
    before = decoder.attempts
    assert decoder.whitened() is None
    assert decoder.attempts == before  # an unmarked fold costs no decodes here
    assert len(decoder.located) == 1  # whitened alignments are not polished again

    marked = watermark.embed(calm_scene(SIZE), PAYLOAD, KEY)
    plane, _ = _image.analysis_plane(marked, _image.inspect(marked))
    folded = _fold.fold(_sync.noise_residual(plane), _fold.identity_basis(TILE))
    origin_z = _detect._origin_z(_sync.whiten_tile(folded), decoder.templates)
    assert origin_z > 3 * _detect.WHITENED_ORIGIN_Z


def test_the_axis_comb_needs_room_for_two_tiles() -> None:
    tiny = np.random.default_rng(9).standard_normal((101, 101)).astype(np.float32)
    assert _sync.axis_lattices(tiny, []) == []


def _numpy_autocorrelation(residual: np.ndarray) -> np.ndarray:
    """The transform the packed OpenCV path replaces, written with NumPy's complex FFTs."""
    h, w = residual.shape
    ph, pw = _sync._even_dft_size(h + h // 2), _sync._even_dft_size(w + w // 2)
    padded = np.zeros((ph, pw))
    padded[:h, :w] = residual - residual.mean()
    power = (np.abs(np.fft.rfft2(padded)) ** 2).astype(np.float32)
    background = cv2.blur(power, (9, 9), borderType=cv2.BORDER_REFLECT)
    whitened = power / (background + np.float32(1e-6 * float(power.mean()) + 1e-12))
    corr = np.fft.irfft2(whitened, s=(ph, pw))
    lag = min(h, w) // 2 + 8
    return corr[np.ix_(np.arange(-lag, lag + 1) % ph, np.arange(-lag, lag + 1) % pw)]


@pytest.mark.parametrize("shape", [(256, 256), (301, 517), (333, 250)])
def test_the_packed_autocorrelation_equals_the_complex_one(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    grating = np.sign(np.sin(2 * np.pi * (xx / 41.3 + yy / 97.1)))
    residual = (rng.standard_normal(shape) + 0.4 * grating).astype(np.float32)
    fast = _sync.autocorrelation(residual)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, _numpy_autocorrelation(residual), atol=2e-6)


def test_locating_finds_the_pose_and_shift_of_every_dihedral_view() -> None:
    layout = _pattern.layout_for(KEY)
    template = _detect._sync_template(layout)
    templates = _detect._Templates(template)
    rng = np.random.default_rng(12)
    for pose in range(8):
        shift = tuple(int(s) for s in rng.integers(0, _fold.FOLD, 2))
        # A fold whose view `pose`, rolled by `shift`, is the template, in noise.
        fold = _detect._pose_source(np.roll(template, shift, axis=(0, 1)), pose)
        fold = (fold + 0.8 * rng.standard_normal(fold.shape)).astype(np.float32)
        aligned, z, found = _detect._locate(fold, templates)
        assert found == pose
        assert z > 20
        expected = np.roll(_detect._pose_view(fold, pose), [-s for s in shift], axis=(0, 1))
        np.testing.assert_array_equal(aligned, expected)


def test_local_peaks_are_found_to_a_fraction_of_a_pixel() -> None:
    yy, xx = np.mgrid[-40:41, -40:41].astype(np.float64)
    corr = np.zeros_like(xx, dtype=np.float32)
    true = [(12.3, -7.6), (-20.8, 15.2)]
    for x, y in true:
        corr += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0).astype(np.float32)
    points = np.array([[12.0, -8.0], [-21.0, 15.0], [39.0, 0.0]])  # the last: off the map
    positions, heights, inside = _sync._local_peaks(corr, points, 2)
    assert inside.tolist() == [True, True, False]
    np.testing.assert_allclose(positions, true, atol=0.15)
    assert np.all(heights > 0.8)


def test_doubling_a_tile_interpolates_halfway_and_wraps_around() -> None:
    tile = np.arange(16, dtype=np.float32).reshape(4, 4)
    doubled = _fold._double(tile)
    assert doubled.shape == (8, 8)
    np.testing.assert_array_equal(doubled[::2, ::2], tile)
    assert doubled[0, 1] == pytest.approx((tile[0, 0] + tile[0, 1]) / 2)
    assert doubled[1, 0] == pytest.approx((tile[0, 0] + tile[1, 0]) / 2)
    assert doubled[7, 7] == pytest.approx(tile[[3, 3, 0, 0], [3, 0, 3, 0]].mean())


def test_a_short_tile_folded_at_half_rate_matches_the_full_rate_fold() -> None:
    rng = np.random.default_rng(14)
    period = 50.0
    pattern = cv2.resize(rng.standard_normal((64, 64)).astype(np.float32), (50, 50))
    residual = np.tile(pattern, (8, 8))[:384, :384] + 0.5 * rng.standard_normal((384, 384))
    residual = residual.astype(np.float32)
    basis = _fold.identity_basis(period)
    fast = _fold.fold(residual, basis)
    full = _fold._fold_at(residual, basis, _fold.FOLD)
    assert fast.shape == full.shape == (_fold.FOLD, _fold.FOLD)
    assert np.corrcoef(fast.ravel(), full.ravel())[0, 1] > 0.95


def test_local_peaks_of_no_points_or_a_blank_map_are_empty() -> None:
    corr = np.zeros((81, 81), dtype=np.float32)
    positions, heights, inside = _sync._local_peaks(corr, np.empty((0, 2)), 2)
    assert positions.shape == (0, 2) and heights.shape == (0,) and inside.shape == (0,)
    assert _sync.find_lattices(corr) == []
    assert _sync.square_lattices(corr, []) == []


def _crop_rescaled(image: np.ndarray, area: float = 0.8) -> np.ndarray:
    """A centred crop to ``area`` of the picture, resized back to the original size."""
    h, w = image.shape[:2]
    side = area**0.5
    ch, cw = round(h * side), round(w * side)
    y, x = (h - ch) // 2, (w - cw) // 2
    return cv2.resize(image[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def small_rescaled() -> np.ndarray:
    marked = watermark.embed(dense_texture(SIZE, seed=3), PAYLOAD, KEY)
    return _crop_rescaled(marked)


def _residual_of(image: np.ndarray) -> np.ndarray:
    plane, _ = _image.analysis_plane(image, _image.inspect(image))
    return _sync.noise_residual(plane)


def test_the_scale_sweep_reads_a_small_rescaled_crop(small_rescaled: np.ndarray) -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    found = decoder.sweep(_residual_of(small_rescaled), TILE)
    assert found is not None
    assert found.payload == PAYLOAD
    assert found.sync_z >= _detect.SWEEP_MIN_Z
    assert decoder.attempts <= _detect.SWEEP_CANDIDATES


def test_detection_falls_back_on_the_sweep_when_no_lattice_is_found(
    small_rescaled: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_detect, "_lattice_bases", lambda *args, **kwargs: iter(()))
    outcome = _detect.detect_array(small_rescaled, KEY)
    assert outcome.payload == PAYLOAD
    assert outcome.attempts <= _detect.MAX_ATTEMPTS
    monkeypatch.setattr(_detect, "SWEEP_MAX_SIDE", 0)  # no sweep: nothing else reads it
    assert _detect.detect_array(small_rescaled, KEY).payload is None


def test_the_sweep_decodes_noise_only_where_it_stands_out_and_finds_nothing() -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    for seed in range(3):
        noise = np.random.default_rng(seed).standard_normal((SIZE, SIZE)).astype(np.float32)
        peaks = _detect._swept_peaks(noise, TILE, decoder.templates)
        assert all(z >= _detect.SWEEP_MIN_Z for z, _, _ in peaks)
        before = decoder.attempts
        assert decoder.sweep(noise, TILE) is None
        assert decoder.attempts - before == len(peaks) <= _detect.SWEEP_CANDIDATES


def test_only_small_pictures_are_swept() -> None:
    small, large = np.zeros((720, 400, 3), np.uint8), np.zeros((900, 300, 3), np.uint8)
    analysed_small = np.zeros((1200, 1000, 3), np.uint8)  # analysed at 600 px: no sweep
    for image, expected in ((small, TILE), (large, None), (analysed_small, None)):
        info = _image.inspect(image)
        assert _detect._sweep_tile(info, _image.analysis_factor(info)) == expected


def test_swept_peaks_are_separate_and_best_first() -> None:
    decoder = _detect._Decoder(_pattern.layout_for(KEY))
    rng = np.random.default_rng(16)
    template = decoder.templates.template
    # Two grids' worth of the sync pattern: one at 1.1x the tile, a fainter one at 0.9x.
    residual = 0.6 * rng.standard_normal((SIZE, SIZE))
    for scale, weight in ((1.1, 1.0), (0.9, 0.6)):
        side = round(TILE * scale)
        tile = cv2.resize(template, (side, side), interpolation=cv2.INTER_NEAREST)
        residual += weight * np.tile(tile, (SIZE // side + 1, SIZE // side + 1))[:SIZE, :SIZE]
    peaks = _detect._swept_peaks(residual.astype(np.float32), TILE, decoder.templates)
    assert len(peaks) == 2
    (z1, period1, pose1), (z2, period2, _) = peaks
    assert z1 > z2 >= _detect.SWEEP_MIN_Z
    assert period1 == pytest.approx(1.1 * TILE, rel=0.005)
    assert period2 == pytest.approx(0.9 * TILE, rel=0.005)
    assert pose1 == 0


def test_the_resized_fold_matches_the_warped_one() -> None:
    ones = np.ones((300, 340), np.float32)
    basis = _fold.identity_basis(_fold.FOLD)
    # At one sample per pixel both are plain sums over whole and partial tiles.
    np.testing.assert_allclose(_fold.scaled_fold(ones, _fold.FOLD), _fold.fold(ones, basis))
    rng = np.random.default_rng(17)
    pattern = rng.standard_normal((64, 64)).astype(np.float32)
    tile = cv2.resize(pattern, (143, 143), interpolation=cv2.INTER_CUBIC)
    residual = np.tile(tile, (4, 4))[:512, :480] + 0.3 * rng.standard_normal((512, 480))
    residual = residual.astype(np.float32)
    resized = _fold.scaled_fold(residual, 143.0)
    warped = _fold.fold(residual, _fold.identity_basis(143.0))
    assert resized.shape == warped.shape == (_fold.FOLD, _fold.FOLD)
    assert np.corrcoef(resized.ravel(), warped.ravel())[0, 1] > 0.9


def test_the_whitened_half_spectrum_is_that_of_the_whitened_tile() -> None:
    tile = np.random.default_rng(18).standard_normal((128, 128)).astype(np.float32)
    half = _sync.whitened_half_spectrum(tile)
    expected = np.fft.rfft2(_sync.whiten_tile(tile).astype(np.float64))
    assert half.shape == expected.shape and half.dtype == np.complex64
    np.testing.assert_allclose(half, expected, atol=1e-4 * float(np.abs(expected).max()))


def test_the_batched_pose_score_agrees_with_locating() -> None:
    templates = _detect._Templates(_detect._sync_template(_pattern.layout_for(KEY)))
    rng = np.random.default_rng(19)
    for pose in (0, 3, 6):
        fold = _detect._pose_source(np.roll(templates.template, (5, 70), axis=(0, 1)), pose)
        fold = (fold + 2.0 * rng.standard_normal(fold.shape)).astype(np.float32)
        z, found = templates.best_pose(np.fft.rfft2(fold).astype(np.complex64))
        _, expected_z, expected_pose = _detect._locate(fold, templates)
        assert found == expected_pose == pose
        assert z == pytest.approx(expected_z, rel=1e-4)


def test_a_small_tile_spectrum_widens_to_the_same_band_limited_tile() -> None:
    rng = np.random.default_rng(20)
    # A smooth periodic tile of 64 samples, and the same signal sampled at 128.
    freqs = np.zeros((64, 33), np.complex128)
    freqs[:10, :10] = rng.standard_normal((10, 10)) + 1j * rng.standard_normal((10, 10))
    freqs[-9:, :10] = rng.standard_normal((9, 10)) + 1j * rng.standard_normal((9, 10))
    small = np.fft.irfft2(freqs, s=(64, 64))
    wide = _sync.widen_half_spectrum(np.fft.rfft2(small).astype(np.complex64), 128)
    assert wide.shape == (128, 65) and wide.dtype == np.complex64
    fine = np.fft.irfft2(wide, s=(128, 128)) * 4  # four times the samples
    np.testing.assert_allclose(fine[::2, ::2], small, atol=1e-5)


def test_the_sweep_folds_at_about_one_sample_per_pixel() -> None:
    assert _detect._sweep_samples(58.0) == 64
    assert _detect._sweep_samples(89.6) == 96
    assert _detect._sweep_samples(112.0) == 112
    assert _detect._sweep_samples(150.0) == _fold.FOLD
    rng = np.random.default_rng(21)
    residual = rng.standard_normal((300, 260)).astype(np.float32)
    tile = _fold.scaled_fold(residual, 89.6, 96)
    assert tile.shape == (96, 96) and tile.dtype == np.float32
