"""``engines._remote.request_json``: the JSON call both remote engines make."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from likeness.engines import EngineError, EngineUnavailable
from likeness.engines._remote import request_json


def _client(handler: Any) -> httpx.Client:
    return httpx.Client(base_url="http://engine.test", transport=httpx.MockTransport(handler))


def _words(body: Any) -> str:
    return f"said {body['error']}" if isinstance(body, dict) else "said nothing"


def test_a_json_object_is_returned_and_the_arguments_are_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": 1})

    with _client(handler) as client:
        body = request_json(
            client, "Svc", "POST", "/run", describe=_words, headers={"X-Key": "k"}, json={"a": 2}
        )
    assert body == {"ok": 1}
    assert seen[0].method == "POST" and seen[0].url.path == "/run"
    assert seen[0].headers["X-Key"] == "k" and seen[0].content == b'{"a":2}'


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("GET /history/1", "^Svc answered GET /history/1 with something not a JSON object$"),
        (None, "^Svc answered with something not a JSON object$"),
    ],
)
def test_a_body_that_is_not_an_object_is_an_error(asked: str | None, message: str) -> None:
    with (
        _client(lambda request: httpx.Response(200, json=[1])) as client,
        pytest.raises(EngineError, match=message),
    ):
        request_json(client, "Svc", "GET", "/history/1", describe=_words, asked=asked)


@pytest.mark.parametrize(
    ("response", "said"),
    [
        (httpx.Response(503, json={"error": "busy"}), "said busy"),
        (httpx.Response(503, content=b"<html>"), "said nothing"),
    ],
)
def test_an_error_status_carries_the_servers_words(response: httpx.Response, said: str) -> None:
    with (
        _client(lambda request: response) as client,
        pytest.raises(EngineUnavailable, match=f"Svc failed on its side \\(HTTP 503\\): {said}"),
    ):
        request_json(client, "Svc", "GET", "/x", describe=_words)


def test_no_answer_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with (
        _client(handler) as client,
        pytest.raises(EngineUnavailable, match="Svc cannot be reached"),
    ):
        request_json(client, "Svc", "GET", "/x", describe=_words)
