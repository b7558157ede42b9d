"""The studio renderer: scene files, capture bases and ``likeness render``.

``render_scene(basis, scene)`` is the reusable pure path (arrays and values in, a linear
float32 image out); the CLI only reads files around it::

    from likeness.studio import encode_image, load_basis, load_scene, render_scene

    scene = load_scene("scene.yaml")
    image = render_scene(load_basis("capture.npz"), scene)
    png = encode_image(image, scene.output, suffix=".png")

Errors: :class:`StudioError` (422) with :class:`InvalidScene` and :class:`InvalidBasisFile`;
the relight and compose libraries raise their own trees.
"""

from __future__ import annotations

from likeness.studio.basis import Basis, PriorUse, load_basis
from likeness.studio.errors import InvalidBasisFile, InvalidScene, StudioError
from likeness.studio.render import (
    encode_image,
    image_suffix,
    render_scene,
    scene_framing,
    scene_weights,
)
from likeness.studio.schema import Scene, load_scene, parse_scene

__all__ = [
    "Basis",
    "InvalidBasisFile",
    "InvalidScene",
    "PriorUse",
    "Scene",
    "StudioError",
    "encode_image",
    "image_suffix",
    "load_basis",
    "load_scene",
    "parse_scene",
    "render_scene",
    "scene_framing",
    "scene_weights",
]
