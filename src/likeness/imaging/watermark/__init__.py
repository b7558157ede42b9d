"""Invisible watermark carrying a 64-bit asset ID, robust to everyday edits.

Every image Likeness releases carries its asset ID in its luminance, so that a
re-posted, re-compressed, cropped or slightly rotated copy can still be traced to its
twin, license and consent. Detection abstains when no mark for this key is present:
it returns ``found=False`` rather than guessing, and the chance of a wrong ID on an
unmarked image is far below one in a million (see ``docs/decisions/0004-watermark.md``).

Usage::

    import numpy as np
    from likeness.imaging import watermark

    key = watermark.generate_key()                 # 32 secret bytes; keep them safe
    marked = watermark.embed(image, bytes.fromhex("00000000075bcd15"), key)
    result = watermark.detect(marked, key)
    assert result.found and result.payload == bytes.fromhex("00000000075bcd15")

``image`` is a ``uint8`` (or ``uint16``) array, H×W×3 RGB as a rule; grey (H×W),
grey+alpha and RGBA are accepted, alpha is never changed. Both functions are
deterministic and keep no state between calls.

How it works: a 64×64-chip tile, drawn from the key and carrying the BCH-coded
payload, repeats over the whole image with 2-pixel chips (larger on big images),
added to luminance under a texture mask. The detector finds the tile lattice in the
autocorrelation of the image's noise residual (undoing rotation, scale and crop),
folds every tile onto one, aligns it with a keyed sync pattern and decodes. Pictures
up to 800 px that nothing else read are also folded at every scale from 0.45x to 1.35x
of the marked tile (a shrunk or enlarged small copy), which makes declaring a small
unmarked picture slower; it uses as many threads as OpenCV may (up to 8).

Exceptions (all subclass :class:`likeness.errors.LikenessError`)::

    WatermarkError          base class, status 422
    ├── InvalidImage        not a uint8/uint16 grey, RGB or RGBA array
    │   └── ImageTooSmall   a side shorter than MIN_SIDE (128 px)
    ├── InvalidPayload      payload is not exactly 8 bytes
    └── InvalidKey          key shorter than 16 bytes, or unreadable key file
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.imaging.watermark import _detect, _embed
from likeness.imaging.watermark._arrays import Pixels
from likeness.imaging.watermark._coding import PAYLOAD_BYTES
from likeness.imaging.watermark._config import WatermarkConfig
from likeness.imaging.watermark._detect import SWEEP_MAX_SIDE
from likeness.imaging.watermark._errors import (
    ImageTooSmall,
    InvalidImage,
    InvalidKey,
    InvalidPayload,
    WatermarkError,
)
from likeness.imaging.watermark._image import MIN_SIDE, analysis_factor
from likeness.imaging.watermark._image import inspect as inspect_image
from likeness.imaging.watermark._keys import KEY_BYTES, check_key, generate_key

__all__ = [
    "KEY_BYTES",
    "MIN_SIDE",
    "PAYLOAD_BYTES",
    "SWEEP_MAX_SIDE",
    "Detection",
    "ImageTooSmall",
    "InvalidImage",
    "InvalidKey",
    "InvalidPayload",
    "WatermarkConfig",
    "WatermarkError",
    "detect",
    "embed",
    "generate_key",
]


@dataclass(frozen=True, slots=True)
class Detection:
    """What :func:`detect` found.

    ``found`` is true only when a payload decoded with all its error-correction checks;
    ``payload`` is then its 8 bytes, else ``None``. ``confidence`` is the share of
    coded bits that agreed with the decoded code word (1.0 = no bit errors; around 0.9
    means the mark was near the limit of what the code corrects); it is 0.0 when
    nothing was found.

    ``box`` says where in the picture the mark was found: ``(left, top, right, bottom)``
    in the picture's pixels (right and bottom exclusive, as for faces): the rectangle
    whose blocks correlate best with the decoded tile laid back on the grid it was read
    at. It points at a marked picture inside a collage or a screenshot; a wholly marked
    picture gives about the whole frame. ``None`` when nothing was found, or, rarely,
    when a mark decoded but no region of it stands out on its own. Its edges are good
    to about one block (16 px of the analysed picture, more on large ones); a picture
    rotated or warped inside the frame gets the upright rectangle around its blocks.
    """

    found: bool
    payload: bytes | None
    confidence: float
    box: tuple[int, int, int, int] | None = None

    @property
    def payload_hex(self) -> str | None:
        return self.payload.hex() if self.payload is not None else None


def embed(
    image: Pixels,
    payload: bytes,
    key: bytes,
    *,
    strength: float | None = None,
    config: WatermarkConfig | None = None,
) -> Pixels:
    """Return a copy of ``image`` carrying ``payload`` (8 bytes) under ``key``.

    ``strength`` overrides ``config.strength`` (1.0 ≈ 42–43 dB PSNR).
    """
    config = config or WatermarkConfig()
    if strength is not None:
        config = WatermarkConfig(
            strength=strength, chip_size=config.chip_size, informed=config.informed
        )
    if not isinstance(payload, bytes | bytearray):
        raise InvalidPayload(f"the payload must be bytes, not {type(payload).__name__}")
    if len(payload) != PAYLOAD_BYTES:
        raise InvalidPayload(
            f"the payload must be exactly {PAYLOAD_BYTES} bytes (16 hex digits), got {len(payload)}"
        )
    return _embed.embed_array(image, bytes(payload), check_key(key), config)  # type: ignore[return-value]


def detect(image: Pixels, key: bytes, *, sweep: bool = True, where: bool = True) -> Detection:
    """Look for a watermark made with ``key``; abstain (``found=False``) if there is none.

    ``sweep=False`` skips the scale sweep of small pictures (see above) and the
    rectangular comb's lattice (copies whose aspect was changed): a quicker "no" on an
    unmarked picture, at the cost of missing a small copy shrunk or enlarged since it
    was marked, or one stretched to other proportions that the square searches miss.
    Everything else is looked for as before.
    ``where=False`` leaves ``box`` out (``None``), which saves its cost on a marked
    picture (about 10-40 ms at 1024², one core) where only the ID matters.
    """
    key = check_key(key)
    outcome = _detect.detect_array(image, key, sweep=sweep)
    if outcome.payload is None:
        return Detection(found=False, payload=None, confidence=0.0)
    box = None
    if where:
        info = inspect_image(image)
        box = _detect.where(outcome, key, analysis_factor(info), (info.height, info.width))
    return Detection(
        found=True, payload=outcome.payload, confidence=round(outcome.confidence, 4), box=box
    )
