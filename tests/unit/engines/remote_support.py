"""Shared builders for the remote engines' tests (comfyui, hosted, import)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from likeness.engines import Brief, EngineRequest, InputRole, Subject, Task


def png(pixels: np.ndarray, **text: str) -> bytes:
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def flat(height: int, width: int, rgb: tuple[int, int, int]) -> np.ndarray:
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[...] = rgb
    return pixels


def subject(shade: int = 90) -> Subject:
    reference = flat(48, 32, (shade, shade, shade))
    matte = np.ones((48, 32), np.float32)
    return Subject(
        twin_id="00000000-0000-0000-0000-000000000002",
        twin_version=1,
        basis=None,
        reference=reference,
        reference_matte=matte,
    )


def request(
    task: Task = Task.scene,
    *,
    prompt: str | None = "a linen suit on a beach at dusk",
    options: Mapping[str, Any] | None = None,
    inputs: Mapping[InputRole, bytes] | None = None,
    seed: int = 1234,
    count: int = 1,
    width: int = 40,
    height: int = 24,
    with_subject: bool = True,
    progress: Any = None,
) -> EngineRequest:
    extra = {"progress": progress} if progress is not None else {}
    return EngineRequest(
        brief=Brief(task=task, prompt=prompt, options=dict(options or {})),
        subject=subject() if with_subject else None,
        inputs=dict(inputs or {}),
        width=width,
        height=height,
        seed=seed,
        count=count,
        **extra,
    )
