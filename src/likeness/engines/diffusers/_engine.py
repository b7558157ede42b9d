"""The engine: a local diffusers pipeline folder, vetted, loaded once, run deterministically."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from likeness.engines._base import (
    U8,
    Brief,
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
from likeness.engines.diffusers._skeleton import (
    body_points,
    draw_skeleton,
    fit_image,
    fit_keypoints,
)
from likeness.modelreg import (
    FolderManifest,
    ModelError,
    admit_folder,
    folder_commercial_use,
    read_manifest,
)

NAME = "diffusers"
#: The key of :attr:`Subject.extras` that carries the talent's LoRA (safetensors bytes).
LORA_EXTRA = "lora"
#: The subfolder of the weights folder that holds the pose ControlNet, if any.
CONTROLNET_FOLDER = "controlnet"
#: Pipelines the weights folder may declare (``model_index.json``'s ``_class_name``).
PIPELINES = frozenset(
    {
        "StableDiffusionPipeline",
        "StableDiffusionImg2ImgPipeline",
        "StableDiffusionXLPipeline",
        "StableDiffusionXLImg2ImgPipeline",
    }
)
#: Libraries a pipeline component may come from (anything else would be custom code).
_COMPONENT_LIBRARIES = frozenset({"diffusers", "transformers"})
_LORA_ADAPTER = "talent"
_SIZE = (64, 2048)
_MAX_COUNT = 8


@dataclass(frozen=True)
class _Option:
    default: dict[Task, float] | float
    low: float
    high: float
    integer: bool = False

    def value(self, task: Task, given: object) -> float:
        if given is None:
            return self.default[task] if isinstance(self.default, dict) else self.default
        if isinstance(given, bool) or not isinstance(given, int | float):
            raise EngineRefused(f"option must be a number, not {given!r}")
        if self.integer and int(given) != given:
            raise EngineRefused(f"option must be a whole number, not {given!r}")
        if not self.low <= given <= self.high:
            raise EngineRefused(f"option {given!r} is outside [{self.low}, {self.high}]")
        return float(given)


#: The options a brief may set (``Brief.options``), their defaults and ranges.
OPTIONS: dict[str, _Option] = {
    "steps": _Option(30, 1, 150, integer=True),
    "guidance_scale": _Option(6.0, 0.0, 30.0),
    #: How far from the reference the image may move (img2img strength).
    "strength": _Option({Task.scene: 0.75, Task.restyle: 0.5, Task.pose: 0.9}, 0.05, 1.0),
    "controlnet_scale": _Option(1.0, 0.0, 2.0),
    "lora_scale": _Option(1.0, 0.0, 2.0),
}


@dataclass
class _Loaded:
    """The pipelines built from one admitted folder (their components are shared)."""

    image2image: Any
    pose: Any | None
    models: tuple[ModelUse, ...]
    opted_in: bool


def _model_uses(manifest: FolderManifest, commercial: bool) -> tuple[ModelUse, ...]:
    return tuple(
        ModelUse(
            name=f"{manifest.name}/{relative}",
            sha256=sha,
            license=manifest.license,
            commercial_use=commercial,
        )
        for relative, sha in manifest.weight_files
    )


class DiffusersEngine:
    """Stable Diffusion (1.x or XL) from a local weights folder, on CPU or a GPU.

    The folder (``path``, else ``LIKENESS_ENGINES__DIFFUSERS__PATH``) holds a standard
    diffusers pipeline layout (``model_index.json``, ``unet/``, ``vae/``, ``text_encoder/``,
    ``tokenizer/``, ``scheduler/``; ``text_encoder_2/`` and ``tokenizer_2/`` for XL), an
    optional OpenPose ControlNet in ``controlnet/``, and ``likeness-model.json``, the
    manifest (``likeness models manifest FOLDER --license TAG``). Before anything is loaded
    the model registry checks every file's SHA-256, that no file is unlisted or a link,
    that no pickled weights are there and
    that the licence tag allows commercial use (:func:`likeness.modelreg.admit_folder`);
    only then are the weights read, from local files only, safetensors only, with the
    Hugging Face libraries offline.

    Tasks: ``scene`` and ``restyle`` (image-to-image from :attr:`Subject.reference` with
    the prompt) and, with a ControlNet, ``pose`` (the same, conditioned on an OpenPose
    skeleton drawn from ``Brief.pose_keypoints``, a ``pose`` input image, or the twin's
    own keypoints). A talent LoRA in ``Subject.extras["lora"]`` (safetensors bytes) is
    loaded into the UNet for the request and unloaded after it. On CPU the same request
    and seed give byte-identical images.

    Usage::

        engine = DiffusersEngine("/srv/models/sdxl-base-1.0")
        engine.info.models                      # each weight file, its SHA-256 and licence
        images = engine.generate(EngineRequest(brief=Brief(task=Task.scene, prompt="…"),
                                               subject=subject, inputs={}, width=832,
                                               height=1024, seed=7))
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        device: str | None = None,
        allow_noncommercial: bool | None = None,
    ) -> None:
        if path is None or device is None:
            from likeness.settings import Settings

            configured = Settings().engines.diffusers
            path = configured.path if path is None else path
            device = configured.device if device is None else device
        self.path = Path(path).expanduser() if path is not None else None
        self.device = device
        self.allow_noncommercial = allow_noncommercial
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None

    # --- what the engine is ---------------------------------------------------------

    def _folder(self) -> Path:
        if self.path is None:
            raise EngineUnavailable(
                "the diffusers engine has no weights folder: set LIKENESS_ENGINES__DIFFUSERS__PATH"
            )
        return self.path

    def _manifest(self) -> FolderManifest:
        try:
            return read_manifest(self._folder())
        except ModelError as exc:
            raise EngineUnavailable(str(exc)) from exc

    @property
    def info(self) -> EngineInfo:
        """Declared from the manifest alone (nothing hashed or loaded): the tasks, each
        weight file with its SHA-256 and licence. :class:`EngineUnavailable` when no
        folder is configured or it has no readable manifest."""
        manifest = self._manifest()
        tasks = {Task.scene, Task.restyle}
        if any(p.startswith(f"{CONTROLNET_FOLDER}/") for p, _ in manifest.weight_files):
            tasks.add(Task.pose)
        return EngineInfo(
            name=NAME,
            tasks=frozenset(tasks),
            models=_model_uses(manifest, folder_commercial_use(manifest)),
            processor=None,
            deterministic=self.device == "cpu",
            generative=True,
        )

    # --- loading ----------------------------------------------------------------------

    def _load(self) -> _Loaded:
        if self._loaded is not None:
            return self._loaded
        folder = self._folder()
        try:
            admitted = admit_folder(folder, allow_noncommercial=self.allow_noncommercial)
        except ModelError as exc:
            raise EngineUnavailable(str(exc)) from exc
        _check_model_index(folder)
        # The Hugging Face libraries read these when first imported: nothing is fetched.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
        try:
            import torch
            from diffusers import AutoPipelineForImage2Image, ControlNetModel, DiffusionPipeline
        except ImportError as exc:
            raise EngineUnavailable(
                f"the diffusers engine needs the `diffusers` extra ({exc}): "
                'pip install torch "likeness[diffusers]"'
            ) from exc
        dtype = torch.float32 if self.device == "cpu" else torch.float16
        common: dict[str, Any] = {
            "local_files_only": True,
            "use_safetensors": True,
            "dtype": dtype,
        }
        try:
            base = DiffusionPipeline.from_pretrained(str(folder), **common)
            if self.device != "cpu":  # loaded on the CPU
                base.to(self.device)
            image2image = AutoPipelineForImage2Image.from_pipe(base)
            pose = None
            if (folder / CONTROLNET_FOLDER / "config.json").is_file():
                controlnet = ControlNetModel.from_pretrained(
                    str(folder / CONTROLNET_FOLDER), **common
                )
                if self.device != "cpu":
                    controlnet.to(self.device)
                pose = AutoPipelineForImage2Image.from_pipe(base, controlnet=controlnet)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise EngineUnavailable(f"could not load the weights in {folder}: {exc}") from exc
        for pipe in (image2image, pose):
            if pipe is not None:
                pipe.set_progress_bar_config(disable=True)
        self._loaded = _Loaded(
            image2image,
            pose,
            _model_uses(admitted.manifest, admitted.commercial_use),
            admitted.opted_in,
        )
        return self._loaded

    # --- generating -------------------------------------------------------------------

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        brief, subject = request.brief, request.subject
        if brief.task not in (Task.scene, Task.restyle, Task.pose):
            raise EngineRefused(f"the diffusers engine cannot do {brief.task.value}")
        if subject is None:
            raise EngineRefused(f"{brief.task.value} needs the twin (a subject)")
        if not brief.prompt or not brief.prompt.strip():
            raise EngineRefused(f"{brief.task.value} with the diffusers engine needs a prompt")
        _check_size(request)
        options = _options(brief)
        lora = subject.extras.get(LORA_EXTRA)
        with self._lock:
            loaded = self._load()
            pipe = loaded.image2image
            control: U8 | None = None
            if brief.task is Task.pose:
                if loaded.pose is None:
                    raise EngineRefused(
                        f"pose needs an OpenPose ControlNet in {self._folder() / CONTROLNET_FOLDER}"
                    )
                pipe = loaded.pose
            width, height = _generation_size(request.width, request.height)
            init = fit_image(subject.reference, width, height)
            if brief.task is Task.pose:
                control = pose_image(brief, subject, request.inputs, width, height)
            models = loaded.models
            with _talent_lora(pipe, lora, options["lora_scale"]) as lora_use:
                if lora_use is not None:
                    models = (*models, lora_use)
                return [
                    self._one(request, pipe, init, control, options, index, models, (width, height))
                    for index in range(request.count)
                ]

    def _one(
        self,
        request: EngineRequest,
        pipe: Any,
        init: U8,
        control: U8 | None,
        options: Mapping[str, float],
        index: int,
        models: tuple[ModelUse, ...],
        size: tuple[int, int],
    ) -> EngineImage:
        import torch
        from PIL import Image

        brief = request.brief
        seed = request.seed + index
        steps = int(options["steps"])
        # Image-to-image runs only the last ``strength`` part of the schedule.
        runs = max(1, min(int(steps * options["strength"]), steps))
        total = request.count * runs

        def on_step(_pipe: Any, step: int, _t: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
            done = (index * runs + step + 1) / total
            if not request.progress(min(done, 1.0), f"image {index + 1}/{request.count}"):
                raise EngineCancelled("the job was cancelled while the diffusers engine ran")
            return kwargs

        arguments: dict[str, Any] = {
            "prompt": brief.prompt,
            "negative_prompt": brief.negative_prompt,
            "image": Image.fromarray(init),
            "strength": options["strength"],
            "num_inference_steps": steps,
            "guidance_scale": options["guidance_scale"],
            # A CPU generator on any device: the same seed draws the same noise.
            "generator": torch.Generator("cpu").manual_seed(seed),
            "output_type": "np",
            "callback_on_step_end": on_step,
        }
        if control is not None:
            arguments["control_image"] = Image.fromarray(control)
            arguments["controlnet_conditioning_scale"] = options["controlnet_scale"]
        try:
            with _deterministic(torch), torch.inference_mode():
                result = pipe(**arguments)
        except EngineError:
            raise
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"the diffusers pipeline failed: {exc}") from exc
        pixels = _to_uint8(result.images[0])
        if pixels.shape[:2] != (request.height, request.width):
            pixels = fit_image(pixels, request.width, request.height)
        params = {
            "pipeline": type(pipe).__name__,
            "task": brief.task.value,
            "prompt": brief.prompt,
            "negative_prompt": brief.negative_prompt,
            "generated_size": list(size),
            **{k: (int(v) if OPTIONS[k].integer else v) for k, v in options.items()},
        }
        return EngineImage(pixels=pixels, seed=seed, params=params, models=models)


def _builtin_pipeline_module(name: str) -> bool:
    """Whether ``name`` is one of diffusers' own pipeline packages (``diffusers.pipelines.
    stable_diffusion`` holds ``StableDiffusionSafetyChecker``): code that ships with
    diffusers, not code from the folder. Looked up without importing the package."""
    if not name.isidentifier():
        return False
    try:  # the top-level spec: finding it runs nothing of diffusers
        spec = importlib.util.find_spec("diffusers")
    except (ImportError, ValueError):
        return False
    for location in list(spec.submodule_search_locations or []) if spec else []:
        base = Path(location) / "pipelines" / name
        if (base / "__init__.py").is_file() or base.with_suffix(".py").is_file():
            return True
    return False


def _check_model_index(folder: Path) -> None:
    """Only the Stable Diffusion pipelines, with components from diffusers, transformers
    or one of diffusers' own pipeline packages (a stock SD 1.x folder's safety checker
    comes from ``stable_diffusion``): a folder can name no custom class (whose code would
    run). A component that is not ``[library, class]`` (or ``[null, null]``, left out)
    makes the folder malformed."""
    path = folder / "model_index.json"
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EngineUnavailable(f"{path} is missing or not JSON: {exc}") from None
    name = index.get("_class_name") if isinstance(index, dict) else None
    if name not in PIPELINES:
        raise EngineUnavailable(
            f"{path} declares {name!r}; the diffusers engine loads {', '.join(sorted(PIPELINES))}"
        )
    for component, value in index.items():
        if component.startswith("_") or not isinstance(value, list):
            continue
        if len(value) != 2 or not all(item is None or isinstance(item, str) for item in value):
            raise EngineUnavailable(
                f"{path}: component {component} must be [library, class], not {value!r}"
            )
        library, _ = value
        if library is None:
            continue
        if library not in _COMPONENT_LIBRARIES and not _builtin_pipeline_module(library):
            raise EngineUnavailable(
                f"{path}: component {component} comes from {library!r}, not diffusers, "
                "transformers or one of diffusers' own pipelines"
            )


def _check_size(request: EngineRequest) -> None:
    low, high = _SIZE
    for what, value in (("width", request.width), ("height", request.height)):
        if not low <= value <= high:
            raise EngineRefused(f"{what} {value} is outside [{low}, {high}] pixels")
    if not 1 <= request.count <= _MAX_COUNT:
        raise EngineRefused(f"count {request.count} is outside [1, {_MAX_COUNT}]")


def _options(brief: Brief) -> dict[str, float]:
    unknown = sorted(set(brief.options) - set(OPTIONS))
    if unknown:
        raise EngineRefused(
            f"unknown diffusers option(s) {', '.join(unknown)} (known: {', '.join(OPTIONS)})"
        )
    out = {}
    for key, option in OPTIONS.items():
        try:
            out[key] = option.value(brief.task, brief.options.get(key))
        except EngineRefused as exc:
            raise EngineRefused(f"{key}: {exc}") from None
    return out


def _generation_size(width: int, height: int) -> tuple[int, int]:
    """The nearest size the pipelines accept (multiples of 8); the image is then fitted
    to the size asked for."""
    return max(64, round(width / 8) * 8), max(64, round(height / 8) * 8)


def pose_image(
    brief: Brief, subject: Subject, inputs: Mapping[InputRole, bytes], width: int, height: int
) -> U8:
    """The ControlNet's conditioning image at ``width`` × ``height``: the brief's ``pose``
    input image, else a skeleton drawn from ``brief.pose_keypoints`` (output pixels, scaled
    to the generation size), else from the twin's own keypoints (reference pixels)."""
    if InputRole.pose in inputs:
        import cv2

        raw = np.frombuffer(inputs[InputRole.pose], np.uint8)
        decoded = cv2.imdecode(raw, cv2.IMREAD_COLOR)
        if decoded is None:
            raise EngineRefused("the pose input is not a PNG, JPEG or WebP image")
        return fit_image(np.ascontiguousarray(decoded[..., ::-1]), width, height)
    if brief.pose_keypoints:
        points: Mapping[str, tuple[float, float]] = brief.pose_keypoints
        source = (width, height)
    else:
        points = subject.keypoints
        h, w = subject.reference.shape[:2]
        source = (w, h)
    if len(body_points(points)) < 2:
        raise EngineRefused(
            "pose needs at least two body keypoints (brief.pose_keypoints, a pose image, or "
            "the twin's own keypoints)"
        )
    return draw_skeleton(fit_keypoints(points, source, width, height), width, height)


def _to_uint8(image: Any) -> U8:
    array = np.asarray(image, dtype=np.float32)
    return np.ascontiguousarray(np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8))


@contextlib.contextmanager
def _deterministic(torch: Any) -> Iterator[None]:
    """Deterministic kernels for the call, the process's setting restored after."""
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


@contextlib.contextmanager
def _talent_lora(pipe: Any, lora: bytes | None, scale: float) -> Iterator[ModelUse | None]:
    """Load the talent's LoRA into the pipeline for one request, and always unload it: a
    cached pipeline never carries one twin's LoRA into another's request."""
    if lora is None:
        yield None
        return
    try:
        from safetensors.torch import load as load_safetensors

        weights = load_safetensors(lora)
    except Exception as exc:  # safetensors raises its own error types
        raise EngineRefused(f"the talent LoRA is not a safetensors file: {exc}") from None
    try:
        pipe.load_lora_weights(weights, adapter_name=_LORA_ADAPTER)
        loaded = pipe.get_list_adapters()
        if not any(_LORA_ADAPTER in names for names in loaded.values()):
            raise ValueError("none of its weights belong to this pipeline's models")
        pipe.set_adapters([_LORA_ADAPTER], adapter_weights=[scale])
    except (ValueError, KeyError, RuntimeError) as exc:  # PEFT's errors are ValueErrors
        with contextlib.suppress(Exception):
            pipe.unload_lora_weights()
        raise EngineRefused(f"the talent LoRA does not fit these weights: {exc}") from None
    try:
        yield ModelUse(
            name="talent-lora",
            sha256=hashlib.sha256(lora).hexdigest(),
            license="talent-consent",
            commercial_use=True,
        )
    finally:
        pipe.unload_lora_weights()
