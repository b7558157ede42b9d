"""The ``diffusers`` engine: Stable Diffusion (1.x or XL) from a local, vetted weights folder.

Needs the optional extra (``pip install torch "likeness[diffusers]"``); importing this
package does not import torch (the engine loads it on first use). See
:class:`DiffusersEngine` and docs/guide/generation.md ("Plugging in SDXL").

Exceptions: the engine's own (:mod:`likeness.engines._base`): :class:`EngineUnavailable`
when no folder is configured or the model registry refuses it (hash, unlisted file,
licence), :class:`EngineRefused` for a request it cannot do, :class:`EngineError` when
the pipeline fails, :class:`EngineCancelled` when the job is cancelled.
"""

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
    "pose_image",
]
