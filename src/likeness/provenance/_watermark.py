"""The seam to the invisible watermark library.

Stamping and verification talk to a :class:`Watermarker`; the production one
adapts :mod:`likeness.imaging.watermark`. Tests pass any object with the same
two methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from likeness.imaging import watermark
from likeness.provenance._errors import SigningConfigurationError

WATERMARK_KEY_FILE = "watermark.key"
WATERMARK_KEY_BYTES = 32
WATERMARK_PAYLOAD_BYTES = 8


class Detection(Protocol):
    @property
    def found(self) -> bool: ...

    @property
    def payload(self) -> bytes | None: ...

    @property
    def confidence(self) -> float: ...


@runtime_checkable
class Watermarker(Protocol):
    """Embeds and detects an 8-byte payload in RGB ``uint8`` pixels (H x W x 3)."""

    @property
    def algorithm(self) -> str:
        """The soft-binding algorithm name written into the C2PA manifest."""
        ...

    def embed(self, image: NDArray[np.uint8], payload: bytes, key: bytes) -> NDArray[np.uint8]: ...

    def detect(self, image: NDArray[np.uint8], key: bytes) -> Detection: ...


class LibraryWatermarker:
    """:class:`Watermarker` backed by :mod:`likeness.imaging.watermark`."""

    algorithm = "io.likeness.watermark.v1"

    def embed(self, image: NDArray[np.uint8], payload: bytes, key: bytes) -> NDArray[np.uint8]:
        return cast("NDArray[np.uint8]", watermark.embed(image, payload, key))

    def detect(self, image: NDArray[np.uint8], key: bytes) -> Detection:
        return watermark.detect(image, key)


def library_watermarker() -> LibraryWatermarker:
    """The production watermarker."""
    return LibraryWatermarker()


def load_watermark_key(keys_dir: Path) -> bytes | None:
    """The 32-byte watermark key from ``keys_dir/watermark.key``; ``None`` if absent."""
    path = keys_dir / WATERMARK_KEY_FILE
    if not path.exists():
        return None
    key = path.read_bytes()
    if len(key) != WATERMARK_KEY_BYTES:
        raise SigningConfigurationError(
            f"{path} must hold exactly {WATERMARK_KEY_BYTES} raw bytes, found {len(key)}"
        )
    return key
