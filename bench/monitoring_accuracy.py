"""Monitoring's face match: false matches and misses at the threshold, on held-out people.

A scan matches each face it finds against the reference embeddings of talents opted in
to monitoring (``likeness.monitoring.index``). A talent's reference is what enrolment
stores: the embedding of their twin's neutral front-lit render (``likeness.twin.identity``).
The probes are what a scan meets on social media: the person under other light (the
lightings of ``bench/identity_check.py``; for synthetic people also the 25°-turned
views), each **re-encoded as a platform does** before the face is found and embedded,
cycling through:

* ``crop+jpeg70``: an off-centre crop keeping 80 % of each side, JPEG quality 70;
* ``down50+jpeg80``: downscaled to half size (area), JPEG quality 80;
* ``crop90+up150+jpeg90``: a 90 % crop, upscaled 1.5× (cubic), JPEG quality 90;
* ``down75+jpeg75``: downscaled to 75 %, JPEG quality 75.

The renders are smaller than a post (256 px synthetic, 168 × 192 real): each is first
doubled (cubic) until its short side is at least 320 px, then re-encoded.

Populations (nobody here was used to build dlib's model or to pick any threshold
before this study: the people are held out from the index's tuning):

* **real**: the development OLAT faces (``../shared/data/olat-faces``; ``--data``);
* **synthetic**: cast seeds ``--cast-start`` … ``--cast-end`` − 1 (default 44–99).

Every person is enrolled (one reference each) and every probe is searched against all
of them, like a scan:

* **miss**: a genuine probe whose own reference is farther than the threshold, or in
  which no single face was found ("miss, all");
* **false match**: a probe within the threshold of *another* person's reference (the
  scan would open a case against a talent for someone else's face).

The chosen threshold is the largest on a 0.01 grid that stays at least ``--margin``
below the closest impostor distance seen in either population; the run fails (exit 1)
if ``MATCH_THRESHOLD`` admits any false match.

    python bench/monitoring_accuracy.py            # 18 real + 56 synthetic people
    python bench/monitoring_accuracy.py --quick    # CI: 4 real + 4 synthetic people
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import identity_check as ic
import numpy as np
from _common import print_table

THRESHOLDS = (0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.45)
#: The renders (256 px synthetic, 168 × 192 real) are smaller than any post: each is first
#: doubled (cubic) until its short side reaches this, as an upload would be.
UPLOAD_SIDE = 320


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, data = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return np.ascontiguousarray(decoded[..., ::-1])


def _crop(image: np.ndarray, keep: float, dx: float, dy: float) -> np.ndarray:
    h, w = image.shape[:2]
    ch, cw = round(h * keep), round(w * keep)
    top, left = round((h - ch) * dy), round((w - cw) * dx)
    return np.ascontiguousarray(image[top : top + ch, left : left + cw])


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    how = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=how)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "crop+jpeg70": lambda im: _jpeg(_crop(im, 0.8, 0.3, 0.6), 70),
    "down50+jpeg80": lambda im: _jpeg(_resize(im, 0.5), 80),
    "crop90+up150+jpeg90": lambda im: _jpeg(_resize(_crop(im, 0.9, 0.5, 0.5), 1.5), 90),
    "down75+jpeg75": lambda im: _jpeg(_resize(im, 0.75), 75),
}


Probe = Callable[[np.ndarray], np.ndarray | None]


def _social_embedder(
    probes: list[Probe], seen: list[list[np.ndarray | None]]
) -> Callable[..., np.ndarray | None]:
    """``identity_check.embed_single``, but on a re-encoded copy (transforms in turn),
    found and embedded by each of ``probes`` (the probe-side detection variants; the
    references keep the enrolment's analyzer). Each variant's result is appended to
    its list in ``seen``; the first variant's is returned (it builds the people)."""
    turn = itertools.cycle(TRANSFORMS.values())

    def embed(analyzer: object, image: np.ndarray) -> np.ndarray | None:
        rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
        while min(rgb.shape[:2]) < UPLOAD_SIDE:  # a post is bigger than a face crop
            rgb = _resize(rgb, 2.0)
        posted = next(turn)(rgb)
        for probe, results in zip(probes, seen, strict=True):
            results.append(probe(posted))
        return seen[0][-1]

    return embed


def _probe(variant: tuple[int, int, int | None] | str) -> Probe:
    """The probe-side detection of one variant: ``"inspect"`` is monitoring inspection's
    own (``likeness.monitoring.inspect``: ``PROBE_FACE_CONFIG`` with the coarse first
    pass and the coarse retry, ``FaceAnalyzer.detect_and_embed``); (upsample, side,
    again) detects with that upsample and side, then with upsample ``again`` where the
    first finds no single face."""
    from dataclasses import replace

    from likeness.imaging.faces import FaceAnalyzer, comparable_faces
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG, InspectConfig

    plain = ic.embed_single
    if variant == "inspect":
        inspection = InspectConfig()
        analyzer = FaceAnalyzer(PROBE_FACE_CONFIG)

        def inspected(image: np.ndarray) -> np.ndarray | None:
            _, vectors = analyzer.detect_and_embed(
                image,
                comparable_faces,
                coarse_retry=inspection.coarse_retry,
                first_upsample=0 if inspection.coarse_first else None,
            )
            return vectors[0] if len(vectors) == 1 else None

        return inspected
    upsample, side, again = variant

    def made(times: int) -> FaceAnalyzer:
        return FaceAnalyzer(replace(PROBE_FACE_CONFIG, upsample=times, max_detect_side=side))

    first = made(upsample)
    if again is None:
        return lambda image: plain(first, image)
    fallback = made(again)

    def with_fallback(image: np.ndarray) -> np.ndarray | None:
        found = plain(first, image)
        return plain(fallback, image) if found is None else found

    return with_fallback


def _as_variant(
    people: list[ic.Person], results: list[np.ndarray | None], start: int
) -> tuple[list[ic.Person], int]:
    """``people`` (built from the first variant) with another variant's probes: the
    probes were embedded in the same order, one call per probe or miss."""
    out = []
    for person in people:
        calls = len(person.probes) + person.missed
        mine = results[start : start + calls]
        start += calls
        found = [v for v in mine if v is not None]
        out.append(ic.Person(person.name, person.reference, found, missed=len(mine) - len(found)))
    return out, start


def _parse_variants(text: str) -> list[tuple[int, int, int | None] | str]:
    """``"inspect,1:512,0:512,0:512/1"`` → ["inspect", (upsample, max_detect_side,
    fallback upsample), …]: ``/N`` detects again with upsample N where the first finds
    no single face; ``inspect`` is monitoring inspection's own detection."""
    variants: list[tuple[int, int, int | None] | str] = []
    for part in text.split(","):
        if part == "inspect":
            variants.append(part)
            continue
        part, _, fallback = part.partition("/")
        upsample, _, side = part.partition(":")
        variants.append((int(upsample), int(side or 512), int(fallback) if fallback else None))
    return variants


def study(people: list[ic.Person]) -> tuple[list[float], list[float], int]:
    """(genuine distances, each probe's nearest impostor distance, probes with no face)."""
    refs = np.stack([p.reference for p in people])
    genuine: list[float] = []
    impostor: list[float] = []
    for i, person in enumerate(people):
        for probe in person.probes:
            d = np.linalg.norm(refs - probe, axis=1)
            genuine.append(float(d[i]))
            others = np.delete(d, i)
            if others.size:
                impostor.append(float(others.min()))
    return genuine, impostor, sum(p.missed for p in people)


def table(title: str, people: list[ic.Person], chosen: float) -> list[list[str]]:
    genuine, impostor, missed = study(people)
    probes = len(genuine) + missed
    print(f"## {title}: {len(people)} people, {probes} probes ({missed} without a face)\n")
    rows = []
    for t in sorted({*THRESHOLDS, chosen}):
        misses = sum(d > t for d in genuine)
        false = sum(d <= t for d in impostor)
        rows.append(
            [
                f"{t:.2f}" + (" (chosen)" if t == chosen else ""),
                f"{false}/{len(impostor)} ({100 * false / max(1, len(impostor)):.1f} %)",
                f"{misses}/{len(genuine)} ({100 * misses / max(1, len(genuine)):.1f} %)",
                f"{(misses + missed)}/{probes} ({100 * (misses + missed) / max(1, probes):.1f} %)",
            ]
        )
    print_table(["threshold", "false match", "miss", "miss, all"], rows, rule=True)
    print(
        f"\nclosest impostor {min(impostor):.3f}; genuine median {np.median(genuine):.3f}, "
        f"p95 {np.percentile(genuine, 95):.3f}\n"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ic.DEFAULT_DATA, help="OLAT faces folder")
    parser.add_argument("--real", type=int, default=None, help="first N real people only")
    parser.add_argument("--cast-start", type=int, default=44, help="first synthetic seed")
    parser.add_argument("--cast-end", type=int, default=100, help="seed after the last one")
    parser.add_argument("--size", type=int, default=256, help="synthetic render side")
    parser.add_argument("--lights", type=int, default=32, help="synthetic rig lights")
    parser.add_argument("--margin", type=float, default=0.02, help="below the closest impostor")
    parser.add_argument(
        "--probe-detect",
        default=None,
        help="probe-side detection variants, comma-separated: UPSAMPLE:MAX_DETECT_SIDE "
        "(e.g. 1:512,0:512,0:640; /N: again with upsample N where no single face) or "
        "'inspect', monitoring inspection's own detection (the default), each run on the "
        "same re-encoded probes",
    )
    parser.add_argument(
        "--probe-upsample", type=int, default=None, help="one probe variant: this upsample"
    )
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args(argv)
    lightings = list(ic.PROBE_LIGHTS)
    if args.quick:
        args.real, args.cast_end, args.lights = 4, args.cast_start + 4, 16
        lightings = lightings[:2]

    from likeness.imaging.faces import FIRST_PASS_MIN_WIDTH, FaceAnalyzer
    from likeness.monitoring.index import MATCH_THRESHOLD
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG

    variants: list[tuple[int, int, int | None] | str]
    if args.probe_detect:
        variants = _parse_variants(args.probe_detect)
    elif args.probe_upsample is not None:
        variants = [(args.probe_upsample, PROBE_FACE_CONFIG.max_detect_side, None)]
    else:
        variants = ["inspect"]
    analyzer = FaceAnalyzer()  # the references: enrolment's analyzer, as stored
    probes = [_probe(variant) for variant in variants]
    seen: list[list[np.ndarray | None]] = [[] for _ in variants]
    # Every probe re-encoded, then found and embedded by each probe variant.
    ic.embed_single = _social_embedder(probes, seen)
    start = time.perf_counter()
    populations: list[tuple[str, list[ic.Person]]] = []
    if (args.data / "lights.csv").is_file():
        real = ic.real_people(args.data, args.real, analyzer, lightings)
        populations.append((f"real OLAT faces ({args.data.name})", real))
    else:
        print(f"(no OLAT faces at {args.data}: the real-people table is skipped)\n")
    cast = list(range(args.cast_start, args.cast_end))
    synthetic = ic.synthetic_people(cast, args.size, args.lights, analyzer, lightings)
    populations.append((f"synthetic cast, seeds {cast[0]}-{cast[-1]}", synthetic))

    failed = False
    for k, variant in enumerate(variants):
        at = 0
        runs: list[tuple[str, list[ic.Person]]] = []
        for title, people in populations:
            mine, at = _as_variant(people, seen[k], at)
            runs.append((title, mine))
        if isinstance(variant, str):
            probe = PROBE_FACE_CONFIG
            described = (
                f"as inspection detects them (upsample 0 first, kept from a face "
                f"{FIRST_PASS_MIN_WIDTH} px wide; else upsample={probe.upsample}), "
                f"max_detect_side={probe.max_detect_side}"
            )
        else:
            upsample, side, again = variant
            then = "" if again is None else f", then upsample={again} where no face"
            described = f"detected with upsample={upsample}, max_detect_side={side}{then}"
        print(f"# probes {described}\n")
        closest = min(min(study(people)[1]) for _, people in runs)
        suggested = float(np.floor((closest - args.margin) * 100) / 100)
        print(f"closest impostor over all: {closest:.3f}; suggested threshold {suggested:.2f}; ")
        print(f"MATCH_THRESHOLD is {MATCH_THRESHOLD:.2f}\n")
        for title, people in runs:
            table(title, people, MATCH_THRESHOLD)
        if closest <= MATCH_THRESHOLD:
            print(
                f"FAIL: a different person matched at {MATCH_THRESHOLD:.2f} (probes {described})",
                file=sys.stderr,
            )
            failed = True
    print(f"({time.perf_counter() - start:.0f} s; load average {os.getloadavg()})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
