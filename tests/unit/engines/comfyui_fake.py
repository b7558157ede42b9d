"""A small, real HTTP server on 127.0.0.1 that follows the ComfyUI server API closely
enough for the ``comfyui`` engine's tests (no ComfyUI, no GPU, no network):

- ``POST /upload/image`` (multipart, field ``image``) keeps the file and answers
  ``{"name", "subfolder", "type"}``;
- ``POST /prompt`` checks the graph as ComfyUI's validation would (every node has a
  ``class_type``; a ``LoadImage`` names an uploaded file; a ``CheckpointLoaderSimple``
  names a checkpoint the server has) and answers ``{"prompt_id", "number",
  "node_errors"}``, or HTTP 400 with ``{"error", "node_errors"}``;
- ``GET /history/{prompt_id}`` stays ``{}`` for ``polls_before_done`` looks, then holds
  the prompt, its outputs (a saved image and a ``temp`` preview) and its status;
- ``GET /view?filename=&subfolder=&type=`` serves the PNG the "SaveImage" node wrote, with
  the ``prompt`` and ``workflow`` text chunks real ComfyUI embeds;
- ``POST /queue`` with ``{"delete": [...]}`` forgets queued prompts (a running one stays);
- ``GET /queue`` answers ``{"queue_running": [[number, prompt_id, prompt, {}, []]],
  "queue_pending": [...]}``: the oldest unfinished prompt runs (or ``foreign_running``,
  someone else's), the others wait;
- ``POST /interrupt`` with ``{"prompt_id": id}`` stops that prompt if it runs (without
  one, whatever runs), as ComfyUI since its targeted interrupt does.

The "render" is a flat colour from the seed (R = seed mod 256) at the workflow's
``EmptyLatentImage`` size, plus the mean of any loaded image in G, so tests can check
what reached the server.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

CHECKPOINTS = ("sd_xl_base_1.0.safetensors",)


@dataclass
class FakeComfy:
    polls_before_done: int = 2
    #: ``None`` (success), ``"execution"`` (a node raises while running), ``"never"``
    #: (the history stays empty), ``"no-output"`` (finishes without saving an image).
    failure: str | None = None
    uploads: dict[str, bytes] = field(default_factory=dict)
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    client_ids: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    served: list[bytes] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Someone else's prompt that is running on the server (ours then wait).
    foreign_running: str | None = None
    #: The bodies of ``POST /interrupt`` calls, and the prompts they stopped.
    interrupts: list[Any] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    #: If set, ``/view`` streams this many bytes without a Content-Length; ``view_sent``
    #: counts what actually went out before the client stopped reading.
    view_bytes: int | None = None
    view_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the "execution" ---------------------------------------------------------

    def _render(self, prompt_id: str, workflow: dict[str, Any]) -> str:
        width, height, seed, loaded = 64, 64, 0, 0.0
        for node in workflow.values():
            inputs = node.get("inputs", {})
            if node["class_type"] == "EmptyLatentImage":
                width, height = int(inputs["width"]), int(inputs["height"])
            elif node["class_type"] == "KSampler":
                seed = int(inputs["seed"])
            elif node["class_type"] == "LoadImage":
                image = Image.open(io.BytesIO(self.uploads[inputs["image"]]))
                loaded = float(np.asarray(image.convert("RGB")).mean())
        pixels = np.zeros((height, width, 3), np.uint8)
        pixels[..., 0] = seed % 256
        pixels[..., 1] = round(loaded)
        pixels[..., 2] = 200
        info = PngInfo()
        info.add_text("prompt", json.dumps(workflow))
        info.add_text("workflow", json.dumps({"nodes": list(workflow)}))
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="PNG", pnginfo=info)
        filename = f"ComfyUI_{len(self.files) + 1:05d}_.png"
        self.files[filename] = out.getvalue()
        return filename

    def history(self, prompt_id: str) -> dict[str, Any]:
        with self.lock:
            if prompt_id not in self.prompts:
                return {}
            if prompt_id in self.finished:  # ComfyUI keeps a finished prompt's history
                return {prompt_id: self.finished[prompt_id]}
            self.polls[prompt_id] = self.polls.get(prompt_id, 0) + 1
            if self.failure == "never" or self.polls[prompt_id] <= self.polls_before_done:
                return {}
            workflow = self.prompts[prompt_id]
            if self.failure == "execution":
                status = {
                    "status_str": "error",
                    "completed": False,
                    "messages": [
                        ["execution_start", {"prompt_id": prompt_id}],
                        [
                            "execution_error",
                            {
                                "prompt_id": prompt_id,
                                "node_id": "3",
                                "node_type": "KSampler",
                                "exception_message": "CUDA out of memory",
                                "exception_type": "torch.OutOfMemoryError",
                            },
                        ],
                    ],
                }
                return {
                    prompt_id: {"prompt": [1, prompt_id, workflow], "outputs": {}, "status": status}
                }
            outputs: dict[str, Any] = {}
            if self.failure != "no-output":
                saved = self._render(prompt_id, workflow)
                outputs = {
                    "12": {
                        "images": [{"filename": "preview.png", "subfolder": "", "type": "temp"}]
                    },
                    "9": {"images": [{"filename": saved, "subfolder": "", "type": "output"}]},
                }
            status = {"status_str": "success", "completed": True, "messages": []}
            entry = {"prompt": [1, prompt_id, workflow], "outputs": outputs, "status": status}
            self.finished[prompt_id] = entry
            return {prompt_id: entry}

    def queue(self) -> dict[str, Any]:
        with self.lock:
            done = self.finished.keys() | set(self.interrupted)
            live = [pid for pid in self.prompts if pid not in done]
            # the oldest live prompt runs, deleted or not (a delete only reaches waiting ones)
            running = [self.foreign_running] if self.foreign_running else live[:1]
            pending = [pid for pid in live if pid not in running and pid not in self.deleted]
            return {
                "queue_running": [[0, pid, self.prompts.get(pid, {}), {}, []] for pid in running],
                "queue_pending": [
                    [n + 1, pid, self.prompts[pid], {}, []] for n, pid in enumerate(pending)
                ],
            }

    def interrupt(self, body: Any) -> None:
        self.interrupts.append(body)
        running = [item[1] for item in self.queue()["queue_running"]]
        wanted = body.get("prompt_id") if isinstance(body, dict) else None
        with self.lock:
            for pid in running:
                if wanted is None or wanted == pid:
                    self.interrupted.append(pid)

    def validate(self, workflow: Any) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        if not isinstance(workflow, dict):
            return {"?": {"errors": [{"message": "prompt is not a graph"}]}}
        for node_id, node in workflow.items():
            inputs = node.get("inputs", {})
            problem = None
            if node.get("class_type") == "LoadImage" and inputs.get("image") not in self.uploads:
                problem = ("Invalid image file", f"image: {inputs.get('image')}")
            if (
                node.get("class_type") == "CheckpointLoaderSimple"
                and inputs.get("ckpt_name") not in CHECKPOINTS
            ):
                problem = (
                    "Value not in list",
                    f"ckpt_name: '{inputs.get('ckpt_name')}' not in {list(CHECKPOINTS)}",
                )
            if problem:
                errors[node_id] = {
                    "errors": [
                        {"type": "value_not_in_list", "message": problem[0], "details": problem[1]}
                    ],
                    "class_type": node.get("class_type"),
                }
        return errors


def _handler(state: FakeComfy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value).encode(), "application/json")

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/queue":
                self._json(200, state.queue())
            elif url.path.startswith("/history/"):
                self._json(200, state.history(url.path.removeprefix("/history/")))
            elif url.path == "/view":
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                data = state.files.get(query.get("filename", ""))
                if data is None or query.get("type") != "output":
                    self._send(404, b"", "text/plain")
                    return
                if state.view_bytes is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.end_headers()
                    chunk = data + b"\0" * (64 * 1024 - len(data) % (64 * 1024))
                    try:
                        while state.view_sent < state.view_bytes:
                            self.wfile.write(chunk)
                            state.view_sent += len(chunk)
                    except OSError:
                        pass
                    return
                state.served.append(data)
                self._send(200, data, "image/png")
            else:
                self._send(404, b"", "text/plain")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            if path == "/upload/image":
                message = BytesParser(policy=default_policy).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                )
                fields = {
                    part.get_param("name", header="content-disposition"): part
                    for part in message.iter_parts()
                }
                image = fields.get("image")
                if image is None:
                    self._send(400, b"", "text/plain")
                    return
                name = image.get_filename()
                with state.lock:
                    state.uploads[name] = image.get_payload(decode=True)
                self._json(200, {"name": name, "subfolder": "", "type": "input"})
            elif path == "/prompt":
                payload = json.loads(body)
                errors = state.validate(payload.get("prompt"))
                if errors:
                    self._json(
                        400,
                        {
                            "error": {
                                "type": "prompt_outputs_failed_validation",
                                "message": "Prompt outputs failed validation",
                                "details": "",
                                "extra_info": {},
                            },
                            "node_errors": errors,
                        },
                    )
                    return
                prompt_id = str(uuid.uuid4())
                with state.lock:
                    state.prompts[prompt_id] = payload["prompt"]
                    state.client_ids.append(payload.get("client_id"))
                self._json(
                    200, {"prompt_id": prompt_id, "number": len(state.prompts), "node_errors": {}}
                )
            elif path == "/queue":
                state.deleted.extend(json.loads(body).get("delete", []))
                self._json(200, {})
            elif path == "/interrupt":
                state.interrupt(json.loads(body) if body else {})
                self._json(200, {})
            else:
                self._send(404, b"", "text/plain")

    return Handler


@contextmanager
def running(state: FakeComfy) -> Iterator[str]:
    """Serve ``state`` on a free loopback port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
