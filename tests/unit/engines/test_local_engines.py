"""The engines gencore owns: studio, memory, the subject helper and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.engines import (
    Brief,
    EngineCancelled,
    EngineRefused,
    EngineRequest,
    ModelUse,
    Task,
    registry,
)
from likeness.engines.memory import MemoryEngine
from likeness.engines.memory import from_settings as memory_from_settings
from likeness.engines.studio import StudioEngine
from likeness.engines.subject import keypoints_from_matte, subject_from_basis
from likeness.settings import EnginesSettings, Settings
from unit.engines import fakes

SCENE = {"lights": [{"azimuth_deg": 30, "elevation_deg": 20}], "background": {"color": [0.2] * 3}}


@pytest.fixture(scope="module")
def subject():  # type: ignore[no-untyped-def]
    return subject_from_basis("twin1", 1, fakes.basis())


def _request(who, task=Task.studio, **changes):  # type: ignore[no-untyped-def]
    values = {
        "brief": Brief(task=task, scene=SCENE),
        "subject": who,
        "inputs": {},
        "width": 64,
        "height": 80,
        "seed": 7,
        "count": 2,
    }
    values.update(changes)
    return EngineRequest(**values)


def test_keypoints_follow_the_silhouette() -> None:
    points = keypoints_from_matte(fakes.matte())
    assert {
        "left_eye",
        "right_eye",
        "nose",
        "chin",
        "neck",
        "left_shoulder",
        "right_shoulder",
    } <= set(points)
    assert points["left_eye"][1] < points["nose"][1] < points["chin"][1] <= points["neck"][1]
    assert points["neck"][1] < points["left_shoulder"][1]
    assert points["left_shoulder"][0] < 40 < points["right_shoulder"][0]
    assert keypoints_from_matte(np.zeros((10, 10), np.float32)) == {}


def test_the_subject_carries_a_neutral_reference_and_its_matte(subject) -> None:  # type: ignore[no-untyped-def]
    assert subject.reference.dtype == np.uint8 and subject.reference.shape[2] == 3
    assert subject.reference.shape[:2] == subject.reference_matte.shape
    inside = subject.reference[subject.reference_matte > 0.5].mean()
    outside = subject.reference[subject.reference_matte < 0.5].mean()
    assert inside > outside + 20


def test_studio_relights_at_the_requested_size_deterministically(subject) -> None:  # type: ignore[no-untyped-def]
    engine = StudioEngine()
    assert (
        engine.info.deterministic and not engine.info.generative and not engine.info.leaves_machine
    )
    first = engine.generate(_request(subject))
    again = engine.generate(_request(subject))
    assert len(first) == 2 and first[0].pixels.shape == (80, 64, 3)
    assert first[0].pixels.dtype == np.uint8
    assert np.array_equal(first[0].pixels, again[0].pixels)
    assert first[0].params["scene"]["framing"]["width"] == 64


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"brief": Brief(task=Task.tryon, scene=SCENE)}, "does not do tryon"),
        ({"brief": Brief(task=Task.studio)}, "needs a scene"),
        (
            {
                "brief": Brief(
                    task=Task.studio, scene={**SCENE, "background": {"image": "/etc/x.png"}}
                )
            },
            "may not name files",
        ),
        ({"brief": Brief(task=Task.studio, scene={"lights": []})}, "no light"),
        ({"subject": None}, "has none"),
    ],
)
def test_studio_refuses_what_it_cannot_do(subject, changes, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EngineRefused, match=message):
        StudioEngine().generate(_request(subject, **changes))


def test_memory_is_deterministic_per_seed_and_stops_when_cancelled(subject) -> None:  # type: ignore[no-untyped-def]
    engine = MemoryEngine()
    one = engine.generate(_request(subject, task=Task.tryon))
    two = engine.generate(_request(subject, task=Task.tryon))
    other = engine.generate(_request(subject, task=Task.tryon, seed=8))
    assert [i.seed for i in one] == [7, 8]
    assert all(np.array_equal(a.pixels, b.pixels) for a, b in zip(one, two, strict=True))
    assert not np.array_equal(one[0].pixels, one[1].pixels)
    assert np.array_equal(one[1].pixels, other[0].pixels)  # image i is drawn with seed + i
    with pytest.raises(EngineCancelled):
        engine.generate(_request(subject, task=Task.tryon, progress=lambda f, m: False))
    with pytest.raises(EngineRefused):
        engine.generate(_request(subject, task=Task.import_))


def test_memory_declares_what_settings_say() -> None:
    models = '[{"name": "m", "sha256": "ab", "license": "cc-by-nc", "commercial_use": false}]'
    settings = Settings(
        engines=EnginesSettings.model_validate(
            {
                "enabled": "memory",
                "memory": {"processor": "fashn", "models": models, "tasks": "tryon"},
            }
        )
    )
    info = memory_from_settings(settings).info
    assert info.processor == "fashn" and info.tasks == {Task.tryon}
    assert info.models == (ModelUse("m", "ab", "cc-by-nc", False),)


def test_the_registry_builds_what_is_enabled() -> None:
    default = Settings()
    assert "studio" in registry.enabled(default) and "memory" not in registry.enabled(default)
    assert isinstance(registry.build("studio", default), StudioEngine)
    assert registry.enabled(default) == [
        "composite",
        "studio",
        "diffusers",
        "comfyui",
        "hosted",
        "import",
    ]
    with pytest.raises(registry.UnknownEngine, match="offers: composite, studio, diffusers"):
        registry.build("memory", default)
    with pytest.raises(registry.UnknownEngine):
        registry.build("nope", default)
    chosen = Settings(engines=EnginesSettings(enabled="memory, nope"))
    assert registry.enabled(chosen) == ["memory"]
    assert isinstance(registry.build("Memory", chosen), MemoryEngine)
