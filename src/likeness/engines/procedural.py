"""Procedural garment packshots and background plates, made from a seed.

For the demo, the tests and the benches: no image files are shipped, every input of a
campaign is drawn here, the same seed giving the same pixels.

* :func:`garment_packshot` — a knit top, a blazer (over a tee) or a dress, front-on on
  a plain white backdrop, in a colour, with a fabric texture (knit ribs, twill, crepe)
  and soft fold shading, like a flat packshot from an e-commerce studio.
* :func:`scene_plate` — a studio sweep, a street wall or a beach under a sky, lit from a
  given direction (the light's side is brighter, shadows fall away from it), so a plate
  light estimate has something true to find.

Both return 8-bit sRGB ``[H, W, 3]`` arrays; :func:`encode_png` makes the file bytes an
engine request carries. ``ValueError`` for an unknown kind or a bad size or colour.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

GarmentKind = Literal["knit", "blazer", "dress"]
PlateKind = Literal["studio", "street", "beach"]

GARMENTS: tuple[GarmentKind, ...] = ("knit", "blazer", "dress")
PLATES: tuple[PlateKind, ...] = ("studio", "street", "beach")

F32 = NDArray[np.float32]
U8 = NDArray[np.uint8]

#: The packshot backdrop (a paper-white sweep, very slightly warm).
BACKDROP = (246, 246, 244)

# Outlines in unit coordinates of a square packshot (x right, y down), centre line x = 0.5,
# neck opening at the top. Each is the left half; the right half mirrors it.
_KNIT = [
    (0.412, 0.100),  # collar, where the neck opening meets the shoulder line
    (0.265, 0.148),  # shoulder tip
    (0.105, 0.600),  # sleeve, outer cuff corner
    (0.185, 0.628),  # sleeve, inner cuff corner
    (0.300, 0.345),  # armpit
    (0.292, 0.885),  # hem
]
_BLAZER = [
    (0.418, 0.095),
    (0.250, 0.140),
    (0.095, 0.640),
    (0.180, 0.668),
    (0.292, 0.355),
    (0.278, 0.900),
]
_DRESS = [
    (0.420, 0.080),
    (0.338, 0.112),  # strap's outer edge at the shoulder
    (0.330, 0.160),
    (0.300, 0.300),  # armhole's low point
    (0.170, 0.965),  # hem (A-line)
]
#: Front neckline depth on the centre line, per kind.
_NECK_DEPTH = {"knit": 0.165, "blazer": 0.160, "dress": 0.205}


def _check_size(size: int, least: int = 64) -> None:
    if not least <= size <= 8192:
        raise ValueError(f"size must be between {least} and 8192 pixels, got {size}")


def _check_colour(colour: tuple[int, int, int]) -> NDArray[np.float32]:
    rgb = np.asarray(colour, dtype=np.float32)
    if rgb.shape != (3,) or (rgb < 0).any() or (rgb > 255).any():
        raise ValueError(f"colour must be three sRGB values in 0..255, got {colour}")
    return rgb


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> F32:
    """Low-frequency noise in about [-1, 1]: a small random grid, enlarged smoothly."""
    grid = rng.standard_normal((cells + 1, cells + 1)).astype(np.float32)
    out = cv2.resize(grid, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    peak = float(np.abs(out).max()) or 1.0
    smooth: F32 = (out / peak).astype(np.float32)
    return smooth


def _wide_blur(image: F32, sigma: float) -> F32:
    """A Gaussian blur of a wide ``sigma``, computed at a reduced scale and enlarged
    (what it leaves is smooth, so this matches the full-size blur within 1 %
    while taking milliseconds rather than seconds at 2048 px)."""
    height, width = image.shape[:2]
    factor = max(1, int(sigma // 4))
    small = cv2.resize(
        image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA
    )
    blurred = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    out: F32 = cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR).astype(
        np.float32
    )
    return out


def _outline(half: list[tuple[float, float]], neck_depth: float) -> NDArray[np.float64]:
    """The full closed outline: left half, the hem, the mirrored right half, the neckline."""
    left = list(half)
    right = [(1.0 - x, y) for x, y in reversed(half)]
    collar_x, collar_y = half[0]
    # The front neckline: a smooth curve from the right collar down to the centre and up.
    t = np.linspace(0.0, 1.0, 24)
    xs = (1.0 - collar_x) - (1.0 - 2 * collar_x) * t
    ys = collar_y + (neck_depth - collar_y) * np.sin(np.pi * t) ** 0.8
    neckline = list(zip(xs[1:-1], ys[1:-1], strict=True))
    return np.array([*left, *right, *neckline], dtype=np.float64)


def _fill(points: NDArray[np.float64], size: int, supersample: int = 4) -> F32:
    """Anti-aliased coverage of a polygon in unit coordinates."""
    big = size * supersample
    mask = np.zeros((big, big), np.uint8)
    pts = np.round(points * big).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_8)
    small = cv2.resize(mask, (size, size), interpolation=cv2.INTER_AREA)
    coverage: F32 = (small.astype(np.float32) / 255.0).astype(np.float32)
    return coverage


def _texture(kind: GarmentKind, size: int, rng: np.random.Generator) -> F32:
    """Multiplicative luminance of the fabric's weave (about 1 on average)."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    scale = size / 1024.0
    if kind == "knit":
        # Stockinette: columns of V-shaped stitches.
        period = max(3.0, 9.0 * scale)
        column = np.sin(2 * np.pi * xs / period)
        v_shape = np.abs(np.sin(np.pi * (ys / (0.8 * period) + 0.5 * np.abs(column))))
        weave = 1.0 + 0.07 * column * 0.5 + 0.09 * (v_shape - 0.64)
    elif kind == "blazer":
        # Twill: fine diagonal ribs.
        period = max(3.0, 6.0 * scale)
        weave = 1.0 + 0.05 * np.sin(2 * np.pi * (xs + ys) / period)
    else:
        # Crepe: fine irregular grain.
        grain = rng.standard_normal((size, size)).astype(np.float32)
        weave = 1.0 + 0.035 * cv2.GaussianBlur(grain, (0, 0), max(0.6, 0.9 * scale))
    noise = rng.standard_normal((size, size)).astype(np.float32)
    out: F32 = (weave + 0.012 * noise).astype(np.float32)
    return out


def garment_packshot(
    seed: int,
    kind: GarmentKind = "knit",
    colour: tuple[int, int, int] = (166, 38, 52),
    *,
    size: int = 1024,
) -> U8:
    """A ``size`` × ``size`` sRGB packshot of one garment on a white backdrop.

    ``colour`` is the fabric's sRGB colour under the packshot's light (its mean over the
    garment stays within a few CIEDE2000 units of it; texture and folds vary around it).
    """
    if kind not in GARMENTS:
        raise ValueError(f"unknown garment {kind!r}; choose one of {', '.join(GARMENTS)}")
    _check_size(size)
    rgb = _check_colour(colour)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x6A12])
    half = {"knit": _KNIT, "blazer": _BLAZER, "dress": _DRESS}[kind]
    coverage = _fill(_outline(half, _NECK_DEPTH[kind]), size)

    fabric = _texture(kind, size, rng)
    # Soft folds and the gentle fall-off of a garment that is not quite flat.
    folds = 1.0 + 0.045 * _smooth_noise(rng, (size, size), 6)
    inside = _wide_blur(coverage, 0.03 * size)
    body = 0.94 + 0.06 * np.clip(inside * 1.6, 0.0, 1.0)
    shade = (fabric * folds * body).astype(np.float32)
    # Colour in linear light, so the shading multiplies light, not code values.
    linear = (rgb / 255.0) ** 2.2
    garment = linear[None, None, :] * shade[..., None]
    if kind == "knit":
        garment = _ribbed_bands(garment, coverage, size, linear)
    elif kind == "blazer":
        garment = _blazer_details(garment, size, linear)
    encoded = np.clip(garment, 0.0, 1.0) ** (1 / 2.2) * 255.0
    backdrop = _backdrop(size, rng)
    out = coverage[..., None] * encoded + (1.0 - coverage[..., None]) * backdrop
    packshot: U8 = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return packshot


def _backdrop(size: int, rng: np.random.Generator) -> F32:
    base = np.asarray(BACKDROP, np.float32)
    noise = 0.6 * rng.standard_normal((size, size, 1)).astype(np.float32)
    out: F32 = (base[None, None, :] + noise).astype(np.float32)
    return out


def _ribbed_bands(garment: F32, coverage: F32, size: int, linear: F32) -> F32:
    """Ribbing at the hem, the cuffs and along the neckline: finer, slightly darker ribs."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    rib = 0.9 + 0.08 * np.sin(2 * np.pi * xs * size / max(3.0, 5.0 * size / 1024))
    hem = ys > 0.845
    cuffs = (ys > 0.575) & ((xs < 0.2) | (xs > 0.8))
    collar_x, collar_y = _KNIT[0]
    t = np.clip((xs - collar_x) / (1.0 - 2 * collar_x), 0.0, 1.0)
    neckline = collar_y + (_NECK_DEPTH["knit"] - collar_y) * np.clip(np.sin(np.pi * t), 0, 1) ** 0.8
    collar = (np.abs(xs - 0.5) < 0.5 - collar_x + 0.02) & (ys < neckline + 0.022)
    band = (hem | cuffs | collar) & (coverage > 0)
    out = garment.copy()
    out[band] = (
        linear[None, :]
        * rib[band][:, None]
        * garment[band].mean(axis=1, keepdims=True)
        / max(float(linear.mean()), 1e-6)
    )
    return out


def _blazer_details(garment: F32, size: int, linear: F32) -> F32:
    """A white tee in the V of the lapels, lapel edges and two buttons."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    out = garment.copy()
    # The V: from the collar points down to the top button on the centre line.
    v_depth = 0.43
    half_width = np.clip((v_depth - ys) / (v_depth - 0.1), 0.0, 1.0) * 0.082
    in_v = (np.abs(xs - 0.5) < half_width) & (ys > 0.09)
    tee = np.asarray([0.56, 0.55, 0.52], np.float32)
    tee_shade = 1.0 - 0.05 * np.clip((ys - 0.1) / 0.3, 0, 1)
    out[in_v] = tee[None, :] * tee_shade[in_v][:, None]
    # Lapel edges: a thin shadow just outside the V, and the lapel fold line.
    edge = (np.abs(np.abs(xs - 0.5) - half_width - 0.004) < 0.003) & (ys < v_depth) & (ys > 0.1)
    fold = np.abs(np.abs(xs - 0.5) - (half_width + 0.075 * (1 - ys))) < 0.0025
    fold &= (ys > 0.12) & (ys < v_depth + 0.02)
    out[edge | fold] *= 0.62
    # Two buttons below the V.
    for by in (v_depth + 0.05, v_depth + 0.2):
        button = np.hypot(xs - 0.5, ys - by) < 0.012
        out[button] = linear[None, :] * 0.45
    return out


def _light_vector(azimuth_deg: float, elevation_deg: float) -> tuple[float, float]:
    """Where the light comes from in the picture: (x, y) in [-1, 1], y up.

    Azimuth follows the studio convention: > 0 is the subject's right, the image's left.
    """
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    return -math.sin(az) * math.cos(el), math.sin(el)


def scene_plate(
    seed: int,
    kind: PlateKind = "studio",
    *,
    width: int = 1080,
    height: int = 1350,
    azimuth_deg: float = 35.0,
    elevation_deg: float = 30.0,
    warmth: float = 0.0,
) -> U8:
    """A ``width`` × ``height`` sRGB background plate lit from (azimuth, elevation).

    ``warmth`` in [-1, 1] tints the key light (warm > 0, cool < 0); the shadows take the
    opposite tint, as daylight under a blue sky does. The plate darkens gently towards its
    corners, as a photographed one does.
    """
    if kind not in PLATES:
        raise ValueError(f"unknown plate {kind!r}; choose one of {', '.join(PLATES)}")
    _check_size(width, 32)
    _check_size(height, 32)
    if not -1.0 <= warmth <= 1.0:
        raise ValueError("warmth must lie in [-1, 1]")
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x97A7])
    lx, ly = _light_vector(azimuth_deg, elevation_deg)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (xs / width) * 2 - 1  # -1 left .. 1 right
    v = 1 - (ys / height) * 2  # 1 top .. -1 bottom
    key = np.asarray([1.0 + 0.12 * warmth, 1.0, 1.0 - 0.18 * warmth], np.float32)
    fill = np.asarray([1.0 - 0.06 * warmth, 1.0, 1.0 + 0.1 * warmth], np.float32)
    if kind == "studio":
        linear = _studio(u, v, lx, ly, key, fill, rng)
    elif kind == "street":
        linear = _street(u, v, lx, ly, key, fill, rng, width, height)
    else:
        linear = _beach(u, v, lx, ly, key, fill, rng)
    # A photographer's plate falls off towards its corners (lens and light).
    linear = linear * (1.0 - 0.22 * np.clip((u**2 + v**2) / 2.0, 0.0, 1.0))[..., None]
    grain = 0.006 * rng.standard_normal((height, width, 1)).astype(np.float32)
    encoded = np.clip(linear, 0.0, 1.0) ** (1 / 2.2) + grain
    plate: U8 = np.clip(encoded * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return plate


def _studio(
    u: F32, v: F32, lx: float, ly: float, key: F32, fill: F32, rng: np.random.Generator
) -> F32:
    """A paper sweep: a soft pool of light on the light's side, a floor curve at the base."""
    paper = np.asarray([0.52, 0.47, 0.42], np.float32)
    pool = np.exp(-((u - 0.8 * lx) ** 2 / 0.9 + (v - 0.35 - 0.4 * ly) ** 2 / 1.3))
    light = 0.35 * fill[None, None, :] + 0.9 * pool[..., None] * key[None, None, :]
    # The sweep's curve: the floor catches a little more light, then falls into the corner.
    floor = np.clip((-v - 0.55) / 0.45, 0.0, 1.0)
    light = light * (1.0 + 0.15 * floor[..., None])
    mottle = 1.0 + 0.03 * _smooth_noise(rng, u.shape, 5)
    out: F32 = (paper * light * mottle[..., None] * 0.55).astype(np.float32)
    return out


def _street(
    u: F32,
    v: F32,
    lx: float,
    ly: float,
    key: F32,
    fill: F32,
    rng: np.random.Generator,
    width: int,
    height: int,
) -> F32:
    """A limewashed wall in sun: a hard diagonal shadow edge, pavement at the foot."""
    wall = np.asarray([0.62, 0.5, 0.38], np.float32)
    plaster = 1.0 + 0.08 * _smooth_noise(rng, u.shape, 14) + 0.04 * _smooth_noise(rng, u.shape, 40)
    # Sunlit where above a diagonal edge that falls away from the light's side.
    slope = 0.5 + 0.6 * (1.0 - abs(ly))
    edge = 0.15 + slope * u * (1 if lx >= 0 else -1) * -1
    sunlit = np.clip((v - edge) * 6.0 + 0.5, 0.0, 1.0)
    across = 1.0 + 0.25 * lx * u
    light = 0.28 * fill[None, None, :] + (sunlit * across)[..., None] * key[None, None, :]
    out = wall * light * plaster[..., None] * 0.55
    # Pavement: the lowest eighth, darker and cooler.
    ground = v < -0.78
    stone = np.asarray([0.26, 0.26, 0.27], np.float32)
    out[ground] = (stone * (0.5 + 0.5 * sunlit[ground, None]) * key)[...] * 0.6
    # Joints of the stone course at the wall's foot.
    joint = (np.abs(v + 0.78) < 3.0 / height) | (
        (v < -0.78) & (np.abs(((u + 1) * width / 160.0) % 1.0 - 0.5) < 0.02)
    )
    out[joint] *= 0.6
    result: F32 = out.astype(np.float32)
    return result


def _beach(
    u: F32, v: F32, lx: float, ly: float, key: F32, fill: F32, rng: np.random.Generator
) -> F32:
    """Sky over a sea horizon and sand: the sky glows towards the sun's side."""
    horizon = -0.38
    zenith = np.asarray([0.18, 0.32, 0.62], np.float32)
    haze = np.asarray([0.70, 0.74, 0.78], np.float32)
    t = np.clip((v - horizon) / (1.0 - horizon), 0.0, 1.0) ** 0.6
    sky = haze * (1 - t[..., None]) + zenith * t[..., None]
    glow = np.exp(-((u - lx) ** 2 + (v - (0.2 + 0.6 * ly)) ** 2) / 0.5)
    sky = sky * (0.8 + 0.2 * fill) + 0.5 * glow[..., None] * key
    sea = np.asarray([0.09, 0.22, 0.30], np.float32) * (1.0 + 0.3 * glow[..., None])
    sand_line = horizon - 0.12
    sand = (
        np.asarray([0.60, 0.50, 0.36], np.float32) * key * (0.9 + 0.2 * (lx * u + 1) / 2)[..., None]
    )
    sand = sand * (1.0 + 0.05 * _smooth_noise(rng, u.shape, 30))[..., None]
    out = np.where((v > horizon)[..., None], sky, np.where((v > sand_line)[..., None], sea, sand))
    result: F32 = (out * 0.9).astype(np.float32)
    return result


def encode_png(pixels: U8) -> bytes:
    """PNG bytes of an 8-bit sRGB array (what an engine request's inputs carry)."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return bytes(data.tobytes())
