"""Pick the synthetic rig's cast: candidate draws that dlib sees as different people.

Independent draws of the rig's traits make look-alikes (decision record 0007), so the
first ``CAST_SIZE`` seeds map to picked draws of a casting pool
(``SyntheticIdentity.cast_candidate(i)``). This script is how they are picked, so the
table in ``likeness/capture/_synth_identity.py`` can be rebuilt after the renderer
changes:

1. Embed every candidate's frontal ``full`` frame with dlib in two renders: 192 px /
   8 lights / 128-px shadow maps (the unit test's) and 256 px / 16 lights (the
   benchmark's). Two candidates are *apart* when both distances exceed the identity
   threshold plus ``--margin``.
2. Find a large set of candidates all apart from one another and from the pinned
   members (``--pin``: people some tests and the demo rely on), by randomised greedy
   search over the "apart" graph (``--restarts`` tries), ordered max-min around the
   pins so that the first seeds are the most distinct. Then extend it to ``--cast``
   members, each time adding the candidate with the fewest look-alikes among those
   already cast (and never one that looks like the seed before it); then swap out the
   worst members while that cuts look-alikes.
3. Run capture QC on a 3-view, 16-light, 256-px session of every member; members that
   fail any check are dropped and the pick is redone without them.

It prints the cast tuple and the separation of its prefixes. Embeddings are cached
(``--cache``), so reruns with other sizes are quick.

    python bench/pick_cast.py --candidates 1200          # the current cast
    python bench/pick_cast.py --candidates 120 --cast 30 --jobs 1     # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

_ANALYZER = None
#: Seed -> candidate for the seeds the demo (7) and other tests use (0, 3, 4): 3, 4 and
#: 7 stay the people they were in the first, 20-seed cast; seed 0 is the core member
#: whose QC identity spread is lowest across the 2-view 8-light, 3-view 16-light and
#: 192-px test sessions (the old seed 0 fails the 8-light one by 0.02 since the
#: sensor-noise change). Seed 11 (candidate 176) was pinned too until the 5-point
#: switch: at the 0.45 threshold one frontal single-light frame of its 3-view 16-light
#: session sits 0.463 from the medoid, so it fails QC; no test needs its face.
_DEFAULT_PINS = ("0=585", "3=227", "4=159", "7=123")


def _analyzer():  # type: ignore[no-untyped-def]
    global _ANALYZER
    if _ANALYZER is None:
        from likeness.imaging.faces import FaceAnalyzer

        _ANALYZER = FaceAnalyzer()
    return _ANALYZER


def _configs():  # type: ignore[no-untyped-def]
    from likeness.capture.synthetic import RigConfig

    return (
        RigConfig(size=192, lights=8, shadow_resolution=128, yaws=(0.0,)),
        RigConfig(size=256, lights=16, shadow_resolution=256, yaws=(0.0,)),
    )


def embed_candidate(index: int) -> tuple[int, list[np.ndarray | None]]:
    """Frontal embeddings of candidate ``index`` in each configuration (None: no face)."""
    from likeness.capture.qc import to_preview
    from likeness.capture.synthetic import SyntheticIdentity, render_capture

    identity = SyntheticIdentity.cast_candidate(index)
    out: list[np.ndarray | None] = []
    for config in _configs():
        view = render_capture(identity, config, threads=1).views[0]
        out.append(_analyzer().embed_largest(to_preview(view.full, view.alpha)))
    return index, out


def qc_candidate(index: int) -> tuple[int, str]:
    """ "" when a 3-view 16-light 256-px session passes QC, else the failed checks."""
    from likeness.capture.qc import run_qc, views_from_synthetic
    from likeness.capture.synthetic import RigConfig, SyntheticIdentity, render_capture

    config = RigConfig(size=256, lights=16, shadow_resolution=256)
    capture = render_capture(SyntheticIdentity.cast_candidate(index), config, threads=1)
    report = run_qc(views_from_synthetic(capture), capture.light_dirs, analyzer=_analyzer())
    return index, ",".join(c.code for c in report.failures())


def _pairwise(vectors: np.ndarray) -> np.ndarray:
    diff = vectors[:, None, :] - vectors[None, :, :]
    return np.sqrt((diff.astype(np.float64) ** 2).sum(-1))


def clique(
    apart: np.ndarray,
    pool: np.ndarray,
    restarts: int,
    rng: np.random.Generator,
    start: Sequence[int] = (),
) -> list[int]:
    """A large set of ``pool`` members all apart from one another and from ``start``.

    Randomised greedy: the first try is deterministic, the others perturb it.
    """
    best: list[int] = list(start)
    first = pool[apart[np.ix_(pool, list(start))].all(1)] if start else pool
    for attempt in range(restarts):
        chosen: list[int] = list(start)
        open_ = first.copy()
        while len(open_):
            # Keep the options open: prefer the candidate apart from most others left.
            degree = apart[np.ix_(open_, open_)].sum(1).astype(float)
            if attempt:
                degree += rng.uniform(0, 2.0, len(degree))
            pick = int(open_[int(np.argmax(degree))])
            chosen.append(pick)
            open_ = open_[apart[pick, open_]]
        if len(chosen) > len(best):
            best = chosen
    return best


def max_min_order(
    members: list[int], distance: np.ndarray, pins: dict[int, int] | None = None
) -> list[int]:
    """Order ``members`` so that each prefix is as spread out as possible.

    ``pins`` (seed -> candidate) are placed at their seeds; the rest fill in around.
    """
    pins = pins or {}
    ordered = _spread([m for m in members if m not in pins.values()], distance)
    for seed in sorted(pins):
        ordered.insert(seed, pins[seed])
    return ordered


def _spread(members: list[int], distance: np.ndarray) -> list[int]:
    if len(members) < 2:
        return list(members)
    sub = distance[np.ix_(members, members)]
    i, j = np.unravel_index(np.argmax(sub), sub.shape)
    order = [int(i), int(j)]
    while len(order) < len(members):
        rest = [k for k in range(len(members)) if k not in order]
        nearest = sub[np.ix_(rest, order)].min(1)
        order.append(rest[int(np.argmax(nearest))])
    return [members[k] for k in order]


def extend(
    cast: list[int], pool: np.ndarray, apart: np.ndarray, distance: np.ndarray, size: int
) -> list[int]:
    """Add candidates with the fewest look-alikes in the cast, neighbours always apart."""
    cast = list(cast)
    left = [int(k) for k in pool if k not in cast]
    while len(cast) < size and left:
        idx = np.array(left)
        clashes = (~apart[np.ix_(idx, cast)]).sum(1)
        nearest = distance[np.ix_(idx, cast)].min(1)
        fits = apart[idx, cast[-1]]
        score = clashes - 1e-3 * nearest + 1e6 * ~fits
        pick = int(idx[int(np.argmin(score))])
        cast.append(pick)
        left.remove(pick)
    return cast


def improve(
    cast: list[int],
    fixed: int,
    pool: np.ndarray,
    apart: np.ndarray,
    distance: np.ndarray,
    threshold: float,
    rounds: int = 2000,
) -> list[int]:
    """Swap members after the first ``fixed`` for outsiders while that cuts look-alikes.

    A look-alike pair costs 1 plus how far it sits under the threshold, so a swap that
    trades a near-identical pair for a borderline one also counts as progress.
    """
    cast = list(cast)

    def cost(candidates: np.ndarray, others: list[int]) -> np.ndarray:
        d = distance[np.ix_(candidates, others)]
        clash = ~apart[np.ix_(candidates, others)]
        total: np.ndarray = (clash * (1.0 + np.clip(threshold - d, 0, None) * 4)).sum(1)
        return total

    for _ in range(rounds):
        members = np.array(cast)
        own = np.array(
            [cost(members[k : k + 1], cast[:k] + cast[k + 1 :])[0] for k in range(len(cast))]
        )
        own[:fixed] = -1
        worst = int(np.argmax(own))
        if own[worst] <= 0:
            break
        others = cast[:worst] + cast[worst + 1 :]
        outside = np.array([int(k) for k in pool if k not in cast])
        if not len(outside):
            break
        fits = np.ones(len(outside), bool)
        for neighbour in (worst - 1, worst + 1):
            if 0 <= neighbour < len(cast):
                fits &= apart[outside, cast[neighbour]]
        trial = cost(outside, others) + 1e6 * ~fits
        best = int(np.argmin(trial))
        if trial[best] >= own[worst] - 1e-9:
            break
        cast[worst] = int(outside[best])
    return cast


def separation(cast: Sequence[int], distance: np.ndarray, threshold: float) -> str:
    sub = distance[np.ix_(cast, cast)]
    pairs = sub[np.triu_indices(len(cast), 1)]
    neighbours = sum(sub[k, k + 1] > threshold for k in range(len(cast) - 1))
    return (
        f"{100 * (pairs > threshold).mean():6.1f} %  min {pairs.min():.3f}  "
        f"median {np.median(pairs):.3f}  neighbours apart {neighbours}/{len(cast) - 1}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1200, help="pool size (default 1200)")
    parser.add_argument("--cast", type=int, default=100, help="cast size (default 100)")
    parser.add_argument(
        "--margin", type=float, default=0.02, help="apart means > threshold + margin"
    )
    parser.add_argument("--restarts", type=int, default=300, help="greedy clique tries")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="tie-breaking randomness")
    parser.add_argument(
        "--pin",
        action="append",
        metavar="SEED=CANDIDATE",
        help=(
            "fix a seed's person (repeatable); default: the people seeds 0, 3, 4 and 7 "
            "are for the tests and the demo (see _DEFAULT_PINS)"
        ),
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "likeness-pick-cast.npz",
        help="embedding cache; delete it after the renderer changes (default: in TMPDIR)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small size for CI: checks the bench still runs (overrides the sizes)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        # A handful of fresh candidates and no pins: every step runs, on a private cache.
        args.candidates, args.cast, args.restarts, args.pin = 8, 3, 5, []
        quick_dir = tempfile.TemporaryDirectory(prefix="likeness-pick-cast-")
        args.cache = Path(quick_dir.name) / "cache.npz"
    from likeness.imaging.faces import IDENTITY_THRESHOLD

    threshold = IDENTITY_THRESHOLD
    pins = {
        int(seed): int(candidate)
        for seed, candidate in (
            p.split("=") for p in (_DEFAULT_PINS if args.pin is None else args.pin)
        )
    }
    cached: dict[int, list[np.ndarray | None]] = {}
    if args.cache.is_file():
        data = np.load(args.cache)
        for k, index in enumerate(data["index"]):
            cached[int(index)] = [
                data["a"][k] if data["found"][k, 0] else None,
                data["b"][k] if data["found"][k, 1] else None,
            ]
    todo = [i for i in range(args.candidates) if i not in cached]
    t0 = time.perf_counter()
    with Pool(args.jobs) as workers:
        for done, (index, vectors) in enumerate(
            workers.imap_unordered(embed_candidate, todo, chunksize=4), 1
        ):
            cached[index] = vectors
            if done % 100 == 0:  # an interrupted run keeps its work
                _save(args.cache, cached)
        if todo:
            _save(args.cache, cached)
        embed_s = (time.perf_counter() - t0) / max(1, len(todo))
        indices = np.arange(args.candidates)
        found = np.array([all(v is not None for v in cached[i]) for i in indices])
        vectors = [
            np.stack([cached[i][c] if found[i] else np.zeros(128) for i in indices])  # type: ignore[misc]
            for c in range(2)
        ]
        both = np.stack([_pairwise(v) for v in vectors])
        distance = both.min(0)
        apart = (both > threshold + args.margin).all(0)
        np.fill_diagonal(apart, False)
        qc_cache = args.cache.with_suffix(".qc.json")
        qc: dict[int, str] = (
            {int(k): v for k, v in json.loads(qc_cache.read_text()).items()}
            if qc_cache.is_file()
            else {}
        )
        while True:
            pool = indices[found & np.array([qc.get(int(i), "") == "" for i in indices])]
            missing = [c for c in pins.values() if c not in pool]
            if missing:
                parser.error(f"pinned candidates without a face or failing QC: {missing}")
            # Fresh randomness each round: the pick depends only on the QC results.
            rng = np.random.default_rng(args.seed)
            members = clique(apart, pool, args.restarts, rng, start=list(pins.values()))
            block = max_min_order(members, distance, pins)
            cast = extend(block, pool, apart, distance, args.cast)
            cast = improve(cast, len(block), pool, apart, distance, threshold)
            placed = len(block) > max(pins, default=-1)
            if not placed or any(block[seed] != c for seed, c in pins.items()):
                parser.error("pinned candidates are not all apart from one another")
            unchecked = [k for k in cast if k not in qc]
            if not unchecked:
                break
            for index, failed in workers.imap_unordered(qc_candidate, unchecked):
                qc[index] = failed
            qc_cache.write_text(json.dumps(qc, sort_keys=True))
    failed_qc = {k: v for k, v in qc.items() if v}
    print(
        f"pool: {args.candidates} candidates, {int(found.sum())} with a face in both renders "
        f"({embed_s:.2f} s per new candidate, {args.jobs} jobs); "
        f"apart: > {threshold} + {args.margin} at 192 px / 8 lights and 256 px / 16 lights"
    )
    print(f"QC on 3 views x 16 lights at 256 px: {len(qc)} checked, {len(failed_qc)} failed")
    for index, codes in sorted(failed_qc.items()):
        print(f"  candidate {index}: {codes}")
    print(f"all-apart block: seeds 0-{len(block) - 1}")
    print()
    print(f"seeds        pairs > {threshold} (min of both renders)")
    for n in sorted({12, 20, len(block), 50, len(cast)}):
        if 2 <= n <= len(cast):
            print(f"0-{n - 1:<8d}  {separation(cast[:n], distance, threshold)}")
    print()
    print(f"_CAST_BLOCK = {len(block)}")
    print("_CAST = (")
    for k in range(0, len(cast), 12):
        print("    " + ", ".join(str(c) for c in cast[k : k + 12]) + ",")
    print(")  # fmt: skip")
    return 0


def _save(path: Path, cached: dict[int, list[np.ndarray | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    index = np.array(sorted(cached))
    found = np.array([[v is not None for v in cached[i]] for i in index])
    vecs = [
        np.stack([cached[i][c] if cached[i][c] is not None else np.zeros(128) for i in index])  # type: ignore[misc]
        for c in range(2)
    ]
    np.savez(path, index=index, found=found, a=vecs[0], b=vecs[1])


if __name__ == "__main__":
    sys.exit(main())
