"""Cross-site request forgery: a browser must not change state for another site.

A session cookie rides along with every request the browser makes, including a form or
``fetch`` that a foreign page sends. So a request that changes state (any method but
GET, HEAD, OPTIONS, TRACE) and is authenticated by the cookie must prove that it comes
from one of our own pages. :class:`CsrfProtection` is plain ASGI middleware that decides
this from the headers, before any route, body parsing or authentication runs:

* ``Authorization`` present: not cookie-authenticated (a bearer token is never sent by
  the browser on its own; :func:`likeness.auth.dependencies.current_actor` then ignores
  the cookie), so nothing to check.
* ``Origin`` present: it must be the API's own origin or one of ``LIKENESS_ALLOWED_ORIGINS``;
  anything else (including ``null``) is refused, with or without a cookie, so a foreign
  page cannot log a browser into an account either (login CSRF).
* no ``Origin`` but ``Sec-Fetch-Site``: only ``same-origin`` and ``none`` (typed by the
  user) pass.
* with a valid session cookie, a request that has neither verified header must carry the
  session's CSRF token, as the ``X-CSRF-Token`` header or, in a URL-encoded form, the
  ``csrf_token`` field. A token that is sent must match, whatever the headers say.

The token is an HMAC of the session cookie under the platform secret: it is bound to the
session, cannot be computed without the cookie (which scripts cannot read, it is
HttpOnly) and needs no storage. Login hands it to the page in the ``likeness_csrf``
cookie (readable by the page's scripts); a server-rendered page gets it from
:func:`token_for_request` and puts it in a ``<meta>`` tag or a hidden field, e.g. for
htmx: ``<body hx-headers='{"X-CSRF-Token": "{{ csrf_token }}"}'>``.

A refusal is ``403 {"error": "CsrfRefused", "detail": ...}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from likeness.auth import cookies
from likeness.errors import Forbidden
from likeness.settings import Settings, normalise_origin
from likeness.web.responses import error_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_HEADER = "X-CSRF-Token"
TOKEN_FIELD = "csrf_token"
#: ``Sec-Fetch-Site`` values that a foreign page cannot cause.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})
_CONTEXT = b"likeness.csrf.v1\x00"
_FORM = "application/x-www-form-urlencoded"


class CsrfRefused(Forbidden):
    """A cookie-authenticated (or anonymous) state change did not prove it is same-origin."""


def token_for_cookie(secret: str, session_cookie: str) -> str:
    """The CSRF token of the session that ``session_cookie`` carries."""
    digest = hmac.new(
        secret.encode("utf-8"), _CONTEXT + session_cookie.encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_for_request(connection: HTTPConnection, settings: Settings) -> str | None:
    """The token a page rendered for this request must send back; None without a session."""
    cookie = connection.cookies.get(settings.session_cookie_name)
    if not cookie:
        return None
    return token_for_cookie(settings.platform_secret(), cookie)


@dataclass(frozen=True, slots=True)
class CsrfFacts:
    """What a request says about where it comes from (headers only)."""

    method: str
    own_origin: str | None
    origin: str | None = None
    fetch_site: str | None = None
    has_authorization: bool = False
    has_session: bool = False
    token_exempt: bool = False
    #: None: no token sent; True/False: sent and (not) matching the session.
    token_matches: bool | None = None


def refusal(facts: CsrfFacts, allowed_origins: Collection[str]) -> str | None:
    """Why this request must be refused, or None if it may go on. Pure."""
    if facts.method.upper() in SAFE_METHODS or facts.has_authorization:
        return None
    verified = False
    if facts.origin is not None:
        origin = normalise_origin(facts.origin)
        if origin is None or (origin != facts.own_origin and origin not in allowed_origins):
            return f"cross-origin request refused: Origin {facts.origin[:100]!r} is not allowed"
        verified = True
    elif facts.fetch_site is not None:
        site = facts.fetch_site.strip().lower()
        if site not in TRUSTED_FETCH_SITES:
            return f"cross-site request refused (Sec-Fetch-Site: {site[:20]})"
        verified = True
    if not facts.has_session or facts.token_exempt:
        return None
    if facts.token_matches is False:
        return "the CSRF token does not match this session; reload the page or log in again"
    if facts.token_matches or verified:
        return None
    return (
        "missing CSRF token: a request authenticated by the session cookie must send the "
        f"{TOKEN_HEADER} header (its value is in the cookie set at login) or come from the "
        "site's own pages (Origin)"
    )


class CsrfProtection:
    """Refuse state changes that a foreign page could have made the browser send."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        token_exempt_paths: Collection[str] = (),
        refuse: Callable[[Scope, CsrfRefused], ASGIApp | None] | None = None,
    ) -> None:
        """``refuse`` may answer a refusal its own way (the portal: an HTML page on its
        paths); None from it, or no ``refuse``, answers in the API's error format."""
        self.app = app
        self.refuse = refuse
        self.settings = settings
        self.allowed_origins = frozenset(settings.allowed_origins)
        self.token_exempt_paths = frozenset(token_exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers = connection.headers
        session = self._valid_session_cookie(connection)
        sent = headers.get(TOKEN_HEADER)
        replay: Receive = receive
        if sent is None and session is not None and _is_form(headers.get("content-type")):
            sent, replay = await _token_from_form(receive)
        facts = CsrfFacts(
            method=scope["method"],
            own_origin=_own_origin(connection),
            origin=headers.get("origin"),
            fetch_site=headers.get("sec-fetch-site"),
            has_authorization=sends_credentials_header(headers),
            has_session=session is not None,
            token_exempt=scope["path"] in self.token_exempt_paths,
            token_matches=None
            if sent is None or session is None
            else hmac.compare_digest(
                sent.encode("utf-8", "replace"),
                token_for_cookie(self.settings.platform_secret(), session).encode("ascii"),
            ),
        )
        reason = refusal(facts, self.allowed_origins)
        if reason is None:
            await self.app(scope, replay, send)
            return
        error = CsrfRefused(reason)
        answer = self.refuse(scope, error) if self.refuse is not None else None
        await (answer or error_response(error))(scope, replay, send)

    def _valid_session_cookie(self, connection: HTTPConnection) -> str | None:
        """The session cookie if it is one we signed and it has not expired."""
        cookie = connection.cookies.get(self.settings.session_cookie_name)
        if not cookie:
            return None
        secret = self.settings.platform_secret()
        claims = cookies.read(secret, cookie, self.settings.session_max_age_seconds)
        return cookie if claims is not None else None


def sends_credentials_header(headers: Mapping[str, str]) -> bool:
    """Whether the request authenticates by its ``Authorization`` header rather than the
    cookie: the one test :func:`likeness.auth.dependencies.authenticate` uses too (an empty
    header counts as absent, so the cookie, and with it this check, applies)."""
    return bool(headers.get("authorization"))


def _own_origin(connection: HTTPConnection) -> str | None:
    """Scheme and Host of this request (the scheme is the proxy's when it is trusted)."""
    host = connection.headers.get("host")
    if not host:
        server = connection.scope.get("server")
        if not server:
            return None
        host = f"{server[0]}:{server[1]}"
    return normalise_origin(f"{connection.url.scheme}://{host}")


def _is_form(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == _FORM


async def _token_from_form(receive: Receive) -> tuple[str | None, Receive]:
    """Read a URL-encoded body (bounded by the body-size limit outside) for its token field;
    the body is then replayed to the app unchanged."""
    chunks: list[bytes] = []
    last: Message = {"type": "http.request", "body": b"", "more_body": False}
    while True:
        message = await receive()
        if message["type"] != "http.request":
            last = message
            break
        chunks.append(message.get("body", b""))
        last = message
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    try:
        values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(TOKEN_FIELD)
    except ValueError:  # too many fields: no token found; the route answers for the body
        values = None
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if last["type"] != "http.request":
                return last
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return (values[0] if values else None), replay
