"""Test doubles for the provenance package (imported by unit and e2e tests).

``BlockPairWatermarker`` is a deliberately simple but real watermark: each bit is
the sign of the mean-luma difference between two key-chosen 8x8 blocks, which
survives JPEG/WebP at quality 95 and any metadata stripping. It stands in for
``likeness.imaging.watermark`` where that library is not installed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import uuid
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from likeness.provenance import Channel, StampInfo

BLOCK = 8
DELTA = 10.0
TAG_BYTES = 4


@dataclass(frozen=True)
class FakeDetection:
    found: bool
    payload: bytes | None
    confidence: float


class BlockPairWatermarker:
    algorithm = "test.block-pair.1"

    def _layout(
        self, shape: tuple[int, ...], key: bytes, bits: int
    ) -> tuple[NDArray[np.int64], int]:
        columns = shape[1] // BLOCK
        blocks = (shape[0] // BLOCK) * columns
        if blocks < 2 * bits:
            raise ValueError("image too small for the fake watermark")
        seed = int.from_bytes(hashlib.sha256(key).digest()[:8], "big")
        order = np.random.default_rng(seed).permutation(blocks)[: 2 * bits]
        return order.reshape(bits, 2), columns

    @staticmethod
    def _slices(index: int, columns: int) -> tuple[slice, slice]:
        row, column = divmod(int(index), columns)
        return slice(row * BLOCK, (row + 1) * BLOCK), slice(column * BLOCK, (column + 1) * BLOCK)

    def embed(self, image: NDArray[np.uint8], payload: bytes, key: bytes) -> NDArray[np.uint8]:
        message = payload + hmac.new(key, payload, "sha256").digest()[:TAG_BYTES]
        bits = np.unpackbits(np.frombuffer(message, dtype=np.uint8))
        layout, columns = self._layout(image.shape, key, len(bits))
        out = image.astype(np.float64)
        for (a, b), bit in zip(layout, bits, strict=True):
            block_a, block_b = self._slices(a, columns), self._slices(b, columns)
            difference = out[block_a].mean() - out[block_b].mean()
            shift = ((DELTA if bit else -DELTA) - difference) / 2
            out[block_a] += shift
            out[block_b] -= shift
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)

    def detect(self, image: NDArray[np.uint8], key: bytes) -> FakeDetection:
        bit_count = (8 + TAG_BYTES) * 8
        try:
            layout, columns = self._layout(image.shape, key, bit_count)
        except ValueError:
            return FakeDetection(False, None, 0.0)
        pixels = image.astype(np.float64)
        differences = np.array(
            [
                pixels[self._slices(a, columns)].mean() - pixels[self._slices(b, columns)].mean()
                for a, b in layout
            ]
        )
        message = np.packbits((differences > 0).astype(np.uint8)).tobytes()
        payload, tag = message[:8], message[8:]
        found = hmac.compare_digest(tag, hmac.new(key, payload, "sha256").digest()[:TAG_BYTES])
        confidence = float(np.clip(np.abs(differences).mean() / DELTA, 0.0, 1.0))
        return FakeDetection(found, payload if found else None, confidence if found else 0.0)


WATERMARK_KEY = bytes(range(32))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_info(**overrides: object) -> StampInfo:
    values: dict[str, object] = {
        "asset_id": uuid.UUID(int=0x1234_5678_9ABC_DEF0_1111_2222_3333_4444).hex,
        "twin_id": uuid.UUID(int=2).hex,
        "license_id": uuid.UUID(int=3).hex,
        "consent_sha256": sha("consent"),
        "approval_sha256": sha("approval"),
        "channel": Channel.WEB,
    }
    values.update(overrides)
    return StampInfo(**values)  # type: ignore[arg-type]


def make_image(
    fmt: str = "JPEG", size: tuple[int, int] = (256, 192), *, seed: int = 7, mode: str = "RGB"
) -> bytes:
    """A smooth synthetic picture (gradients plus mild noise), mid-range so nothing clips."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [60 + 120 * x / width, 70 + 100 * y / height, 120 + 40 * np.sin(x / 17.0)], axis=-1
    )
    pixels = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, mode="RGB")
    if mode == "RGBA":
        image.putalpha(200)
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def png_zlib_level(data: bytes) -> int:
    """The zlib compression level class (FLEVEL: 0 fastest, 1 fast, 2 default, 3 maximum)
    in the header of a PNG's first IDAT chunk, read from the bytes themselves."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset = 8
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            return data[offset + 9] >> 6  # CMF, then FLG: its top two bits
        offset += 12 + length
    raise AssertionError("the PNG has no IDAT chunk")
