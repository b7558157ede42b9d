"""The embedding helper process: the same embeddings, and in-process whenever it cannot help."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture
from likeness.imaging.faces import FaceAnalyzer, FaceConfig
from likeness.imaging.faces._helper import DescriptorHelper


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    capture = render_capture(4, RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(0.0,)))
    view = capture.views[0]
    return to_preview(view.full, view.alpha)


@pytest.fixture(scope="module")
def plain() -> FaceAnalyzer:
    return FaceAnalyzer(FaceConfig(embedder="dlib"))


def _helped() -> FaceAnalyzer:
    return FaceAnalyzer(FaceConfig(helper_process=True, embedder="dlib"))


def test_the_helper_gives_the_very_same_embedding(
    portrait: np.ndarray, plain: FaceAnalyzer
) -> None:
    helped = _helped()
    try:
        for _ in range(2):  # the second request reuses the running helper
            expected = plain.embed(portrait)
            assert np.array_equal(helped.embed(portrait), expected)
        helper = helped._descriptor_helper
        assert helper is not None and not helper.broken and helper._process is not None
        assert helper._process.poll() is None  # alive, waiting for the next chip
    finally:
        helped.close()
    assert helper._process is None


def test_a_helper_that_cannot_start_falls_back_in_process_once_and_says_so(
    portrait: np.ndarray,
    plain: FaceAnalyzer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    helped = _helped()
    # A model file that is not one: the child dies at start, before it answers.
    helped._descriptor_helper = DescriptorHelper(tmp_path / "not-a-model.dat")
    with caplog.at_level(logging.WARNING, logger="likeness.imaging.faces._helper"):
        first = helped.embed(portrait)
        second = helped.embed(portrait)
    expected = plain.embed(portrait)
    assert np.array_equal(first, expected) and np.array_equal(second, expected)
    assert helped._descriptor_helper.broken
    assert len([r for r in caplog.records if "embedding in-process" in r.message]) == 1
    helped.close()


def test_a_busy_helper_is_not_waited_for(portrait: np.ndarray, plain: FaceAnalyzer) -> None:
    helped = _helped()
    try:
        helper = helped._helper()
        assert helper is not None
        helper._lock.acquire()  # another thread's request is in flight
        try:
            assert np.array_equal(helped.embed(portrait), plain.embed(portrait))
            assert not helper.broken and helper._process is None  # never used
        finally:
            helper._lock.release()
    finally:
        helped.close()
