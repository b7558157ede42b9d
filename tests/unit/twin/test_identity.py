"""The twin's identity reference: the neutral render and what it is computed from."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.capture.qc import to_preview
from likeness.capture.synthetic import RigConfig, render_capture
from likeness.imaging.faces import FaceAnalyzer, identity_distance
from likeness.twin.identity import (
    frontal_view,
    neutral_render,
    neutral_weights,
    reference_from_basis,
    seal_reference,
)


def test_neutral_light_is_the_front_hemisphere_weighted_by_cosine() -> None:
    dirs = np.array([[0, 0, 1], [0, 0, -1], [1, 0, 0], [0, 0.6, 0.8]], np.float32)
    assert np.allclose(neutral_weights(dirs), [1.0, 0.0, 0.0, 0.8])


def test_neutral_render_sums_the_lights_it_uses_and_refuses_a_mismatched_rig() -> None:
    dirs = np.array([[0, 0, 1], [0, 0, -1]], np.float32)
    basis = np.zeros((2, 40, 40, 1), np.float16)
    basis[0, 10:30, 10:30] = 0.5  # lit from the front
    basis[1] = 1.0  # lit from behind: weight 0, must not show
    image = neutral_render(basis, dirs)
    assert image.shape == (40, 40, 3) and image.dtype == np.uint8
    assert image[20, 20].min() > 200 and image[0, 0].max() == 0
    with pytest.raises(ValueError, match="light directions"):
        neutral_render(basis, dirs[:1])


def test_frontal_view_is_the_one_closest_to_the_camera_axis() -> None:
    views = [
        {"id": "a", "yaw": -25.0},
        {"id": "b", "yaw": 3.0, "pitch": 4.0},
        {"id": "c", "yaw": 5.0},
    ]
    assert frontal_view(views)["id"] == "c"


def test_reference_of_a_sparse_rig_matches_its_full_lit_face() -> None:
    """Eight lights are enough: the neutral light uses the rig's own lights, never a
    light interpolated between them (a key light there renders another face)."""
    config = RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(0.0,))
    capture = render_capture(0, config)
    view = capture.views[0]
    analyzer = FaceAnalyzer()
    reference = reference_from_basis(view.olat, capture.light_dirs, view.alpha, analyzer)
    assert reference is not None
    full = analyzer.embed_largest(to_preview(view.full, view.alpha))
    assert full is not None and identity_distance(reference, full) < 0.3
    assert len(seal_reference(reference)) == 128 * 4
    blank = np.zeros((8, 64, 64, 3), np.float32)
    assert reference_from_basis(blank, capture.light_dirs, None, analyzer) is None
