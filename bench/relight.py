#!/usr/bin/env python
"""Relighting benchmark: novel-light quality on real OLAT faces, and render speed/memory.

Learned prior (issue 25; needs the OLAT folder, skipped cleanly without it): a
:class:`RelightPrior` is trained at run time on people 12-24 (nothing derived from the faces
is stored), then every light of people 25-29 is held out in turn and predicted from that
person's other lights, side by side by ``nearest``, ``ls6``, the weight-free interpolant (raw
and with the rig gains estimated on people 12-24) and the ``prior``. Frames that
:func:`dead_lights` flags (strobes that did not fire) are ignored as inputs by every method
and not scored as targets (a black frame is not a ground truth). Per-person rows, the mean,
the prior's size, its training time on all 17 people (2 threads), a 1024² render with the
prior on one core, and a reconstruction attempt (privacy: the prior inverted into an image
is no closer to the people it was trained on than to strangers).

Decision-0006 study (``--study-0006``): every light of every person is
held out in turn and predicted from that person's other lights (leave-one-light-out), by

* ``nearest``  the image of the angularly nearest remaining light;
* ``ls6``      6 nearest lights, weights = least-squares fit of their directions to the held-out
               direction (the "local-linear" baseline);
* ``rbf``      the first version of this project's interpolator (``LightInterpolator`` with
               the plain chordal distance, ``metric=(1, 1, 1), frontal=0``: power-kernel RBF
               over the sphere, k nearest lights), on the raw images;
* ``rbf+cal``  the same on calibrated images: each rig light's strobe gain is estimated on the
               *tune* people only and divided out (the renderer's basis is "unit intensity"),
               and the prediction is multiplied back by the held-out light's gain;
* ``warp``, ``warp+cal``  the current interpolator: the same RBF measuring distances between
               embedded directions ``(x, y, s*z, f*max(z, 0)**8)`` (camera axis stretched by
               s, plus a frontal bump of weight f; s and f tuned on the tune people), raw and
               calibrated.

PSNR = 10·log10(1 / MSE) on the whole 168×192 frame with images scaled to [0, 1] (data range
255 for the 8-bit files), no ambient subtraction (the folder has no ambient frames; ambient is
part of every frame and of every prediction), no clipping of predictions; every method is
scored by this one function. People are split by sorted name: even positions tune
(calibration and the choice of k), odd positions are reported as held-out people.

``--per-pixel-study`` adds the per-pixel figures of decision 0006's third round, on both
halves: oracle ceilings (the held-out image clipped, per pixel, to the range of its k nearest
lights), the interpolator pushed to the true lit/shadowed side of a per-pixel split, and the
same side predicted by a per-pixel horizon (visibility-cap) fit over the other lights.

Speed: a 64-light synthetic basis at ``--size``² RGB, composited onto a ``--size``² canvas
(studio key/fill/rim lights, an environment preset, light wrap and colour match), on one
thread; prints the median of ``--repeats`` runs, the basis size and the peak memory (RSS).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from likeness.imaging import compose as cp  # noqa: E402
from likeness.imaging import relight as rl  # noqa: E402
from likeness.studio import Basis, parse_scene, render_scene  # noqa: E402

cv2.setNumThreads(1)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "olat-faces"
Key = tuple[int, int]
Person = tuple[np.ndarray, np.ndarray, list[Key]]


# --- data -----------------------------------------------------------------------------------


def load_people(
    folder: Path, limit: int | None, stride: int, only: set[str] | None = None
) -> dict[str, Person]:
    rows: dict[str, list[dict[str, str]]] = {}
    with (folder / "lights.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["azimuth_deg"] and row["elevation_deg"]:
                rows.setdefault(row["subject"], []).append(row)
    people: dict[str, Person] = {}
    for name in [n for n in sorted(rows) if only is None or n in only][:limit]:
        images, dirs, keys = [], [], []
        for row in rows[name]:
            image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_GRAYSCALE)
            if image is None:
                continue
            az, el = float(row["azimuth_deg"]), float(row["elevation_deg"])
            images.append(image.reshape(-1)[::stride].astype(np.float32) / 255.0)
            dirs.append(rl.direction_from_angles(az, el))
            keys.append((round(az), round(el)))
        people[name] = (np.stack(images), np.asarray(dirs, np.float32), keys)
    return people


def psnr(prediction: np.ndarray, target: np.ndarray) -> float:
    mse = float(np.mean((prediction.astype(np.float64) - target) ** 2))
    return 10 * math.log10(1.0 / max(mse, 1e-12))


# --- predictors: (images [L, P], dirs [L, 3], held-out index) -> prediction [P] -------------

Predictor = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def predict_nearest(images: np.ndarray, dirs: np.ndarray, j: int) -> np.ndarray:
    others = np.flatnonzero(np.arange(len(dirs)) != j)
    return images[others[np.argmax(dirs[others] @ dirs[j])]]


def predict_ls6(images: np.ndarray, dirs: np.ndarray, j: int) -> np.ndarray:
    others = np.flatnonzero(np.arange(len(dirs)) != j)
    near = others[np.argsort(-(dirs[others] @ dirs[j]), kind="stable")[:6]]
    weights = np.linalg.lstsq(dirs[near].T.astype(np.float64), dirs[j], rcond=None)[0]
    return weights.astype(np.float32) @ images[near]


Warp = tuple[float, float]  # (z stretch, frontal weight)
PLAIN: Warp = (1.0, 0.0)


def make_rbf(neighbours: int | None, exponent: float = 1.5, warp: Warp = PLAIN) -> Predictor:
    def predict(images: np.ndarray, dirs: np.ndarray, j: int) -> np.ndarray:
        mask = np.arange(len(dirs)) != j
        interp = rl.LightInterpolator(
            dirs[mask],
            neighbours=neighbours,
            exponent=exponent,
            metric=(1.0, 1.0, warp[0]),
            frontal=warp[1],
        )
        weights = interp.weights(dirs[j : j + 1])[0].astype(np.float32)
        return weights @ images[mask]

    return predict


def calibrated(predictor: Predictor, gains: dict[Key, float], keys: list[Key]) -> Predictor:
    g = np.asarray([gains.get(k, 1.0) for k in keys], np.float32)

    def predict(images: np.ndarray, dirs: np.ndarray, j: int) -> np.ndarray:
        return predictor(images / g[:, None], dirs, j) * g[j]

    return predict


def loo(person: Person, predictor: Predictor) -> list[float]:
    images, dirs, _ = person
    return [psnr(predictor(images, dirs, j), images[j]) for j in range(len(dirs))]


def estimate_gains(
    people: list[Person], neighbours: int | None, rounds: int = 4
) -> dict[Key, float]:
    """Per-rig-light strobe gain: median over people of the best scale of each held-out image
    against its prediction from the (already normalised) others, iterated to a fixed point."""
    gains: dict[Key, float] = {}
    rbf = make_rbf(neighbours)
    for _ in range(rounds):
        ratios: dict[Key, list[float]] = {}
        for person in people:
            images, dirs, keys = person
            predict = calibrated(rbf, gains, keys)
            for j, key in enumerate(keys):
                p = predict(images, dirs, j)
                ratios.setdefault(key, []).append(float(p @ images[j]) / float(p @ p))
        for key, values in ratios.items():
            gains[key] = gains.get(key, 1.0) * statistics.median(values)
        mean = statistics.fmean(gains.values())
        gains = {k: v / mean for k, v in gains.items()}
    return gains


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    worst = ordered[: max(1, len(ordered) // 10)]
    return statistics.fmean(values), statistics.median(values), statistics.fmean(worst)


def quality(args: argparse.Namespace) -> None:
    if not (args.data / "lights.csv").is_file():
        print(f"quality: skipped, no OLAT data at {args.data}")
        return
    t0 = time.perf_counter()
    people = load_people(args.data, args.people, args.stride)
    names = sorted(people)
    tune, test = names[0::2], names[1::2]
    print(
        f"quality: {len(names)} people, tune {len(tune)} / test {len(test)}; stride {args.stride}"
    )
    gains = estimate_gains([people[n] for n in tune], None)

    def tune_mean(k: int | None, exponent: float, warp: Warp = PLAIN) -> float:
        predictor = make_rbf(k, exponent, warp)
        return statistics.fmean(
            s for n in tune for s in loo(people[n], calibrated(predictor, gains, people[n][2]))
        )

    exponents = {p: tune_mean(None, p) for p in (1.0, 1.5, 1.75)}
    exponent = max(exponents, key=lambda p: exponents[p])
    choices: list[int | None] = [8, 12, 16, 24, None]
    tune_scores = {k: tune_mean(k, exponent) for k in choices}
    best = max(choices, key=lambda k: tune_scores[k])
    print(
        "tuning on tune people (rbf+cal mean dB): exponent "
        + ", ".join(f"{p}={v:.2f}" for p, v in exponents.items())
        + f" -> {exponent}; neighbours "
        + ", ".join(f"{'all' if k is None else k}={v:.2f}" for k, v in tune_scores.items())
        + f" -> {'all' if best is None else best}"
    )
    warps = {(z, f): 0.0 for z in args.stretches for f in args.frontals}
    warps = {w: tune_mean(best, exponent, w) for w in warps}
    warp = max(warps, key=lambda w: warps[w])
    print(
        "tuning on tune people (warp+cal mean dB; z stretch, frontal weight): "
        + ", ".join(f"{z}/{f}={v:.2f}" for (z, f), v in warps.items())
        + f" -> {warp[0]}/{warp[1]}"
    )
    methods: dict[str, Callable[[Person], Predictor]] = {
        "nearest": lambda p: predict_nearest,
        "ls6": lambda p: predict_ls6,
        "nearest+cal": lambda p: calibrated(predict_nearest, gains, p[2]),
        "ls6+cal": lambda p: calibrated(predict_ls6, gains, p[2]),
        "rbf": lambda p: make_rbf(best, exponent),
        "rbf+cal": lambda p: calibrated(make_rbf(best, exponent), gains, p[2]),
        "warp": lambda p: make_rbf(best, exponent, warp),
        "warp+cal": lambda p: calibrated(make_rbf(best, exponent, warp), gains, p[2]),
    }
    per: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
    for name in names:
        for method, factory in methods.items():
            per[method][name] = loo(people[name], factory(people[name]))
    header = f"{'person':10} {'split':5} {'L':>3} " + " ".join(f"{m:>11}" for m in methods)
    print("\nper person, mean PSNR dB (leave-one-light-out)")
    print(header)
    for name in names:
        split = "tune" if name in tune else "test"
        cells = " ".join(f"{statistics.fmean(per[m][name]):11.2f}" for m in methods)
        print(f"{name:10} {split:5} {len(people[name][2]):3d} {cells}")
    print("\noverall PSNR dB: mean / median / worst-10% (mean of the lowest tenth of images)")
    print(f"{'group':14} " + " ".join(f"{m:>20}" for m in methods))
    for group, members in (("test (held out)", test), ("tune", tune), ("all", names)):
        cells = []
        for method in methods:
            values = [v for n in members for v in per[method][n]]
            cells.append("{:6.2f}/{:6.2f}/{:6.2f}".format(*summary(values)))
        print(f"{group:14} " + " ".join(f"{c:>20}" for c in cells))
    for method in ("rbf+cal", "warp+cal"):
        person_means = [statistics.fmean(per[method][n]) for n in test]
        print(
            f"{method} on held-out people: per-person means "
            f"{min(person_means):.2f}..{max(person_means):.2f} dB"
        )
    if args.per_pixel_study and args.stride != 1:
        print("per-pixel study: skipped, it needs full frames (--stride 1)")
    elif args.per_pixel_study:
        per_pixel_study(people, gains, {"test (held out)": test, "tune": tune})
    print(f"({time.perf_counter() - t0:.0f} s)")


# --- issue 25: the learned prior against the weight-free methods ------------------------------

TRAIN_PEOPLE = range(12, 25)  # yaleB12 ... yaleB24: the prior is trained on these
TEST_PEOPLE = range(25, 30)  # yaleB25 ... yaleB29: scored, never trained on


def person_number(name: str) -> int:
    digits = "".join(c for c in name if c.isdigit())
    return int(digits) if digits else -1


def load_frames(folder: Path, names: list[str], shrink: int) -> dict[str, Person]:
    """Like :func:`load_people` for the named people, full frames (optionally shrunk)."""
    people = load_people(folder, None, 1, only=set(names))
    if shrink == 1:
        return people
    small: dict[str, Person] = {}
    for name, (images, dirs, keys) in people.items():
        frames = images.reshape(len(images), *FRAME)
        size = (FRAME[1] // shrink, FRAME[0] // shrink)
        reduced = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
        small[name] = (np.stack(reduced).reshape(len(images), -1), dirs, keys)
    return small


def as_basis(images: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.ascontiguousarray(images.reshape(len(images), *shape, 1))


def prior_predictor(prior: rl.RelightPrior, shape: tuple[int, int]) -> Predictor:
    def predict(images: np.ndarray, dirs: np.ndarray, j: int) -> np.ndarray:
        mask = np.arange(len(dirs)) != j
        lights = [(dirs[j], (1.0, 1.0, 1.0))]
        image = rl.relight(as_basis(images[mask], shape), dirs[mask], lights, prior=prior)
        return image[..., 0].reshape(-1)

    return predict


def reconstruction_distance(
    attempt: np.ndarray, images: np.ndarray, keys: list[Key], rig_keys: list[Key]
) -> float:
    """Relative RMS distance between a person's frames and the prior's reconstruction
    attempt (best common scale), over the lights both have."""
    index = {k: i for i, k in enumerate(rig_keys)}
    rows = [index[k] for k in keys]
    a = attempt.reshape(attempt.shape[0], -1)[rows].astype(np.float64)
    b = images.astype(np.float64)
    scale = float((a * b).sum() / max(float((a * a).sum()), 1e-12))
    return float(np.sqrt(np.mean((scale * a - b) ** 2)) / np.sqrt(np.mean(b**2)))


def person_distance(a: Person, b: Person) -> float:
    """Relative RMS distance between two people's frames over their common lights."""
    index = {k: i for i, k in enumerate(b[2])}
    common = [(i, index[k]) for i, k in enumerate(a[2]) if k in index]
    x = a[0][[i for i, _ in common]].astype(np.float64)
    y = b[0][[j for _, j in common]].astype(np.float64)
    return float(np.sqrt(np.mean((x - y) ** 2)) / np.sqrt(np.mean(x**2)))


def prior_section(args: argparse.Namespace) -> None:
    if not (args.data / "lights.csv").is_file():
        print(f"prior quality: skipped, no OLAT data at {args.data}")
        prior_render_speed(args)  # synthetic: runs without the data
        return
    t0 = time.perf_counter()
    with (args.data / "lights.csv").open(newline="") as handle:
        everyone = sorted({row["subject"] for row in csv.DictReader(handle)})
    train = [n for n in everyone if person_number(n) in TRAIN_PEOPLE]
    test = [n for n in everyone if person_number(n) in TEST_PEOPLE]
    shrink = 1
    if args.quick:
        train, test, shrink = train[-2:], test[:1], 4  # yaleB23-24 have every rig light
    people = load_frames(args.data, train + test, shrink)
    shape = (FRAME[0] // shrink, FRAME[1] // shrink)
    print(
        f"\nlearned prior (issue 25): trained on {len(train)} people "
        f"({train[0]}..{train[-1]}), scored on {len(test)} ({test[0]}..{test[-1]}), "
        f"frames {shape[0]}x{shape[1]}, leave-one-light-out; load {os.getloadavg()[0]:.1f}"
    )
    start = time.perf_counter()
    captures = [(as_basis(people[n][0], shape), people[n][1]) for n in train]
    prior = rl.train_prior(captures, metadata={"people": train})
    train_s = time.perf_counter() - start
    # The first stage alone (what a format-version-1 prior holds), to show the filters' gain.
    regression = rl.RelightPrior(
        prior.rig_dirs,
        prior.moments,
        grid=prior.grid,
        ridge=prior.ridge,
        neighbours=prior.neighbours,
    )
    gains = estimate_gains([people[n] for n in train], None)
    methods: dict[str, Callable[[Person], Predictor]] = {
        "nearest": lambda p: predict_nearest,
        "ls6": lambda p: predict_ls6,
        "weight-free": lambda p: make_rbf(16, 1.5, (1.5, 2.0)),
        "weight-free+cal": lambda p: calibrated(make_rbf(16, 1.5, (1.5, 2.0)), gains, p[2]),
        "regression": lambda p: prior_predictor(regression, shape),
        "prior": lambda p: prior_predictor(prior, shape),
    }
    per: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
    flagged: dict[str, list[Key]] = {}
    for name in test:
        images, dirs, keys = people[name]
        dead = rl.dead_lights(as_basis(images, shape), dirs)
        flagged[name] = [k for k, d in zip(keys, dead, strict=True) if d]
        keep = np.flatnonzero(~dead)
        usable: Person = (images[keep], dirs[keep], [keys[i] for i in keep])
        for method, factory in methods.items():
            per[method][name] = loo(usable, factory(usable))
    print("per person, mean PSNR dB (leave-one-light-out; dead frames ignored, not scored)")
    print(f"{'person':10} {'L':>3} " + " ".join(f"{m:>15}" for m in methods) + "  dead frames")
    for name in test:
        cells = " ".join(f"{statistics.fmean(per[m][name]):15.2f}" for m in methods)
        dead_text = ", ".join(f"az {a} el {e}" for a, e in flagged[name]) or "-"
        print(f"{name:10} {len(per['prior'][name]):3d} {cells}  {dead_text}")
    print(
        f"{'mean':10} {'':3} "
        + " ".join(
            f"{statistics.fmean(statistics.fmean(per[m][n]) for n in test):15.2f}" for m in methods
        )
    )
    print(
        f"{'all images':10} {'':3} "
        + " ".join(
            "{:5.2f}/{:5.2f}/{:5.2f}".format(*summary([v for n in test for v in per[m][n]]))
            for m in methods
        )
        + "  (mean/median/worst-10%)"
    )
    gaps = [
        statistics.fmean(per["prior"][n]) - statistics.fmean(per["weight-free+cal"][n])
        for n in test
    ]
    print(f"prior - weight-free+cal per person: {min(gaps):+.2f} .. {max(gaps):+.2f} dB")
    print(
        f"prior: {prior.nbytes / 2**20:.2f} MiB ({prior.nbytes} bytes), "
        f"{prior.rig_dirs.shape[0]} rig lights, grid {prior.grid}; "
        f"trained on {len(train)} people in {train_s:.1f} s"
    )
    # Privacy: invert the prior into the closest thing to a face it can give.
    rig_keys = [
        (round(a), round(e)) for a, e in (rl.angles_from_direction(d) for d in prior.rig_dirs)
    ]
    attempt = prior.reconstruction_attempt(*shape)
    members = [reconstruction_distance(attempt, *people[n][0::2], rig_keys) for n in train]
    strangers = [reconstruction_distance(attempt, *people[n][0::2], rig_keys) for n in test]
    # Membership signal: how often a trained-on person is closer than a stranger (0.5 = none).
    closer = [m < s for m in members for s in strangers]
    # Yardstick: how far each stranger is from the nearest *other real person*.
    nearest_real = [
        min(person_distance(people[n], people[o]) for o in train + test if o != n) for n in test
    ]
    # Yardstick: the plain average face of the trained-on people (what any population
    # statistic can give). The attempt reproduces no one if it is no closer to any
    # trained-on person than this average is.
    common = sorted(set.intersection(*(set(people[n][2]) for n in train)))
    average = np.mean(
        [people[n][0][[people[n][2].index(k) for k in common]] for n in train], axis=0
    )
    average_full = np.zeros((len(rig_keys), average.shape[1]), np.float32)
    for row, key in enumerate(common):
        average_full[rig_keys.index(key)] = average[row]

    def on_common(name: str) -> tuple[np.ndarray, list[Key]]:
        images, _, keys = people[name]
        return images[[keys.index(k) for k in common]], common

    excess = [
        reconstruction_distance(attempt, *on_common(n), rig_keys)
        - reconstruction_distance(average_full, *on_common(n), rig_keys)
        for n in train
    ]
    print(
        "reconstruction attempt: distance to each trained-on person minus the average face's "
        f"distance to them: min {min(excess):+.3f}, mean {statistics.fmean(excess):+.3f} "
        "(>= 0: no closer to anyone than the average face)"
    )
    print(
        "reconstruction attempt (relative RMS distance to a person's frames): trained-on "
        f"people min {min(members):.3f} mean {statistics.fmean(members):.3f}; strangers min "
        f"{min(strangers):.3f} mean {statistics.fmean(strangers):.3f}; a trained-on person is "
        f"closer than a stranger in {statistics.fmean(closer):.2f} of pairs (0.5 = no signal); "
        f"a stranger's nearest other real person: {statistics.fmean(nearest_real):.3f}"
    )
    if not args.quick:
        prior_training_time(args, everyone)
    prior_render_speed(args)
    print(f"({time.perf_counter() - t0:.0f} s)")


def prior_training_time(args: argparse.Namespace, everyone: list[str]) -> None:
    """Training time on every person of the folder (timing only; the prior is dropped)."""
    people = load_frames(args.data, everyone, 1)
    captures = [(as_basis(p[0], FRAME), p[1]) for p in people.values()]
    start, cpu = time.perf_counter(), time.process_time()
    rl.train_prior(captures, workers=2)
    print(
        f"training on {len(captures)} people, 2 threads: {time.perf_counter() - start:.1f} s "
        f"wall, {time.process_time() - cpu:.1f} s CPU; load {os.getloadavg()[0]:.1f}"
    )


def prior_render_speed(args: argparse.Namespace) -> None:
    """A ``--size``² render with a prior on one core. Full basis: the prior's weights on the
    prepared (channel-planar) basis, as the studio renders. One frame next to the key light
    ignored: the prepared basis predicts it on the first render and keeps the frame, and
    ``repair_basis`` does the same once on the array."""
    size = 128 if args.quick else args.size
    dirs = rl.rig_directions()
    small = [rl.synthetic_basis(48, dirs, ambient=0.01 * k)[0] for k in range(1, 4)]
    prior = rl.train_prior([(b, dirs) for b in small])
    base, _, _ = rl.synthetic_basis(min(size, 256), dirs)
    basis = np.empty((len(dirs), size, size, 3), np.float32)
    for index in range(len(dirs)):
        basis[index] = cv2.resize(base[index], (size, size), interpolation=cv2.INTER_LINEAR)
    del base
    lights = rl.key_fill_rim()
    directions, colors = light_arrays(lights)
    ignore = np.zeros(len(dirs), bool)
    ignore[int(np.argmax(dirs @ directions[0]))] = True
    print(
        f"render with the prior, {size}x{size} RGB, {len(dirs)} lights, 1 thread, "
        f"median of {args.repeats}, wall / CPU ms; load {os.getloadavg()[0]:.1f}"
    )

    def weights(mask: np.ndarray | None) -> np.ndarray:
        return prior.render_weights(dirs, prior.rig_intensities(directions, colors), mask)

    start = time.perf_counter()
    rl.repair_basis(basis, dirs, prior, ignore)
    repair_s = time.perf_counter() - start
    prepared = rl.Reflectance(basis, dirs)
    first = timed(lambda: prepared.relight(lights, prior=prior, ignore=ignore), 1)
    ignored = timed(lambda: prepared.relight(lights, prior=prior, ignore=ignore), args.repeats)
    with_prior = timed(lambda: prepared.render(weights(None)[0]), args.repeats)
    plain = timed(lambda: prepared.render(rl.rig_weights(dirs, lights)), args.repeats)
    print(f"  {'full basis, prior':42} {with_prior[0]:7.1f} / {with_prior[1]:7.1f}")
    print(f"  {'full basis, weight-free':42} {plain[0]:7.1f} / {plain[1]:7.1f}")
    print(f"  {'one frame ignored, first render (predicts)':42} {first[0]:7.1f} / {first[1]:7.1f}")
    print(
        f"  {'one frame ignored, later renders (cached)':42} {ignored[0]:7.1f} / {ignored[1]:7.1f}"
    )
    print(f"  {'one frame repaired once (repair_basis)':42} {repair_s * 1000:7.1f} (once)")


def light_arrays(lights: list[tuple[object, object]]) -> tuple[np.ndarray, np.ndarray]:
    directions = np.asarray([d for d, _ in lights], np.float64)
    colors = np.asarray([c for _, c in lights], np.float64)
    return directions, colors


# --- per-pixel study (--per-pixel-study): the third round of decision 0006 ------------------

FRAME = (192, 168)  # the Yale crops, rows x columns (the study blurs scores spatially)
STUDY_KS = (2, 3, 4, 5, 6)


def split_threshold(values: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: the threshold at the largest log-gap between ``values`` [k, P] (a lit /
    shadowed split of the neighbours) and where that gap exceeds ``ratio``."""
    logs = np.sort(np.log(np.maximum(values, 1e-3)), axis=0)
    gaps = np.diff(logs, axis=0)
    at = np.argmax(gaps, axis=0)
    columns = np.arange(logs.shape[1])
    threshold = np.exp(0.5 * (logs[at, columns] + logs[at + 1, columns]))
    return threshold, gaps[at, columns] > math.log(ratio)


def horizon_coefficients(dirs: np.ndarray, target: np.ndarray, sigma: float) -> np.ndarray:
    """Weights b [L] such that ``b @ labels`` evaluates, at ``target``, the linear function of
    direction fitted to the lit labels by least squares weighted around the target (a local
    half-space, i.e. horizon, boundary on the light sphere; Fisher's discriminant)."""
    near = np.exp(-np.sum((dirs - target) ** 2, axis=1) / (2 * sigma**2))
    basis = np.hstack([np.ones((len(dirs), 1)), dirs])
    gram = basis.T @ (near[:, None] * basis) + 1e-6 * np.eye(4)
    return np.append(1.0, target) @ np.linalg.solve(gram, basis.T * near)


def per_pixel_predictions(images: np.ndarray, dirs: np.ndarray, j: int) -> dict[str, np.ndarray]:
    """Predictions of calibrated image ``j`` from the others: the interpolator, per-pixel
    convex-combination oracles (the target clipped to the range of its k nearest lights,
    nearest in the interpolator's embedding), and the shadow-state forms (the interpolator
    pushed to the lit or the shadowed side of a per-pixel split, by the true state or by the
    horizon predictor)."""
    mask = np.arange(len(dirs)) != j
    others, odirs = images[mask], dirs[mask].astype(np.float64)
    interp = rl.LightInterpolator(dirs[mask])
    weights = interp.weights(dirs[j : j + 1])[0]
    base = weights.astype(np.float32) @ others
    out = {"interpolator": base}
    metric = np.asarray(interp.metric, np.float64)
    embedded = rl.embed_directions(
        dirs.astype(np.float64), metric, interp.frontal, interp.frontal_power
    )
    order = np.argsort(np.linalg.norm(embedded[mask] - embedded[j], axis=1), kind="stable")
    for k in STUDY_KS:
        near = others[order[:k]]
        out[f"convex{k} (oracle)"] = np.clip(images[j], near.min(0), near.max(0))
    # Lit/shadowed split of the two most weighted neighbours where they differ by 3x or
    # more; elsewhere the interpolator is kept as it is.
    threshold, mixed = split_threshold(others[np.argsort(-weights)[:2]], 3.0)
    lit_side, dark_side = np.maximum(base, threshold), np.minimum(base, threshold)
    truth = images[j] > threshold
    out["state (oracle)"] = np.where(mixed, np.where(truth, lit_side, dark_side), base)
    coeffs = horizon_coefficients(odirs, dirs[j].astype(np.float64), 0.3)
    votes = (coeffs @ (others > threshold).astype(np.float64)).astype(np.float32)
    votes = cv2.GaussianBlur(votes.reshape(FRAME), (0, 0), 2.0).reshape(-1)
    lit = np.clip((votes - 0.5) * 8.0 + 0.5, 0.0, 1.0)
    out["horizon"] = np.where(mixed, lit * lit_side + (1 - lit) * dark_side, base)
    return out


def per_pixel_study(
    people: dict[str, Person], gains: dict[Key, float], groups: dict[str, list[str]]
) -> None:
    """Oracle ceilings and the horizon (visibility-cap) predictor against the interpolator."""
    labels = ["interpolator", *(f"convex{k} (oracle)" for k in STUDY_KS)]
    labels += ["state (oracle)", "horizon"]
    print("\nper-pixel study (calibrated; mean / median / worst-10% dB)")
    print(f"{'group':14} " + " ".join(f"{m:>20}" for m in labels))
    for group, members in groups.items():
        scores: dict[str, list[float]] = {m: [] for m in labels}
        for name in members:
            images, dirs, keys = people[name]
            g = np.asarray([gains.get(k, 1.0) for k in keys], np.float32)
            for j in range(len(dirs)):
                predictions = per_pixel_predictions(images / g[:, None], dirs, j)
                for method, prediction in predictions.items():
                    scores[method].append(psnr(prediction * g[j], images[j]))
        cells = ["{:6.2f}/{:6.2f}/{:6.2f}".format(*summary(scores[m])) for m in labels]
        print(f"{group:14} " + " ".join(f"{c:>20}" for c in cells))


# --- speed ----------------------------------------------------------------------------------


def synthetic_capture(size: int, lights: int) -> tuple[Basis, cp.FaceBox]:
    rings = {64: (1, 8, 14, 18, 23)}.get(lights, (1, lights - 1))
    dirs = rl.rig_directions(rings)
    small, _, alpha = rl.synthetic_basis(min(size, 256), dirs)
    scale = size / small.shape[1]
    basis = np.empty((dirs.shape[0], size, size, 3), np.float32)
    for index in range(dirs.shape[0]):
        basis[index] = cv2.resize(small[index], (size, size), interpolation=cv2.INTER_LINEAR)
    alpha_big = np.clip(cv2.resize(alpha, (size, size), interpolation=cv2.INTER_LINEAR), 0, 1)
    face = cp.face_from_alpha(alpha)
    box = cp.FaceBox(face.x * scale, face.y * scale, face.width * scale, face.height * scale)
    prepared = Basis.from_arrays(basis, dirs, alpha=alpha_big[None])
    del basis
    return prepared, box


def timed(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU time is what one core spends, unaffected by
    other processes queueing for the cores; wall time is what a user waits)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def speed(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    basis, face = synthetic_capture(args.size, args.lights)
    prep_s = time.perf_counter() - start
    box = [face.x, face.y, face.width, face.height]
    common = {
        "background": {"color": [0.05, 0.08, 0.12]},
        "framing": {"width": args.size, "height": args.size, "face_box": box},
    }
    key_fill_rim = [
        {"azimuth_deg": -35, "elevation_deg": 25, "color": [1.0, 0.96, 0.9]},
        {"azimuth_deg": 40, "elevation_deg": 5, "color": [0.25, 0.27, 0.3]},
        {"azimuth_deg": -100, "elevation_deg": 45, "color": [0.5, 0.5, 0.55]},
    ]
    scenes = {
        "3 lights (key/fill/rim)": {"lights": key_fill_rim, **common},
        "environment preset": {"environment": {"preset": "studio"}, **common},
        "3 lights + environment": {
            "lights": key_fill_rim,
            "environment": {"preset": "overcast", "intensity": 0.3},
            **common,
        },
    }
    view = basis.views[0]
    print(
        f"\nspeed: {args.lights}-light RGB basis {args.size}x{args.size}, canvas "
        f"{args.size}x{args.size}, 1 thread, median of {args.repeats}"
    )
    full = 4 * args.lights * args.size * args.size * 3 / 2**20
    print(
        f"basis {view.nbytes / 2**20:.0f} MiB float32 after the alpha crop "
        f"({full:.0f} MiB uncropped; prepared in {prep_s:.1f} s)"
    )
    print("milliseconds, wall / CPU")
    print(f"{'scene':26} {'rig lights':>10} {'relight':>13} {'composite':>13} {'+ sRGB 8-bit':>13}")
    from likeness.studio.render import scene_weights

    for label, data in scenes.items():
        scene = parse_scene(data)
        weights = scene_weights(basis, scene)
        used = int(np.count_nonzero(np.any(weights != 0, axis=1)))
        relight_ms = timed(lambda w=weights: view.render(w), args.repeats)
        only_ms = timed(lambda s=scene: render_scene(basis, s), args.repeats)
        full_ms = timed(lambda s=scene: cp.to_display(render_scene(basis, s)), args.repeats)
        cells = [f"{w:6.1f}/{c:6.1f}" for w, c in (relight_ms, only_ms, full_ms)]
        print(f"{label:26} {used:10d} " + " ".join(f"{c:>13}" for c in cells))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB (basis build included)")


# --- example images for the guide -------------------------------------------------------------


def docs_images(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    basis, dirs, alpha = rl.synthetic_basis(160)
    tiles = {
        "rig light": rl.relight(basis, dirs, [(dirs[10], (1, 1, 1))]),
        "novel light": rl.relight(basis, dirs, [(rl.direction_from_angles(50, 20), (1, 1, 1))]),
        "key/fill/rim": rl.relight(basis, dirs, rl.key_fill_rim()),
        "studio": rl.relight_environment(basis, dirs, rl.environment_preset("studio")),
        "overcast": rl.relight_environment(basis, dirs, rl.environment_preset("overcast")),
        "golden hour": rl.relight_environment(basis, dirs, rl.environment_preset("golden_hour")),
    }
    row = []
    for label, image in tiles.items():
        tile = cp.to_display(image / max(float(np.percentile(image, 99.5)), 1e-6) * 0.9)
        tile = np.ascontiguousarray(tile)
        cv2.putText(tile, label, (6, 152), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        row.append(tile)
    strip = np.hstack(row)
    cv2.imwrite(str(folder / "relight-presets.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    prepared = Basis.from_arrays(basis, dirs, alpha=alpha[None])
    framed = []
    for preset in ("instagram-portrait", "story", "square", "landscape"):
        scene = parse_scene(
            {
                "environment": {"preset": "studio", "intensity": 0.6},
                "background": {"color": [0.2, 0.13, 0.08]},
                "framing": {"preset": preset},
                "compose": {"shadow_opacity": 0.4},
            }
        )
        image = cp.to_display(render_scene(prepared, scene))
        height = 240
        width = round(image.shape[1] * height / image.shape[0])
        small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        framed.append(np.pad(small, ((0, 0), (0, 8), (0, 0)), constant_values=255))
    sheet = np.hstack(framed)
    cv2.imwrite(str(folder / "studio-framing.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    prior_images(folder)
    print(
        f"wrote {folder / 'relight-presets.png'}, {folder / 'studio-framing.png'} and "
        f"{folder / 'relight-prior.png'}"
    )


def synthetic_sitter(seed: int, size: int = 160) -> np.ndarray:
    """The synthetic head at another scale, offset, ambient and skin tone (a 'person')."""
    rng = np.random.default_rng(seed)
    big = size + size // 10 + 4 * seed
    basis, _, _ = rl.synthetic_basis(big, ambient=0.02 + 0.005 * seed)
    oy = (big - size) // 2 + int(rng.integers(-3, 4))
    ox = (big - size) // 2 + int(rng.integers(-3, 4))
    skin = rng.uniform(0.7, 1.3, 3).astype(np.float32)
    return np.ascontiguousarray(basis[:, oy : oy + size, ox : ox + size] * skin)


def prior_images(folder: Path) -> None:
    """Before/after for the guide, on a synthetic sitter the prior never saw (the OLAT faces
    may not be copied into the repository): a left-out rig light predicted weight-free and
    by the prior, and a dead frame next to the key light spoiling, ignored, repaired."""
    dirs = rl.rig_directions()
    prior = rl.train_prior([(synthetic_sitter(seed, 64), dirs) for seed in range(6)])
    sitter = synthetic_sitter(9)
    light = int(np.argmax(dirs @ np.asarray(rl.direction_from_angles(-60, 30))))
    keep = np.arange(len(dirs)) != light
    white = [(dirs[light], (1.0, 1.0, 1.0))]
    broken = sitter.copy()
    broken[light] = sitter[light] * 0.02
    mask = rl.dead_lights(broken, dirs)
    near = dirs[light] + 0.25 * dirs[int(np.argsort(-(dirs @ dirs[light]))[1])]
    soft = [(near / np.linalg.norm(near), (1.0, 1.0, 1.0))]
    tiles = {
        "captured": sitter[light],
        "weight-free": rl.relight(sitter[keep], dirs[keep], white),
        "prior": rl.relight(sitter[keep], dirs[keep], white, prior=prior),
        "dead frame": rl.relight(broken, dirs, soft),
        "ignored": rl.relight(broken, dirs, soft, ignore=mask),
        "prior+ignored": rl.relight(broken, dirs, soft, ignore=mask, prior=prior),
    }
    scale = 0.9 / max(float(np.percentile(sitter[light], 99.5)), 1e-6)
    row = []
    for label, image in tiles.items():
        tile = np.ascontiguousarray(cp.to_display(np.clip(image * scale, 0, 1)))
        cv2.putText(tile, label, (6, 152), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        row.append(tile)
    strip = np.hstack(row)
    cv2.imwrite(str(folder / "relight-prior.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="OLAT folder (lights.csv)")
    parser.add_argument("--people", type=int, default=None, help="use only the first N people")
    parser.add_argument("--stride", type=int, default=1, help="score every Nth pixel (dev only)")
    parser.add_argument("--size", type=int, default=1024, help="basis and canvas side for speed")
    parser.add_argument("--lights", type=int, default=64, help="rig lights for speed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--stretches",
        type=float,
        nargs="+",
        default=[1.0, 1.5, 2.0],
        help="camera-axis (z) stretches tried on the tune people",
    )
    parser.add_argument(
        "--frontals",
        type=float,
        nargs="+",
        default=[0.0, 1.0, 2.0, 3.0],
        help="frontal-bump weights tried on the tune people",
    )
    parser.add_argument(
        "--per-pixel-study",
        action="store_true",
        help="also print the per-pixel oracle ceilings and the horizon predictor (decision 0006)",
    )
    parser.add_argument(
        "--study-0006",
        action="store_true",
        help="also run decision 0006's weight-free study (tune/test halves, embedding grid)",
    )
    parser.add_argument("--skip-prior", action="store_true", help="skip the learned-prior table")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--docs-img", type=Path, default=None, help="write guide example PNGs here")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small size for CI: checks the bench still runs (overrides the sizes)",
    )
    args = parser.parse_args()
    if args.quick:
        args.people, args.stride, args.size, args.lights, args.repeats = 2, 16, 128, 8, 1
        args.stretches, args.frontals = [1.0], [0.0]
    if args.docs_img is not None:
        docs_images(args.docs_img)
    if not args.skip_prior:
        prior_section(args)
    if not args.skip_quality and (args.study_0006 or args.quick):
        quality(args)
    if not args.skip_speed:
        speed(args)


if __name__ == "__main__":
    main()
