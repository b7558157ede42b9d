"""The ``comfyui`` engine: a workflow template run on a ComfyUI server.

The operator exports a workflow from ComfyUI in API format and writes it into a
template file with typed placeholders where Likeness fills in the request::

    {
      "tasks": ["scene", "restyle"],
      "models": [{"name": "sd_xl_base_1.0.safetensors", "sha256": "31e3…",
                  "license": "openrail++"}],
      "workflow": {
        "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed:int}}", …}},
        "6": {"class_type": "CLIPTextEncode",
              "inputs": {"text": "editorial photo, {{prompt:str}}", …}},
        "10": {"class_type": "LoadImage", "inputs": {"image": "{{reference:image}}"}}
      }
    }

A placeholder is ``{{name:type}}`` with type ``str``, ``int``, ``float`` or ``image``.
A string that is exactly one placeholder becomes the typed value; ``str``, ``int`` and
``float`` placeholders may also sit inside a longer string. Names: ``prompt``,
``negative_prompt``, ``seed``, ``width``, ``height``, ``reference`` and
``reference_matte`` (the twin's neutral render and its matte), ``garment``, ``plate``,
``pose`` and ``image`` (the brief's input images), and any key of ``Brief.options``. A
placeholder the request cannot fill, or fills with the wrong type, refuses the request
(:class:`EngineRefused`); a malformed template makes the engine unavailable.

Each model's ``license`` is a tag of the model registry's licence table
(:data:`likeness.modelreg.LICENSES`), which alone says whether commercial use is allowed;
a template's own ``commercial_use`` (optional) must agree with it. A tag the table does
not know, one that forbids commercial use, or a ``commercial_use`` that disagrees makes
the template refused unless the operator opts in (``LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1``;
logged), and the model is then declared not for commercial use.

One generation: the images the template uses are uploaded (``POST /upload/image``, as
PNG files without metadata under random names), then for each of ``count`` images the
filled workflow is queued (``POST /prompt``) with seed ``seed + i`` and
``GET /history/{prompt_id}`` is polled until ComfyUI records it (the history stays
``{}`` until then); the first saved image (``type: output``, lowest node id) is fetched
with ``GET /view`` and decoded to pixels, so nothing of the file ComfyUI wrote (its
``prompt`` and ``workflow`` PNG text chunks included) goes further. Progress is
reported at each step and poll; ComfyUI's websocket is not used (polling needs no
extra dependency, survives proxies that drop websockets, and the history holds the
outcome either way).

A server on this machine (``localhost`` or a literal loopback address) keeps the likeness
here (``processor`` None) unless ``processor`` is configured: a loopback port forwarded
to a rented GPU (``ssh -L``, ``kubectl port-forward``) is a third party, named by it. Any
other server is a third party, named by ``processor`` (default: its host name).

Cancelling (or a deadline) takes the prompt off the queue (``POST /queue`` with
``{"delete": [id]}``) and, if ``GET /queue`` shows it running, interrupts it
(``POST /interrupt`` with ``{"prompt_id": id}``; only when it is ours that runs, since a
ComfyUI older than the targeted interrupt stops whatever runs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx

from likeness.engines._base import (
    EngineError,
    EngineImage,
    EngineInfo,
    EngineRefused,
    EngineRequest,
    EngineUnavailable,
    InputRole,
    ModelUse,
    Task,
)
from likeness.engines._remote import (
    MAX_IMAGE_BYTES,
    Deadline,
    decode_image,
    encode_png,
    http_error,
    is_loopback,
    read_capped,
    report,
    request_json,
    transport_error,
)
from likeness.modelreg import OPT_IN_VARIABLE, license_terms, noncommercial_allowed
from likeness.settings import Settings

log = logging.getLogger("likeness.engines.comfyui")

NAME = "comfyui"
SERVICE = "ComfyUI"
PLACEHOLDER_TYPES = ("str", "int", "float", "image")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z]+)\s*\}\}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Largest template file read.
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
#: Values a request gives besides ``Brief.options`` (options may not reuse these names).
BUILTIN_NAMES = frozenset(
    {"prompt", "negative_prompt", "seed", "width", "height", "reference", "reference_matte"}
    | {role.value for role in InputRole}
)
#: Option values a template may take: text, numbers, true/false (a bool never passes
#: for a number). Never images: those come as the brief's inputs.
_SCALARS = (str, int, float)


@dataclass(frozen=True)
class Placeholder:
    name: str
    type: str

    def __str__(self) -> str:
        return f"{{{{{self.name}:{self.type}}}}}"


def _template_error(path: str, message: str) -> EngineUnavailable:
    return EngineUnavailable(f"ComfyUI workflow template {path}: {message}")


def _model(entry: Any, source: str, allow_noncommercial: bool | None) -> ModelUse:
    if not isinstance(entry, dict):
        raise _template_error(source, "each model is an object")
    name, sha, licence = entry.get("name"), entry.get("sha256"), entry.get("license")
    declared = entry.get("commercial_use")
    if not isinstance(name, str) or not name.strip():
        raise _template_error(source, "a model needs a name")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise _template_error(source, f"model {name!r} needs a lower-case hex sha256")
    if not isinstance(licence, str) or not licence.strip():
        raise _template_error(source, f"model {name!r} needs its license tag")
    if declared is not None and not isinstance(declared, bool):
        raise _template_error(source, f"model {name!r}: commercial_use must be true or false")
    terms = license_terms(licence)
    commercial = terms is not None and terms.commercial_use
    problem = ""
    if terms is None:
        problem = f"licence tag {licence!r} is not one the model registry knows"
    elif declared is not None and declared != commercial:
        problem = (
            f"the template says commercial_use {str(declared).lower()} but the registry says "
            f"{terms.title} {'allows' if commercial else 'does not allow'} commercial use"
        )
    elif not commercial:
        problem = f"licence {terms.title} does not allow commercial use"
    if problem:
        if not noncommercial_allowed(allow_noncommercial):
            raise _template_error(
                source,
                f"model {name!r}: {problem}; set {OPT_IN_VARIABLE}=1 to use it anyway "
                "(not for commercial use; logged)",
            )
        log.warning("ComfyUI model %s used under %s=1: %s", name, OPT_IN_VARIABLE, problem)
        commercial = False
    return ModelUse(name=name, sha256=sha, license=licence, commercial_use=commercial)


def _scan(value: Any, found: dict[str, str], source: str) -> None:
    """Collect the placeholders of a workflow value, checking their types."""
    if isinstance(value, dict):
        for item in value.values():
            _scan(item, found, source)
    elif isinstance(value, list):
        for item in value:
            _scan(item, found, source)
    elif isinstance(value, str):
        matches = list(_PLACEHOLDER.finditer(value))
        whole = len(matches) == 1 and matches[0].group(0) == value
        for match in matches:
            name, kind = match.group(1), match.group(2)
            if kind not in PLACEHOLDER_TYPES:
                raise _template_error(
                    source, f"{match.group(0)}: type must be one of {', '.join(PLACEHOLDER_TYPES)}"
                )
            if kind == "image" and not whole:
                raise _template_error(source, f"{match.group(0)} must be a whole value")
            if found.setdefault(name, kind) != kind:
                raise _template_error(
                    source, f"{name!r} is used both as {found[name]} and as {kind}"
                )


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    return value


def _typed(placeholder: Placeholder, value: Any) -> Any:
    """The value checked against the placeholder's type (bools are never numbers)."""
    kind = placeholder.type
    ok = (
        (kind == "str" and isinstance(value, str))
        or (kind == "int" and isinstance(value, int) and not isinstance(value, bool))
        or (kind == "float" and isinstance(value, int | float) and not isinstance(value, bool))
        or (kind == "image" and isinstance(value, str))
    )
    if not ok:
        raise EngineRefused(
            f"the ComfyUI workflow needs {placeholder} but the request gives "
            f"{type(value).__name__} {value!r:.40}"
        )
    return float(value) if kind == "float" else value


@dataclass(frozen=True)
class WorkflowTemplate:
    """A parsed template: the workflow, what it declares, and its placeholders."""

    workflow: Mapping[str, Any]
    tasks: frozenset[Task]
    models: tuple[ModelUse, ...]
    placeholders: tuple[Placeholder, ...]
    sha256: str

    @classmethod
    def parse(
        cls,
        text: bytes,
        source: str = "<template>",
        *,
        allow_noncommercial: bool | None = None,
    ) -> WorkflowTemplate:
        """``allow_noncommercial``: the operator's opt-in (default: the setting)."""
        if len(text) > MAX_TEMPLATE_BYTES:
            raise _template_error(source, f"larger than {MAX_TEMPLATE_BYTES} bytes")
        try:
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _template_error(source, f"not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise _template_error(source, "must be a JSON object")
        workflow = document.get("workflow")
        if not isinstance(workflow, dict) or not workflow:
            raise _template_error(source, '"workflow" must be the API-format node graph')
        for node_id, node in workflow.items():
            if not isinstance(node, dict) or not isinstance(node.get("class_type"), str):
                raise _template_error(source, f"node {node_id!r} has no class_type")
        tasks = document.get("tasks")
        try:
            parsed_tasks = frozenset(Task(task) for task in tasks or ())
        except (ValueError, TypeError):
            raise _template_error(source, f'"tasks" has an unknown task: {tasks!r}') from None
        if not parsed_tasks or Task.import_ in parsed_tasks:
            raise _template_error(source, '"tasks" must list the generation tasks it does')
        models = document.get("models")
        if not isinstance(models, list):
            raise _template_error(
                source, '"models" must list the model files the workflow loads ([] if none)'
            )
        found: dict[str, str] = {}
        _scan(workflow, found, source)
        return cls(
            workflow=workflow,
            tasks=parsed_tasks,
            models=tuple(_model(entry, source, allow_noncommercial) for entry in models),
            placeholders=tuple(Placeholder(name, kind) for name, kind in sorted(found.items())),
            sha256=hashlib.sha256(text).hexdigest(),
        )

    @classmethod
    def load(cls, path: Path, *, allow_noncommercial: bool | None = None) -> WorkflowTemplate:
        try:
            if path.stat().st_size > MAX_TEMPLATE_BYTES:
                raise _template_error(str(path), f"larger than {MAX_TEMPLATE_BYTES} bytes")
            text = path.read_bytes()
        except OSError as exc:
            raise _template_error(str(path), f"cannot be read ({exc.strerror})") from None
        return cls.parse(text, str(path), allow_noncommercial=allow_noncommercial)

    def fill(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The workflow with every placeholder replaced by its checked value."""
        checked: dict[str, Any] = {}
        for placeholder in self.placeholders:
            if values.get(placeholder.name) is None:
                raise EngineRefused(
                    f"the ComfyUI workflow needs {placeholder}, which this request does not "
                    "give (set it in the brief or its options)"
                )
            checked[placeholder.name] = _typed(placeholder, values[placeholder.name])
        filled: dict[str, Any] = _fill(self.workflow, checked)
        return filled


def _node_order(node_id: str) -> tuple[int, str]:
    return (int(node_id), node_id) if node_id.isdigit() else (1 << 62, node_id)


def _execution_error(entry: Mapping[str, Any]) -> str | None:
    status = entry.get("status")
    if not isinstance(status, dict) or status.get("status_str") != "error":
        return None
    for message in status.get("messages") or []:
        if (
            isinstance(message, list)
            and len(message) == 2
            and message[0] == "execution_error"
            and isinstance(message[1], dict)
        ):
            data = message[1]
            return (
                f"node {data.get('node_id')} ({data.get('node_type')}) raised "
                f"{data.get('exception_type')}: {data.get('exception_message')}"
            )
    return "the prompt ended in error"


def _saved_images(entry: Mapping[str, Any]) -> list[dict[str, str]]:
    outputs = entry.get("outputs")
    images: list[dict[str, str]] = []
    if not isinstance(outputs, dict):
        return images
    for node_id in sorted(outputs, key=_node_order):
        node = outputs[node_id]
        for image in node.get("images") or [] if isinstance(node, dict) else []:
            if (
                isinstance(image, dict)
                and isinstance(image.get("filename"), str)
                and image.get("type", "output") == "output"
            ):
                images.append(
                    {
                        "filename": image["filename"],
                        "subfolder": str(image.get("subfolder") or ""),
                        "type": "output",
                        "node": node_id,
                    }
                )
    return images


class ComfyUIEngine:
    """Runs a :class:`WorkflowTemplate` on the ComfyUI server at ``url``.

    ``transport`` (an httpx transport), ``sleep`` and ``clock`` exist for tests."""

    def __init__(
        self,
        url: str,
        template: WorkflowTemplate,
        *,
        processor: str | None = None,
        timeout_seconds: float = 600.0,
        poll_seconds: float = 1.0,
        request_timeout_seconds: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineUnavailable(f"ComfyUI url {url!r} is not http(s)://host[:port]")
        self._url = url.rstrip("/")
        self._template = template
        remote = not is_loopback(url)
        self._info = EngineInfo(
            name=NAME,
            tasks=template.tasks,
            models=template.models,
            # A configured processor always counts: a loopback URL may be a port forwarded
            # to someone else's machine.
            processor=processor or (parts.hostname if remote else None),
            deterministic=False,
            generative=True,
        )
        self._timeout = timeout_seconds
        self._poll = poll_seconds
        self._request_timeout = request_timeout_seconds
        self._transport = transport
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ComfyUIEngine:
        """The engine ``LIKENESS_ENGINES__COMFYUI__*`` configures; unavailable unless both
        ``URL`` and ``WORKFLOW`` are set and the template is sound."""
        config = (settings or Settings()).engines.comfyui
        if not config.url or config.workflow is None:
            raise EngineUnavailable(
                "ComfyUI is not configured: set LIKENESS_ENGINES__COMFYUI__URL and "
                "LIKENESS_ENGINES__COMFYUI__WORKFLOW"
            )
        return cls(
            config.url,
            WorkflowTemplate.load(config.workflow.expanduser()),
            processor=config.processor,
            timeout_seconds=config.timeout_seconds,
            poll_seconds=config.poll_seconds,
            request_timeout_seconds=config.request_timeout_seconds,
        )

    @property
    def info(self) -> EngineInfo:
        return self._info

    @property
    def template(self) -> WorkflowTemplate:
        return self._template

    # -- one generation -------------------------------------------------------------

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        task = request.brief.task
        if task not in self._info.tasks:
            raise EngineRefused(f"this ComfyUI workflow does not do {task.value!r}")
        if request.count < 1:
            raise EngineRefused("count must be at least 1")
        values = self._values(request)
        deadline = Deadline(self._timeout, SERVICE, self._clock)
        client_id = uuid.uuid4().hex
        with httpx.Client(
            base_url=self._url, timeout=self._request_timeout, transport=self._transport
        ) as client:
            report(request.progress, 0.0, "uploading images to ComfyUI")
            values.update(self._upload(client, values))
            images = []
            for index in range(request.count):
                seed = (request.seed + index) % (1 << 64)
                workflow = self._template.fill({**values, "seed": seed})
                images.append(
                    self._run_one(client, client_id, workflow, seed, index, request, deadline)
                )
        report(request.progress, 1.0, "ComfyUI done")
        return images

    def _values(self, request: EngineRequest) -> dict[str, Any]:
        brief = request.brief
        values: dict[str, Any] = {
            "prompt": brief.prompt,
            "negative_prompt": brief.negative_prompt if brief.negative_prompt is not None else "",
            "width": request.width,
            "height": request.height,
        }
        images = {p.name for p in self._template.placeholders if p.type == "image"}
        for key, value in brief.options.items():
            if key in BUILTIN_NAMES or key in images:
                raise EngineRefused(f"option {key!r} would override a value Likeness sets")
            if not isinstance(value, _SCALARS):
                raise EngineRefused(f"option {key!r} must be text, a number or true/false")
            values[key] = value
        subject = request.subject
        if "reference" in images and subject is not None:
            values["reference"] = encode_png(subject.reference)
        if "reference_matte" in images and subject is not None:
            values["reference_matte"] = encode_png(subject.reference_matte)
        for role, data in request.inputs.items():
            if role.value in images:
                pixels = decode_image(data, what=f"the {role.value} image", error=EngineRefused)
                values[role.value] = encode_png(pixels)  # no metadata leaves with it
        return values

    def _upload(self, client: httpx.Client, values: Mapping[str, Any]) -> dict[str, str]:
        names: dict[str, str] = {}
        for placeholder in self._template.placeholders:
            data = values.get(placeholder.name)
            if placeholder.type != "image" or not isinstance(data, bytes):
                continue
            answer = self._call(
                client,
                "POST",
                "/upload/image",
                files={"image": (f"likeness-{uuid.uuid4().hex}.png", data, "image/png")},
                data={"type": "input", "overwrite": "true"},
            )
            name, subfolder = answer.get("name"), answer.get("subfolder") or ""
            if not isinstance(name, str) or not name:
                raise EngineError("ComfyUI answered an upload without a file name")
            names[placeholder.name] = f"{subfolder}/{name}" if subfolder else name
        return names

    def _run_one(
        self,
        client: httpx.Client,
        client_id: str,
        workflow: dict[str, Any],
        seed: int,
        index: int,
        request: EngineRequest,
        deadline: Deadline,
    ) -> EngineImage:
        share = 1.0 / request.count
        base = index * share
        queued = self._call(
            client, "POST", "/prompt", json={"prompt": workflow, "client_id": client_id}
        )
        prompt_id = queued.get("prompt_id")
        if not isinstance(prompt_id, str) or not prompt_id:
            raise EngineError("ComfyUI queued the workflow without a prompt_id")
        try:
            entry = self._wait(client, prompt_id, request, base, share, deadline)
        except EngineError:  # cancelled, timed out, server gone: leave nothing queued
            self._forget(client, prompt_id)
            raise
        failure = _execution_error(entry)
        if failure is not None:
            raise EngineError(f"ComfyUI failed prompt {prompt_id}: {failure}")
        saved = _saved_images(entry)
        if not saved:
            raise EngineRefused(
                f"ComfyUI finished prompt {prompt_id} without saving an image; the workflow "
                "must end in a SaveImage node"
            )
        first = saved[0]
        report(request.progress, base + 0.9 * share, "fetching the image from ComfyUI")
        data = self._fetch(client, first)
        pixels = decode_image(data, what=f"ComfyUI output {first['filename']}")
        return EngineImage(
            pixels=pixels,
            seed=seed,
            params={
                "server": self._info.processor or "local",
                "prompt_id": prompt_id,
                "workflow_sha256": self._template.sha256,
                "output_node": first["node"],
            },
        )

    def _wait(
        self,
        client: httpx.Client,
        prompt_id: str,
        request: EngineRequest,
        base: float,
        share: float,
        deadline: Deadline,
    ) -> Mapping[str, Any]:
        started = self._clock()
        while True:
            history = self._call(client, "GET", f"/history/{prompt_id}")
            entry = history.get(prompt_id)
            if isinstance(entry, dict):
                status = entry.get("status")
                running = (
                    isinstance(status, dict)
                    and status.get("completed") is False
                    and status.get("status_str") != "error"
                )
                if not running:
                    return entry
            waited = self._clock() - started
            report(
                request.progress,
                base + share * (0.1 + 0.7 * waited / (waited + 30.0)),
                f"ComfyUI is running the workflow ({waited:.0f} s)",
            )
            deadline.check(f"prompt {prompt_id}")
            self._sleep(self._poll)

    def _fetch(self, client: httpx.Client, image: Mapping[str, str]) -> bytes:
        params = {k: image[k] for k in ("filename", "subfolder", "type")}
        try:
            with client.stream("GET", "/view", params=params) as response:
                if response.status_code != 200:
                    raise http_error(SERVICE, response, "fetching the output image")
                return read_capped(response, SERVICE, MAX_IMAGE_BYTES)
        except httpx.HTTPError as exc:
            raise transport_error(SERVICE, exc) from None

    def _forget(self, client: httpx.Client, prompt_id: str) -> None:
        """Best effort: take a prompt we no longer wait for off the server's queue and,
        if it is running, interrupt it. The interrupt names the prompt (ComfyUI then
        stops only that one) and is sent only when ``GET /queue`` shows ours running: an
        older ComfyUI ignores the name and stops whatever runs."""
        with contextlib.suppress(httpx.HTTPError):
            client.post("/queue", json={"delete": [prompt_id]})
        with contextlib.suppress(httpx.HTTPError, ValueError, TypeError):
            queue = client.get("/queue").json()
            running = queue.get("queue_running") if isinstance(queue, dict) else None
            ours = any(
                isinstance(item, list) and len(item) > 1 and item[1] == prompt_id
                for item in running or []
            )
            if ours:
                client.post("/interrupt", json={"prompt_id": prompt_id})

    def _call(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return request_json(
            client, SERVICE, method, path, describe=_describe, asked=f"{method} {path}", **kwargs
        )


def _describe(body: Any) -> str:
    """ComfyUI's own words for a refused prompt: the error and each node's errors."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        parts.append(error["message"])
    elif isinstance(error, str):
        parts.append(error)
    nodes = body.get("node_errors")
    for node_id, node in nodes.items() if isinstance(nodes, dict) else []:
        for item in node.get("errors") or [] if isinstance(node, dict) else []:
            if isinstance(item, dict):
                parts.append(f"node {node_id}: {item.get('message')} ({item.get('details')})")
    return "; ".join(parts)[:500]


__all__ = ["ComfyUIEngine", "Placeholder", "WorkflowTemplate"]
