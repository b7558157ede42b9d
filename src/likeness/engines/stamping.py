"""What an engine's image contributes to its C2PA manifest.

The generation feature stamps every output (preview, then release) with
:class:`likeness.provenance.StampInfo`; this gives the fields that come from the engine,
so every engine's images are disclosed the same way::

    info = StampInfo(asset_id=…, …, **stamp_fields(engine.info, image))

- ``engine``: the engine's name;
- ``models``: ``(name, sha256)`` of the model files used for this image (the image's
  own list when the engine gave one, else every model the engine declares);
- ``seed``: the seed the image was made with;
- ``kind``: ``generated`` (IPTC ``trainedAlgorithmicMedia``) for a generative engine,
  ``relit-composite`` (``compositeWithTrainedAlgorithmicMedia``) otherwise;
- ``ingredient``: an imported image's original file, kept as the C2PA ingredient.
"""

from __future__ import annotations

from typing import Any

from likeness.engines._base import EngineImage, EngineInfo
from likeness.provenance import SourceKind


def stamp_fields(info: EngineInfo, image: EngineImage) -> dict[str, Any]:
    """The :class:`~likeness.provenance.StampInfo` keyword arguments an engine image
    decides (see the module docstring)."""
    models = image.models if image.models is not None else info.models
    return {
        "engine": info.name,
        "models": tuple((model.name, model.sha256) for model in models),
        "seed": image.seed,
        "kind": SourceKind.GENERATED if info.generative else SourceKind.RELIT_COMPOSITE,
        "ingredient": image.ingredient,
    }


__all__ = ["stamp_fields"]
