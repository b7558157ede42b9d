"""The learned relighting prior, dead-light detection and the ignore mask (synthetic only)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from likeness.imaging import relight as rl
from likeness.imaging.relight._prior import MAGIC

SIZE = 40


def person(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic sitter: the Lambertian head at another scale, offset, ambient and skin."""
    rng = np.random.default_rng(seed)
    big = 46 + 2 * seed
    basis, dirs, _ = rl.synthetic_basis(big, ambient=0.02 + 0.005 * seed)
    oy = (big - SIZE) // 2 + int(rng.integers(-2, 3))
    ox = (big - SIZE) // 2 + int(rng.integers(-2, 3))
    skin = rng.uniform(0.7, 1.3, 3).astype(np.float32)
    crop = basis[:, oy : oy + SIZE, ox : ox + SIZE] * skin
    return np.ascontiguousarray(crop, dtype=np.float32), dirs


@pytest.fixture(scope="module")
def prior() -> rl.RelightPrior:
    return rl.train_prior([person(seed) for seed in range(5)], metadata={"purpose": "test"})


def psnr(prediction: np.ndarray, truth: np.ndarray) -> float:
    return 10 * math.log10(1.0 / float(np.mean((prediction - truth) ** 2)))


def leave_one_out(
    basis: np.ndarray, dirs: np.ndarray, light: int, prior: rl.RelightPrior | None
) -> np.ndarray:
    keep = np.arange(len(dirs)) != light
    image = rl.relight(basis[keep], dirs[keep], [(dirs[light], (1, 1, 1))], prior=prior)
    return image


def test_prior_beats_weight_free_on_held_out_faces(prior: rl.RelightPrior) -> None:
    for seed in (7, 9):
        basis, dirs = person(seed)
        lights = range(0, len(dirs), 4)
        free = [psnr(leave_one_out(basis, dirs, j, None), basis[j]) for j in lights]
        learned = [psnr(leave_one_out(basis, dirs, j, prior), basis[j]) for j in lights]
        assert np.mean(learned) > np.mean(free) + 1.0


def test_full_basis_renders_as_without_prior(prior: rl.RelightPrior) -> None:
    basis, dirs = person(8)
    lights = [*rl.key_fill_rim(), (rl.direction_from_angles(12, -33), (0.2, 0.4, 0.9))]
    with_prior = rl.relight(basis, dirs, lights, prior=prior)
    np.testing.assert_allclose(with_prior, rl.relight(basis, dirs, lights), atol=1e-5)


def test_any_direction_on_the_sphere(prior: rl.RelightPrior) -> None:
    basis, dirs = person(8)
    keep = np.arange(len(dirs)) != 3
    rng = np.random.default_rng(0)
    for direction in rng.normal(size=(6, 3)):
        unit = direction / np.linalg.norm(direction)
        image = rl.relight(basis[keep], dirs[keep], [(unit, (1, 1, 1))], prior=prior)
        assert image.shape == (SIZE, SIZE, 3)
        assert np.isfinite(image).all()
    # Linear in the lights with the prior too.
    a = (rl.direction_from_angles(20, 10), (1.0, 0.5, 0.2))
    b = (rl.direction_from_angles(-50, 40), (0.3, 0.3, 0.3))
    both = rl.relight(basis[keep], dirs[keep], [a, b], prior=prior)
    parts = rl.relight(basis[keep], dirs[keep], [a], prior=prior) + rl.relight(
        basis[keep], dirs[keep], [b], prior=prior
    )
    np.testing.assert_allclose(both, parts, atol=1e-5)


def test_save_load_round_trip(prior: rl.RelightPrior, tmp_path: Path) -> None:
    path = prior.save(tmp_path / "prior.lkp")
    loaded = rl.RelightPrior.load(path)
    assert (
        loaded.sha256 == prior.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    )
    assert loaded.nbytes == path.stat().st_size == prior.nbytes
    assert loaded.metadata == prior.metadata
    assert loaded.metadata["purpose"] == "test"
    assert loaded.metadata["captures"] == 5
    assert loaded.metadata["lights"] == 64
    assert loaded.metadata["format_version"] == 3
    assert loaded.gates == prior.gates == rl.DEFAULT_GATES and loaded.tiles == prior.tiles
    assert loaded.metadata["residual"] is True
    assert loaded.residual is not None and prior.residual is not None
    np.testing.assert_array_equal(loaded.residual, prior.residual)
    assert loaded.context == prior.context == (4, 2)
    assert "code_version" in loaded.metadata
    np.testing.assert_array_equal(loaded.rig_dirs, prior.rig_dirs)
    basis, dirs = person(8)
    keep = np.arange(len(dirs)) != 5
    lights = rl.key_fill_rim()
    np.testing.assert_array_equal(
        rl.relight(basis[keep], dirs[keep], lights, prior=loaded),
        rl.relight(basis[keep], dirs[keep], lights, prior=prior),
    )


def test_gated_and_tiled_prior_round_trip(tmp_path: Path) -> None:
    """Filters blended by gates × tiles train the same on any number of workers (the
    per-capture normal equations are summed in capture order), save with their tiles and
    render the same after loading."""
    captures = [person(seed) for seed in range(2)]
    gates = (2, -4.0, -1.0)
    prior = rl.train_prior(captures, gates=gates, tiles=2, workers=2)
    assert prior.sha256 == rl.train_prior(captures, gates=gates, tiles=2).sha256
    assert prior.filter_count == 8 and prior.tiles == 2
    assert prior.residual is not None and prior.residual.shape == (64, 8 * 125)
    loaded = rl.RelightPrior.from_bytes(prior.save(tmp_path / "tiled.lkp").read_bytes())
    assert loaded.sha256 == prior.sha256
    assert loaded.tiles == 2 and loaded.gates == gates and loaded.filter_count == 8
    assert loaded.residual is not None
    np.testing.assert_array_equal(loaded.residual, prior.residual)
    basis, dirs = person(8)
    keep = np.arange(len(dirs)) != 5
    lights = rl.key_fill_rim()
    tiled = rl.relight(basis[keep], dirs[keep], lights, prior=loaded)
    np.testing.assert_array_equal(tiled, rl.relight(basis[keep], dirs[keep], lights, prior=prior))
    # The tiles are fit, not copies of one filter: the four tiles of a gate differ.
    banks = prior.residual.reshape(64, 2, 4, 125)
    assert not np.allclose(banks[:, :, 0], banks[:, :, 3])


def test_training_is_deterministic(prior: rl.RelightPrior) -> None:
    again = rl.train_prior([person(seed) for seed in range(5)], metadata={"purpose": "test"})
    assert again.sha256 == prior.sha256


@pytest.mark.parametrize(
    "mutate",
    [
        lambda data: b"PK\x03\x04" + data[4:],  # a zip/npz
        lambda data: data[:-4],  # truncated
        lambda data: data + b"\0",  # trailing bytes
        lambda data: data[: len(MAGIC)] + (10**9).to_bytes(8, "little") + data[len(MAGIC) + 8 :],
        lambda data: data.replace(b'"format_version": 3', b'"format_version": 9'),
        lambda data: data.replace(b'"format_version": 3', b'"format_version": 1'),  # v1 + filters
        lambda data: data.replace(b'"format_version": 3', b'"format_version": 2'),  # v2 + gates
        lambda data: data.replace(b'"gates": [5', b'"gates": [4'),  # filters of another width
        lambda data: data.replace(b'"gates": [5, -5.0', b'"gates": [5, 9.0'),  # low > high
        lambda data: data.replace(b'"tiles": 1', b'"tiles": 0'),
        lambda data: data.replace(b'"context": [4, 2]', b'"context": [5, 2]'),
        lambda data: data.replace(b'"ridge": 0.003', b'"ridge": -1.0'),
        lambda data: b"",
    ],
)
def test_bad_files_raise_invalid_prior(
    prior: rl.RelightPrior, tmp_path: Path, mutate: object
) -> None:
    path = tmp_path / "bad.lkp"
    path.write_bytes(mutate(prior.to_bytes()))  # type: ignore[operator]
    with pytest.raises(rl.InvalidPrior) as caught:
        rl.RelightPrior.load(path)
    assert isinstance(caught.value, rl.RelightError)
    assert caught.value.status_code == 422


def test_non_finite_moments_rejected(prior: rl.RelightPrior, tmp_path: Path) -> None:
    data = bytearray(prior.to_bytes())
    data[-4:] = np.float32(np.nan).tobytes()
    with pytest.raises(rl.InvalidPrior, match="NaN"):
        rl.RelightPrior.from_bytes(bytes(data))
    with pytest.raises(rl.InvalidPrior, match="not found"):
        rl.RelightPrior.load(tmp_path / "missing.lkp")


def test_foreign_rig_is_refused(prior: rl.RelightPrior) -> None:
    dirs = rl.rig_directions((1, 6, 9))
    basis, _, _ = rl.synthetic_basis(24, dirs)
    with pytest.raises(rl.PriorMismatch, match="not lights of the prior's rig"):
        rl.relight(basis, dirs, rl.key_fill_rim(), prior=prior)


def test_train_rejects_bad_captures() -> None:
    with pytest.raises(rl.InvalidBasis):
        rl.train_prior([])
    basis, dirs = person(1)
    with pytest.raises(rl.InvalidBasis):
        rl.train_prior([(basis, dirs[:-1])])
    with pytest.raises(rl.InvalidBasis):
        rl.train_prior([(basis.astype(np.float64), dirs)])  # type: ignore[list-item]


def test_captures_with_different_rigs_and_sizes_merge() -> None:
    first, dirs = person(1)
    second, _ = person(2)
    small = np.ascontiguousarray(second[:, ::2, ::2])
    trained = rl.train_prior([(first[:50], dirs[:50]), (small, dirs)])
    assert trained.rig_dirs.shape == (64, 3)
    assert trained.metadata["captures"] == 2


def test_dead_lights_flags_black_and_misfired_frames() -> None:
    basis, dirs = person(3)
    assert not rl.dead_lights(basis, dirs).any()
    broken = basis.copy()
    broken[10] *= 0.02  # did not fire: ambient only
    broken[11] *= 0.1  # misfired, next to the dead one
    broken[40] = 0.0
    flagged = rl.dead_lights(broken, dirs)
    assert set(np.flatnonzero(flagged)) == {10, 11, 40}
    scores = rl.light_scores(broken, dirs, flagged)
    assert scores[10] < 0.1 and scores[40] < 0.1
    assert np.nanmin(np.delete(scores, [10, 11, 40])) > 0.5


def test_ignore_mask_keeps_a_dead_frame_out(prior: rl.RelightPrior) -> None:
    basis, dirs = person(8)
    broken = basis.copy()
    broken[10] = 0.0
    mask = rl.dead_lights(broken, dirs)
    near = (dirs[10] + dirs[0]) / np.linalg.norm(dirs[10] + dirs[0])
    lights = [(near, (1.0, 1.0, 1.0))]
    truth = rl.relight(basis, dirs, lights)
    spoiled = psnr(rl.relight(broken, dirs, lights), truth)
    ignored = psnr(rl.relight(broken, dirs, lights, ignore=mask), truth)
    repaired = psnr(rl.relight(broken, dirs, lights, ignore=mask, prior=prior), truth)
    assert ignored > spoiled + 3
    assert repaired > ignored
    env = rl.environment_preset("studio")
    env_truth = rl.relight_environment(basis, dirs, env)
    env_spoiled = psnr(rl.relight_environment(broken, dirs, env), env_truth)
    env_ignored = psnr(rl.relight_environment(broken, dirs, env, ignore=mask), env_truth)
    env_prior = psnr(rl.relight_environment(broken, dirs, env, ignore=mask, prior=prior), env_truth)
    assert env_ignored > env_spoiled and env_prior > env_ignored


def test_ignore_mask_is_validated() -> None:
    basis, dirs = person(1)
    with pytest.raises(rl.InvalidBasis, match="boolean mask"):
        rl.relight(basis, dirs, rl.key_fill_rim(), ignore=np.zeros(3, bool))
    with pytest.raises(rl.InvalidBasis, match="no light"):
        rl.relight(basis, dirs, rl.key_fill_rim(), ignore=np.ones(len(dirs), bool))


def test_prior_cannot_reproduce_a_training_face(prior: rl.RelightPrior) -> None:
    """Invert the prior into the closest thing to a face it can give, and check it is no
    closer to any training sitter than to sitters it never saw."""
    attempt = prior.reconstruction_attempt(SIZE, SIZE)  # [L, H, W]
    faces = {seed: person(seed)[0].mean(axis=3) for seed in range(10)}
    average = np.mean([faces[seed] for seed in range(5)], axis=0)

    def distance(guess: np.ndarray, seed: int) -> float:
        gray = faces[seed]
        scale = float((guess * gray).sum() / (guess * guess).sum())
        return float(np.sqrt(np.mean((scale * guess - gray) ** 2)) / np.sqrt(np.mean(gray**2)))

    members = [distance(attempt, seed) for seed in range(5)]
    strangers = [distance(attempt, seed) for seed in range(5, 10)]
    assert min(members) >= 0.9 * min(strangers)
    # It singles out no one: the nearest trained-on sitter is hardly nearer than the next.
    first, second = sorted(members)[:2]
    assert first >= 0.9 * second
    # And it is far from every face (a region-level blur, not an image), further than the
    # sitters' own average face is from most of them.
    assert min(members) > 0.2
    assert np.median(members) >= 0.9 * np.median([distance(average, s) for s in range(5)])


def test_repair_basis_fills_dead_frames(prior: rl.RelightPrior) -> None:
    basis, dirs = person(8)
    broken = basis.copy()
    broken[20] = 0.0
    mask = rl.dead_lights(broken, dirs)
    assert np.flatnonzero(mask).tolist() == [20]
    repaired = rl.repair_basis(broken, dirs, prior, mask)
    assert psnr(repaired[20], basis[20]) > 30
    np.testing.assert_array_equal(np.delete(repaired, 20, 0), np.delete(broken, 20, 0))
    # Rendering the repaired basis takes the plain path and matches the prior's render.
    lights = rl.key_fill_rim()
    np.testing.assert_allclose(
        rl.relight(repaired, dirs, lights),
        rl.relight(broken, dirs, lights, prior=prior, ignore=mask),
        atol=1e-5,
    )


def test_prepared_reflectance_renders_like_relight(prior: rl.RelightPrior) -> None:
    basis, dirs = person(8)
    broken = basis.copy()
    broken[12] = 0.0
    mask = rl.dead_lights(broken, dirs)
    prepared = rl.Reflectance(broken, dirs)
    lights = [*rl.key_fill_rim(), (dirs[12], (0.5, 0.6, 0.7))]
    for kwargs in ({}, {"ignore": mask}, {"prior": prior}, {"prior": prior, "ignore": mask}):
        for _ in range(2):  # the second time from the cached predicted frames
            np.testing.assert_allclose(
                prepared.relight(lights, **kwargs),  # type: ignore[arg-type]
                rl.relight(broken, dirs, lights, **kwargs),  # type: ignore[arg-type]
                atol=1e-5,
            )
    # A basis lacking rig lights altogether, prepared once.
    keep = np.ones(len(dirs), bool)
    keep[[3, 30]] = False
    partial = rl.Reflectance(basis[keep], dirs[keep])
    near = [(dirs[30], (1.0, 0.9, 0.8)), (dirs[3] + 0.1, (0.2, 0.2, 0.2))]
    np.testing.assert_allclose(
        partial.relight(near, prior=prior),
        rl.relight(basis[keep], dirs[keep], near, prior=prior),
        atol=1e-5,
    )
    assert psnr(partial.relight([(dirs[30], (1, 1, 1))], prior=prior), basis[30]) > 30


def plain(prior: rl.RelightPrior) -> rl.RelightPrior:
    """The same regression without the residual filters (what format version 1 holds)."""
    return rl.RelightPrior(
        prior.rig_dirs,
        prior.moments,
        grid=prior.grid,
        ridge=prior.ridge,
        neighbours=prior.neighbours,
        metadata={"purpose": "test"},
    )


def test_residual_filters_improve_held_out_predictions(prior: rl.RelightPrior) -> None:
    first_stage = plain(prior)
    assert first_stage.residual is None and prior.residual is not None
    assert prior.residual.shape == (64, 5 * 5 * 5 * 5)
    gains = []
    for seed in (7, 9):
        basis, dirs = person(seed)
        for light in range(0, len(dirs), 4):
            refined = psnr(leave_one_out(basis, dirs, light, prior), basis[light])
            regressed = psnr(leave_one_out(basis, dirs, light, first_stage), basis[light])
            gains.append(refined - regressed)
    assert np.mean(gains) > 0.1


def test_prior_without_context_has_no_residual() -> None:
    captures = [person(seed) for seed in range(2)]
    bare = rl.train_prior(captures, context=None)
    assert bare.residual is None
    assert bare.metadata["residual"] is False
    assert rl.RelightPrior.from_bytes(bare.to_bytes()).residual is None
    with pytest.raises(rl.InvalidPrior):
        rl.train_prior(captures, residual_ridge=0.0)


def test_version_1_files_still_load(prior: rl.RelightPrior) -> None:
    """A file written before the residual filters (format version 1) loads as the plain
    regression and renders as it did."""
    import json

    old = plain(prior)
    data = old.to_bytes()
    start = len(MAGIC) + 8
    length = int.from_bytes(data[len(MAGIC) : start], "little")
    header = json.loads(data[start : start + length])
    del header["context"], header["gates"], header["tiles"]
    header["metadata"]["format_version"] = 1
    del header["metadata"]["residual"]
    text = json.dumps(header, sort_keys=True).encode()
    legacy = MAGIC + len(text).to_bytes(8, "little") + text + data[start + length :]
    loaded = rl.RelightPrior.from_bytes(legacy)
    assert loaded.residual is None
    basis, dirs = person(8)
    keep = np.arange(len(dirs)) != 5
    lights = rl.key_fill_rim()
    np.testing.assert_allclose(
        rl.relight(basis[keep], dirs[keep], lights, prior=loaded),
        rl.relight(basis[keep], dirs[keep], lights, prior=old),
        atol=1e-6,
    )


def test_residual_shape_is_validated(prior: rl.RelightPrior) -> None:
    assert prior.residual is not None
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, residual=prior.residual[:, :-1])
    broken = prior.residual.copy()
    broken[0, 0] = np.nan
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, residual=broken)
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, context=(-1, 2))


def test_refined_prediction_is_the_same_on_every_path(prior: rl.RelightPrior) -> None:
    """relight, the prepared Reflectance and repair_basis apply the residual filters alike."""
    basis, dirs = person(8)
    mask = np.zeros(len(dirs), bool)
    mask[[5, 20]] = True
    light = [(dirs[5].astype(np.float64), (1.0, 1.0, 1.0))]
    direct = rl.relight(basis, dirs, light, prior=prior, ignore=mask)
    prepared = rl.Reflectance(basis, dirs).relight(light, prior=prior, ignore=mask)
    np.testing.assert_allclose(prepared, direct, atol=1e-5)
    repaired = rl.repair_basis(basis, dirs, prior, mask)
    np.testing.assert_allclose(repaired[5], direct, atol=1e-5)
    assert not np.allclose(direct, rl.relight(basis, dirs, light, prior=plain(prior), ignore=mask))


def test_version_2_files_still_load(prior: rl.RelightPrior) -> None:
    """A file of format version 2 (one ungated residual filter per light, no gates or tiles
    in the header) loads and refines with that one filter."""
    import json

    captures = [person(seed) for seed in range(3)]
    ungated = rl.train_prior(captures, gates=(1, -5.0, -0.5))
    assert ungated.residual is not None and ungated.residual.shape == (64, 125)
    data = ungated.to_bytes()
    start = len(MAGIC) + 8
    length = int.from_bytes(data[len(MAGIC) : start], "little")
    header = json.loads(data[start : start + length])
    del header["gates"], header["tiles"]
    header["metadata"]["format_version"] = 2
    text = json.dumps(header, sort_keys=True).encode()
    legacy = MAGIC + len(text).to_bytes(8, "little") + text + data[start + length :]
    loaded = rl.RelightPrior.from_bytes(legacy)
    assert loaded.gates[0] == 1 and loaded.tiles == 1 and loaded.filter_count == 1
    np.testing.assert_array_equal(loaded.residual, ungated.residual)
    basis, dirs = person(8)
    keep = np.arange(len(dirs)) != 5
    lights = rl.key_fill_rim()
    np.testing.assert_allclose(
        rl.relight(basis[keep], dirs[keep], lights, prior=loaded),
        rl.relight(basis[keep], dirs[keep], lights, prior=ungated),
        atol=1e-6,
    )


def test_brightness_gates_are_a_partition_of_unity() -> None:
    values = np.geomspace(1e-4, 2.0, 200).astype(np.float32).reshape(10, 20)
    gates = rl.brightness_gates(values, (5, -5.0, -0.5))
    assert gates.shape == (5, 10, 20)
    np.testing.assert_allclose(gates.sum(axis=0), 1.0, atol=1e-6)
    assert gates.min() >= 0.0
    # Dark pixels use the first filter only, bright ones the last; in between two neighbours.
    assert gates[0, 0, 0] == 1.0 and gates[-1, -1, -1] == 1.0
    assert ((gates > 0).sum(axis=0) <= 2).all()
    np.testing.assert_array_equal(rl.brightness_gates(values, (1, -5.0, -0.5)), 1.0)


def test_gated_and_tiled_filters_blend_per_pixel(prior: rl.RelightPrior) -> None:
    """Gated (and tiled) filters refine like one filter where every gate's kernel is the
    same, and the weights of every pixel sum to one."""
    assert prior.residual is not None and prior.filter_count == 5
    frame = np.random.default_rng(1).uniform(0.0, 1.0, (SIZE, SIZE)).astype(np.float32)
    weights = prior.filter_weights(frame)
    assert weights is not None and weights.shape == (5, SIZE, SIZE)
    np.testing.assert_allclose(weights.sum(axis=0), 1.0, atol=1e-6)
    one = prior.residual[:, :125]
    same = np.tile(one, (1, 5))
    kwargs = {"grid": prior.grid, "ridge": prior.ridge, "neighbours": prior.neighbours}
    single = rl.RelightPrior(prior.rig_dirs, prior.moments, residual=one, **kwargs)
    repeated = rl.RelightPrior(
        prior.rig_dirs, prior.moments, residual=same, gates=prior.gates, **kwargs
    )
    tiled = rl.RelightPrior(
        prior.rig_dirs, prior.moments, residual=np.tile(one, (1, 4)), tiles=2, **kwargs
    )
    basis, _ = person(8)
    predicted, context = basis[3], basis[4:8]
    expected = single.refine(predicted, context, 3)
    np.testing.assert_allclose(repeated.refine(predicted, context, 3), expected, atol=1e-5)
    np.testing.assert_allclose(tiled.refine(predicted, context, 3), expected, atol=1e-5)
    assert not np.allclose(prior.refine(predicted, context, 3), expected)
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, residual=one, gates=(5, -5.0, -0.5))
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, gates=(3, 1.0, 0.0))
    with pytest.raises(rl.InvalidPrior):
        rl.RelightPrior(prior.rig_dirs, prior.moments, tiles=0)


def test_gated_filters_hold_no_image(prior: rl.RelightPrior) -> None:
    """The residual filters are the same at every pixel: on a uniform frame (and uniform
    context) they return a uniform frame, and on nothing they return nothing, so they cannot
    give back anyone's face without that person's own frames."""
    assert prior.residual is not None
    for level in (0.002, 0.05, 0.4):  # dark, middle and bright gates
        flat = np.full((SIZE, SIZE, 3), level, np.float32)
        context = np.full((4, SIZE, SIZE, 3), level, np.float32)
        for light in (0, 17, 40):
            refined = prior.refine(flat, context, light)
            uniform = np.broadcast_to(refined[0, 0], refined.shape)
            np.testing.assert_allclose(refined, uniform, rtol=1e-5, atol=1e-6)
    zeros = np.zeros((SIZE, SIZE, 3), np.float32)
    np.testing.assert_array_equal(prior.refine(zeros, np.zeros((4, SIZE, SIZE, 3)), 3), 0.0)
    # 625 numbers per light, far fewer than one frame's pixels of any real capture.
    assert prior.residual.shape[1] == prior.filter_count * 125 < 192 * 168
