"""The ``diffusers`` engine: Stable Diffusion (1.x or XL) from a local, vetted weights folder.

Needs the optional extra (``pip install torch "likeness[diffusers]"``); importing this
package does not import torch (the engine loads it on first use). See
:class:`DiffusersEngine` and docs/guide/generation.md ("Plugging in SDXL").

Exceptions: the engine's own (:mod:`likeness.engines._base`): :class:`EngineUnavailable`
when no folder is configured or the model registry refuses it (hash, unlisted file,
licence), :class:`EngineRefused` for a request it cannot do, :class:`EngineError` when
the pipeline fails, :class:`EngineCancelled` when the job is cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from likeness.engines.diffusers._engine import (
    CONTROLNET_FOLDER,
    LORA_EXTRA,
    NAME,
    OPTIONS,
    DiffusersEngine,
    pose_image,
)
from likeness.engines.diffusers._skeleton import (
    BODY_POINTS,
    LIMBS,
    body_points,
    draw_skeleton,
    fit_image,
    fit_keypoints,
)

__all__ = [
    "BODY_POINTS",
    "CONTROLNET_FOLDER",
    "LIMBS",
    "LORA_EXTRA",
    "NAME",
    "OPTIONS",
    "DiffusersEngine",
    "body_points",
    "draw_skeleton",
    "fit_image",
    "fit_keypoints",
    "from_settings",
    "pose_image",
]


if TYPE_CHECKING:
    from likeness.settings import Settings


def from_settings(settings: Settings) -> DiffusersEngine:
    """The engine registry's factory: ``LIKENESS_ENGINES__DIFFUSERS__PATH`` and ``__DEVICE``."""
    configured = settings.engines.diffusers
    return DiffusersEngine(configured.path, device=configured.device)
