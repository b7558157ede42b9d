from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.runtime import Runtime


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client
