"""Interactive API docs that work offline: /docs (Swagger UI) and /redoc (ReDoc).

FastAPI's own pages load their JavaScript and CSS from a CDN, so on a closed network
they are blank. Here both pages load the copies that the ``fastapi-offline`` package
ships (Swagger UI, Apache-2.0; ReDoc, MIT), served by the app itself under
:data:`STATIC_URL`; see docs/decisions/0012-offline-api-docs.md.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

#: Where the docs' own assets are served from.
STATIC_URL = "/docs-static"
#: The package and folder inside it that hold the assets.
ASSETS = ("fastapi_offline", "static")


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """Serve /docs and /redoc with the packaged assets (create the app with both off)."""
    app.mount(STATIC_URL, StaticFiles(packages=[ASSETS]), name="docs-static")

    def asset(request: Request, name: str) -> str:
        return f"{request.scope.get('root_path', '')}{STATIC_URL}/{name}"

    def spec(request: Request) -> str:
        return f"{request.scope.get('root_path', '')}{openapi_url}"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=spec(request),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            # Swagger UI would otherwise fetch a validity badge from swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=spec(request),
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=False,
        )
