"""Reading a submitted form in a synchronous page route (the CSRF middleware has checked
the token already)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import UploadFile


async def _form(request: Request) -> dict[str, str]:
    """The URL-encoded or multipart form's text fields (the first of each name)."""
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


async def _files(request: Request) -> dict[str, bytes]:
    """The multipart form's files, read (the body-size limit bounds them)."""
    data = await request.form()
    found: dict[str, bytes] = {}
    for name, value in data.multi_items():
        if isinstance(value, UploadFile) and name not in found:
            found[name] = await value.read()
    return found


FormData = Annotated[dict[str, str], Depends(_form)]
FormFiles = Annotated[dict[str, bytes], Depends(_files)]
