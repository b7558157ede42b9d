"""Measure the generation identity check: false accepts and false rejects on held-out people.

The check (``likeness.generation.checks``, decision 0021) compares the face of a
generated image with the twin's reference: the embedding of a neutral front-lit render
of its frontal view (``likeness.twin.identity``). This bench builds that reference
exactly as a twin build does, for two populations of people:

* **real**: the development OLAT faces (``../shared/data/olat-faces``, 17 people with a
  usable basis; ``--data DIR``). These were used to pick ``IDENTITY_THRESHOLD`` for
  capture QC (decision 0010, single-light frames), never for this check's renders.
* **synthetic**: the rig's cast members from seed ``--cast-start`` (default 44) to
  99. Seeds 0-43 (the cast core) were picked to sit farther apart than the threshold,
  so they are left out; members 44-99 were only picked to have few look-alikes.
  ``--iid N`` adds N independent draws (seeds 100 onwards), never picked at all (the
  rig's unpicked draws make look-alikes far more often than real people: a stress line).

For every person the probes are renders of their own basis under other light (a key
light swung to either side and above, with a fill, and a hard side light) and, for the
synthetic people, the 25°-turned views: what the studio and composite engines make.

* **FRR**: genuine probe vs own reference, distance > threshold (``identity.mismatch``).
* **FAR (pair)**: probe of person B vs reference of A, distance <= threshold.
* **FAR (rule)**: the same, under the whole rule with every other person of the
  population registered as a twin (B's own twin included, so ``identity.closer_twin``
  applies): the probe is accepted for A only if A is within the threshold and closer
  than anyone else. This is the "no one else" rate of the check as deployed.
* **FRR (rule)**: genuine probes rejected by the whole rule (mismatch or closer twin).
* **FRR all**: the same, counting the genuine renders in which no single face was found
  (``face.none`` / ``face.several``) as rejected too: what a user of the check sees.

    python bench/identity_check.py            # full: 17 real + 56 synthetic people
    python bench/identity_check.py --quick    # CI: 4 real + 4 synthetic people
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from likeness.imaging.faces import FaceAnalyzer

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "olat-faces"
THRESHOLDS = (0.35, 0.38, 0.40, 0.42, 0.45, 0.50, 0.55)

#: Probe lightings (azimuth, elevation, intensity) per setup; the reference uses the
#: twin module's neutral light (a front-weighted dome of the rig's own lights).
PROBE_LIGHTS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "key left": ((-45.0, 20.0, 1.0), (40.0, 5.0, 0.25)),
    "key right": ((45.0, 20.0, 1.0), (-40.0, 5.0, 0.25)),
    "top": ((0.0, 55.0, 1.0), (0.0, -10.0, 0.2)),
    "low front": ((0.0, -15.0, 1.0), (0.0, 40.0, 0.3)),
    "hard side": ((-75.0, 10.0, 1.0),),
    "clamshell": ((-20.0, 30.0, 1.0), (20.0, 30.0, 1.0), (0.0, -25.0, 0.4)),
}


@dataclass
class Person:
    name: str
    reference: np.ndarray
    probes: list[np.ndarray] = field(default_factory=list)
    setups: list[str] = field(default_factory=list)  # what each probe is
    missed: int = 0
    missed_by: dict[str, int] = field(default_factory=dict)


def render(
    basis: np.ndarray,
    dirs: np.ndarray,
    lights: tuple[tuple[float, float, float], ...],
    matte: np.ndarray | None,
) -> np.ndarray:
    from likeness.capture.qc import to_preview
    from likeness.imaging import relight as rl

    spec = [(rl.direction_from_angles(az, el), (p, p, p)) for az, el, p in lights]
    weights = rl.rig_weights(dirs, spec)
    basis3 = basis if basis.shape[-1] == 3 else np.repeat(basis, 3, axis=-1)
    return to_preview(np.maximum(rl.apply_weights(basis3, weights), 0.0), matte)


def embed_single(analyzer: FaceAnalyzer, image: np.ndarray) -> np.ndarray | None:
    from likeness.imaging.faces import comparable_faces

    faces = comparable_faces(analyzer.detect(image))
    return analyzer.embed_aligned(image, faces[0]) if len(faces) == 1 else None


def person_from_views(
    name: str,
    analyzer: FaceAnalyzer,
    dirs: np.ndarray,
    views: list[tuple[float, np.ndarray, np.ndarray | None]],
    lightings: list[str],
) -> Person | None:
    """``views``: (yaw, basis [L, H, W, C], matte); the most frontal one is the reference's."""
    from likeness.twin.identity import neutral_render, reference_from_basis

    front = min(range(len(views)), key=lambda i: abs(views[i][0]))
    _, basis, matte = views[front]
    reference = reference_from_basis(basis, dirs, matte, analyzer)
    if reference is None:
        return None
    person = Person(name, reference)
    for i, (_, vb, vm) in enumerate(views):
        setups = lightings if i == front else ["neutral", *lightings[:1]]
        for setup in setups:
            if setup == "neutral":
                image = neutral_render(vb, dirs, vm)
            else:
                image = render(vb, dirs, PROBE_LIGHTS[setup], vm)
            vec = embed_single(analyzer, image)
            if vec is None:
                person.missed += 1
                what = setup if i == front else f"{setup}, turned view"
                person.missed_by[what] = person.missed_by.get(what, 0) + 1
            else:
                person.probes.append(vec)
                person.setups.append(setup if i == front else f"{setup}, turned view")
    return person


def real_people(
    root: Path, limit: int | None, analyzer: FaceAnalyzer, lightings: list[str]
) -> list[Person]:
    import cv2

    from likeness.imaging import relight as rl

    rows: dict[str, list[dict[str, str]]] = {}
    with (root / "lights.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["azimuth_deg"] and row["elevation_deg"]:
                rows.setdefault(row["subject"], []).append(row)
    people = []
    for name in sorted(rows)[:limit]:
        frames, dirs = [], []
        for row in rows[name]:
            image = cv2.imread(str(root / row["file"]), cv2.IMREAD_GRAYSCALE)
            if image is None:
                continue
            frames.append(image.astype(np.float32) / 255.0)
            dirs.append(
                rl.direction_from_angles(float(row["azimuth_deg"]), float(row["elevation_deg"]))
            )
        basis = np.stack(frames)[..., None]
        person = person_from_views(
            name, analyzer, np.asarray(dirs, np.float32), [(0.0, basis, None)], lightings
        )
        if person is None:
            print(f"  {name}: no face in the neutral render, left out", file=sys.stderr)
        else:
            people.append(person)
    return people


def synthetic_people(
    seeds: list[int], size: int, lights: int, analyzer: FaceAnalyzer, lightings: list[str]
) -> list[Person]:
    from likeness.capture.synthetic import RigConfig, render_capture

    config = RigConfig(size=size, lights=lights, shadow_resolution=size, yaws=(-25.0, 0.0, 25.0))
    people = []
    for seed in seeds:
        capture = render_capture(seed, config)
        views = [(v.yaw, v.olat, v.alpha) for v in capture.views]
        person = person_from_views(f"seed {seed}", analyzer, capture.light_dirs, views, lightings)
        if person is None:
            print(f"  seed {seed}: no face in the neutral render, left out", file=sys.stderr)
        else:
            people.append(person)
    return people


def table(title: str, people: list[Person], current: float) -> None:
    refs = np.stack([p.reference for p in people])
    genuine: list[float] = []
    genuine_margin: list[float] = []  # nearest other reference minus own distance
    impostor: list[float] = []
    impostor_rule: list[tuple[float, float]] = []  # (d to claimed twin, d to nearest other)
    for i, person in enumerate(people):
        for probe in person.probes:
            d = np.linalg.norm(refs - probe, axis=1)
            genuine.append(float(d[i]))
            others = np.delete(d, i)
            genuine_margin.append(float(others.min()) - float(d[i]) if others.size else 1.0)
            for j in range(len(people)):
                if j == i:
                    continue
                impostor.append(float(d[j]))
                rest = np.delete(d, j)
                impostor_rule.append((float(d[j]), float(rest.min())))
    kinds = [what for p in people for what in p.setups]
    g = np.asarray(genuine)
    gm = np.asarray(genuine_margin)
    im = np.asarray(impostor)
    ir = np.asarray(impostor_rule)
    probes = sum(len(p.probes) for p in people)
    missed = sum(p.missed for p in people)
    head = (
        f"{title}: {len(people)} people, {probes} probes ({missed} without a single face), "
        f"{g.size} genuine and {im.size} impostor comparisons"
    )
    print(head)
    print("-" * len(head))
    if missed:
        by: dict[str, int] = {}
        for p in people:
            for what, n in p.missed_by.items():
                by[what] = by.get(what, 0) + n
        print("no single face in: " + ", ".join(f"{w} {n}" for w, n in sorted(by.items())))
    print(
        f"genuine distance  mean {g.mean():.3f}  p99 {np.percentile(g, 99):.3f}  max {g.max():.3f}"
    )
    print(
        f"impostor distance mean {im.mean():.3f}  p1 {np.percentile(im, 1):.3f}  min {im.min():.3f}"
    )
    by_kind = ", ".join(
        f"{what} {max(d for d, k in zip(genuine, kinds, strict=True) if k == what):.2f}"
        for what in dict.fromkeys(kinds)
    )
    print(f"largest genuine distance by probe: {by_kind}")
    print(
        f"{'threshold':>9}  {'FRR':>7}  {'FAR pair':>9}  {'FRR rule':>9}  {'FAR rule':>9}  "
        f"{'FRR all':>8}"
    )
    for t in THRESHOLDS:
        frr = float((g > t).mean())
        far = float((im <= t).mean())
        rejected = (g > t) | (gm <= 0)
        frr_rule = float(rejected.mean())
        far_rule = float(((ir[:, 0] <= t) & (ir[:, 0] < ir[:, 1])).mean())
        # Every genuine render the check refuses, "face.none"/"face.several" included.
        frr_all = (int(rejected.sum()) + missed) / (g.size + missed)
        mark = "  <- GENERATION_THRESHOLD" if abs(t - current) < 1e-9 else ""
        print(
            f"{t:9.2f}  {100 * frr:6.2f}%  {100 * far:8.3f}%  {100 * frr_rule:8.2f}%  "
            f"{100 * far_rule:8.3f}%  {100 * frr_all:7.2f}%{mark}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="OLAT faces folder")
    parser.add_argument("--real", type=int, default=None, help="first N real people only")
    parser.add_argument("--cast-start", type=int, default=44, help="first synthetic seed")
    parser.add_argument("--cast-end", type=int, default=100, help="seed after the last one")
    parser.add_argument("--iid", type=int, default=0, help="also N unpicked seeds from 100")
    parser.add_argument("--size", type=int, default=256, help="synthetic render side")
    parser.add_argument("--lights", type=int, default=32, help="synthetic rig lights")
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    lightings = list(PROBE_LIGHTS)
    if args.quick:
        args.real, args.cast_end, args.iid, args.lights = 4, args.cast_start + 4, 0, 16
        lightings = lightings[:2]

    from likeness.imaging.faces import GENERATION_THRESHOLD, FaceAnalyzer

    analyzer = FaceAnalyzer()
    start = time.perf_counter()
    if (args.data / "lights.csv").is_file():
        people = real_people(args.data, args.real, analyzer, lightings)
        table(f"real OLAT faces ({args.data.name})", people, GENERATION_THRESHOLD)
    else:
        print(f"(no OLAT faces at {args.data}: the real-people table is skipped)\n")
    cast = list(range(args.cast_start, args.cast_end))
    people = synthetic_people(cast, args.size, args.lights, analyzer, lightings)
    table(
        f"synthetic cast, seeds {cast[0]}-{cast[-1]} ({args.size} px, {args.lights} lights)",
        people,
        GENERATION_THRESHOLD,
    )
    if args.iid:
        seeds = list(range(100, 100 + args.iid))
        people = synthetic_people(seeds, args.size, args.lights, analyzer, lightings)
        table(
            f"synthetic unpicked draws, seeds {seeds[0]}-{seeds[-1]}", people, GENERATION_THRESHOLD
        )
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
