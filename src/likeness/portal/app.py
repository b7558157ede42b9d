"""The portal's routes, static files and headers, put on the app by :func:`install_portal`.

Each group of pages is a router in its own module; add yours to :func:`routers`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from likeness.portal.security import SecurityHeaders
from likeness.settings import Settings
from likeness.web.limits import BodyLimit

STATIC_URL = "/static"


def routers() -> list[APIRouter]:
    from likeness.portal.session import router as session_router

    found = [session_router]
    # --- page routers (one block per module) ---
    from likeness.portal.verify import router as verify_router

    found += [verify_router]
    from likeness.portal.talent import router as talent_router

    found += [talent_router]
    from likeness.portal.brand import router as brand_router

    found += [brand_router]
    from likeness.portal.agent import router as agent_router

    found += [agent_router]
    from likeness.portal.catalogue import router as catalogue_router

    found += [catalogue_router]
    from likeness.portal.operator import router as operator_router

    found += [operator_router]
    from likeness.portal.money import router as money_router

    found += [money_router]
    from likeness.portal.notifications import router as notifications_router

    found += [notifications_router]
    from likeness.portal.monitoring import router as monitoring_router

    found += [monitoring_router]
    # --- end page routers ---
    return found


def body_limits(settings: Settings) -> list[BodyLimit]:
    """The portal's upload limits, for the app's body-size middleware."""
    from likeness.portal.verify import body_limits as verify_limits

    return verify_limits(settings)


def install_portal(app: FastAPI, settings: Settings) -> None:
    """Mount the portal at ``/``: its pages, ``/static`` and the security headers."""
    app.mount(
        STATIC_URL,
        StaticFiles(packages=[("likeness.portal", "static")]),
        name="portal-static",
    )
    for router in routers():
        app.include_router(router, include_in_schema=False)
    app.add_middleware(SecurityHeaders, hsts=settings.is_production)
