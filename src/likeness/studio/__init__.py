"""The studio renderer: scene files, capture bases and ``likeness render``.

``render_scene(basis, scene)`` is the reusable pure path (arrays and values in, a linear
float32 image out); the CLI only reads files around it::

    from likeness.studio import load_basis, load_scene, render_scene, save_image

    scene = load_scene("scene.yaml")
    image = render_scene(load_basis("capture.npz"), scene)
    save_image(image, "out.png", scene.output)

Errors: :class:`StudioError` (422) with :class:`InvalidScene` and :class:`InvalidBasisFile`;
the relight and compose libraries raise their own trees.
"""

from __future__ import annotations

from likeness.studio.basis import Basis, load_basis
from likeness.studio.errors import InvalidBasisFile, InvalidScene, StudioError
from likeness.studio.render import (
    encode_image,
    render_scene,
    save_image,
    scene_framing,
    scene_weights,
)
from likeness.studio.schema import Scene, load_scene, parse_scene

__all__ = [
    "Basis",
    "InvalidBasisFile",
    "InvalidScene",
    "Scene",
    "StudioError",
    "encode_image",
    "load_basis",
    "load_scene",
    "parse_scene",
    "render_scene",
    "save_image",
    "scene_framing",
    "scene_weights",
]
