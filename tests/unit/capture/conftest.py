"""Small synthetic sessions shared by the capture tests (rendered once per run)."""

from __future__ import annotations

import pytest

from likeness.capture.synthetic import RigConfig, SyntheticCapture, render_capture

#: Small but face-detectable: 256 px, 16 lights, three views.
SMALL = RigConfig(size=256, lights=16, shadow_resolution=256)


@pytest.fixture(scope="session")
def person_a() -> SyntheticCapture:
    return render_capture(0, SMALL)


@pytest.fixture(scope="session")
def person_b() -> SyntheticCapture:
    return render_capture(3, SMALL)
