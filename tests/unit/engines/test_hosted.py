"""The ``hosted`` engine against a mocked FASHN-style API (``httpx.MockTransport``):
nothing leaves the machine."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import numpy as np
import pytest
from PIL import Image

from likeness.engines import (
    Engine,
    EngineCancelled,
    EngineError,
    EngineRefused,
    EngineUnavailable,
    InputRole,
    Task,
)
from likeness.engines.hosted import HostedEngine
from likeness.settings import Settings
from unit.engines.remote_support import flat, png, request

BASE = "https://api.tryon.test/v1"
KEY = "sk-test-123"
CDN = "https://cdn.tryon.test/outputs"


def garment() -> bytes:
    return png(flat(30, 20, (200, 30, 40)), Author="packshot studio")


def tryon(**kwargs: Any) -> Any:
    kwargs.setdefault("inputs", {InputRole.garment: garment()})
    kwargs.setdefault("prompt", None)
    return request(Task.tryon, **kwargs)


@dataclass
class FakeApi:
    """A FASHN-style API: ``statuses`` are what successive status polls answer."""

    statuses: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"status": "starting"},
            {"status": "in_queue"},
            {"status": "processing"},
            {"status": "completed", "output": [f"{CDN}/a.png"]},
        ]
    )
    run_response: tuple[int, dict[str, Any], dict[str, str]] = (
        200,
        {"id": "pred-1", "error": None},
        {},
    )
    requests: list[httpx.Request] = field(default_factory=list)
    outputs: dict[str, bytes] = field(default_factory=dict)

    def __call__(self, req: httpx.Request) -> httpx.Response:
        self.requests.append(req)
        url = str(req.url)
        if url.startswith(CDN):
            data = self.outputs.get(url)
            return httpx.Response(200, content=data) if data else httpx.Response(404)
        if req.headers.get("authorization") != f"Bearer {KEY}":
            return httpx.Response(
                401, json={"error": "UnauthorizedAccess", "message": "Invalid token"}
            )
        if req.method == "POST" and url == f"{BASE}/run":
            status, body, headers = self.run_response
            return httpx.Response(status, json=body, headers=headers)
        if req.method == "GET" and url == f"{BASE}/status/pred-1":
            answer = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            return httpx.Response(200, json={"id": "pred-1", "error": None, **answer})
        return httpx.Response(404, json={"error": "NotFound"})

    def run_body(self) -> dict[str, Any]:
        (run,) = [r for r in self.requests if r.method == "POST"]
        body: dict[str, Any] = json.loads(run.content)
        return body


def output_png(shade: int) -> bytes:
    return png(flat(36, 24, (shade, 100, 50)), prompt="provider metadata")


#: What the fake resolver answers for each host (no DNS in tests).
ADDRESSES = {"cdn.tryon.test": ["93.184.215.14"]}


def engine(api: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> HostedEngine:
    kwargs.setdefault("poll_seconds", 0.0)
    kwargs.setdefault("resolve", lambda host: ADDRESSES[host])
    base = kwargs.pop("base", BASE)
    return HostedEngine(
        base, KEY, transport=httpx.MockTransport(api), sleep=lambda _s: None, **kwargs
    )


def test_a_try_on_succeeds_after_queue_and_processing() -> None:
    api = FakeApi()
    api.outputs[f"{CDN}/a.png"] = output_png(120)
    seen: list[tuple[float, str]] = []
    hosted = engine(api)
    assert isinstance(hosted, Engine)
    (image,) = hosted.generate(tryon(seed=42, progress=lambda f, m: seen.append((f, m)) or True))

    assert image.pixels.shape == (36, 24, 3) and image.pixels.dtype == np.uint8
    assert tuple(image.pixels[0, 0]) == (120, 100, 50)
    assert image.seed == 42
    assert image.params == {
        "processor": "fashn",
        "model_name": "tryon-v1.6",
        "prediction_id": "pred-1",
        "sample": 0,
    }
    body = api.run_body()
    assert body["model_name"] == "tryon-v1.6"
    inputs = body["inputs"]
    assert (inputs["seed"], inputs["num_samples"]) == (42, 1)
    model = Image.open(io.BytesIO(base64.b64decode(inputs["model_image"].split(",", 1)[1])))
    assert model.size == (32, 48)  # the twin's reference render
    garment_sent = base64.b64decode(inputs["garment_image"].split(",", 1)[1])
    assert Image.open(io.BytesIO(garment_sent)).text == {}  # its metadata stayed here
    # The key went to the API host only, never to the file CDN.
    for sent in api.requests:
        on_cdn = str(sent.url).startswith(CDN)
        assert ("authorization" in sent.headers) is not on_cdn
    messages = [message for _, message in seen]
    assert messages[0].startswith("sending the try-on to fashn")
    assert "fashn: in queue" in messages and "fashn: processing" in messages
    assert [fraction for fraction, _ in seen] == sorted(fraction for fraction, _ in seen)


def test_several_samples_and_base64_outputs_are_decoded() -> None:
    data_uri = "data:image/png;base64," + base64.b64encode(output_png(7)).decode()
    api = FakeApi(statuses=[{"status": "completed", "output": [data_uri, data_uri]}])
    images = engine(api).generate(tryon(count=2))
    assert [tuple(image.pixels[0, 0]) for image in images] == [(7, 100, 50)] * 2
    assert api.run_body()["inputs"]["num_samples"] == 2


def test_options_pass_through_and_unknown_ones_are_refused() -> None:
    api = FakeApi(statuses=[{"status": "completed", "output": [f"{CDN}/a.png"]}])
    api.outputs[f"{CDN}/a.png"] = output_png(1)
    engine(api).generate(tryon(options={"category": "tops", "mode": "quality"}))
    assert api.run_body()["inputs"]["category"] == "tops"
    with pytest.raises(EngineRefused, match="option 'webhook_url' is not one"):
        engine(FakeApi()).generate(tryon(options={"webhook_url": "https://evil.test"}))


def test_a_failed_prediction_is_an_error_with_the_providers_words() -> None:
    api = FakeApi(
        statuses=[
            {"status": "processing"},
            {"status": "failed", "error": {"name": "PipelineError", "message": "GPU lost"}},
        ]
    )
    with pytest.raises(EngineError, match=r"PipelineError: GPU lost.*retry later") as caught:
        engine(api).generate(tryon())
    assert not isinstance(caught.value, EngineRefused)


def test_a_prediction_failed_on_its_images_is_refused() -> None:
    error = {"name": "ContentModerationError", "message": "prohibited content"}
    api = FakeApi(statuses=[{"status": "failed", "error": error}])
    with pytest.raises(EngineRefused, match="ContentModerationError: prohibited content"):
        engine(api).generate(tryon())


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "message"),
    [
        (
            401,
            {"error": "UnauthorizedAccess"},
            {},
            EngineUnavailable,
            "HTTP 401.*check the configured API key",
        ),
        (
            429,
            {"error": "RateLimitExceeded"},
            {"Retry-After": "17"},
            EngineUnavailable,
            "HTTP 429.*retry after 17 s",
        ),
        (429, {"error": "OutOfCredits"}, {}, EngineUnavailable, "OutOfCredits.*retry later"),
        (500, {"error": "InternalServerError"}, {}, EngineUnavailable, "HTTP 500.*retry later"),
        (503, {}, {}, EngineUnavailable, "HTTP 503.*back-off"),
        (
            400,
            {"error": "BadRequest", "message": "bad image"},
            {},
            EngineRefused,
            "HTTP 400.*bad image",
        ),
    ],
)
def test_http_errors_map_to_engine_errors_with_advice(
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
    kind: type[EngineError],
    message: str,
) -> None:
    api = FakeApi(run_response=(status, body, headers))
    with pytest.raises(kind, match=message) as caught:
        engine(api).generate(tryon())
    assert type(caught.value) is kind


def test_a_wrong_key_is_unavailable() -> None:
    hosted = HostedEngine(BASE, "sk-wrong", transport=httpx.MockTransport(FakeApi()))
    with pytest.raises(EngineUnavailable, match="HTTP 401"):
        hosted.generate(tryon())


def test_a_prediction_that_never_ends_times_out() -> None:
    ticks = iter(range(0, 10_000, 10))
    api = FakeApi(statuses=[{"status": "processing"}])
    hosted = engine(api, timeout_seconds=35.0, clock=lambda: float(next(ticks)))
    with pytest.raises(EngineError, match="did not finish prediction pred-1 within 35 s"):
        hosted.generate(tryon())
    polls = [r for r in api.requests if r.method == "GET"]
    assert len(polls) == 4  # at 10, 20, 30 and 40 s of a 35 s budget


def test_a_request_timeout_is_unavailable() -> None:
    def slow(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=req)

    with pytest.raises(EngineUnavailable, match="did not answer in time"):
        engine(slow).generate(tryon())


def test_cancelling_stops_polling() -> None:
    api = FakeApi(statuses=[{"status": "processing"}])
    calls = iter([True, True, True, False])
    with pytest.raises(EngineCancelled):
        engine(api).generate(tryon(progress=lambda _f, _m: next(calls)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inputs": {}}, "needs a garment image"),
        ({"inputs": {InputRole.garment: b"not an image"}}, "garment image is not a PNG"),
        ({"with_subject": False}, "needs the licensed twin"),
        ({"count": 5}, "1 to 4 images"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_sent(
    change: dict[str, Any], message: str
) -> None:
    api = FakeApi()
    with pytest.raises(EngineRefused, match=message):
        engine(api).generate(tryon(**change))
    assert api.requests == []
    with pytest.raises(EngineRefused, match="does not do 'scene'"):
        engine(api).generate(request(Task.scene))


def test_bad_outputs_are_engine_errors() -> None:
    api = FakeApi(statuses=[{"status": "completed", "output": [f"{CDN}/missing.png"]}])
    with pytest.raises(EngineError, match="HTTP 404"):
        engine(api).generate(tryon())
    api = FakeApi(statuses=[{"status": "completed", "output": ["data:text/html;base64,PGI+"]}])
    with pytest.raises(EngineError, match="not a base64 image"):
        engine(api).generate(tryon())
    api = FakeApi(statuses=[{"status": "completed", "output": []}])
    with pytest.raises(EngineError, match="no images"):
        engine(api).generate(tryon())
    api = FakeApi(statuses=[{"status": "completed", "output": [f"{CDN}/a.png"]}])
    api.outputs[f"{CDN}/a.png"] = b"<html>"
    with pytest.raises(EngineError, match="not a PNG, JPEG or WebP"):
        engine(api).generate(tryon())


def test_info_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    info = engine(FakeApi(), processor="Acme Try-On Inc.").info
    assert info.name == "hosted" and info.tasks == {Task.tryon}
    assert info.processor == "Acme Try-On Inc." and info.leaves_machine
    assert info.models == ()
    with pytest.raises(EngineUnavailable, match="LIKENESS_ENGINES__HOSTED__API_KEY"):
        HostedEngine.from_settings(Settings())
    monkeypatch.setenv("LIKENESS_ENGINES__HOSTED__API_KEY", KEY)
    monkeypatch.setenv("LIKENESS_ENGINES__HOSTED__BASE_URL", BASE)
    monkeypatch.setenv("LIKENESS_ENGINES__HOSTED__PROCESSOR", "acme")
    hosted = HostedEngine.from_settings(Settings())
    assert hosted.info.processor == "acme"
    assert KEY not in repr(Settings().engines.hosted)
    with pytest.raises(EngineUnavailable, match="not http"):
        HostedEngine("ftp://x", KEY)


@pytest.mark.parametrize(
    "base", ["http://api.tryon.test/v1", "http://10.0.0.5/v1", "http://api.localhost/v1"]
)
def test_a_plain_http_api_elsewhere_is_refused(base: str) -> None:
    api = FakeApi()
    with pytest.raises(EngineUnavailable, match="cleartext"):
        engine(api, base=base)
    assert api.requests == []


def test_plain_http_to_this_machine_is_allowed() -> None:
    for base in ("http://127.0.0.1:9000/v1", "http://localhost:9000/v1", "http://[::1]/v1"):
        assert engine(FakeApi(), base=base).info.processor == "fashn"


@pytest.mark.parametrize(
    ("output", "addresses"),
    [
        ("http://cdn.tryon.test/outputs/a.png", ["93.184.215.14"]),
        ("https://169.254.169.254/latest/meta-data/", []),
        ("https://127.0.0.1:8188/view", []),
        ("https://[::1]/a.png", []),
        ("https://[::ffff:10.0.0.1]/a.png", []),
        ("https://localhost/a.png", []),
        ("https://cdn.tryon.test/outputs/a.png", ["10.1.2.3"]),
        ("https://cdn.tryon.test/outputs/a.png", ["93.184.215.14", "192.168.1.7"]),
        ("https://cdn.tryon.test/outputs/a.png", ["fe80::1"]),
        ("https://cdn.tryon.test/outputs/a.png", ["100.64.0.1"]),
    ],
)
def test_outputs_are_fetched_only_over_https_from_public_hosts(
    output: str, addresses: list[str]
) -> None:
    api = FakeApi(statuses=[{"status": "completed", "output": [output]}])
    api.outputs[output] = output_png(90)
    with pytest.raises(EngineError, match=r"https://host|not a public address") as caught:
        engine(api, resolve=lambda _host: addresses).generate(tryon())
    assert not any(str(r.url) == output for r in api.requests)
    for address in addresses:
        assert address not in str(caught.value)


def test_an_output_host_that_cannot_be_resolved_is_an_error() -> None:
    def unresolvable(host: str) -> list[str]:
        raise OSError(f"no such host {host}")

    api = FakeApi(statuses=[{"status": "completed", "output": [f"{CDN}/a.png"]}])
    with pytest.raises(EngineError, match="cannot be resolved"):
        engine(api, resolve=unresolvable).generate(tryon())


def test_an_oversized_output_is_not_read_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("likeness.engines.hosted.MAX_IMAGE_BYTES", 64 * 1024)
    sent: list[int] = []

    def body() -> Any:
        for _ in range(100):
            sent.append(1)
            yield b"x" * 16 * 1024

    class Streaming(FakeApi):
        def __call__(self, req: httpx.Request) -> httpx.Response:
            if str(req.url).startswith(CDN):
                self.requests.append(req)
                return httpx.Response(200, content=body())
            return super().__call__(req)

    api = Streaming(statuses=[{"status": "completed", "output": [f"{CDN}/big.png"]}])
    with pytest.raises(EngineError, match="over the size limit"):
        engine(api).generate(tryon())
    assert len(sent) <= 5
