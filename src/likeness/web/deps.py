"""Request-scoped dependencies: the runtime and the unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from likeness.runtime import Runtime
from likeness.storage import BlobStore


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: committed if the endpoint succeeds, else rolled back."""
    with runtime.db.unit_of_work() as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit
# can never be reported to the client as success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_blobs(runtime: RuntimeDep) -> BlobStore:
    return runtime.blobs


BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
