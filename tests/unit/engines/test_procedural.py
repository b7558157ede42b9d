"""Procedural packshots and plates: deterministic, plain backdrops, cut-able garments."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.engines import procedural as pr
from likeness.imaging import garment as gm


@pytest.mark.parametrize("kind", pr.GARMENTS)
def test_packshot_is_cut_out_with_its_keypoints(kind: pr.GarmentKind) -> None:
    shot = pr.garment_packshot(1, kind, (30, 90, 60), size=192)
    assert shot.shape == (192, 192, 3) and shot.dtype == np.uint8
    assert np.array_equal(shot, pr.garment_packshot(1, kind, (30, 90, 60), size=192))
    cut = gm.cut_out(shot)
    assert 0.1 < float((cut.alpha > 0.5).mean()) < 0.7
    points = gm.garment_keypoints(cut.alpha)
    assert points["left_shoulder"][0] < points["neck"][0] < points["right_shoulder"][0]
    assert points["neck"][1] < points["hem"][1]
    # The garment keeps its colour: mean CIEDE2000 to the asked colour is small.
    mean = shot[cut.alpha > 0.99].mean(axis=0).round().astype(np.uint8)[None]
    assert gm.mean_delta_e(mean, np.array([[30, 90, 60]], np.uint8)) < 6


@pytest.mark.parametrize("kind", pr.PLATES)
def test_plate_is_brighter_on_the_light_side(kind: pr.PlateKind) -> None:
    left = pr.scene_plate(2, kind, width=96, height=120, azimuth_deg=50.0).astype(float)
    right = pr.scene_plate(2, kind, width=96, height=120, azimuth_deg=-50.0).astype(float)
    assert left[:, :48].mean() - left[:, 48:].mean() > right[:, :48].mean() - right[:, 48:].mean()


def test_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError):
        pr.garment_packshot(0, "cape", size=128)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        pr.garment_packshot(0, "knit", (300, 0, 0), size=128)
    with pytest.raises(ValueError):
        pr.scene_plate(0, "studio", width=8, height=8)
