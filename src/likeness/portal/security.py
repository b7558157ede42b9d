"""Response headers that keep the portal's pages to themselves.

A strict Content-Security-Policy (no inline script or style, nothing from elsewhere, no
framing, forms post only here), ``X-Frame-Options: DENY`` for browsers that predate
``frame-ancestors``, and no MIME sniffing or referrer leaks. Plain ASGI middleware, set on
the portal's paths only: the offline API docs (/docs) carry their own inline boot script.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from likeness.portal.paths import is_portal_path

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

PORTAL_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Add :data:`PORTAL_HEADERS` to every response on a portal path."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(PORTAL_HEADERS)
        if hsts:  # production is served over HTTPS (cookies are Secure there)
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_portal_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
