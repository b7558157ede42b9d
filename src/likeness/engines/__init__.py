"""Image engines behind one interface (see :mod:`likeness.engines._base`)."""

from likeness.engines._base import (
    Brief,
    Engine,
    EngineCancelled,
    EngineError,
    EngineImage,
    EngineInfo,
    EngineRefused,
    EngineRequest,
    EngineUnavailable,
    InputRole,
    ModelUse,
    Subject,
    Task,
)

__all__ = [
    "Brief",
    "Engine",
    "EngineCancelled",
    "EngineError",
    "EngineImage",
    "EngineInfo",
    "EngineRefused",
    "EngineRequest",
    "EngineUnavailable",
    "InputRole",
    "ModelUse",
    "Subject",
    "Task",
]
