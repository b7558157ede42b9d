"""The ``hosted`` engine: a hosted virtual try-on API (FASHN-style) over HTTPS.

One generation (task ``tryon``)::

    POST {base_url}/run            {"model_name": …, "inputs": {"model_image": <data URI>,
                                     "garment_image": <data URI>, "seed": …,
                                     "num_samples": count, …options}}
                                   → {"id": …, "error": null}
    GET  {base_url}/status/{id}    → {"id", "status": "starting" | "in_queue" | "processing"
                                     | "completed" | "failed", "output": [URL or data URI…],
                                     "error": null | {"name", "message"}}

with ``Authorization: Bearer <key>`` on both. The twin's neutral reference render and the
garment packshot go out as base64 PNG data URIs (re-encoded: no metadata of the
packshot leaves with it); the output images are fetched (a URL: a plain GET **without**
the key, which belongs to the API host only, and only from an ``https://`` host that is
public: never one that is or resolves to a loopback, link-local or private address; read
no further than :data:`MAX_IMAGE_BYTES`) or decoded (a data URI) to pixels. The API
itself is reached over https (plain http only on this machine).

The likeness leaves this machine: ``processor`` is the configured third party's name
(``LIKENESS_ENGINES__HOSTED__PROCESSOR``, default ``fashn``), which the license's signed
terms must list. The model runs at the provider, so the engine declares no model files;
the manifest records the provider's ``model_name`` in the image parameters.

Errors, with what to do about them: HTTP 401/403 (the key) and 429 (rate or credits)
and 5xx are :class:`EngineUnavailable` with retry advice; 400/422 and a prediction that
failed on its input (``ImageLoadError``, ``ContentModerationError``, ``PoseError``,
``InputValidationError``) are :class:`EngineRefused` (never retried); any other failed
prediction and a prediction that outlives ``timeout_seconds`` are :class:`EngineError`.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
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
    Task,
)
from likeness.engines._remote import (
    MAX_IMAGE_BYTES,
    Deadline,
    check_public_https,
    decode_image,
    encode_png,
    http_error,
    is_loopback,
    read_capped,
    report,
    request_json,
    resolve_host,
    transport_error,
)
from likeness.settings import Settings

NAME = "hosted"
#: Most images one prediction may return (FASHN's ``num_samples`` allows 1 to 4).
MAX_SAMPLES = 4
#: Prediction states still on their way.
PENDING = ("starting", "in_queue", "processing")
#: Runtime errors caused by the request's own images: retrying cannot help.
INPUT_ERRORS = frozenset(
    {"ImageLoadError", "ContentModerationError", "PoseError", "InputValidationError"}
)
#: Provider options a brief may set (``Brief.options``), passed through as given.
OPTIONS = frozenset(
    {
        "category",
        "mode",
        "garment_photo_type",
        "moderation_level",
        "segmentation_free",
        "output_format",
    }
)
_STAGE = {"starting": 0.15, "in_queue": 0.25, "processing": 0.5}


def _data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _from_data_uri(uri: str) -> bytes:
    header, _, payload = uri.partition(",")
    if not header.startswith("data:image/") or not header.endswith(";base64"):
        raise EngineError("the try-on API returned a data URI that is not a base64 image")
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise EngineError("the try-on API returned an image over the size limit")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise EngineError("the try-on API returned a malformed base64 image") from None


class HostedEngine:
    """A FASHN-style try-on API at ``base_url`` (``…/v1``), reached with ``api_key``.

    ``base_url`` must be ``https://`` (plain ``http://`` only to this machine: the key and
    the twin's reference travel in it). ``transport`` (an httpx transport, e.g.
    ``httpx.MockTransport``), ``resolve`` (host name → addresses, for the check of output
    URLs), ``sleep`` and ``clock`` exist for tests."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        processor: str = "fashn",
        model_name: str = "tryon-v1.6",
        timeout_seconds: float = 300.0,
        poll_seconds: float = 2.0,
        request_timeout_seconds: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        resolve: Callable[[str], list[str]] = resolve_host,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineUnavailable(f"try-on API base URL {base_url!r} is not http(s)://host/…")
        if parts.scheme != "https" and not is_loopback(base_url):
            raise EngineUnavailable(
                f"try-on API base URL {base_url!r} is plain http: the API key and the twin's "
                "reference would travel in cleartext; use https:// (http only to localhost)"
            )
        if not api_key.strip():
            raise EngineUnavailable("no try-on API key: set LIKENESS_ENGINES__HOSTED__API_KEY")
        if not processor.strip():
            raise EngineUnavailable("the try-on API's processor name must not be empty")
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._model_name = model_name
        self._info = EngineInfo(
            name=NAME,
            tasks=frozenset({Task.tryon}),
            models=(),
            processor=processor,
            deterministic=False,
            generative=True,
        )
        self._timeout = timeout_seconds
        self._poll = poll_seconds
        self._request_timeout = request_timeout_seconds
        self._transport = transport
        self._resolve = resolve
        self._sleep = sleep
        self._clock = clock
        self._service = f"the try-on API ({processor})"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> HostedEngine:
        """The engine ``LIKENESS_ENGINES__HOSTED__*`` configures; unavailable without a key."""
        config = (settings or Settings()).engines.hosted
        if config.api_key is None:
            raise EngineUnavailable(
                "the hosted try-on API is not configured: set LIKENESS_ENGINES__HOSTED__API_KEY"
            )
        return cls(
            config.base_url,
            config.api_key.get_secret_value(),
            processor=config.processor,
            model_name=config.model_name,
            timeout_seconds=config.timeout_seconds,
            poll_seconds=config.poll_seconds,
            request_timeout_seconds=config.request_timeout_seconds,
        )

    @property
    def info(self) -> EngineInfo:
        return self._info

    def generate(self, request: EngineRequest) -> list[EngineImage]:
        payload = self._payload(request)
        deadline = Deadline(self._timeout, self._service, self._clock)
        headers = {"Authorization": f"Bearer {self._key}"}
        with httpx.Client(timeout=self._request_timeout, transport=self._transport) as client:
            report(request.progress, 0.0, f"sending the try-on to {self._info.processor}")
            started = self._json(client, "POST", f"{self._base}/run", headers, json=payload)
            prediction = started.get("id")
            if not isinstance(prediction, str) or not prediction:
                raise EngineError(f"{self._service} started no prediction: {started.get('error')}")
            outputs = self._wait(client, prediction, headers, request, deadline)
            report(request.progress, 0.9, "fetching the try-on images")
            images = [
                EngineImage(
                    pixels=decode_image(
                        self._output(client, output), what=f"try-on output {index + 1}"
                    ),
                    seed=payload["inputs"]["seed"],
                    params={
                        "processor": self._info.processor,
                        "model_name": self._model_name,
                        "prediction_id": prediction,
                        "sample": index,
                    },
                )
                for index, output in enumerate(outputs[: request.count])
            ]
        report(request.progress, 1.0, "try-on done")
        return images

    def _payload(self, request: EngineRequest) -> dict[str, Any]:
        if request.brief.task is not Task.tryon:
            raise EngineRefused(f"the hosted try-on API does not do {request.brief.task.value!r}")
        if request.subject is None:
            raise EngineRefused("a try-on needs the licensed twin")
        if not 1 <= request.count <= MAX_SAMPLES:
            raise EngineRefused(f"the try-on API makes 1 to {MAX_SAMPLES} images per request")
        garment = request.inputs.get(InputRole.garment)
        if garment is None:
            raise EngineRefused("a try-on needs a garment image (input role 'garment')")
        garment_png = encode_png(
            decode_image(garment, what="the garment image", error=EngineRefused)
        )
        inputs: dict[str, Any] = {
            "model_image": _data_uri(encode_png(request.subject.reference)),
            "garment_image": _data_uri(garment_png),
            "seed": request.seed % (1 << 32),
            "num_samples": request.count,
        }
        for key, value in request.brief.options.items():
            if key not in OPTIONS:
                raise EngineRefused(
                    f"option {key!r} is not one the try-on API takes ({', '.join(sorted(OPTIONS))})"
                )
            if not isinstance(value, str | int | float):
                raise EngineRefused(f"option {key!r} must be text, a number or true/false")
            inputs[key] = value
        return {"model_name": self._model_name, "inputs": inputs}

    def _wait(
        self,
        client: httpx.Client,
        prediction: str,
        headers: Mapping[str, str],
        request: EngineRequest,
        deadline: Deadline,
    ) -> list[str]:
        while True:
            status = self._json(client, "GET", f"{self._base}/status/{prediction}", headers)
            state = status.get("status")
            if state == "completed":
                output = status.get("output")
                if (
                    not isinstance(output, list)
                    or not output
                    or not all(isinstance(item, str) for item in output)
                ):
                    raise EngineError(f"{self._service} completed {prediction} with no images")
                return list(output)
            if state == "failed":
                raise self._failure(prediction, status.get("error"))
            if state not in PENDING:
                raise EngineError(f"{self._service} reports an unknown status {state!r}")
            report(
                request.progress,
                _STAGE[str(state)],
                f"{self._info.processor}: {str(state).replace('_', ' ')}",
            )
            deadline.check(f"prediction {prediction}")
            self._sleep(self._poll)

    def _failure(self, prediction: str, error: Any) -> EngineError:
        name = error.get("name") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        said = f"{name}: {message}" if name else str(message)
        if name in INPUT_ERRORS:
            return EngineRefused(f"{self._service} could not use the request's images ({said})")
        return EngineError(f"{self._service} failed prediction {prediction} ({said}); retry later")

    def _output(self, client: httpx.Client, output: str) -> bytes:
        if output.startswith("data:"):
            return _from_data_uri(output)
        check_public_https(output, self._service, self._resolve)
        try:
            # No Authorization header: the key is for the API host, not its file CDN.
            with client.stream("GET", output) as response:
                if response.status_code != 200:
                    raise http_error(self._service, response, "fetching an output image")
                return read_capped(response, self._service, MAX_IMAGE_BYTES)
        except httpx.HTTPError as exc:
            raise transport_error(self._service, exc) from None

    def _json(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        headers: Mapping[str, str],
        **kwargs: Any,
    ) -> dict[str, Any]:
        return request_json(
            client, self._service, method, url, describe=_describe, headers=dict(headers), **kwargs
        )


def _describe(body: Any) -> str:
    """The API's own words for an error status: its ``error`` and ``message``."""
    if not isinstance(body, dict):
        return ""
    return " ".join(str(body[key]) for key in ("error", "message") if body.get(key))[:300]


__all__ = ["HostedEngine"]
