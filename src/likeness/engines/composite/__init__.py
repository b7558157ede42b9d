"""The ``composite`` engine: the twin relit to a plate, dressed from a packshot, framed.

The embedded CPU default, useful without any weights. For a request it

1. estimates the background plate's dominant light (direction, colour, ambient;
   :func:`estimate_plate_light`) and relights the twin's frontal view to match with the
   studio renderer (``scene_weights`` of a key light plus a uniform ambient);
2. cuts the garment from its packshot (threshold + GrabCut), reads the packshot's neck,
   collar, shoulder and hem points, and bends it onto the body with a thin-plate spline
   through the twin's own keypoints (:func:`subject_keypoints`, from the matte);
3. shades the garment with the light the body receives (its ratio to the neutral light,
   so the garment's packshot colour is what shows under neutral light), drops a shadow and
   a contact shadow from the twin's own matte away from the light, wraps the plate's light
   around the edges (never over the face) and frames the bust for the channel at native
   resolution (the body's cut edges off the canvas, ≤ ``max_upscale``)::

    from likeness.engines import EngineRequest
    from likeness.engines.composite import CompositeEngine, campaign_brief, synthetic_subject

    brief, inputs = campaign_brief(seed=1)
    request = EngineRequest(brief, synthetic_subject(7), inputs, 1080, 1350, seed=1)
    [image] = CompositeEngine().generate(request)      # image.pixels: uint8 [1350, 1080, 3]

Deterministic (no randomness at all; same request → same pixels), ``generative=False``
(a relit composite of consented captures), no model files, nothing leaves the machine.

Errors: :class:`~likeness.engines.EngineRefused` (422) for a task it cannot do, a missing
or unreadable input, a packshot without a plain backdrop, a matte without a neck, a size
that does not fit the framing preset, or a bad option; :class:`~likeness.engines.
EngineCancelled` (409) when the progress callback says the job was cancelled.
"""

from __future__ import annotations

from likeness.engines.composite._campaign import (
    CAMPAIGN_FRAMING,
    CAMPAIGN_SIZE,
    DEMO_CAPTURE,
    campaign_brief,
    synthetic_subject,
)
from likeness.engines.composite._compose import Composite, Look, compose
from likeness.engines.composite._engine import CompositeEngine, decode_image
from likeness.engines.composite._keypoints import subject_keypoints
from likeness.engines.composite._light import (
    NEUTRAL,
    PlateLight,
    estimate_plate_light,
    light_weights,
)

__all__ = [
    "CAMPAIGN_FRAMING",
    "CAMPAIGN_SIZE",
    "DEMO_CAPTURE",
    "NEUTRAL",
    "Composite",
    "CompositeEngine",
    "Look",
    "PlateLight",
    "campaign_brief",
    "compose",
    "decode_image",
    "estimate_plate_light",
    "from_settings",
    "light_weights",
    "subject_keypoints",
    "synthetic_subject",
]


def from_settings(settings: object) -> CompositeEngine:
    """The engine registry's factory (the composite engine has no settings)."""
    del settings
    return CompositeEngine()
