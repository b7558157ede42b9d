"""Request body limits, enforced while the body streams in, before anything parses it.

Starlette spools a whole multipart body to disk before a route (or its auth) runs, so a
size check inside an endpoint comes too late: an anonymous client could fill the disk.
:class:`BodySizeLimit` is plain ASGI middleware: a declared ``Content-Length`` over the
limit is refused at once, and a streamed (chunked) body is counted as it arrives and
cut off when it passes the limit. Either way the client gets ``413`` in the API's one
error format and the route never runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from likeness.errors import LikenessError
from likeness.web.responses import error_response

#: Room for multipart boundaries and part headers around an uploaded file.
MULTIPART_SLACK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """Requests whose path matches ``pattern`` may send at most ``max_bytes``."""

    pattern: re.Pattern[str]
    max_bytes: int

    @classmethod
    def for_path(cls, regex: str, max_bytes: int) -> BodyLimit:
        return cls(re.compile(regex), max_bytes)


class RequestTooLarge(LikenessError, status=413):
    """The request body is over the limit for its route."""


class _BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes its limit."""


class BodySizeLimit:
    """Refuse request bodies over ``default`` bytes, or over a matching route's limit."""

    def __init__(self, app: ASGIApp, *, default: int, routes: Sequence[BodyLimit] = ()) -> None:
        self.app = app
        self.default = default
        self.routes = tuple(routes)

    def limit_for(self, path: str) -> int:
        for route in self.routes:
            if route.pattern.fullmatch(path):
                return route.max_bytes
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return
        await _Guard(self.app, limit).run(scope, receive, send)


class _Guard:
    """One request: counts the body as it streams and answers 413 when it is too long."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.started = False

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if self.exceeded and not self.started:
                return  # the app's own answer to the cut-off body (a 400) is replaced
            if message["type"] == "http.response.start":
                self.started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except _BodyTooLarge:
            if self.started:
                raise
        if self.exceeded and not self.started:
            await _refuse(scope, receive, send, self.limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """Answer 413 in the API's one error format (see likeness.errors), closing the connection."""
    error = RequestTooLarge(f"the request body is over the {limit}-byte limit")
    await error_response(error, {"connection": "close"})(scope, receive, send)
