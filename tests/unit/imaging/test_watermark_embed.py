"""Informed embedding: per-bit amplitudes for a plain and a blurred read, and fragility."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _embed
from likeness.imaging.watermark._coding import CODED_BITS
from unit.imaging.watermark_pictures import calm_scene, dense_texture, woven_fabric

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")


def test_a_dense_texture_survives_blur() -> None:
    # Planned for the plain read only, this picture's blurred copy does not decode.
    marked = watermark.embed(dense_texture(384), PAYLOAD, KEY)
    assert watermark.detect(marked, KEY).payload == PAYLOAD
    result = watermark.detect(cv2.GaussianBlur(marked, (0, 0), 1.0), KEY)
    assert result.payload == PAYLOAD


def _reads(rng: np.random.Generator, blur_host_scale: float) -> tuple[_embed._Read, _embed._Read]:
    response = np.full(CODED_BITS, 10.0)
    sharp = _embed._Read(rng.normal(0, 8, CODED_BITS), response)
    blurred = _embed._Read(rng.normal(0, 8 * blur_host_scale, CODED_BITS), response)
    return sharp, blurred


def test_planning_for_blur_cuts_blurred_errors_at_little_cost() -> None:
    sharp, blurred = _reads(np.random.default_rng(1), 0.7)
    plain_only = _embed._bit_gains([sharp], (1.0,))
    chosen = _embed._choose_gains(sharp, blurred)
    assert np.mean(chosen**2) == pytest.approx(1.0, abs=0.01)  # same energy, same PSNR
    assert blurred.expected_errors(chosen) < 0.5 * blurred.expected_errors(plain_only)
    assert sharp.expected_errors(chosen) <= sharp.expected_errors(plain_only) + _embed.SHARP_SLACK


def test_a_fragile_plain_read_is_not_traded_for_the_blurred_one() -> None:
    # The picture fights the plain read so hard that it expects many errors already.
    sharp, blurred = _reads(np.random.default_rng(2), 1.0)
    sharp = _embed._Read(sharp.host * 3.0, sharp.response)
    plain_only = _embed._bit_gains([sharp], (1.0,))
    assert sharp.expected_errors(plain_only) >= _embed.FRAGILE
    chosen = _embed._choose_gains(sharp, blurred)
    assert sharp.expected_errors(chosen) <= sharp.expected_errors(plain_only) + 1e-6


def test_bit_gains_keep_the_energy_and_their_range() -> None:
    sharp, blurred = _reads(np.random.default_rng(3), 1.5)
    for reads, weights in (([sharp], (1.0,)), ([sharp, blurred], (1.0, 0.5))):
        gains = _embed._bit_gains(reads, weights)
        assert np.mean(gains**2) == pytest.approx(1.0, abs=0.01)
        low, high = _embed.BIT_GAIN_RANGE
        assert gains.min() >= low - 1e-9 and gains.max() <= high + 1e-9


def _flipping(count: int) -> _embed._Read:
    """A read where the picture alone flips ``count`` bits of a plain mark."""
    host = np.full(CODED_BITS, 5.0)
    host[:count] = -15.0
    return _embed._Read(host, np.full(CODED_BITS, 10.0))


def test_the_fragility_boost_ramps_with_the_bits_a_picture_flips() -> None:
    low, full = int(_embed.FRAGILE_FROM), int(_embed.FRAGILE_FULL)
    assert _embed.fragility_boost(_flipping(0)) == 1.0
    assert _embed.fragility_boost(_flipping(low)) == 1.0
    middle = _embed.fragility_boost(_flipping((low + full) // 2))
    assert 1.0 < middle < _embed.FRAGILE_BOOST
    assert _embed.fragility_boost(_flipping(full)) == pytest.approx(_embed.FRAGILE_BOOST)
    assert _embed.fragility_boost(_flipping(CODED_BITS)) == pytest.approx(_embed.FRAGILE_BOOST)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / mse)


def test_a_fragile_picture_is_marked_stronger_but_stays_above_40_db(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cloth = woven_fabric(384)
    boosted = watermark.embed(cloth, PAYLOAD, KEY)
    monkeypatch.setattr(_embed, "FRAGILE_BOOST", 1.0)
    plain = watermark.embed(cloth, PAYLOAD, KEY)
    assert 40.0 <= _psnr(cloth, boosted) <= _psnr(cloth, plain) - 0.7
    assert watermark.detect(boosted, KEY).payload == PAYLOAD


def test_an_ordinary_picture_is_not_boosted(monkeypatch: pytest.MonkeyPatch) -> None:
    scene = calm_scene(384)
    marked = watermark.embed(scene, PAYLOAD, KEY)
    monkeypatch.setattr(_embed, "FRAGILE_BOOST", 1.0)
    assert np.array_equal(watermark.embed(scene, PAYLOAD, KEY), marked)
