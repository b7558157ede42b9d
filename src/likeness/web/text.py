"""JSON bodies must be UTF-8 and carry valid Unicode text.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``), and Python's JSON reader also
accepts raw surrogate bytes and UTF-16/32 bodies; any of these decodes into a string that
no database, file or signature can encode, so it used to surface as a 500 deep in a
service. :class:`ValidUnicodeJson` is plain ASGI middleware that reads a JSON body (the
body-size limit around it bounds that) and refuses, with ``422`` in the API's one error
format, a body that is not UTF-8 (RFC 8259 requires it) or that escapes a lone surrogate.
It only scans, never parses, so deeply nested bodies cost no recursion here. It also
holds every JSON body to the one size and nesting bound of :mod:`likeness.kit.documents`
(``[`` × 5,000 used to reach Python's recursive JSON reader); everything else passes on
unchanged for the route's own validation to answer.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from likeness.errors import InvalidInput
from likeness.kit.documents import json_problem
from likeness.web.responses import error_response

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


#: One backslash escape inside a JSON string; an escaped backslash is consumed whole, so
#: the "u" after it is never taken for the start of a \u escape.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def lone_surrogate_escape(text: str) -> int | None:
    """Offset of the first ``\\uD800``-``\\uDFFF`` escape that is not one half of a
    high-then-low pair, or None. Linear, without recursion, whatever the nesting."""
    pending: tuple[int, int] | None = None  # (start, end) of an unpaired high surrogate
    for match in _ESCAPE.finditer(text):
        code = int(match.group(1), 16) if match.group(1) else None
        if pending is not None:
            if code is None or not 0xDC00 <= code <= 0xDFFF or match.start() != pending[1]:
                return pending[0]
            pending = None
            continue
        if code is None or not 0xD800 <= code <= 0xDFFF:
            continue
        if code >= 0xDC00:  # a low half with no high half before it
            return match.start()
        pending = (match.start(), match.end())
    return pending[0] if pending is not None else None


class ValidUnicodeJson:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body, last = await _read_body(receive)
        problem = text_problem(body)
        if problem is not None:
            await _refuse(scope, receive, send, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {**last, "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: str) -> None:
    await error_response(InvalidInput(problem))(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # FastAPI reads a body without a content type as JSON, so do we


async def _read_body(receive: Receive) -> tuple[bytes, Message]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), message


def text_problem(body: bytes) -> str | None:
    """Why this JSON body's text is unusable, or None when it is fine."""
    if b"\x00" in body:
        # Never valid JSON in UTF-8, but how UTF-16/32 text looks, which Python's reader
        # would otherwise detect and decode, lone surrogates and all.
        return "a JSON body must be UTF-8 text (it holds NUL bytes: UTF-16 or UTF-32?)"
    try:
        text = body.decode("utf-8")  # strict: raw surrogate bytes are refused here too
    except UnicodeDecodeError as error:
        return f"a JSON body must be UTF-8 text (byte {error.start} is not)"
    at = lone_surrogate_escape(text) if "\\u" in text else None
    if at is not None:
        return f"text must be valid Unicode: a lone surrogate is escaped at character {at}"
    return json_problem(text, "the JSON body", size=len(body))
