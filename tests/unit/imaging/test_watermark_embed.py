"""Informed embedding: planning the per-bit amplitudes for a plain and a blurred read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.imaging import watermark
from likeness.imaging.watermark import _embed
from likeness.imaging.watermark._coding import CODED_BITS

KEY = bytes(range(32))
PAYLOAD = bytes.fromhex("0123456789abcdef")


def dense_texture(size: int, seed: int = 0) -> np.ndarray:
    """Multi-octave noise: busy, high-contrast detail at every scale (gravel, foliage)."""
    rng = np.random.default_rng(seed)
    grey = np.zeros((size, size), np.float32)
    amplitude = float(rng.uniform(15, 45))
    for octave in range(1, 8):
        side = max(2, size >> octave)
        small = rng.standard_normal((side, side)).astype(np.float32)
        grey += cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC) * (
            amplitude / octave
        )
    tint = rng.uniform(0.6, 1.2, 3).astype(np.float32)
    fine = np.zeros((size, size), np.float32)
    for octave in range(1, 4):
        side = max(2, size >> octave)
        small = rng.standard_normal((side, side)).astype(np.float32)
        fine += cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC) * (10 / octave)
    image = 128 + grey[..., None] * tint + fine[..., None]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


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
