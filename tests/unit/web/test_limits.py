"""Body limits are enforced while the body streams in, before any route runs."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, UploadFile
from fastapi.testclient import TestClient

from likeness.web.limits import BodyLimit, BodySizeLimit

calls: list[str] = []


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, int]:
        calls.append("echo")
        return {"keys": len(payload)}

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, int]:
        calls.append("upload")
        return {"bytes": len(await file.read())}

    app.add_middleware(BodySizeLimit, default=200, routes=[BodyLimit.for_path(r"/upload/?", 5000)])
    return app


client = TestClient(_app())


def _chunks(total: int, size: int = 100) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_a_small_body_goes_through() -> None:
    calls.clear()
    answer = client.post("/echo", json={"a": "b"})
    assert answer.status_code == 200 and answer.json() == {"keys": 1}
    assert calls == ["echo"]


def test_a_declared_length_over_the_limit_is_refused_before_the_route_runs() -> None:
    calls.clear()
    answer = client.post("/echo", json={"a": "b" * 500})
    assert answer.status_code == 413
    assert answer.json() == {
        "error": "RequestTooLarge",
        "detail": "the request body is over the 200-byte limit",
    }
    assert calls == []


def test_a_streamed_body_is_cut_off_when_it_passes_the_limit() -> None:
    calls.clear()
    headers = {"content-type": "application/json"}
    answer = client.post("/echo", content=_chunks(1000), headers=headers)
    assert answer.status_code == 413 and answer.json()["error"] == "RequestTooLarge"
    assert calls == []


def test_an_upload_route_has_its_own_limit() -> None:
    calls.clear()
    files = {"file": ("a.bin", b"y" * 3000, "application/octet-stream")}
    assert client.post("/upload", files=files).json() == {"bytes": 3000}
    files = {"file": ("a.bin", b"y" * 6000, "application/octet-stream")}
    too_big = client.post("/upload", files=files)
    assert too_big.status_code == 413 and "5000-byte limit" in too_big.json()["detail"]
    assert calls == ["upload"]


def test_a_garbled_content_length_falls_back_to_counting() -> None:
    limit = BodySizeLimit(_app(), default=200)
    assert limit.limit_for("/anything") == 200
    calls.clear()
    answer = client.post("/echo", content=_chunks(1000), headers={"content-length": "abc"})
    assert answer.status_code == 413
    assert calls == []
