"""The watermark library: robustness to each listed edit, abstention, input handling."""

from __future__ import annotations

import io
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from PIL import Image

from likeness.imaging import watermark
from likeness.imaging.watermark import (
    Detection,
    ImageTooSmall,
    InvalidImage,
    InvalidKey,
    InvalidPayload,
    WatermarkConfig,
    WatermarkError,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))
PAYLOAD = bytes.fromhex("0123456789abcdef")
SIZE = 384


def scene(size: int, seed: int = 1) -> np.ndarray:
    """A small photo-like picture: gradient, soft shapes and some texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    img = np.stack([xx / size * 150 + 50, yy / size * 120 + 60, 180 - xx / size * 90], -1)
    for _ in range(8):
        centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        color = tuple(float(v) for v in rng.uniform(20, 235, 3))
        cv2.circle(img, centre, int(rng.integers(size // 16, size // 4)), color, -1, cv2.LINE_AA)
    texture = cv2.resize(
        rng.standard_normal((size // 4, size // 4)).astype(np.float32), (size, size)
    )
    img += texture[..., None] * 12 + rng.standard_normal((size, size, 1)).astype(np.float32) * 3
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _values(img: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.clip(np.rint(fn(img.astype(np.float32))), 0, 255).astype(np.uint8)


def _crop(img: np.ndarray, rescale: bool = False) -> np.ndarray:
    h, w = img.shape[:2]
    ch, cw = round(h * 0.8**0.5), round(w * 0.8**0.5)
    out = img[(h - ch) // 2 : (h - ch) // 2 + ch, (w - cw) // 2 : (w - cw) // 2 + cw]
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_CUBIC) if rescale else out.copy()


def _rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_CUBIC)


def _resize_back(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _noise(img: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(5)
    return _values(img, lambda x: x + rng.normal(0, 5, x.shape))


ATTACKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda a: a,
    "jpeg75": lambda a: _jpeg(a, 75),
    "jpeg50": lambda a: _jpeg(a, 50),
    "resize-half-and-back": _resize_back,
    "brightness+20": lambda a: _values(a, lambda x: x * 1.2),
    "brightness-20": lambda a: _values(a, lambda x: x * 0.8),
    "contrast+20": lambda a: _values(a, lambda x: (x - x.mean()) * 1.2 + x.mean()),
    "contrast-20": lambda a: _values(a, lambda x: (x - x.mean()) * 0.8 + x.mean()),
    "blur-sigma1": lambda a: cv2.GaussianBlur(a, (0, 0), 1.0),
    "noise-sigma5": _noise,
    "crop80": _crop,
    "crop80-rescaled": lambda a: _crop(a, rescale=True),
    "rotate+2": lambda a: _rotate(a, 2),
    "rotate-2": lambda a: _rotate(a, -2),
    "rotate+5": lambda a: _rotate(a, 5),
    "rotate-5": lambda a: _rotate(a, -5),
    "crop80+jpeg75+brightness1.2": lambda a: _values(_jpeg(_crop(a), 75), lambda x: x * 1.2),
}


@pytest.fixture(scope="module")
def original() -> np.ndarray:
    return scene(SIZE)


@pytest.fixture(scope="module")
def marked(original: np.ndarray) -> np.ndarray:
    return watermark.embed(original, PAYLOAD, KEY)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / mse)


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_the_exact_payload_survives(marked: np.ndarray, attack: str) -> None:
    result = watermark.detect(ATTACKS[attack](marked), KEY)
    assert result.found, attack
    assert result.payload == PAYLOAD
    assert 0.85 <= result.confidence <= 1.0


def test_marking_is_invisible_by_psnr_and_keeps_shape_and_dtype(
    original: np.ndarray, marked: np.ndarray
) -> None:
    assert marked.shape == original.shape and marked.dtype == np.uint8
    assert psnr(original, marked) >= 40.0
    assert not np.array_equal(original, marked)


def test_embedding_is_deterministic(original: np.ndarray, marked: np.ndarray) -> None:
    assert np.array_equal(watermark.embed(original, PAYLOAD, KEY), marked)


def test_flat_areas_get_only_a_faint_change() -> None:
    flat = np.full((256, 256, 3), 128, np.uint8)
    delta = watermark.embed(flat, PAYLOAD, KEY).astype(int) - 128
    assert np.abs(delta).max() <= 3
    assert np.sqrt(np.mean(delta.astype(float) ** 2)) <= 1.5


def test_strength_trades_quality_for_margin(original: np.ndarray) -> None:
    weak = watermark.embed(original, PAYLOAD, KEY, strength=0.5)
    strong = watermark.embed(original, PAYLOAD, KEY, strength=2.0)
    assert psnr(original, weak) > psnr(original, strong) + 8
    assert watermark.detect(strong, KEY).payload == PAYLOAD


# --------------------------------------------------------------------- abstention


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_unmarked_images_yield_nothing(seed: int) -> None:
    result = watermark.detect(scene(320, seed), KEY)
    assert result == Detection(found=False, payload=None, confidence=0.0)


def test_unmarked_noise_and_flat_images_yield_nothing() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (300, 260, 3), dtype=np.uint8)
    assert not watermark.detect(noise, KEY).found
    assert not watermark.detect(np.zeros((256, 256, 3), np.uint8), KEY).found


def test_a_different_key_finds_nothing(marked: np.ndarray) -> None:
    assert watermark.detect(marked, OTHER_KEY).found is False
    assert watermark.detect(_jpeg(marked, 75), OTHER_KEY).found is False


def test_another_payload_is_read_as_itself(original: np.ndarray) -> None:
    other = bytes.fromhex("fedcba9876543210")
    assert watermark.detect(watermark.embed(original, other, KEY), KEY).payload == other


# --------------------------------------------------------------------- input kinds


def test_smallest_supported_image_round_trips() -> None:
    small = scene(watermark.MIN_SIDE, seed=6)
    result = watermark.detect(watermark.embed(small, PAYLOAD, KEY), KEY)
    assert result.payload == PAYLOAD


def test_non_square_image_round_trips_after_jpeg() -> None:
    image = scene(480, seed=7)[:200, :480].copy()
    marked = watermark.embed(image, PAYLOAD, KEY)
    assert marked.shape == (200, 480, 3)
    assert watermark.detect(_jpeg(marked, 80), KEY).payload == PAYLOAD


def test_too_small_images_are_refused_clearly() -> None:
    with pytest.raises(ImageTooSmall, match="at least 128 px"):
        watermark.embed(np.zeros((127, 400, 3), np.uint8), PAYLOAD, KEY)
    with pytest.raises(ImageTooSmall):
        watermark.detect(np.zeros((400, 100, 3), np.uint8), KEY)


def test_greyscale_is_marked_in_place_of_luminance(original: np.ndarray) -> None:
    grey = cv2.cvtColor(original, cv2.COLOR_RGB2GRAY)
    marked = watermark.embed(grey, PAYLOAD, KEY)
    assert marked.shape == grey.shape and marked.dtype == np.uint8
    assert watermark.detect(marked, KEY).payload == PAYLOAD
    single = watermark.embed(grey[..., None], PAYLOAD, KEY)
    assert single.shape == (*grey.shape, 1)
    assert watermark.detect(single, KEY).payload == PAYLOAD


def test_alpha_is_kept_and_color_is_marked(original: np.ndarray) -> None:
    alpha = np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8), (SIZE, 1))
    rgba = np.dstack([original, alpha])
    marked = watermark.embed(rgba, PAYLOAD, KEY)
    assert np.array_equal(marked[..., 3], alpha)
    assert watermark.detect(marked, KEY).payload == PAYLOAD
    grey_alpha = np.dstack([original[..., 1], alpha])
    marked_la = watermark.embed(grey_alpha, PAYLOAD, KEY)
    assert np.array_equal(marked_la[..., 1], alpha)
    assert watermark.detect(marked_la, KEY).payload == PAYLOAD


def test_sixteen_bit_images_stay_sixteen_bit(original: np.ndarray) -> None:
    deep = original.astype(np.uint16) * 257 + 100
    marked = watermark.embed(deep, PAYLOAD, KEY)
    assert marked.dtype == np.uint16
    change = np.abs(marked.astype(np.int64) - deep).max()
    assert 257 <= change <= 257 * 12  # the 8-bit mark, scaled to 16 bits
    assert watermark.detect(marked, KEY).payload == PAYLOAD
    assert watermark.detect((marked // 257).astype(np.uint8), KEY).payload == PAYLOAD


# --------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((256, 256, 3), np.float32), "uint8 or uint16"),
        (np.zeros((256, 256, 5), np.uint8), "H×W×3"),
        (np.zeros((2, 256, 256, 3), np.uint8), "H×W×3"),
        ([[0] * 256] * 256, "NumPy array"),
    ],
)
def test_unsupported_arrays_are_refused(image: object, message: str) -> None:
    with pytest.raises(InvalidImage, match=message):
        watermark.embed(image, PAYLOAD, KEY)  # type: ignore[arg-type]


def test_bad_payloads_keys_and_strengths_are_refused(original: np.ndarray) -> None:
    with pytest.raises(InvalidPayload, match="exactly 8 bytes"):
        watermark.embed(original, b"short", KEY)
    with pytest.raises(InvalidPayload, match="must be bytes"):
        watermark.embed(original, "0123456789abcdef", KEY)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey, match="at least 16 bytes"):
        watermark.detect(original, b"tiny")
    with pytest.raises(InvalidKey, match="must be bytes"):
        watermark.detect(original, "a string key" * 4)  # type: ignore[arg-type]
    with pytest.raises(WatermarkError, match="strength"):
        watermark.embed(original, PAYLOAD, KEY, strength=50)
    with pytest.raises(WatermarkError, match="chip_size"):
        WatermarkConfig(chip_size=0)
    assert issubclass(WatermarkError, watermark.WatermarkError)


def test_generated_keys_are_random_and_32_bytes() -> None:
    first, second = watermark.generate_key(), watermark.generate_key()
    assert len(first) == watermark.KEY_BYTES == 32
    assert first != second


def test_detection_reports_hex_payload() -> None:
    assert Detection(True, PAYLOAD, 1.0).payload_hex == "0123456789abcdef"
    assert Detection(False, None, 0.0).payload_hex is None
