"""Shared helpers for the portal's tests (no tests in here).

* :func:`sign_in` leaves in a TestClient what a portal login leaves in a browser;
  :func:`form_token` reads the CSRF token a rendered page carries.
* :class:`Route` and :data:`ROUTES` (in test_routes.py) declare who may open each page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from integration.test_license_support import World
from likeness.auth import cookies, csrf
from likeness.models.party import User
from likeness.runtime import Runtime
from likeness.settings import Settings

ROLES = ("anonymous", "talent", "agent", "brand", "operator")
SIGNED_IN = frozenset({"talent", "agent", "brand", "operator"})
EVERYONE = frozenset(ROLES)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def sign_in(client: TestClient, settings: Settings, user: User) -> str:
    """Set the session and CSRF cookies a login sets (without its Argon2 check); returns
    the CSRF token the pages will carry."""
    secret = settings.platform_secret()
    cookie = cookies.issue(secret, cookies.SessionClaims(user.id, user.session_epoch))
    client.cookies.set(settings.session_cookie_name, cookie)
    token = csrf.token_for_cookie(secret, cookie)
    client.cookies.set(settings.csrf_cookie_name, token)
    return token


def form_token(html: str) -> str | None:
    found = _TOKEN.search(html)
    return found.group(1) if found else None


@dataclass(frozen=True)
class Route:
    """One portal route and who may use it.

    ``path`` may hold ``{name}`` placeholders, filled from the walk's objects (the
    ``objects`` fixture of test_routes.py): each names an object the ``owner`` role may
    see. ``ok`` is the status the allowed roles get (None: not walked for them, e.g. a
    POST whose journey has its own test). Everybody else gets: anonymous, a redirect to
    the login page (303); a signed-in caller of another role, 403; ``stranger`` (a
    visitor of an allowed role who may not see the object, e.g. ``other_talent``), 404.
    """

    method: str
    path: str
    allowed: frozenset[str]
    ok: int | None = 200
    form: tuple[tuple[str, str], ...] = ()
    stranger: str | None = None


def listed(session: Session, runtime: Runtime, world: World) -> None:
    """The world's talent in the catalogue, opted in, with a stamped picture (the
    installation's stamping keys made on the way)."""
    from integration.test_catalogue import listing_in, picture
    from likeness.catalogue import service as catalogue
    from likeness.provenance import StampConfig

    stamping_keys(runtime)
    talent = world.actor(session, "talent")
    catalogue.save(session, talent, world.talent.id, listing_in())
    config = StampConfig.from_settings(runtime.settings)
    catalogue.set_preview(session, talent, world.talent.id, picture(), config)


def stamping_keys(runtime: Runtime) -> None:
    """The installation's watermark key and signing material, as `likeness init` makes them."""
    from likeness.provenance import ensure_signing_material
    from likeness.system.keys import ensure_key, platform_key_specs

    keys = runtime.settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    ensure_key(keys, next(s for s in platform_key_specs() if s.filename == "watermark.key"))
    ensure_signing_material(keys)
