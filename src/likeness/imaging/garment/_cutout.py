"""Cutting a garment out of a packshot on a plain background: threshold, then GrabCut.

The background colour is read from the image border (a packshot's border is backdrop).
Pixels far from it in colour are garment for sure, pixels close to it and connected to
the border are backdrop for sure; OpenCV's GrabCut (Rother et al. 2004) decides the rest
from colour models of both. GrabCut runs on a reduced copy (its cost grows with pixels,
the silhouette does not need them); the full-size matte keeps GrabCut's hard decision in
the interior and a soft edge from the colour distance, so the cut is anti-aliased.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.garment._errors import InvalidImage, NoGarmentFound

#: Longest side GrabCut works at.
_GRABCUT_SIDE = 320
#: Colour distance (0–255 units, max over channels) under which a pixel looks like backdrop,
#: and over which it is garment for sure.
_NEAR = 10.0
_FAR = 40.0
#: Share of pixels that must be garment for a usable packshot.
_MIN_COVER = 0.01


@dataclass(frozen=True)
class Cutout:
    """A garment cut from its packshot: sRGB pixels, a matte in [0, 1] and its bounding box
    ``(x, y, width, height)`` in packshot pixels."""

    rgb: NDArray[np.uint8]
    alpha: NDArray[np.float32]
    box: tuple[int, int, int, int]
    background: tuple[int, int, int]


def _check(packshot: object) -> NDArray[np.uint8]:
    if not isinstance(packshot, np.ndarray) or packshot.dtype != np.uint8:
        raise InvalidImage("a packshot must be a uint8 sRGB array [H, W, 3]")
    if packshot.ndim != 3 or packshot.shape[2] != 3:
        raise InvalidImage(f"a packshot must have shape [H, W, 3], got {packshot.shape}")
    if min(packshot.shape[:2]) < 16:
        raise InvalidImage("a packshot must be at least 16 pixels each way")
    return packshot


def _border_colour(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    band = max(2, min(image.shape[:2]) // 50)
    border = np.concatenate(
        [
            image[:band].reshape(-1, 3),
            image[-band:].reshape(-1, 3),
            image[:, :band].reshape(-1, 3),
            image[:, -band:].reshape(-1, 3),
        ]
    )
    colour: NDArray[np.float32] = np.median(border, axis=0).astype(np.float32)
    return colour


def _distance(image: NDArray[np.uint8], colour: NDArray[np.float32]) -> NDArray[np.float32]:
    """Largest per-channel difference from the backdrop colour (uint8 SIMD, then float)."""
    reference = np.round(colour).astype(np.uint8)
    channels = [
        cv2.absdiff(image[..., c], np.full_like(image[..., c], reference[c])) for c in range(3)
    ]
    out: NDArray[np.float32] = np.maximum(np.maximum(channels[0], channels[1]), channels[2]).astype(
        np.float32
    )
    return out


def cut_out(packshot: NDArray[np.uint8], *, iterations: int = 4) -> Cutout:
    """Cut the garment from ``packshot`` (8-bit sRGB ``[H, W, 3]`` on a plain backdrop).

    Raises :class:`InvalidImage` for a malformed array and :class:`NoGarmentFound` when
    the border is not a plain backdrop or nothing stands out from it.
    """
    image = _check(packshot)
    height, width = image.shape[:2]
    colour = _border_colour(image)
    distance = _distance(image, colour)
    band = max(2, min(height, width) // 50)
    border = np.concatenate(
        [distance[:band].ravel(), distance[-band:].ravel(), distance[:, :band].ravel()]
    )
    if float(np.percentile(border, 90)) > _NEAR * 2:
        raise NoGarmentFound("the packshot's border is not a plain backdrop")
    sure_fg = distance > _FAR
    if sure_fg.mean() < _MIN_COVER:
        raise NoGarmentFound("nothing in the packshot stands out from its backdrop")

    factor = max(1.0, max(height, width) / _GRABCUT_SIDE)
    small_size = (max(16, round(width / factor)), max(16, round(height / factor)))
    small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    small_dist = cv2.resize(distance, small_size, interpolation=cv2.INTER_AREA)
    mask = np.full(small_dist.shape, cv2.GC_PR_BGD, np.uint8)
    mask[small_dist > (_NEAR + _FAR) / 2] = cv2.GC_PR_FGD
    mask[cv2.erode((small_dist > _FAR).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = (
        cv2.GC_FGD
    )
    mask[small_dist < _NEAR / 2] = cv2.GC_BGD
    mask[:2], mask[-2:], mask[:, :2], mask[:, -2:] = (cv2.GC_BGD,) * 4
    # GrabCut seeds its colour models from OpenCV's RNG: fix it, the cut is then repeatable.
    cv2.setRNGSeed(0)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.grabCut(small, mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)  # type: ignore[call-overload]
    hard_small = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    hard = cv2.resize(hard_small, (width, height), interpolation=cv2.INTER_LINEAR) > 0.5
    # Interior: GrabCut's call. Edge (a few pixels either side): coverage from the colour
    # distance, relative to the distance of the cloth nearby (a dark garment on white
    # reaches a large distance at a small coverage), so the silhouette is anti-aliased.
    ring = max(2, round(factor))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring + 1, 2 * ring + 1))
    inner = cv2.erode(hard.astype(np.uint8), kernel) > 0
    outer = cv2.dilate(hard.astype(np.uint8), kernel) > 0
    wide = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (4 * ring + 1, 4 * ring + 1))
    cloth = cv2.dilate(np.where(inner, distance, 0.0).astype(np.float32), wide)
    floor = _NEAR / 2
    ramp = np.clip((distance - floor) / np.maximum(cloth - floor, _NEAR), 0.0, 1.0)
    alpha = np.where(inner, 1.0, np.where(outer, ramp, 0.0)).astype(np.float32)
    rows = np.flatnonzero((alpha > 0.5).any(axis=1))
    cols = np.flatnonzero((alpha > 0.5).any(axis=0))
    if rows.size == 0:
        raise NoGarmentFound("GrabCut found no garment in the packshot")
    box = (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
    bg = (int(colour[0]), int(colour[1]), int(colour[2]))
    return Cutout(rgb=_decontaminate(image, alpha, colour), alpha=alpha, box=box, background=bg)


def _decontaminate(
    image: NDArray[np.uint8], alpha: NDArray[np.float32], backdrop: NDArray[np.float32]
) -> NDArray[np.uint8]:
    """Edge pixels mix garment and backdrop: solve ``I = a F + (1 - a) B`` for ``F`` where
    the coverage is high enough to trust, and take the cloth's colour nearby elsewhere, so
    a composite over another background shows no halo of the packshot's backdrop."""
    edge = (alpha > 0.0) & (alpha < 0.98)
    out = image.copy()
    if not edge.any():
        return out
    solid = (alpha >= 0.98).astype(np.float32)
    sigma = 2.0
    near = cv2.GaussianBlur(image.astype(np.float32) * solid[..., None], (0, 0), sigma)
    weight = cv2.GaussianBlur(solid, (0, 0), sigma)[..., None]
    nearby = near / np.maximum(weight, 1e-4)
    a = alpha[edge][:, None]
    mixed = image[edge].astype(np.float32)
    solved = (mixed - (1.0 - a) * backdrop) / np.maximum(a, 1e-3)
    trust = np.clip((a - 0.3) / 0.4, 0.0, 1.0)
    colour = trust * solved + (1.0 - trust) * nearby[edge]
    out[edge] = np.clip(colour + 0.5, 0, 255).astype(np.uint8)
    return out
