"""Which request paths belong to the portal (everything the API and its docs do not own)."""

from __future__ import annotations

#: Path prefixes served by the API side of the app, not the portal.
_NOT_PORTAL = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz")


def is_portal_path(path: str) -> bool:
    """True for the portal's pages and static files: they get HTML errors and the CSP."""
    return path != "/api" and not path.startswith(_NOT_PORTAL)
