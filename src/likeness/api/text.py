"""JSON bodies must carry valid Unicode text.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``); Python decodes it into a string
that no database, file or signature can encode, so it used to surface as a 500 deep in a
service. :class:`ValidUnicodeJson` is plain ASGI middleware that reads a JSON body (the
body-size limit around it bounds that), refuses one holding such a string with ``422``
in the API's one error format, and otherwise hands the body on unchanged. Bodies that are
not JSON, or not valid JSON, pass through for the route's own validation to answer.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from likeness.errors import InvalidInput

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_lone_surrogate(value: Any) -> bool:
    """True when any string in a decoded JSON value (keys included) is not valid Unicode."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False


class ValidUnicodeJson:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body, last = await _read_body(receive)
        if _holds_invalid_text(body):
            error = InvalidInput("text must be valid Unicode: the body holds a lone surrogate")
            response = JSONResponse(
                status_code=error.status_code,
                content={"error": error.name, "detail": error.message},
            )
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {**last, "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    error = InvalidInput("text must be valid Unicode: the body holds a lone surrogate")
    content = {"error": error.name, "detail": error.message}
    await JSONResponse(status_code=error.status_code, content=content)(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


async def _read_body(receive: Receive) -> tuple[bytes, Message]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), message


def _holds_invalid_text(body: bytes) -> bool:
    if b"\\u" not in body and b"\\U" not in body:
        return False  # no escapes: strict UTF-8 decoding cannot produce a surrogate
    try:
        return has_lone_surrogate(json.loads(body))
    except ValueError:
        return False
