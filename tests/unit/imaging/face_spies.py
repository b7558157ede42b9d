"""Spying on a face analyzer's detector passes (which upsampling each pass asked for)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from likeness.imaging.faces import FaceAnalyzer


def spy_on_detection(analyzer: FaceAnalyzer, monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The list every later detector pass of ``analyzer`` appends its ``upsample`` to
    (``None``: the configured one); the passes still run."""
    calls: list[int | None] = []
    original = analyzer._boxes

    def spy(rgb: np.ndarray, offset: int, *, upsample: int | None = None) -> Any:
        calls.append(upsample)
        return original(rgb, offset, upsample=upsample)

    monkeypatch.setattr(analyzer, "_boxes", spy)
    return calls
