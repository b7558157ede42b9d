"""``CompositeEngine``: the embedded CPU engine behind the engine interface."""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from likeness.engines._base import (
    EngineCancelled,
    EngineImage,
    EngineInfo,
    EngineRefused,
    EngineRequest,
    InputRole,
    Task,
)
from likeness.engines.composite._compose import Look, compose
from likeness.engines.composite._light import NEUTRAL, estimate_plate_light
from likeness.errors import LikenessError
from likeness.imaging import compose as cp
from likeness.imaging import garment as gm

#: Largest input image accepted (pixels): a decompression bomb is refused unread.
MAX_INPUT_PIXELS = 40_000_000
#: Horizontal offsets (share of the width) of successive images of one request.
_OFFSETS = (0.0, -0.1, 0.1)
_OPTIONS = {"light", "shadow", "light_wrap", "max_upscale"}


def decode_image(data: bytes, role: str) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """An encoded PNG/JPEG/WebP as 8-bit sRGB ``[H, W, 3]`` (:class:`EngineRefused` if not)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_INPUT_PIXELS:
                    raise EngineRefused(f"the {role} image is too large ({width}×{height})")
                rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except EngineRefused:
        raise
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise EngineRefused(f"the {role} input is not a readable PNG, JPEG or WebP image") from None
    if min(rgb.shape[:2]) < 16:
        raise EngineRefused(f"the {role} image is smaller than 16 pixels")
    return np.ascontiguousarray(rgb)


def _option(options: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise EngineRefused(f"option {name!r} must be a number in [{low:g}, {high:g}]")
    return float(value)


class CompositeEngine:
    """Relight the twin to a plate's light, dress it in a packshot, frame it for a channel.

    Tasks: ``composite`` (needs a ``plate``; a ``garment`` is optional), ``tryon`` (needs a
    ``garment``; the plate is optional, a plain studio sweep otherwise) and ``scene``
    (a scene made from a given ``plate``; no prompt is read). Options (``Brief.options``):
    ``light`` = ``"plate"`` | ``"neutral"`` (default: the plate's when there is one),
    ``shadow`` (0–1, drop shadow opacity), ``light_wrap`` (0–1), ``max_upscale`` (≥ 1).
    Image ``i`` of a request uses seed ``seed + i`` and moves the subject across the frame
    (centre, left, right). No model files, nothing leaves the machine, same request and
    seed → the same pixels.
    """

    name = "composite"

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            name=self.name,
            tasks=frozenset({Task.composite, Task.tryon, Task.scene}),
            models=(),
            processor=None,
            deterministic=True,
            generative=False,
        )

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        brief = request.brief
        if brief.task not in self.info.tasks:
            raise EngineRefused(f"the composite engine cannot do the task {brief.task.value!r}")
        if request.subject is None:
            raise EngineRefused("the composite engine needs the twin (a subject)")
        unknown = set(brief.options) - _OPTIONS
        if unknown:
            raise EngineRefused(f"unknown composite options: {', '.join(sorted(unknown))}")
        if not 1 <= request.count <= 8:
            raise EngineRefused("count must be between 1 and 8")
        width, height = self._size(request)
        plate_bytes = request.inputs.get(InputRole.plate)
        garment_bytes = request.inputs.get(InputRole.garment)
        if brief.task in (Task.composite, Task.scene) and plate_bytes is None:
            raise EngineRefused(f"the {brief.task.value} task needs a background plate input")
        if brief.task is Task.tryon and garment_bytes is None:
            raise EngineRefused("the tryon task needs a garment packshot input")
        self._tick(request, 0.05, "reading the inputs")
        plate = None
        if plate_bytes is not None:
            plate_u8 = decode_image(plate_bytes, "plate")
            plate = cp.srgb_decode(plate_u8.astype(np.float32) / 255.0)
        cutout = None
        try:
            if garment_bytes is not None:
                self._tick(request, 0.15, "cutting the garment from its packshot")
                cutout = gm.cut_out(decode_image(garment_bytes, "garment"))
            light_mode = brief.options.get("light", "plate" if plate is not None else "neutral")
            if light_mode not in ("plate", "neutral") or (light_mode == "plate" and plate is None):
                raise EngineRefused("option 'light' must be 'neutral', or 'plate' with a plate")
            light = (
                estimate_plate_light(plate)
                if light_mode == "plate" and plate is not None
                else NEUTRAL
            )
            shadow = _option(brief.options, "shadow", 0.0, 1.0)
            wrap = _option(brief.options, "light_wrap", 0.0, 1.0)
            max_upscale = _option(brief.options, "max_upscale", 1.0, 16.0)
            images = []
            for index in range(request.count):
                self._tick(request, 0.3 + 0.6 * index / request.count, "relighting and dressing")
                look = Look(
                    width=width,
                    height=height,
                    plate=plate,
                    garment=cutout,
                    light=light,
                    shadow=shadow,
                    light_wrap=0.1 if wrap is None else wrap,
                    max_upscale=1.5 if max_upscale is None else max_upscale,
                    offset=_OFFSETS[index % len(_OFFSETS)],
                )
                made = compose(
                    request.subject.basis, look, matte_fallback=request.subject.reference_matte
                )
                params = {
                    "task": brief.task.value,
                    "size": [width, height],
                    "framing": brief.framing,
                    "light": made.light.to_dict(),
                    "light_source": light_mode,
                    "upscale": made.upscale,
                    "face_box": list(made.face_box),
                    "garment": cutout is not None,
                    "offset": look.offset,
                }
                images.append(
                    EngineImage(
                        pixels=cp.to_display(made.image), seed=request.seed + index, params=params
                    )
                )
        except EngineRefused:
            raise
        except LikenessError as exc:
            # Bad pictures (no backdrop in a packshot, no neck in a matte): the request's fault.
            raise EngineRefused(str(exc)) from None
        self._tick(request, 1.0, "done")
        return images

    @staticmethod
    def _size(request: EngineRequest) -> tuple[int, int]:
        width, height = request.width, request.height
        if not (16 <= width <= 8192 and 16 <= height <= 8192):
            raise EngineRefused(f"size {width}×{height} is outside 16..8192 pixels")
        if request.brief.framing is not None:
            try:
                preset = cp.framing_preset(request.brief.framing)
            except cp.InvalidFraming as exc:
                raise EngineRefused(str(exc)) from None
            if (
                abs(width / height - preset.width / preset.height)
                > 0.01 * preset.width / preset.height
            ):
                raise EngineRefused(
                    f"size {width}×{height} does not have the {preset.name} preset's "
                    f"aspect ({preset.width}×{preset.height})"
                )
        return width, height

    @staticmethod
    def _tick(request: EngineRequest, fraction: float, message: str) -> None:
        if not request.progress(fraction, message):
            raise EngineCancelled("the job was cancelled")
