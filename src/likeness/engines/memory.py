"""The ``memory`` engine: a deterministic, in-process engine for tests and dry runs.

It draws each image from the subject's reference render (resized to the request's
size) tinted and grained by the seed, so the same request and seed give the same bytes
and every image of a request differs. What it declares is configurable, so tests can
stand in for any real engine: the models it claims to load (for the commercial-use
rule), the third party it claims to send the likeness to (for the processor rule), the
tasks it accepts and whether its pixels count as generative::

    engine = MemoryEngine(processor="fashn", models=(ModelUse("m", "ab…", "nc", False),))

From settings (``LIKENESS_ENGINES__MEMORY__PROCESSOR=fashn``,
``LIKENESS_ENGINES__MEMORY__MODELS='[{"name": …, "sha256": …, "license": …,
"commercial_use": false}]'``, ``…__TASKS=tryon,scene``, ``…__GENERATIVE=false``) via
:func:`from_settings`. Never enabled unless named in ``LIKENESS_ENGINES__ENABLED``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

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

#: Every task but ``import`` (which has no subject to draw from).
DEFAULT_TASKS = frozenset(Task) - {Task.import_}


@dataclass(frozen=True)
class MemoryEngine:
    name: str = "memory"
    tasks: frozenset[Task] = DEFAULT_TASKS
    models: tuple[ModelUse, ...] = ()
    processor: str | None = None
    generative: bool = True
    #: Options recorded in every image's params (to check they are kept).
    extra_params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            name=self.name,
            tasks=self.tasks,
            models=self.models,
            processor=self.processor,
            deterministic=True,
            generative=self.generative,
        )

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        if request.brief.task not in self.tasks:
            raise EngineRefused(f"the {self.name} engine does not do {request.brief.task.value}")
        if request.subject is None:
            raise EngineRefused(f"the {self.name} engine draws from a twin: the request has none")
        base = Image.fromarray(request.subject.reference).resize(
            (request.width, request.height), Image.Resampling.BILINEAR
        )
        pixels = np.asarray(base, np.int16)
        images: list[EngineImage] = []
        for index in range(request.count):
            if not request.progress(index / request.count, f"drawing {index + 1}"):
                raise EngineCancelled("the job was cancelled")
            seed = request.seed + index
            rng = np.random.default_rng(seed)
            tint = rng.integers(-16, 17, size=3, dtype=np.int16)
            grain = rng.integers(-3, 4, size=pixels.shape, dtype=np.int16)
            made = np.clip(pixels + tint + grain, 0, 255).astype(np.uint8)
            params = {"tint": [int(t) for t in tint], **dict(self.extra_params)}
            images.append(EngineImage(pixels=made, seed=seed, params=params))
        request.progress(1.0, "drawn")
        return images


def _models(value: Any) -> tuple[ModelUse, ...]:
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise EngineRefused("memory engine models must be a JSON list")
    return tuple(
        ModelUse(
            name=str(item["name"]),
            sha256=str(item["sha256"]),
            license=str(item.get("license", "")),
            commercial_use=bool(item.get("commercial_use", True)),
        )
        for item in items
    )


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def from_settings(settings: Settings) -> MemoryEngine:
    """The registry's factory: ``LIKENESS_ENGINES__MEMORY__*`` options."""
    options = settings.engines.options("memory")
    tasks = DEFAULT_TASKS
    if options.get("tasks"):
        tasks = frozenset(Task(t.strip()) for t in str(options["tasks"]).split(",") if t.strip())
    return MemoryEngine(
        tasks=tasks,
        models=_models(options.get("models", [])),
        processor=(str(options["processor"]).strip() or None) if options.get("processor") else None,
        generative=_flag(options.get("generative", True)),
    )
