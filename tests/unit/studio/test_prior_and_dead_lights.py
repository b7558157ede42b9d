"""Twins as render bases: dead frames ignored, a learned prior used when it fits the rig,
and the studio engine naming the prior among the models of each image."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from likeness.engines import Brief, EngineRequest, Task
from likeness.engines.studio import StudioEngine
from likeness.engines.subject import subject_from_basis
from likeness.imaging import relight as rl
from likeness.studio import Basis, PriorUse, parse_scene, render_scene
from likeness.twin.service import TwinBasis, TwinView

SIZE = 40
SCENE = {
    "lights": [{"azimuth_deg": 20, "elevation_deg": 15}],
    "background": {"color": [0.1, 0.1, 0.1]},
    "framing": {"width": 64, "height": 80},
}


def _twin(dead: tuple[int, ...] = (), black: tuple[int, ...] = ()) -> TwinBasis:
    basis, dirs, alpha = rl.synthetic_basis(SIZE)
    basis = basis.copy()
    basis[list(black)] = 0.0
    view = TwinView("view1", 0.0, 0.0, basis, alpha.astype(np.float32), dead)
    return TwinBasis("twin1", 1, dirs, (view,))


@pytest.fixture(scope="module")
def prior() -> PriorUse:
    captures = []
    for seed in range(3):
        basis, dirs, _ = rl.synthetic_basis(SIZE)
        tint = np.random.default_rng(seed).uniform(0.7, 1.2, size=3).astype(np.float32)
        captures.append(((basis * tint).astype(np.float32), dirs))
    trained = rl.train_prior(captures)
    return PriorUse(trained, "relight-prior-test", trained.sha256, "likeness-synthetic", True)


def test_without_a_prior_dead_frames_are_left_out_of_the_basis() -> None:
    loaded = _twin(dead=(3,))
    basis = Basis.from_twin(loaded)
    assert basis.prior is None
    assert basis.light_dirs.shape[0] == loaded.light_dirs.shape[0] - 1
    assert not np.any(np.all(np.isclose(basis.light_dirs, loaded.light_dirs[3]), axis=1))


def test_one_black_frame_does_not_darken_the_lights_around_it() -> None:
    scene = parse_scene(SCENE)
    clean = render_scene(Basis.from_twin(_twin()), scene)
    dirs = _twin().light_dirs
    key = np.asarray(rl.direction_from_angles(20, 15), np.float32)
    nearest = int(np.argmax(dirs @ key))
    spoiled = render_scene(Basis.from_twin(_twin(black=(nearest,))), scene)
    ignored = render_scene(Basis.from_twin(_twin(dead=(nearest,), black=(nearest,))), scene)
    err_spoiled = float(np.abs(spoiled - clean).mean())
    err_ignored = float(np.abs(ignored - clean).mean())
    assert err_ignored < 0.5 * err_spoiled


def test_with_a_prior_dead_frames_are_repaired_once_and_renders_take_the_full_path(
    prior: PriorUse,
) -> None:
    scene = parse_scene(SCENE)
    dirs = _twin().light_dirs
    key = np.asarray(rl.direction_from_angles(20, 15), np.float32)
    nearest = int(np.argmax(dirs @ key))
    basis = Basis.from_twin(_twin(dead=(nearest,), black=(nearest,)), prior)
    assert basis.prior is prior and not basis.completed_by_prior
    assert basis.light_dirs.shape[0] == dirs.shape[0]
    clean = render_scene(Basis.from_twin(_twin()), scene)
    spoiled = render_scene(Basis.from_twin(_twin(black=(nearest,))), scene)
    repaired = render_scene(basis, scene)
    assert float(np.abs(repaired - clean).mean()) < 0.5 * float(np.abs(spoiled - clean).mean())


def test_a_prior_is_used_for_part_of_its_rig_but_not_for_another_rig(prior: PriorUse) -> None:
    part = rl.rig_directions()[::2].astype(np.float32)
    basis, _, alpha = rl.synthetic_basis(SIZE, part)
    loaded = TwinBasis("t", 1, part, (TwinView("v", 0.0, 0.0, basis, alpha, ()),))
    partial = Basis.from_twin(loaded, prior)
    assert partial.prior is prior and partial.completed_by_prior  # the rest is predicted
    image = render_scene(partial, parse_scene(SCENE))
    assert image.shape == (80, 64, 3) and np.isfinite(image).all()
    tilted = rl.rig_directions().astype(np.float64) @ np.array(
        [[1, 0, 0], [0, np.cos(0.1), -np.sin(0.1)], [0, np.sin(0.1), np.cos(0.1)]]
    )
    foreign = tilted.astype(np.float32)
    basis, _, alpha = rl.synthetic_basis(SIZE, foreign)
    loaded = TwinBasis("t", 1, foreign, (TwinView("v", 0.0, 0.0, basis, alpha, ()),))
    assert Basis.from_twin(loaded, prior).prior is None


def test_the_studio_engine_names_the_prior_it_rendered_with(prior: PriorUse) -> None:
    request = EngineRequest(
        brief=Brief(task=Task.studio, scene=SCENE),
        subject=subject_from_basis("twin1", 1, Basis.from_twin(_twin(), prior)),
        inputs={},
        width=64,
        height=80,
        seed=1,
        count=1,
    )
    (image,) = StudioEngine().generate(request)
    assert image.models is not None
    assert [(m.name, m.sha256) for m in image.models] == [(prior.name, prior.sha256)]
    plain = subject_from_basis("twin1", 1, Basis.from_twin(_twin()))
    (without,) = StudioEngine().generate(dataclasses.replace(request, subject=plain))
    assert without.models is None
