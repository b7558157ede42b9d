"""The ``studio`` engine: the relight renderer (:mod:`likeness.studio`) as an engine.

It relights the captured person for a scene (the ``likeness render`` scene schema, as the
brief's ``scene``) and frames the result at the requested size. It makes no new pixels
of the person: the source type is a composite of consented captures
(``generative=False``), it loads no model file, and the same request always gives the
same image (``deterministic=True``; the seed is recorded, not used). A twin with an
active relighting prior (``likeness.relighting``) is lit through it, and each image lists
the prior among the models it used, so the output's C2PA manifest names it.

A scene in a brief may not name files (``environment.path``, ``background.image``): a
request must not read the server's disk. Use an environment preset and a background
colour, or the ``composite`` engine with a background plate.
"""

from __future__ import annotations

from typing import Any

from likeness.engines._base import (
    EngineCancelled,
    EngineImage,
    EngineInfo,
    EngineRefused,
    EngineRequest,
    ModelUse,
    Task,
)
from likeness.settings import Settings

INFO = EngineInfo(
    name="studio", tasks=frozenset({Task.studio}), deterministic=True, generative=False
)


class StudioEngine:
    """Relight the twin for the brief's scene, framed at the request's size."""

    @property
    def info(self) -> EngineInfo:
        return INFO

    def scene(self, request: EngineRequest) -> Any:
        """The validated scene of a request (its framing set to the request's size)."""
        from likeness.studio import InvalidScene, parse_scene

        data = dict(request.brief.scene or {})
        if not data:
            raise EngineRefused("the studio engine needs a scene in the brief")
        environment = data.get("environment")
        background = data.get("background")
        if (isinstance(environment, dict) and environment.get("path") is not None) or (
            isinstance(background, dict) and background.get("image") is not None
        ):
            raise EngineRefused(
                "a scene in a generation brief may not name files: use an environment "
                "preset and a background colour"
            )
        framing = dict(data.get("framing") or {})
        framing.update({"preset": None, "width": request.width, "height": request.height})
        data["framing"] = framing
        data["output"] = {**dict(data.get("output") or {}), "color_space": "srgb"}
        try:
            return parse_scene(data)
        except InvalidScene as exc:
            raise EngineRefused(exc.message) from None

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        from likeness.imaging import compose as cp
        from likeness.studio import render_scene

        if request.brief.task is not Task.studio:
            raise EngineRefused(f"the studio engine does not do {request.brief.task.value}")
        if request.subject is None:
            raise EngineRefused("the studio engine renders a twin: the request has none")
        if request.inputs:
            raise EngineRefused("the studio engine takes no input images")
        scene = self.scene(request)
        params = {"scene": scene.model_dump(mode="json")}
        prior = getattr(request.subject.basis, "prior", None)
        # A learned relighting prior is a model the render used: the output's C2PA
        # manifest names it (decision 0028); none, and the engine loads no model.
        models = (
            (ModelUse(prior.name, prior.sha256, prior.license, prior.commercial_use),)
            if prior is not None
            else None
        )
        images: list[EngineImage] = []
        for index in range(request.count):
            if not request.progress(index / request.count, f"relighting {index + 1}"):
                raise EngineCancelled("the job was cancelled")
            linear = render_scene(request.subject.basis, scene)
            pixels = cp.to_display(linear, "srgb")
            images.append(
                EngineImage(pixels=pixels, seed=request.seed, params=params, models=models)
            )
        request.progress(1.0, "relit")
        return images


def from_settings(settings: Settings) -> StudioEngine:
    """The registry's factory (the studio engine has no options)."""
    del settings
    return StudioEngine()
