"""The engine interface: what every image generator behind Likeness declares and does.

An engine is an outside system (local weights, a ComfyUI server, a hosted API) or an
embedded CPU renderer. It sees no database and no keys: the generation feature decides,
loads and decrypts what the engine needs (:class:`Subject`), hands it an
:class:`EngineRequest`, and takes back :class:`EngineImage` values that it then checks,
seals and holds in quarantine. Engines are pure in that sense: request in, images out,
documented exceptions (:class:`EngineError` and its subclasses) on failure.

Every engine declares, before anything runs (:class:`EngineInfo`):

* the tasks it can do (:class:`Task`);
* the model files it loads (:class:`ModelUse`: name, SHA-256, licence, commercial use),
  so a request under a commercial license is refused when a model forbids it;
* whether the likeness leaves this machine (``processor``: the third party's name,
  which the license's signed terms must list), and whether it is deterministic on CPU.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from likeness.errors import LikenessError

F32 = NDArray[np.float32]
U8 = NDArray[np.uint8]


class Task(enum.StrEnum):
    """What a generation request asks for."""

    #: relight the captured person in a scene file (the studio renderer)
    studio = "studio"
    #: the twin composited onto a background plate, relit to match it
    composite = "composite"
    #: the twin wearing a garment from a packshot
    tryon = "tryon"
    #: the twin in a new pose (a skeleton drawn from the twin's own keypoints)
    pose = "pose"
    #: the twin in a new scene from a prompt
    scene = "scene"
    #: the twin restyled (hair, make-up, look) from a prompt
    restyle = "restyle"
    #: an image made elsewhere, entering through the same gate
    import_ = "import"


class InputRole(enum.StrEnum):
    """The named images a brief may carry (each an encoded PNG/JPEG/WebP file)."""

    garment = "garment"  # a garment packshot on a plain background
    plate = "plate"  # a background plate
    pose = "pose"  # a pose skeleton image (or see ``Brief.pose_keypoints``)
    image = "image"  # the image to import


class EngineError(LikenessError, status=502):
    """The engine failed to make an image (the job may be retried)."""


class EngineUnavailable(EngineError, status=503):
    """The engine is not configured or cannot be reached (weights missing, server down)."""


class EngineRefused(EngineError, status=422):
    """The engine cannot do this request (unsupported task, bad brief): never retried."""


@dataclass(frozen=True)
class ModelUse:
    """One model file an engine loads, as the model registry vetted it."""

    name: str
    sha256: str
    license: str
    commercial_use: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "license": self.license,
            "commercial_use": self.commercial_use,
        }


@dataclass(frozen=True)
class EngineInfo:
    """What an engine is, declared before it runs."""

    name: str
    tasks: frozenset[Task]
    models: tuple[ModelUse, ...] = ()
    #: The third party the likeness is sent to (``None``: nothing leaves this machine).
    processor: str | None = None
    #: Same request + seed on CPU gives byte-identical images.
    deterministic: bool = False
    #: Generative pixels (trainedAlgorithmicMedia) rather than a relit composite of
    #: consented captures (compositeWithTrainedAlgorithmicMedia).
    generative: bool = True

    @property
    def leaves_machine(self) -> bool:
        return self.processor is not None


@dataclass(frozen=True)
class Subject:
    """The licensed twin as an engine sees it (decrypted by the caller, never stored).

    ``basis`` is the studio render basis (:class:`likeness.studio.Basis`), typed loosely
    here so engines that never render (hosted, import) import nothing heavy.
    """

    twin_id: str
    twin_version: int
    basis: Any
    #: A neutral, front-lit sRGB render of the twin (H, W, 3 uint8) with its matte
    #: (H, W float32 in [0, 1]): the reference image engines that need one send or condition on.
    reference: U8
    reference_matte: F32
    #: Named 2-D keypoints in ``reference`` pixels (x, y): at least ``left_eye``,
    #: ``right_eye``, ``nose``, ``chin``, ``neck``, ``left_shoulder``, ``right_shoulder``
    #: where they can be found from the twin's own geometry.
    keypoints: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: Extra sealed per-twin material an engine registered for (e.g. a talent LoRA), by name.
    extras: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Brief:
    """What to make: everything but the pixels of the inputs (those are ``inputs``)."""

    task: Task
    prompt: str | None = None
    negative_prompt: str | None = None
    #: A studio scene (the ``likeness render`` scene schema, as a dict).
    scene: Mapping[str, Any] | None = None
    #: Named keypoints of the target pose (x, y in output pixels), for ``pose``.
    pose_keypoints: Mapping[str, tuple[float, float]] | None = None
    #: The channel preset to frame for (``instagram-portrait``, …), if any.
    framing: str | None = None
    #: Engine-specific options (validated by the engine).
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineRequest:
    brief: Brief
    subject: Subject | None  # None only for ``import``
    inputs: Mapping[InputRole, bytes]
    width: int
    height: int
    seed: int
    count: int = 1
    #: Report progress in [0, 1] with a short message; returns False when the job was
    #: cancelled (the engine should then stop and raise :class:`EngineCancelled`).
    progress: Callable[[float, str], bool] = lambda _f, _m: True


class EngineCancelled(EngineError, status=409):
    """The job was cancelled while the engine ran."""


@dataclass(frozen=True)
class EngineImage:
    """One image an engine made."""

    #: sRGB uint8 (H, W, 3) pixels; the caller encodes, checks and seals them.
    pixels: U8
    seed: int
    #: What to record about how it was made (engine parameters actually used).
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The original file of an imported image (kept as the C2PA ingredient), if any.
    ingredient: bytes | None = None
    #: Models actually used for this image (default: every model of the engine's info).
    models: tuple[ModelUse, ...] | None = None


@runtime_checkable
class Engine(Protocol):
    """An image generator. ``info`` is cheap (no weights loaded); ``generate`` does the work."""

    @property
    def info(self) -> EngineInfo: ...

    def generate(self, request: EngineRequest) -> list[EngineImage]: ...
