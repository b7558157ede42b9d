"""Benchmark: Likeness watermark vs invisible-watermark on the same images and attacks.

Prints one table: for every attack and method, the exact-payload recovery rate and the
mean detection time; then PSNR and embedding time per method, timings per image size,
and (with ``--unmarked``) the false-ID rate on unmarked images and with a wrong key.

Images are generated (gradients, shapes, textures, woven fabric, noise, text, skin-like
regions, scenes mixing them, studio fashion shots on a near-white backdrop) at the
sizes asked for; the OLAT faces in
../shared/data/olat-faces are added upscaled when present, and any folder passed with
``--images``. Nothing is downloaded.

invisible-watermark (dwtDct, dwtDctSvd, rivaGan) is optional: install it with
``pip install --no-deps invisible-watermark onnxruntime`` (its own import pulls in
torch, so this bench loads its DWT modules directly and runs rivaGan's shipped ONNX
models itself). Its columns are skipped, with a note, when it is missing.

    nice -n 10 python bench/watermark.py --count 24 --sizes 512,1024
    nice -n 10 python bench/watermark.py --count 216 --extra --unmarked 10000 --jobs 2
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import multiprocessing
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
from PIL import Image

from likeness.imaging import watermark

RGB = np.ndarray
OLAT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "olat-faces"
BENCH_KEY = bytes(range(32))
WRONG_KEY = bytes(range(1, 33))

# --------------------------------------------------------------------------- images


def _noise_octaves(rng: np.random.Generator, h: int, w: int, octaves: int, amp: float) -> RGB:
    out = np.zeros((h, w), np.float32)
    for octave in range(1, octaves + 1):
        small = rng.standard_normal((max(2, h >> octave), max(2, w >> octave))).astype(np.float32)
        out += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) * (amp / octave)
    return out


def _gradient(rng: np.random.Generator, h: int, w: int) -> RGB:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = rng.uniform(-1, 1, 2)
    base = (a * xx / w + b * yy / h + 1) / 2
    colors = rng.uniform(30, 225, (2, 3)).astype(np.float32)
    return base[..., None] * colors[0] + (1 - base[..., None]) * colors[1]


def gen_gradient_shapes(rng: np.random.Generator, h: int, w: int) -> RGB:
    img = _gradient(rng, h, w)
    for _ in range(int(rng.integers(6, 18))):
        color = tuple(float(v) for v in rng.uniform(0, 255, 3))
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if rng.random() < 0.5:
            cv2.circle(img, centre, int(rng.integers(10, max(11, w // 5))), color, -1, cv2.LINE_AA)
        else:
            size = (int(rng.integers(10, max(11, w // 4))), int(rng.integers(10, max(11, h // 4))))
            angle = float(rng.uniform(0, 180))
            cv2.ellipse(img, centre, size, angle, 0, 360, color, -1, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.5, 2.0)))


def gen_texture(rng: np.random.Generator, h: int, w: int) -> RGB:
    grey = _noise_octaves(rng, h, w, 7, float(rng.uniform(15, 45)))
    tint = rng.uniform(0.6, 1.2, 3).astype(np.float32)
    return 128 + grey[..., None] * tint + _noise_octaves(rng, h, w, 3, 10)[..., None]


def gen_fabric(rng: np.random.Generator, h: int, w: int) -> RGB:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = float(rng.uniform(3, 9))
    weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / (period * 1.3))
    folds = _noise_octaves(rng, h, w, 3, 40)
    color = rng.uniform(40, 200, 3).astype(np.float32)
    return color + (weave * 18 + folds)[..., None]


def gen_skin(rng: np.random.Generator, h: int, w: int) -> RGB:
    base = np.array(rng.uniform([150, 100, 80], [235, 190, 160]), np.float32)
    shading = _noise_octaves(rng, h, w, 2, 25)
    pores = rng.standard_normal((h, w)).astype(np.float32) * float(rng.uniform(0.5, 2.5))
    return base + shading[..., None] * np.array([1.0, 0.8, 0.7], np.float32) + pores[..., None]


def gen_text(rng: np.random.Generator, h: int, w: int) -> RGB:
    img = np.clip(_gradient(rng, h, w) * 0.3 + 170, 0, 255).astype(np.uint8)
    for _ in range(int(h / 22)):
        scale = float(rng.uniform(0.4, 1.6))
        color = tuple(int(v) for v in rng.integers(0, 110, 3))
        origin = (int(rng.integers(-w // 4, w // 2)), int(rng.integers(10, h)))
        words = " ".join(rng.choice(["consent", "twin", "Likeness", "model", "2026", "label"], 6))
        cv2.putText(img, words, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, color, 2, cv2.LINE_AA)
    return img.astype(np.float32)


def gen_noise(rng: np.random.Generator, h: int, w: int) -> RGB:
    blur = float(rng.uniform(0.7, 4.0))
    field_ = cv2.GaussianBlur(rng.uniform(0, 255, (h, w, 3)).astype(np.float32), (0, 0), blur)
    return (field_ - field_.mean()) * float(rng.uniform(2, 6)) + 128


def gen_scene(rng: np.random.Generator, h: int, w: int) -> RGB:
    """A photo-like mix: sky gradient, textured ground, a skin-toned oval, grain."""
    img = _gradient(rng, h, w)
    horizon = int(h * rng.uniform(0.4, 0.7))
    img[horizon:] = gen_texture(rng, h - horizon, w) * 0.7 + 30
    skin = gen_skin(rng, h, w)
    mask = np.zeros((h, w), np.float32)
    centre = (int(w * rng.uniform(0.3, 0.7)), int(h * rng.uniform(0.3, 0.6)))
    cv2.ellipse(mask, centre, (w // 7, h // 5), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 6)[..., None]
    img = img * (1 - mask) + skin * mask
    return img + rng.standard_normal((h, w, 1)).astype(np.float32) * 2


def gen_studio(rng: np.random.Generator, h: int, w: int) -> RGB:
    """A fashion shot: a near-white studio backdrop (partly blown out), a skin-toned face
    and a woven garment with soft shadows."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.45, 0.55)
    falloff = np.hypot((xx - cx) / w, (yy - cy) / h)
    backdrop = float(rng.uniform(238, 262)) - 40 * falloff**2  # > 255 clips: blown out
    img = np.repeat(backdrop[..., None], 3, axis=2) * np.array([1.0, 0.99, 0.97], np.float32)
    garment = np.zeros((h, w), np.float32)
    cv2.ellipse(garment, (int(cx), int(h * 0.95)), (w // 4, int(h * 0.45)), 0, 0, 360, 1.0, -1)
    garment = cv2.GaussianBlur(garment, (0, 0), 3)[..., None]
    period = float(rng.uniform(3, 8))
    weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)
    cloth = (
        rng.uniform(30, 200, 3).astype(np.float32)
        + (weave * float(rng.uniform(4, 12)) + _noise_octaves(rng, h, w, 3, 20))[..., None]
    )
    img = img * (1 - garment) + cloth * garment
    face = np.zeros((h, w), np.float32)
    cv2.ellipse(face, (int(cx), int(h * 0.3)), (w // 9, h // 7), 0, 0, 360, 1.0, -1)
    face = cv2.GaussianBlur(face, (0, 0), 4)[..., None]
    img = img * (1 - face) + gen_skin(rng, h, w) * face
    shadow = cv2.GaussianBlur((garment[..., 0] > 0.5).astype(np.float32), (0, 0), w / 30)
    return img * (1 - 0.25 * np.roll(shadow, w // 25, axis=1))[..., None]


GENERATORS: dict[str, Callable[[np.random.Generator, int, int], RGB]] = {
    "gradient+shapes": gen_gradient_shapes,
    "texture": gen_texture,
    "fabric": gen_fabric,
    "skin": gen_skin,
    "text": gen_text,
    "noise": gen_noise,
    "scene": gen_scene,
    "studio": gen_studio,
}


def synthetic(index: int, size: int, seed: int) -> tuple[str, RGB]:
    name = list(GENERATORS)[index % len(GENERATORS)]
    rng = np.random.default_rng([seed, index, size])
    img = GENERATORS[name](rng, size, size)
    return f"{name}-{size}-{index}", np.clip(np.rint(img), 0, 255).astype(np.uint8)


def olat_faces(sizes: list[int], limit: int, seed: int) -> list[tuple[str, RGB]]:
    if not OLAT_DIR.is_dir():
        if limit > 0:
            print(f"OLAT faces skipped: no data at {OLAT_DIR}", file=sys.stderr)
        return []
    files = sorted(OLAT_DIR.glob("*/*.png"))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(files), size=min(limit, len(files)), replace=False)
    out = []
    for n, i in enumerate(picked):
        grey = np.asarray(Image.open(files[i]).convert("L"))
        size = sizes[n % len(sizes)]
        big = cv2.resize(grey, (size, size * grey.shape[0] // grey.shape[1]), cv2.INTER_CUBIC)
        tint = np.array([1.0, 0.86, 0.75])  # skin-ish colour so chroma is not flat grey
        out.append((f"olat-{files[i].stem}-{size}", np.clip(big[..., None] * tint, 0, 255)))
    return [(name, img.astype(np.uint8)) for name, img in out]


def folder_images(folder: Path, limit: int) -> list[tuple[str, RGB]]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png", ".webp"}:
            continue
        with Image.open(path) as im:
            out.append((path.name, np.asarray(im.convert("RGB"))))
        if len(out) >= limit:
            break
    return out


# --------------------------------------------------------------------------- attacks


def _jpeg(img: RGB, quality: int) -> RGB:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _webp(img: RGB, quality: int) -> RGB:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="WEBP", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _scale_values(img: RGB, fn: Callable[[np.ndarray], np.ndarray]) -> RGB:
    return np.clip(np.rint(fn(img.astype(np.float32))), 0, 255).astype(np.uint8)


def _contrast(img: RGB, factor: float) -> RGB:
    mean = float(img.mean())
    return _scale_values(img, lambda x: (x - mean) * factor + mean)


def _noise(img: RGB, sigma: float) -> RGB:
    rng = np.random.default_rng(int(img[::97, ::89].sum()))
    return _scale_values(img, lambda x: x + rng.normal(0, sigma, x.shape))


def _crop(img: RGB, area: float = 0.8, rescale: bool = False) -> RGB:
    h, w = img.shape[:2]
    side = area**0.5
    ch, cw = round(h * side), round(w * side)
    y, x = (h - ch) // 2, (w - cw) // 2
    out = img[y : y + ch, x : x + cw]
    if rescale:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(out)


def _resize_back(img: RGB, factor: float) -> RGB:
    h, w = img.shape[:2]
    small = cv2.resize(img, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _rotate(img: RGB, degrees: float, crop: bool = False) -> RGB:
    """Rotate about the centre on the same canvas (black corners), or crop them away."""
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=(0, 0, 0))
    if crop:  # largest axis-aligned rectangle inside the rotated frame (square images)
        t = abs(np.deg2rad(degrees))
        side = int(min(h, w) / (np.cos(t) + np.sin(t)))
        y, x = (h - side) // 2, (w - side) // 2
        out = np.ascontiguousarray(out[y : y + side, x : x + side])
    return out


def _saturation(img: RGB, factor: float) -> RGB:
    grey = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return _scale_values(img, lambda x: grey[..., None] + (x - grey[..., None]) * factor)


def _gamma(img: RGB, gamma: float) -> RGB:
    return _scale_values(img, lambda x: 255.0 * (x / 255.0) ** gamma)


TARGET_ATTACKS: dict[str, Callable[[RGB], RGB]] = {
    "none": lambda a: a,
    "jpeg q75": lambda a: _jpeg(a, 75),
    "resize 0.5x and back": lambda a: _resize_back(a, 0.5),
    "brightness +20%": lambda a: _scale_values(a, lambda x: x * 1.2),
    "brightness -20%": lambda a: _scale_values(a, lambda x: x * 0.8),
    "contrast +20%": lambda a: _contrast(a, 1.2),
    "contrast -20%": lambda a: _contrast(a, 0.8),
    "gaussian blur s=1": lambda a: cv2.GaussianBlur(a, (0, 0), 1.0),
    "noise s=5": lambda a: _noise(a, 5.0),
    "jpeg q50": lambda a: _jpeg(a, 50),
    "crop 80% area": lambda a: _crop(a),
    "crop 80% rescaled": lambda a: _crop(a, rescale=True),
    "rotate +2 (pad)": lambda a: _rotate(a, 2),
    "rotate -2 (pad)": lambda a: _rotate(a, -2),
    "rotate +5 (pad)": lambda a: _rotate(a, 5),
    "rotate -5 (pad)": lambda a: _rotate(a, -5),
    "crop80+jpeg75+bright1.2": lambda a: _scale_values(_jpeg(_crop(a), 75), lambda x: x * 1.2),
}
TARGETS = dict.fromkeys(list(TARGET_ATTACKS)[:9], 0.99)
TARGETS |= {"jpeg q50": 0.95, "crop 80% area": 0.95, "crop 80% rescaled": 0.95}
TARGETS |= dict.fromkeys(list(TARGET_ATTACKS)[12:], 0.9)


def _non_local_means(img: RGB, strength: float) -> RGB:
    return cv2.fastNlMeansDenoisingColored(img, None, strength, strength, 7, 21)


#: Edge-keeping denoisers ("AI cleanup" apps do the like), at everyday strengths (issue 22).
DENOISE_ATTACKS: dict[str, Callable[[RGB], RGB]] = {
    "denoise nlm h=3": lambda a: _non_local_means(a, 3),
    "denoise nlm h=5": lambda a: _non_local_means(a, 5),
    "denoise nlm h=10": lambda a: _non_local_means(a, 10),
    "denoise bilateral 5/50": lambda a: cv2.bilateralFilter(a, 5, 50, 50),
    "denoise bilateral 9/75": lambda a: cv2.bilateralFilter(a, 9, 75, 75),
}
TARGETS |= dict.fromkeys(DENOISE_ATTACKS, 0.9)

EXTRA_ATTACKS: dict[str, Callable[[RGB], RGB]] = {
    "webp q80": lambda a: _webp(a, 80),
    "rotate +5 (crop)": lambda a: _rotate(a, 5, crop=True),
    "downscale 0.7x (kept)": lambda a: cv2.resize(
        a, (round(a.shape[1] * 0.7), round(a.shape[0] * 0.7)), interpolation=cv2.INTER_AREA
    ),
    "upscale 1.3x (kept)": lambda a: cv2.resize(
        a, (round(a.shape[1] * 1.3), round(a.shape[0] * 1.3)), interpolation=cv2.INTER_CUBIC
    ),
    "gamma 0.8": lambda a: _gamma(a, 0.8),
    "saturation 1.3": lambda a: _saturation(a, 1.3),
    "mirror": lambda a: np.ascontiguousarray(a[:, ::-1]),
    "crop 50% area": lambda a: _crop(a, 0.5),
}


def _aspect(img: RGB, factor: float) -> RGB:
    """Width scaled by ``factor``, height kept (a stretched or squeezed re-post)."""
    h, w = img.shape[:2]
    return cv2.resize(img, (round(w * factor), h), interpolation=cv2.INTER_AREA)


def _perspective(img: RGB, corners: list[tuple[float, float]]) -> RGB:
    """Warp the picture's corners (TL, TR, BR, BL) to ``corners`` (fractions of the side)."""
    h, w = img.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = np.float32([[x * w, y * h] for x, y in corners])
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=(0, 0, 0))


def _keystone(img: RGB, amount: float, side: str = "top") -> RGB:
    """One edge shortened by ``amount`` of the side (a photo taken at a slight angle)."""
    k = amount / 2
    corners = {
        "top": [(k, 0.0), (1 - k, 0.0), (1.0, 1.0), (0.0, 1.0)],
        "left": [(0.0, k), (1.0, 0.0), (1.0, 1.0), (0.0, 1 - k)],
    }[side]
    return _perspective(img, corners)


def _recapture(img: RGB) -> RGB:
    """A phone photo of a screen: the screen's pixel grid, a tilted view, lens blur, JPEG.

    The picture is shown on a screen whose pixel pitch is 1.13 picture pixels (each screen
    pixel has a darker gap around it, the source of moiré), photographed at a slight angle
    (keystone 5 % and 3 % on two sides, 2 % smaller), blurred by the lens (sigma 0.7 px)
    and saved as JPEG 80 at the picture's size.
    """
    h, w = img.shape[:2]
    pitch = 1.13
    sh, sw = round(h / pitch), round(w / pitch)
    screen = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    up = cv2.resize(screen, (sw * 3, sh * 3), interpolation=cv2.INTER_NEAREST)
    cell = np.array([0.82, 1.0, 0.82], np.float32)
    grid = np.outer(np.tile(cell, sh), np.tile(cell, sw))[..., None]
    shown = np.clip(up * grid, 0, 255)
    corners = [(0.035, 0.02), (0.975, 0.035), (0.995, 0.985), (0.01, 0.965)]
    src = np.float32([[0, 0], [sw * 3, 0], [sw * 3, sh * 3], [0, sh * 3]])
    dst = np.float32([[x * w, y * h] for x, y in corners])
    matrix = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(shown, matrix, (w, h), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    photo = cv2.GaussianBlur(photo, (0, 0), 0.7)
    return _jpeg(np.clip(np.rint(photo), 0, 255).astype(np.uint8), 80)


#: Geometry the sync search was widened for (issue 22): larger turns, aspect changes,
#: perspective and a simulated recapture of a screen.
GEOMETRY_ATTACKS: dict[str, Callable[[RGB], RGB]] = {
    "rotate +10 (pad)": lambda a: _rotate(a, 10),
    "rotate -10 (pad)": lambda a: _rotate(a, -10),
    "aspect 0.75": lambda a: _aspect(a, 0.75),
    "aspect 1.33": lambda a: _aspect(a, 1.33),
    "keystone 4% (top)": lambda a: _keystone(a, 0.04),
    "keystone 8% (top)": lambda a: _keystone(a, 0.08),
    "keystone 8% (left)": lambda a: _keystone(a, 0.08, "left"),
    "keystone 8% + jpeg75": lambda a: _jpeg(_keystone(a, 0.08), 75),
    "screen recapture": _recapture,
}
TARGETS |= dict.fromkeys(list(GEOMETRY_ATTACKS)[:4], 0.95)
TARGETS |= dict.fromkeys(list(GEOMETRY_ATTACKS)[4:8], 0.9)
TARGETS |= {"screen recapture": 0.8}


# --------------------------------------------------------------------------- where


Box = tuple[int, int, int, int]


def _page(rng: np.random.Generator, h: int, w: int) -> RGB:
    """An unmarked screenshot-like frame: a light page with bars and lines of text."""
    page = np.full((h, w, 3), int(rng.integers(200, 250)), np.uint8)
    page[: max(8, h // 14)] = rng.integers(30, 90, 3)  # a title bar
    for _ in range(h // 30):
        origin = (int(rng.integers(0, w // 2)), int(rng.integers(20, h)))
        color = tuple(int(v) for v in rng.integers(0, 120, 3))
        cv2.putText(page, "monitoring likeness consent", origin, 0, 0.6, color, 1, cv2.LINE_AA)
    return page


def _paste(marked: RGB, seed: int, *, jpeg: bool) -> tuple[RGB, Box]:
    """``marked`` pasted into a 1.6x larger unmarked frame at a random offset."""
    rng = np.random.default_rng(seed)
    h, w = marked.shape[:2]
    canvas = _page(rng, int(h * 1.6), int(w * 1.6))
    y, x = int(rng.integers(0, canvas.shape[0] - h)), int(rng.integers(0, canvas.shape[1] - w))
    canvas[y : y + h, x : x + w] = marked
    return (_jpeg(canvas, 85) if jpeg else canvas), (x, y, x + w, y + h)


def _collage(marked: RGB, other: RGB, seed: int) -> tuple[RGB, Box]:
    """``marked`` beside ``other`` (another picture, marked with another ID) in one frame."""
    rng = np.random.default_rng(seed)
    h, w = marked.shape[:2]
    canvas = _page(rng, h + 40, 2 * w + 60)
    canvas[20 : 20 + h, 20 : 20 + w] = marked
    canvas[20 : 20 + h, 40 + w : 40 + 2 * w] = other
    if rng.random() < 0.5:  # the marked one on either side
        canvas = np.ascontiguousarray(canvas[:, ::-1])
        return canvas, (canvas.shape[1] - 20 - w, 20, canvas.shape[1] - 20, 20 + h)
    return canvas, (20, 20, 20 + w, 20 + h)


def _iou(a: Box, b: Box) -> float:
    across = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    down = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = across * down
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


WHERE_CASES = ("pasted in a frame", "pasted in a frame + jpeg85", "collage of two")


def where_cells(
    key: bytes, img: RGB, marked: RGB, payload: bytes, seed: int
) -> dict[str, tuple[bool, float]]:
    """Per case: (the ID was read, IoU of the reported box with the marked picture's).

    The collage's other picture (``img`` turned over, marked with another ID) is as
    large; a read of its ID counts as a miss.
    """
    turned = np.ascontiguousarray(img[::-1, ::-1])
    other = np.asarray(watermark.embed(turned, bytes(8), key))
    cases = {
        WHERE_CASES[0]: _paste(marked, seed, jpeg=False),
        WHERE_CASES[1]: _paste(marked, seed + 1, jpeg=True),
        WHERE_CASES[2]: _collage(marked, other, seed),
    }
    cells = {}
    for name, (canvas, truth) in cases.items():
        found = watermark.detect(canvas, key)
        ok = found.payload == payload
        cells[name] = (ok, _iou(found.box, truth) if ok and found.box else 0.0)
    return cells


# --------------------------------------------------------------------------- methods


class Method:
    name = ""
    payload_bits = 64

    def embed(self, img: RGB, payload: bytes) -> RGB:
        raise NotImplementedError

    def detect(self, img: RGB) -> bytes | None:
        raise NotImplementedError


class Likeness(Method):
    name = "likeness"

    def __init__(self, key: bytes = BENCH_KEY) -> None:
        self.key = key

    def embed(self, img: RGB, payload: bytes) -> RGB:
        return np.asarray(watermark.embed(img, payload, self.key))

    def detect(self, img: RGB) -> bytes | None:
        return watermark.detect(img, self.key).payload


def _load_imwatermark() -> dict[str, ModuleType] | None:
    """Load invisible-watermark's DWT modules without its package import (needs torch)."""
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    modules = {}
    for name in ("maxDct", "dwtDctSvd"):
        sub = importlib.util.spec_from_file_location(f"_iwm_{name}", folder / f"{name}.py")
        if sub is None or sub.loader is None:
            return None
        module = importlib.util.module_from_spec(sub)
        sub.loader.exec_module(module)
        modules[name] = module
    modules["folder"] = folder  # type: ignore[assignment]
    return modules


class ImwDwt(Method):
    def __init__(self, modules: dict[str, Any], method: str) -> None:
        self.name = f"iwm-{method}"
        self.cls = (
            modules["maxDct"].EmbedMaxDct
            if method == "dwtDct"
            else modules["dwtDctSvd"].EmbedDwtDctSvd
        )

    def embed(self, img: RGB, payload: bytes) -> RGB:
        bits = list(np.unpackbits(np.frombuffer(payload, np.uint8)))
        bgr = self.cls(bits, wmLen=64).encode(np.ascontiguousarray(img[:, :, ::-1]))
        return np.ascontiguousarray(bgr[:, :, ::-1])

    def detect(self, img: RGB) -> bytes | None:
        bits = self.cls([], wmLen=64).decode(np.ascontiguousarray(img[:, :, ::-1]))
        return np.packbits(np.asarray(bits, np.uint8)).tobytes()


class ImwRivaGan(Method):
    """rivaGan through its shipped ONNX models (the package's wrapper needs torch)."""

    name = "iwm-rivaGan"
    payload_bits = 32

    def __init__(self, folder: Path) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.encoder = onnxruntime.InferenceSession(
            str(folder / "rivagan_encoder.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.decoder = onnxruntime.InferenceSession(
            str(folder / "rivagan_decoder.onnx"), options, providers=["CPUExecutionProvider"]
        )

    @staticmethod
    def _frame(img: RGB) -> np.ndarray:
        bgr = img[:, :, ::-1].astype(np.float32) / 127.5 - 1.0
        return bgr.transpose(2, 0, 1)[None, :, None, :, :]  # 1 x C x T x H x W

    def embed(self, img: RGB, payload: bytes) -> RGB:
        bits = np.unpackbits(np.frombuffer(payload[:4], np.uint8)).astype(np.float32)[None]
        out = self.encoder.run(None, {"frame": self._frame(img), "data": bits})[0]
        bgr = ((np.clip(out[0, :, 0], -1, 1).transpose(1, 2, 0) + 1.0) * 127.5).astype(np.uint8)
        return np.ascontiguousarray(bgr[:, :, ::-1])

    def detect(self, img: RGB) -> bytes | None:
        data = self.decoder.run(None, {"frame": self._frame(img)})[0][0]
        return np.packbits((data > 0.52).astype(np.uint8)).tobytes()


def build_methods(names: list[str], *, load: bool = True) -> tuple[list[Method], list[str]]:
    """The methods that can run here, and notes on those that cannot.

    With ``load=False`` only availability is checked (no ONNX sessions are created).
    """
    methods: list[Method] = []
    notes: list[str] = []
    modules = None
    for name in names:
        if name == "likeness":
            methods.append(Likeness())
            continue
        if modules is None:
            try:
                modules = _load_imwatermark()
            except ImportError as exc:  # e.g. pywt missing
                notes.append(f"invisible-watermark unusable ({exc}); {name} skipped")
                continue
            if modules is None:
                notes.append(
                    "invisible-watermark is not installed (pip install --no-deps "
                    "invisible-watermark onnxruntime); its columns are skipped"
                )
                modules = {}
        if not modules:
            continue
        if name in ("dwtDct", "dwtDctSvd"):
            methods.append(ImwDwt(modules, name))
        elif name == "rivaGan":
            if importlib.util.find_spec("onnxruntime") is None:
                notes.append("onnxruntime is not installed; rivaGan skipped")
            elif load:
                methods.append(ImwRivaGan(modules["folder"]))
            else:
                methods.append(Method())
                methods[-1].name = "iwm-rivaGan"
    return methods, notes


# --------------------------------------------------------------------------- running


def psnr(a: RGB, b: RGB) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


@dataclass
class Result:
    method: str
    image: str
    size: int
    psnr: float
    embed_ms: float
    cells: dict[str, tuple[bool, float]] = field(default_factory=dict)
    #: Where-cases (see where_cells): (ID read, box IoU); likeness only.
    where: dict[str, tuple[bool, float]] = field(default_factory=dict)


def run_one(
    job: tuple[str, RGB, bytes, list[str], list[str], int, bool],
) -> list[Result]:
    name, img, payload, method_names, attack_names, threads, where = job
    cv2.setNumThreads(threads)
    methods, _ = build_methods(method_names)
    attacks = TARGET_ATTACKS | DENOISE_ATTACKS | EXTRA_ATTACKS | GEOMETRY_ATTACKS
    results = []
    for method in methods:
        expected = payload[: method.payload_bits // 8]
        start = time.perf_counter()
        marked = method.embed(img, payload)
        embed_ms = (time.perf_counter() - start) * 1000
        result = Result(method.name, name, max(img.shape[:2]), psnr(img, marked), embed_ms)
        for attack in attack_names:
            attacked = attacks[attack](marked)
            start = time.perf_counter()
            try:
                got = method.detect(attacked)
            except Exception:  # baselines raise on images they cannot read (too small)
                if isinstance(method, Likeness):
                    raise  # ours must never crash on an edited picture: surface it
                got = None
            result.cells[attack] = (got == expected, (time.perf_counter() - start) * 1000)
        if where and isinstance(method, Likeness):
            seed = int.from_bytes(payload[:4], "big")
            result.where = where_cells(method.key, img, marked, payload, seed)
        results.append(result)
    return results


def false_ids(job: tuple[int, int, int, bool]) -> tuple[int, int]:
    """Detect on unmarked images and crops (256-2048 px); returns (images, false IDs).

    Sources of 1,536 and 2,048 px (15 %) make some crops larger than the analysis
    size, so the detector's finer lattice search on large images is covered too. With
    ``geometry``, a third of the crops are keystoned on black (2-10 % on a random side)
    or recaptured, so the frame rectification's extra attempts are in the count.
    """
    count, seed, worker, geometry = job
    cv2.setNumThreads(1)
    rng = np.random.default_rng([seed, 99, worker])
    found = 0
    source = synthetic(0, 512, seed)[1]
    for i in range(count):
        if i % 10 == 0:  # a fresh source every 10 crops keeps generation cheap
            size = int(rng.choice([512, 768, 1024, 1536, 2048], p=[0.3, 0.25, 0.3, 0.1, 0.05]))
            source = synthetic(int(rng.integers(1 << 30)), size, seed + worker)[1]
        h, w = source.shape[:2]
        ch, cw = int(rng.integers(256, h + 1)), int(rng.integers(256, w + 1))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        crop = np.ascontiguousarray(source[y : y + ch, x : x + cw])
        if geometry and rng.random() < 1 / 3:
            if rng.random() < 0.25:
                crop = _recapture(crop)
            else:
                side = str(rng.choice(["top", "left"]))
                crop = _keystone(crop, float(rng.uniform(0.02, 0.1)), side)
        if rng.random() < 0.3:
            crop = _jpeg(crop, int(rng.integers(50, 95)))
        found += watermark.detect(crop, BENCH_KEY).found
    return count, found


def unmarked_run(args: argparse.Namespace) -> str:
    """The false-ID test in chunks of 250 (progress on stderr); returns "found / total"."""
    chunk = 250
    shares = [min(chunk, args.unmarked - start) for start in range(0, args.unmarked, chunk)]
    context = multiprocessing.get_context("spawn")
    total = false = 0
    started = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.jobs), mp_context=context) as pool:
        tasks = [(n, args.seed, index, args.geometry) for index, n in enumerate(shares)]
        for count, found in pool.map(false_ids, tasks):
            total, false = total + count, false + found
            print(
                f"\rfalse-ID test: {false} / {total} "
                f"({(time.perf_counter() - started) / total:.2f} s per image)",
                end="",
                file=sys.stderr,
                flush=True,
            )
    print(file=sys.stderr)
    return f"{false} / {total}"


def wrong_key(marked: list[RGB]) -> int:
    return sum(watermark.detect(img, WRONG_KEY).found for img in marked)


def gather_images(args: argparse.Namespace) -> list[tuple[str, RGB]]:
    sizes = [int(s) for s in args.sizes.split(",")]
    # Kinds cycle fastest and sizes once per round of kinds, so every kind comes at every
    # size whatever the two counts (i % len(sizes) would tie each kind to one size).
    rounds = len(GENERATORS)
    images = [synthetic(i, sizes[(i // rounds) % len(sizes)], args.seed) for i in range(args.count)]
    if args.faces:
        images += olat_faces(sizes, args.faces, args.seed)
    if args.images:
        images += folder_images(Path(args.images), args.max_folder_images)
    return images


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results: list[Result], attack_names: list[str], method_names: list[str]) -> str:
    by_method: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_method[result.method].append(result)
    present = [m for m in method_names if m in by_method]
    header = ["attack (exact ID)", "target"] + [f"{m} rec% / ms" for m in present]
    rows = [header]
    for attack in attack_names:
        target = TARGETS.get(attack)
        row = [attack, f"{target:.0%}" if target else "-"]
        for method in present:
            cells = [r.cells[attack] for r in by_method[method]]
            rate = sum(ok for ok, _ in cells) / len(cells)
            mark = "" if target is None or rate >= target or method != "likeness" else " !"
            ms = statistics.mean(ms for _, ms in cells)
            row.append(f"{rate:6.1%} / {ms:5.0f}{mark}")
        rows.append(row)
    for label, fn in (
        (
            "PSNR mean / min dB",
            lambda rs: f"{statistics.mean(r.psnr for r in rs):.2f} / {min(r.psnr for r in rs):.2f}",
        ),
        ("embed ms (mean)", lambda rs: f"{statistics.mean(r.embed_ms for r in rs):.0f}"),
        ("images", lambda rs: str(len(rs))),
    ):
        rows.append([label, "-"] + [fn(by_method[m]) for m in present])
    return table(rows)


def where_report(results: list[Result]) -> str:
    """The where-rows: ID read rate, and the reported box's IoU with the marked picture."""
    rows = [["where (likeness)", "images", "ID read", "box IoU mean / min", "IoU >= 0.5"]]
    for case in WHERE_CASES:
        cells = [r.where[case] for r in results if case in r.where]
        if not cells:
            continue
        ious = [iou for ok, iou in cells if ok]
        rows.append(
            [
                case,
                str(len(cells)),
                f"{sum(ok for ok, _ in cells) / len(cells):.1%}",
                f"{statistics.mean(ious):.2f} / {min(ious):.2f}" if ious else "-",
                f"{sum(iou >= 0.5 for iou in ious) / max(1, len(ious)):.1%}",
            ]
        )
    return table(rows)


def size_report(results: list[Result]) -> str:
    rows = [["likeness by size", "images", "embed ms", "detect ms (none)", "PSNR mean / min"]]
    by_size: dict[int, list[Result]] = defaultdict(list)
    for r in results:
        if r.method == "likeness":
            by_size[r.size].append(r)
    for size in sorted(by_size):
        rs = by_size[size]
        rows.append(
            [
                f"{size} px",
                str(len(rs)),
                f"{statistics.median(r.embed_ms for r in rs):.0f} (median)",
                f"{statistics.median(r.cells['none'][1] for r in rs):.0f} (median)",
                f"{statistics.mean(r.psnr for r in rs):.2f} / {min(r.psnr for r in rs):.2f}",
            ]
        )
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=210, help="synthetic images (default 210)")
    parser.add_argument(
        "--sizes", default="512,1024,1536,2048", help="comma-separated square sizes"
    )
    parser.add_argument("--faces", type=int, default=12, help="OLAT faces to add if present")
    parser.add_argument("--images", help="a folder of your own JPEG/PNG/WebP images to add")
    parser.add_argument("--max-folder-images", type=int, default=200)
    parser.add_argument(
        "--methods", default="likeness,dwtDct,dwtDctSvd,rivaGan", help="comma-separated"
    )
    parser.add_argument(
        "--baseline-count",
        type=int,
        default=6,
        help="images the invisible-watermark methods run on (rivaGan takes seconds per call)",
    )
    parser.add_argument(
        "--baseline-max-size", type=int, default=512, help="largest image for the baselines"
    )
    parser.add_argument("--extra", action="store_true", help="also run everyday extra edits")
    parser.add_argument(
        "--no-geometry",
        action="store_true",
        help="skip the wider geometry rows: 10-degree turns, aspect, perspective, recapture",
    )
    parser.add_argument("--only", help="run only these attacks (comma-separated names)")
    parser.add_argument(
        "--no-denoise", action="store_true", help="skip the denoising rows (issue 22)"
    )
    parser.add_argument(
        "--no-where",
        action="store_true",
        help="skip the where rows (a marked picture pasted into a frame, a collage)",
    )
    parser.add_argument("--unmarked", type=int, default=0, help="false-ID test: unmarked images")
    parser.add_argument(
        "--wrong-key", action="store_true", help="also detect with a wrong key (50 images)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small size for CI: checks the bench still runs (overrides the sizes)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.sizes, args.faces, args.baseline_count = 4, "256", 1, 0
        args.methods = "likeness"
    args.geometry = not args.no_geometry

    method_names = args.methods.split(",")
    available, notes = build_methods(method_names, load=False)
    attack_names = list(TARGET_ATTACKS) + ([] if args.no_denoise else list(DENOISE_ATTACKS))
    attack_names += list(EXTRA_ATTACKS) if args.extra else []
    attack_names += list(GEOMETRY_ATTACKS) if args.geometry else []
    if args.only:
        attack_names = ["none"] + [a for a in args.only.split(",") if a != "none"]
        known = TARGET_ATTACKS | DENOISE_ATTACKS | EXTRA_ATTACKS | GEOMETRY_ATTACKS
        unknown = [a for a in attack_names if a not in known]
        if unknown:
            parser.error(f"--only: no attack named {', '.join(map(repr, unknown))}")
    images = gather_images(args)
    payload_rng = np.random.default_rng(args.seed)
    jobs = []
    baseline_left = args.baseline_count
    for name, img in images:
        payload = payload_rng.bytes(8)
        names = ["likeness"]
        if baseline_left > 0 and max(img.shape[:2]) <= args.baseline_max_size:
            names, baseline_left = method_names, baseline_left - 1
        threads = 1 if args.jobs > 1 else 2
        jobs.append((name, img, payload, names, attack_names, threads, not args.no_where))
    started = time.perf_counter()
    results: list[Result] = []
    if args.jobs > 1:
        # spawn: forked workers can deadlock on thread pools the parent already started.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.jobs, mp_context=context) as pool:
            for n, part in enumerate(pool.map(run_one, jobs, chunksize=1)):
                results.extend(part)
                print(f"\r{n + 1}/{len(jobs)} images", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    else:
        for n, job in enumerate(jobs):
            results.extend(run_one(job))
            print(f"\r{n + 1}/{len(jobs)} images", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    if results:
        print(
            f"{len(images)} images ({args.sizes} px, {args.faces} faces requested), "
            f"{os.cpu_count()} CPUs, {time.perf_counter() - started:.0f} s"
        )
        for note in notes:
            print(f"note: {note}")
        if args.baseline_count < len(images) and len(method_names) > 1:
            print(
                f"note: invisible-watermark methods ran on {args.baseline_count} images of "
                f"at most {args.baseline_max_size} px only; rivaGan carries 32 bits, the "
                "others 64"
            )
        print()
        print(report(results, attack_names, [m.name for m in available]))
        if any(r.where for r in results):
            print()
            print(where_report(results))
        print()
        print(size_report(results))
    if args.unmarked:
        print()
        print(f"false IDs on unmarked images and crops: {unmarked_run(args)}", flush=True)
    if images and (args.unmarked or args.wrong_key):
        marked = [Likeness().embed(img, b"\x01" * 8) for _, img in images[:50]]
        print(f"IDs found with a wrong key on marked images: {wrong_key(marked)} / {len(marked)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
