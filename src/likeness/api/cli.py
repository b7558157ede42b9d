"""`likeness serve`: run the HTTP API (the app that mounts every feature's router)."""

from __future__ import annotations

from typing import Annotated

import typer

from likeness.settings import get_settings
from likeness.system.service import check_servable, proxy_options


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from likeness.api.app import create_app

    settings = get_settings()
    check_servable(settings, host)
    uvicorn.run(create_app(settings), host=host, port=port, **proxy_options(settings))
