"""The ``comfyui`` engine against a local fake ComfyUI server (a real HTTP server on
127.0.0.1 that follows the API; see ``comfyui_fake``)."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
from likeness.engines.comfyui import ComfyUIEngine, WorkflowTemplate
from likeness.settings import Settings
from unit.engines.comfyui_fake import FakeComfy, running
from unit.engines.remote_support import flat, png, request

SHA = "31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b"
MODELS = [
    {
        "name": "sd_xl_base_1.0.safetensors",
        "sha256": SHA,
        "license": "openrail++",
        "commercial_use": True,
    }
]


def workflow(*, reference: bool = True, steps: str = "{{steps:int}}") -> dict[str, Any]:
    graph: dict[str, Any] = {
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"},
        },
        "5": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": "{{width:int}}", "height": "{{height:int}}", "batch_size": 1},
        },
        "6": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "editorial fashion photo, {{prompt:str}}", "clip": ["4", 1]},
        },
        "7": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "{{negative_prompt:str}}", "clip": ["4", 1]},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": "{{seed:int}}",
                "steps": steps,
                "cfg": "{{cfg:float}}",
                "model": ["4", 0],
            },
        },
        "9": {
            "class_type": "SaveImage",
            "inputs": {"images": ["8", 0], "filename_prefix": "ComfyUI"},
        },
    }
    if reference:
        graph["10"] = {"class_type": "LoadImage", "inputs": {"image": "{{reference:image}}"}}
    return graph


def template_bytes(graph: dict[str, Any] | None = None, **document: Any) -> bytes:
    body = {"tasks": ["scene", "restyle"], "models": MODELS, "workflow": graph or workflow()}
    body.update(document)
    return json.dumps(body).encode()


OPTIONS = {"steps": 20, "cfg": 6.5}


@pytest.fixture
def fake() -> FakeComfy:
    return FakeComfy(polls_before_done=3)


@pytest.fixture
def server(fake: FakeComfy) -> Iterator[str]:
    with running(fake) as url:
        yield url


def engine(url: str, raw: bytes | None = None, **kwargs: Any) -> ComfyUIEngine:
    kwargs.setdefault("poll_seconds", 0.01)
    return ComfyUIEngine(url, WorkflowTemplate.parse(raw or template_bytes()), **kwargs)


def test_generates_images_through_the_api_with_seeds_and_progress(
    fake: FakeComfy, server: str
) -> None:
    seen: list[tuple[float, str]] = []

    def progress(fraction: float, message: str) -> bool:
        seen.append((fraction, message))
        return True

    comfy = engine(server)
    assert isinstance(comfy, Engine)
    images = comfy.generate(request(options=OPTIONS, seed=300, count=2, progress=progress))

    assert [image.seed for image in images] == [300, 301]
    for image in images:
        assert image.pixels.dtype == np.uint8
        assert image.pixels.shape == (24, 40, 3)  # the workflow's EmptyLatentImage size
        assert image.params["workflow_sha256"] == comfy.template.sha256
        assert image.params["server"] == "local"
        assert image.params["output_node"] == "9"  # the saved image, not the temp preview
    # The seed reached the sampler (R = seed mod 256); the reference reached LoadImage.
    assert [int(image.pixels[0, 0, 0]) for image in images] == [300 % 256, 301 % 256]
    assert int(images[0].pixels[0, 0, 1]) == 90
    # The history stayed {} for three looks per prompt before ComfyUI recorded it.
    assert sorted(fake.polls.values()) == [4, 4]
    prompts = list(fake.prompts.values())
    assert (
        prompts[0]["6"]["inputs"]["text"]
        == "editorial fashion photo, a linen suit on a beach at dusk"
    )
    assert prompts[0]["3"]["inputs"]["steps"] == 20
    assert prompts[0]["3"]["inputs"]["cfg"] == 6.5
    assert prompts[0]["7"]["inputs"]["text"] == ""
    assert len(set(fake.client_ids)) == 1
    # One upload (the reference), as a metadata-free PNG under a random name.
    (name,) = fake.uploads
    assert name.startswith("likeness-") and "0000" not in name
    uploaded = Image.open(io.BytesIO(fake.uploads[name]))
    assert uploaded.format == "PNG" and not uploaded.text
    # Progress rose from 0 to 1 and said what was happening.
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert any("running the workflow" in message for _, message in seen)


def test_the_workflow_metadata_comfyui_embeds_never_goes_on(fake: FakeComfy, server: str) -> None:
    (image,) = engine(server).generate(request(options=OPTIONS))
    served = Image.open(io.BytesIO(fake.served[0]))
    assert {"prompt", "workflow"} <= set(served.text)  # what ComfyUI wrote
    # What the engine hands on is pixels only; encoded again, no text chunk survives.
    assert isinstance(image.pixels, np.ndarray)
    out = io.BytesIO()
    Image.fromarray(image.pixels).save(out, format="PNG")
    again = Image.open(io.BytesIO(out.getvalue()))
    assert not again.text and b"tEXt" not in out.getvalue() and b"iTXt" not in out.getvalue()


def test_brief_input_images_are_uploaded_without_their_metadata(
    fake: FakeComfy, server: str
) -> None:
    graph = workflow(reference=False)
    graph["11"] = {"class_type": "LoadImage", "inputs": {"image": "{{garment:image}}"}}
    garment = png(flat(20, 20, (10, 120, 30)), Author="the garment photographer")
    comfy = engine(server, template_bytes(graph, tasks=["tryon"]))
    (image,) = comfy.generate(
        request(Task.tryon, options=OPTIONS, inputs={InputRole.garment: garment})
    )
    (uploaded,) = fake.uploads.values()
    assert Image.open(io.BytesIO(uploaded)).text == {}
    assert int(image.pixels[0, 0, 1]) == round((10 + 120 + 30) / 3)


def test_a_node_error_refuses_the_request_with_comfyuis_words(fake: FakeComfy, server: str) -> None:
    graph = workflow()
    graph["4"]["inputs"]["ckpt_name"] = "not-installed.safetensors"
    with pytest.raises(EngineRefused, match=r"HTTP 400.*node 4: Value not in list.*not-installed"):
        engine(server, template_bytes(graph)).generate(request(options=OPTIONS))
    assert fake.prompts == {}


def test_a_node_failing_while_running_is_an_engine_error(fake: FakeComfy, server: str) -> None:
    fake.failure = "execution"
    with pytest.raises(EngineError, match=r"node 3 \(KSampler\).*CUDA out of memory") as caught:
        engine(server).generate(request(options=OPTIONS))
    assert not isinstance(caught.value, EngineRefused)  # may be retried


def test_a_workflow_that_saves_nothing_is_refused(fake: FakeComfy, server: str) -> None:
    fake.failure = "no-output"
    with pytest.raises(EngineRefused, match="SaveImage"):
        engine(server).generate(request(options=OPTIONS))


def test_a_prompt_that_never_finishes_times_out_and_is_taken_off_the_queue(
    fake: FakeComfy, server: str
) -> None:
    fake.failure = "never"
    comfy = engine(server, timeout_seconds=0.2, poll_seconds=0.02)
    with pytest.raises(EngineError, match=r"did not finish prompt .* within 0.2 s"):
        comfy.generate(request(options=OPTIONS))
    assert fake.deleted == list(fake.prompts)
    assert next(iter(fake.polls.values())) >= 3


def test_cancelling_stops_and_takes_the_prompt_off_the_queue(fake: FakeComfy, server: str) -> None:
    fake.failure = "never"
    calls: list[str] = []

    def progress(fraction: float, message: str) -> bool:
        calls.append(message)
        return len(calls) < 4

    with pytest.raises(EngineCancelled):
        engine(server).generate(request(options=OPTIONS, progress=progress))
    assert fake.deleted == list(fake.prompts)
    (prompt_id,) = fake.prompts
    assert fake.interrupts == [{"prompt_id": prompt_id}]
    assert fake.interrupted == [prompt_id]
    assert fake.queue()["queue_running"] == []


def test_cancelling_a_waiting_prompt_never_interrupts_someone_elses(
    fake: FakeComfy, server: str
) -> None:
    fake.failure = "never"
    fake.foreign_running = "someone-elses-prompt"

    def progress(fraction: float, message: str) -> bool:
        return fraction < 0.1

    with pytest.raises(EngineCancelled):
        engine(server).generate(request(options=OPTIONS, progress=progress))
    assert fake.deleted == list(fake.prompts)
    assert fake.interrupts == [] and fake.interrupted == []
    assert [item[1] for item in fake.queue()["queue_running"]] == ["someone-elses-prompt"]
    assert fake.queue()["queue_pending"] == []


def test_an_oversized_output_is_not_read_past_the_limit(
    fake: FakeComfy, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("likeness.engines.comfyui.MAX_IMAGE_BYTES", 256 * 1024)
    fake.view_bytes = 256 * 1024 * 1024
    with pytest.raises(EngineError, match="over the size limit"):
        engine(server).generate(request(options=OPTIONS))
    assert fake.view_sent < 32 * 1024 * 1024


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"license": "cc-by-nc-4.0", "commercial_use": True}, "registry says CC BY-NC 4.0"),
        ({"license": "cc-by-nc-4.0"}, "does not allow commercial use"),
        ({"license": "l", "commercial_use": True}, "'l' is not one the model registry knows"),
        ({"license": "openrail++", "commercial_use": False}, "says commercial_use false"),
    ],
)
def test_a_models_licence_is_judged_by_the_registry_not_the_template(
    model: dict[str, Any], message: str
) -> None:
    raw = template_bytes(models=[{"name": "m.safetensors", "sha256": SHA, **model}])
    with pytest.raises(EngineUnavailable, match=message) as caught:
        WorkflowTemplate.parse(raw, allow_noncommercial=False)
    assert "LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1" in str(caught.value)
    opted = WorkflowTemplate.parse(raw, allow_noncommercial=True)
    assert [m.commercial_use for m in opted.models] == [False]


def test_the_licence_table_gives_commercial_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIKENESS_ALLOW_NONCOMMERCIAL_MODELS", raising=False)
    raw = template_bytes(models=[{"name": "m.safetensors", "sha256": SHA, "license": "MIT"}])
    assert [m.commercial_use for m in WorkflowTemplate.parse(raw).models] == [True]
    monkeypatch.setenv("LIKENESS_ALLOW_NONCOMMERCIAL_MODELS", "1")  # the setting opts in
    raw = template_bytes(models=[{"name": "m.safetensors", "sha256": SHA, "license": "x-y"}])
    assert [m.commercial_use for m in WorkflowTemplate.parse(raw).models] == [False]


def test_a_server_that_is_down_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(EngineUnavailable, match="cannot be reached"):
        engine(f"http://127.0.0.1:{port}").generate(request(options=OPTIONS))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prompt": None}, r"needs \{\{prompt:str\}\}, which this request does not give"),
        (
            {"options": {"steps": "20", "cfg": 6.5}},
            r"needs \{\{steps:int\}\} but the request gives str",
        ),
        (
            {"options": {"steps": True, "cfg": 6.5}},
            r"needs \{\{steps:int\}\} but the request gives bool",
        ),
        ({"options": {"steps": 20, "cfg": "high"}}, r"needs \{\{cfg:float\}\}"),
        ({"options": {"cfg": 6.5}}, r"needs \{\{steps:int\}\}"),
        ({"options": {**OPTIONS, "seed": 5}}, "option 'seed' would override"),
        (
            {"options": {**OPTIONS, "reference": "../secret.png"}},
            "option 'reference' would override",
        ),
        ({"options": {**OPTIONS, "lora": ["a"]}}, "option 'lora' must be text, a number"),
    ],
)
def test_missing_or_ill_typed_placeholders_are_refused_before_anything_is_sent(
    fake: FakeComfy, server: str, change: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"options": OPTIONS, **change}
    with pytest.raises(EngineRefused, match=message):
        engine(server).generate(request(**arguments))
    assert fake.prompts == {}


def test_an_unsupported_task_or_bad_input_image_is_refused(server: str) -> None:
    with pytest.raises(EngineRefused, match="does not do 'tryon'"):
        engine(server).generate(request(Task.tryon, options=OPTIONS))
    graph = workflow(reference=False)
    graph["11"] = {"class_type": "LoadImage", "inputs": {"image": "{{garment:image}}"}}
    comfy = engine(server, template_bytes(graph, tasks=["tryon"]))
    with pytest.raises(EngineRefused, match="garment image is not a PNG, JPEG or WebP"):
        comfy.generate(request(Task.tryon, options=OPTIONS, inputs={InputRole.garment: b"GIF89a"}))
    with pytest.raises(EngineRefused, match=r"needs \{\{garment:image\}\}"):
        comfy.generate(request(Task.tryon, options=OPTIONS))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[]", "must be a JSON object"),
        (template_bytes(workflow={}), '"workflow" must be the API-format node graph'),
        (template_bytes(workflow={"1": {"inputs": {}}}), "node '1' has no class_type"),
        (template_bytes(tasks=["dance"]), "unknown task"),
        (template_bytes(tasks=["import"]), "generation tasks"),
        (template_bytes(models=None), '"models" must list'),
        (
            template_bytes(
                models=[
                    {"name": "m", "sha256": "x", "license": "openrail++", "commercial_use": True}
                ]
            ),
            "sha256",
        ),
        (
            template_bytes(
                models=[{"name": "m", "sha256": SHA, "license": "openrail++", "commercial_use": 1}]
            ),
            "commercial_use must be true or false",
        ),
        (
            template_bytes(workflow(steps="{{steps:long}}")),
            r"\{\{steps:long\}\}: type must be one of",
        ),
        (template_bytes(workflow(steps="{{steps:int}}-{{cfg:int}}")), "'cfg' is used both as"),
        (
            template_bytes(
                {
                    **workflow(),
                    "11": {"class_type": "LoadImage", "inputs": {"image": "x/{{plate:image}}"}},
                }
            ),
            "must be a whole value",
        ),
    ],
)
def test_a_malformed_template_makes_the_engine_unavailable(raw: bytes, message: str) -> None:
    with pytest.raises(EngineUnavailable, match=message):
        WorkflowTemplate.parse(raw)


def test_the_template_declares_tasks_and_models_and_its_placeholders() -> None:
    template = WorkflowTemplate.parse(template_bytes())
    assert template.tasks == {Task.scene, Task.restyle}
    assert [(m.name, m.sha256, m.commercial_use) for m in template.models] == [
        ("sd_xl_base_1.0.safetensors", SHA, True)
    ]
    assert [str(p) for p in template.placeholders] == [
        "{{cfg:float}}",
        "{{height:int}}",
        "{{negative_prompt:str}}",
        "{{prompt:str}}",
        "{{reference:image}}",
        "{{seed:int}}",
        "{{steps:int}}",
        "{{width:int}}",
    ]


@pytest.mark.parametrize(
    ("url", "configured", "processor"),
    [
        ("http://127.0.0.1:8188", None, None),
        ("http://localhost:8188", None, None),
        ("http://[::1]:8188", None, None),
        # a loopback port forwarded to a rented GPU (ssh -L, kubectl port-forward)
        ("http://localhost:8188", "gpu-farm", "gpu-farm"),
        ("http://127.0.0.1:18188", "Rented GPU Ltd", "Rented GPU Ltd"),
        # only localhost itself is trusted to be here, not any *.localhost name
        ("http://comfy.localhost:8188", None, "comfy.localhost"),
        ("https://comfy.studio.example:443", None, "comfy.studio.example"),
        ("http://10.1.2.3:8188", "Render Farm Ltd", "Render Farm Ltd"),
    ],
)
def test_a_remote_server_is_a_processor_a_loopback_one_is_not(
    url: str, configured: str | None, processor: str | None
) -> None:
    info = engine(url, processor=configured).info
    assert info.processor == processor
    assert info.leaves_machine is (processor is not None)
    assert info.name == "comfyui" and info.generative and not info.deterministic


def test_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    with pytest.raises(EngineUnavailable, match="LIKENESS_ENGINES__COMFYUI__URL"):
        ComfyUIEngine.from_settings(Settings())
    path = tmp_path / "workflow.json"
    monkeypatch.setenv("LIKENESS_ENGINES__COMFYUI__URL", server)
    monkeypatch.setenv("LIKENESS_ENGINES__COMFYUI__WORKFLOW", str(path))
    monkeypatch.setenv("LIKENESS_ENGINES__COMFYUI__POLL_SECONDS", "0.01")
    with pytest.raises(EngineUnavailable, match="cannot be read"):
        ComfyUIEngine.from_settings(Settings())
    path.write_bytes(template_bytes())
    comfy = ComfyUIEngine.from_settings(Settings())
    assert comfy.info.tasks == {Task.scene, Task.restyle}
    (image,) = comfy.generate(request(options=OPTIONS))
    assert image.pixels.shape == (24, 40, 3)
