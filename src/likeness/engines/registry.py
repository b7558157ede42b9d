"""The configured engines: name → factory, built from settings.

:data:`FACTORIES` maps each engine's name to its factory, a ``"module:function"`` string
(imported only when that engine is built, so the CLI and the API start without torch or
httpx). A factory takes the :class:`~likeness.settings.Settings` and returns an
:class:`~likeness.engines.Engine`; it reads its own options from
``settings.engines.options(name)`` (``LIKENESS_ENGINES__<NAME>__<OPTION>``). To add an
engine, add one line here.

Which engines an installation offers is ``LIKENESS_ENGINES__ENABLED`` (comma-separated);
unset, every engine here except ``memory`` (the test engine).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from likeness.engines._base import Engine, EngineError
from likeness.settings import Settings

FACTORIES: dict[str, str] = {
    "composite": "likeness.engines.composite:from_settings",
    "studio": "likeness.engines.studio:from_settings",
    "diffusers": "likeness.engines.diffusers:from_settings",
    "comfyui": "likeness.engines.comfyui:ComfyUIEngine.from_settings",
    "hosted": "likeness.engines.hosted:HostedEngine.from_settings",
    "import": "likeness.engines.import_:ImportEngine.from_settings",
    "memory": "likeness.engines.memory:from_settings",
}

#: Engines offered only when named in ``LIKENESS_ENGINES__ENABLED``.
OPT_IN = frozenset({"memory"})


class UnknownEngine(EngineError, status=422):
    """No engine of that name is registered, or this installation does not offer it."""


def enabled(settings: Settings) -> list[str]:
    """The names of the engines this installation offers, in order."""
    named = settings.engines.enabled_names()
    if named is None:
        return [name for name in FACTORIES if name not in OPT_IN]
    return [name for name in named if name in FACTORIES]


def _factory(name: str) -> Callable[[Settings], Engine]:
    module, _, path = FACTORIES[name].partition(":")
    found: object = importlib.import_module(module)
    for attribute in path.split("."):  # a function, or a class's factory method
        found = getattr(found, attribute)
    return cast(Callable[[Settings], Engine], found)


def build(name: str, settings: Settings) -> Engine:
    """The engine ``name``, built from settings; :class:`UnknownEngine` if it is not
    offered (the factory may raise :class:`~likeness.engines.EngineUnavailable`)."""
    offered = enabled(settings)
    key = name.strip().lower()
    if key not in offered:
        raise UnknownEngine(
            f"no engine {name!r} here; this installation offers: {', '.join(offered) or 'none'}"
        )
    return _factory(key)(settings)
