"""Synthetic pictures the watermark tests mark: generated here, nothing downloaded."""

from __future__ import annotations

import cv2
import numpy as np


def _octaves(rng: np.random.Generator, size: int, octaves: int, amplitude: float) -> np.ndarray:
    out = np.zeros((size, size), np.float32)
    for octave in range(1, octaves + 1):
        side = max(2, size >> octave)
        small = rng.standard_normal((side, side)).astype(np.float32)
        out += cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC) * (amplitude / octave)
    return out


def dense_texture(size: int, seed: int = 0) -> np.ndarray:
    """Multi-octave noise: busy, high-contrast detail at every scale (gravel, foliage)."""
    rng = np.random.default_rng(seed)
    amplitude = float(rng.uniform(15, 45))
    grey = _octaves(rng, size, 7, amplitude)
    tint = rng.uniform(0.6, 1.2, 3).astype(np.float32)
    fine = _octaves(rng, size, 3, 10)
    image = 128 + grey[..., None] * tint + fine[..., None]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def woven_fabric(size: int, seed: int = 0) -> np.ndarray:
    """A close-up of woven cloth: a fine periodic weave over soft folds."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    period = float(rng.uniform(3, 9))
    weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / (period * 1.3))
    folds = _octaves(rng, size, 3, 40)
    color = rng.uniform(40, 200, 3).astype(np.float32)
    image = color + (weave * 18 + folds)[..., None]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def calm_scene(size: int) -> np.ndarray:
    """Soft colour regions with light grain: an ordinary, easily marked picture."""
    rng = np.random.default_rng(3)
    base = cv2.resize(rng.uniform(40, 210, (12, 12, 3)).astype(np.float32), (size, size))
    grain = rng.standard_normal((size, size, 1)).astype(np.float32) * 6
    return np.clip(np.rint(base + grain), 0, 255).astype(np.uint8)


def printed_page(size: int, seed: int = 0) -> np.ndarray:
    """Dark lines of text on a light, nearly flat page: edges and flats, little texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    page = 170 + 25 * (xx + yy) / (2 * size)
    image = np.clip(np.repeat(page[..., None], 3, axis=2), 0, 255).astype(np.uint8)
    words = ["consent", "twin", "Likeness", "model", "2026", "label"]
    for _ in range(size // 22):
        color = tuple(int(v) for v in rng.integers(0, 110, 3))
        origin = (int(rng.integers(-size // 4, size // 2)), int(rng.integers(10, size)))
        text = " ".join(rng.choice(words, 6))
        scale = float(rng.uniform(0.4, 1.6))
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 2, cv2.LINE_AA)
    return image
