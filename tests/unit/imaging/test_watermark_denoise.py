"""Denoised copies: the median-residual reads of the unmoved grids."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _detect, _image, _pattern, _sync
from unit.imaging.watermark_pictures import calm_scene, printed_page

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")
SIZE = 384


def _non_local_means(image: np.ndarray, strength: float = 5.0) -> np.ndarray:
    return cv2.fastNlMeansDenoisingColored(image, None, strength, strength, 7, 21)


@pytest.fixture(scope="module")
def denoised_page() -> np.ndarray:
    return _non_local_means(watermark.embed(printed_page(SIZE), PAYLOAD, KEY))


def _decoder(image: np.ndarray) -> tuple[_detect._Decoder, np.ndarray, list[np.ndarray]]:
    info = _image.inspect(image)
    plane, factor = _image.analysis_plane(image, info)
    decoder = _detect._Decoder(_pattern.layout_for(KEY), _sync.noise_residual(plane))
    return decoder, plane, _detect._untouched_bases(info, factor)


def test_the_median_residual_keeps_flats_and_edges_out() -> None:
    flat = np.full((64, 64), 120.0, np.float32)
    flat[:, 32:] = 40.0  # a hard edge
    assert np.abs(_sync.median_residual(flat, 3)).max() == 0.0
    spike = flat.copy()
    spike[10, 10] += 1.0  # an isolated chip left by a denoiser
    assert _sync.median_residual(spike, 3)[10, 10] == pytest.approx(1.0)
    spike[10, 10] += 1.0
    residual = _sync.median_residual(spike, 3)
    assert residual[10, 10] == pytest.approx(_sync.MEDIAN_CLIP)  # clipped
    assert np.count_nonzero(residual) == 1
    spike[10, 10] += 20.0
    assert _sync.median_residual(spike, 5).max() == _sync.MEDIAN_CLIP


def test_a_page_after_non_local_means_is_read_only_by_the_median_residual(
    denoised_page: np.ndarray,
) -> None:
    decoder, plane, bases = _decoder(denoised_page)
    for basis in bases:  # the plain read no longer decodes here...
        assert decoder.try_basis(decoder.residual, basis, in_place=True) is None
    found = decoder.denoised(plane, bases)  # ...the median residual does
    assert found is not None
    assert found.payload == PAYLOAD
    assert found.alignment is not None
    assert found.alignment.residual is decoder.residual


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(_non_local_means, id="nlm h=5"),
        pytest.param(lambda a: _non_local_means(a, 10.0), id="nlm h=10"),
        pytest.param(lambda a: cv2.bilateralFilter(a, 5, 50, 50), id="bilateral 5/50"),
    ],
)
def test_detect_reads_a_denoised_copy(edit: object) -> None:
    marked = watermark.embed(printed_page(SIZE, seed=1), PAYLOAD, KEY)
    found = watermark.detect(edit(marked), KEY)  # type: ignore[operator]
    assert found.found
    assert found.payload == PAYLOAD


def test_unmarked_denoised_pictures_cost_few_decodes_and_find_nothing() -> None:
    for picture in (printed_page(SIZE, seed=2), calm_scene(SIZE)):
        decoder, plane, bases = _decoder(_non_local_means(picture))
        assert decoder.denoised(plane, bases) is None
        # At most two decodes per grid and window; mostly none (the sync gates them).
        assert decoder.attempts <= 2 * len(bases) * len(_sync.MEDIAN_WINDOWS)


def test_a_denoised_and_cropped_copy_is_read_at_its_sync_peak() -> None:
    marked = watermark.embed(printed_page(SIZE + 64, seed=3), PAYLOAD, KEY)
    cropped = np.ascontiguousarray(_non_local_means(marked)[37 : 37 + SIZE, 51 : 51 + SIZE])
    found = watermark.detect(cropped, KEY)
    assert found.payload == PAYLOAD
