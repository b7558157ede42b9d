"""Scene files keep their keys: the code says ``color``, the file still says ``colour_match``."""

from __future__ import annotations

import pytest

from likeness.studio.errors import InvalidScene
from likeness.studio.schema import parse_scene

LIGHT = {"azimuth_deg": -35, "elevation_deg": 25, "color": [1.0, 0.95, 0.9]}


def test_the_scene_file_key_sets_the_color_match() -> None:
    scene = parse_scene({"lights": [LIGHT], "compose": {"colour_match": 0.4}})
    assert scene.compose.color_match == 0.4
    assert parse_scene({"lights": [LIGHT]}).compose.color_match == 0.15


def test_a_scene_file_is_checked_under_its_own_key_names() -> None:
    with pytest.raises(InvalidScene, match=r"compose\.colour_match"):
        parse_scene({"lights": [LIGHT], "compose": {"colour_match": 2}})
    with pytest.raises(InvalidScene, match=r"compose\.color_match"):
        parse_scene({"lights": [LIGHT], "compose": {"color_match": 0.4}})
