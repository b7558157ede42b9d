"""Benchmark captures and twins: synthetic rig, ingest, QC and twin build.

Renders a synthetic session (default 3 views × 64 lights at 1024²), then runs the real
services against a scratch SQLite database and blob folder: ingest (validate every file,
seal it, store it), QC (faces, identity, exposure, coverage, sharpness over every
frame) and twin build (QC again, compressed float16 OLAT basis, mattes, thumbnails,
identity, all sealed). QC throughput is images checked per second per core (the run is
single-threaded: OpenCV and dlib are pinned to one thread).

With the development OLAT faces beside the repository (``../shared/data/olat-faces``,
or ``--identity-data DIR``), it also measures same-person and different-person
embedding distances on real people, the evidence for ``IDENTITY_THRESHOLD``; it skips
that part when the folder is absent.

    python bench/twin.py                               # full size
    python bench/twin.py --size 256 --lights 16        # quick
    python bench/twin.py --identities 20 --skip-pipeline   # are seeds 0-19 20 people?
    python bench/twin.py --rig-only                        # the synthetic rig alone
    python bench/twin.py --qc-seeds 40 --skip-pipeline     # QC verdicts of seeds 0-39

``--identities N`` renders the frontal view of N synthetic seeds from
``--identity-start`` (at ``--identity-size``, 16 lights) and prints the distribution of
pairwise embedding distances: how reliably different seeds are different people to
dlib. ``--rig-only`` times the synthetic rig alone, with one and two threads.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="image side (default 1024)")
    parser.add_argument("--views", type=int, default=3, help="camera views (default 3)")
    parser.add_argument("--lights", type=int, default=64, help="OLAT lights (default 64)")
    parser.add_argument("--seed", type=int, default=7, help="synthetic person (default 7)")
    parser.add_argument(
        "--identity-data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "olat-faces",
        help="real OLAT faces for the identity-threshold table (skipped when absent)",
    )
    parser.add_argument("--skip-pipeline", action="store_true", help="only the identity tables")
    parser.add_argument(
        "--rig-only",
        action="store_true",
        help="only time the synthetic rig (write_capture with 1 and 2 threads)",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="rig threads in the pipeline run (default 2)"
    )
    parser.add_argument(
        "--identities",
        type=int,
        default=0,
        metavar="N",
        help="pairwise identity distances between N synthetic seeds (default off)",
    )
    parser.add_argument(
        "--identity-start", type=int, default=0, help="first seed for --identities (default 0)"
    )
    parser.add_argument(
        "--identity-size", type=int, default=256, help="frontal render size for --identities"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small size for CI: checks the bench still runs (overrides the sizes)",
    )
    parser.add_argument(
        "--qc-seeds",
        type=int,
        default=0,
        metavar="N",
        help="QC on seeds 0..N-1 (3 views × 16 lights at --identity-size; default off)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.views, args.lights = 256, 3, 16
    if args.rig_only:
        rig_table(args.size, args.views, args.lights, args.seed)
        return 0
    if args.identities:
        if args.identities < 2:
            parser.error("--identities needs at least 2 seeds")
        synthetic_identity_table(args.identities, args.identity_size, args.identity_start)
    if args.qc_seeds:
        qc_seed_table(args.qc_seeds, args.identity_size)
    if (args.identity_data / "lights.csv").is_file():
        identity_table(args.identity_data)
    else:
        print(f"identity table skipped: no OLAT faces at {args.identity_data}\n")
    if args.skip_pipeline:
        return 0

    import cv2

    cv2.setNumThreads(1)
    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.auth.service import actor_for_user
    from likeness.capture import service as captures
    from likeness.capture.synthetic import RigConfig, default_yaws, write_capture
    from likeness.consent import service as consents
    from likeness.consent.schemas import CreationConsentCreate
    from likeness.consent.signing import AFFIRMATION
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.imaging.faces import FaceAnalyzer
    from likeness.kit.clock import utcnow
    from likeness.kit.db import Database
    from likeness.licensing import service as licensing
    from likeness.models.party import Role
    from likeness.party import service as party
    from likeness.party.schemas import TalentCreate, UserCreate
    from likeness.storage import FsspecBlobStore
    from likeness.storage.intents import IntentJournal
    from likeness.twin import service as twins
    from likeness.vault.crypto import FileKeyVault, InMemoryMasterKey, TwinCipher
    from likeness.vault.deps import StorageDeps

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as tmp:
        root = Path(tmp)
        config = RigConfig(yaws=default_yaws(args.views), lights=args.lights, size=args.size)
        t0, cpu0 = time.perf_counter(), time.process_time()
        write_capture(root / "capture", seed=args.seed, config=config, threads=args.threads)
        synth_s, synth_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        frames = args.views * (args.lights + 1)
        rows.append(
            (
                f"synthetic rig (render + write, {args.threads} threads)",
                f"{synth_s:.1f} s ({synth_cpu:.1f} s CPU)",
            )
        )

        url = f"sqlite:///{root / 'bench.db'}"
        migrations.upgrade(url)
        db = Database(url, audit_key=b"k" * 32)
        with db.unit_of_work() as session:
            audit_service.seal_genesis(session)
        deps = StorageDeps(
            FsspecBlobStore(f"file://{root / 'blobs'}"),
            TwinCipher(InMemoryMasterKey(), FileKeyVault(root / "vault")),
            IntentJournal(root / "intents"),
        )
        analyzer = FaceAnalyzer()
        with db.unit_of_work() as session:
            user = party.create_user(
                session,
                SYSTEM_ACTOR,
                UserCreate(email="bench@example.com", display_name="Bench", role=Role.talent),
            )
            talent = party.create_talent(
                session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name="Bench Person")
            )
            actor = actor_for_user(session, user, via="bench")
            consent = twins.create_creation_consent(
                session,
                actor,
                CreationConsentCreate(
                    talent_id=talent.id,
                    purpose="Benchmark twin",
                    valid_until=utcnow() + timedelta(days=30),
                ),
            )
            licensing.sign_consent(
                session, actor, consent.id, consents.Intent("Bench Person", AFFIRMATION), None
            )
            talent_id = talent.id

        with db.unit_of_work() as session:
            t0 = time.perf_counter()
            row = captures.ingest(session, actor, deps, root / "capture", talent_id)
            ingest_s = time.perf_counter() - t0
            session_id = row.id
        rows.append(("ingest (validate, seal, store)", f"{ingest_s:.1f} s"))

        with db.unit_of_work() as session:
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            report = captures.run_session_qc(session, actor, deps, session_id, analyzer=analyzer)
            qc_s = time.perf_counter() - t0
            qc_cpu = time.process_time() - cpu0
        rows.append(("QC", f"{qc_s:.1f} s ({'pass' if report.passed else 'FAIL'})"))
        for check in report.checks:
            if check.code.startswith(("face.", "identity.", "sharpness")):
                value = "" if check.value is None else f" {check.value:.3f}"
                verdict = "pass" if check.passed else "FAIL"
                rows.append((f"  QC {check.code}", f"{verdict}{value}: {check.detail}"))
        rows.append(("QC throughput", f"{report.images / qc_cpu:.1f} images/s/core"))

        with db.unit_of_work() as session:
            t0 = time.perf_counter()
            version = twins.build(session, actor, deps, talent_id, session_id, analyzer=analyzer)
            build_s = time.perf_counter() - t0
        rows.append(("twin build (QC + basis + seal)", f"{build_s:.1f} s"))
        rows.append(("ingest + QC + build", f"{ingest_s + qc_s + build_s:.1f} s"))
        stored = sum(f.stat().st_size for f in (root / "blobs").rglob("*") if f.is_file())
        rows.append(("stored (sealed) bytes", f"{stored / 1e6:.0f} MB"))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("peak memory", f"{rss:.0f} MB"))
        db.dispose()

    title = (
        f"twin pipeline: {args.views} views × {args.lights} lights at {args.size}², "
        f"{frames} frames, seed {args.seed}, version {version.version}"
    )
    width = max(len(k) for k, _ in rows)
    print(title)
    print("-" * len(title))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0 if report.passed else 1


def rig_table(size: int, views: int, lights: int, seed: int) -> None:
    """Wall and CPU time of ``write_capture`` with one and two threads, and load."""
    from likeness.capture.synthetic import RigConfig, default_yaws, write_capture

    config = RigConfig(yaws=default_yaws(views), lights=lights, size=size)
    load = os.getloadavg()[0]
    title = (
        f"synthetic rig: write_capture, {views} views × {lights} lights at {size}², "
        f"seed {seed}, {os.cpu_count()} cores, load {load:.1f} at start"
    )
    print(title)
    print("-" * len(title))
    for threads in (1, 2):
        with tempfile.TemporaryDirectory(prefix="likeness-rig-") as tmp:
            t0, cpu0 = time.perf_counter(), time.process_time()
            write_capture(Path(tmp) / "c", seed=seed, config=config, threads=threads)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(
            f"{threads} thread{'s' if threads > 1 else ' '}  wall {wall:6.1f} s  CPU {cpu:6.1f} s"
        )
    print()


def synthetic_identity_table(count: int, size: int, start: int = 0) -> None:
    """Pairwise embedding distances between the frontal views of ``count`` seeds."""
    import numpy as np

    from likeness.capture.qc import to_preview
    from likeness.capture.synthetic import RigConfig, render_capture
    from likeness.imaging.faces import IDENTITY_THRESHOLD, FaceAnalyzer, identity_distance

    analyzer = FaceAnalyzer()
    config = RigConfig(size=size, lights=16, shadow_resolution=size, yaws=(0.0,))
    embeddings = {}
    t0 = time.perf_counter()
    for seed in range(start, start + count):
        view = render_capture(seed, config).views[0]
        vector = analyzer.embed_largest(to_preview(view.full, view.alpha))
        if vector is not None:
            embeddings[seed] = vector
    per_seed = (time.perf_counter() - t0) / count
    distance = {
        (a, b): identity_distance(embeddings[a], embeddings[b])
        for a, b in itertools.combinations(sorted(embeddings), 2)
    }
    values = np.array(list(distance.values()))
    adjacent = [d for (a, b), d in distance.items() if b == a + 1]
    closest = min(distance, key=distance.__getitem__)
    title = (
        f"synthetic identities: seeds {start}-{start + count - 1}, frontal {size}², 16 lights "
        f"({per_seed:.1f} s per seed incl. embedding)"
    )
    print(title)
    print("-" * len(title))
    print(f"faces found           {len(embeddings)} / {count}")
    print(f"pairs                 {len(values)}")
    print(
        f"distance              min {values.min():.3f}  p5 {np.percentile(values, 5):.3f}  "
        f"median {np.median(values):.3f}  mean {values.mean():.3f}"
    )
    print(f"closest pair          seeds {closest[0]} and {closest[1]}")
    over = 100 * (values > IDENTITY_THRESHOLD).mean()
    print(f"> {IDENTITY_THRESHOLD} (different)     {over:.1f} %")
    separated = sum(d > IDENTITY_THRESHOLD for d in adjacent)
    print(f"adjacent seeds apart  {separated} / {len(adjacent)}")
    print()


def qc_seed_table(count: int, size: int) -> None:
    """QC verdicts of seeds 0..count-1 on small 3-view, 16-light sessions."""
    from likeness.capture.qc import run_qc, views_from_synthetic
    from likeness.capture.synthetic import RigConfig, default_yaws, render_capture
    from likeness.imaging.faces import IDENTITY_THRESHOLD, FaceAnalyzer

    analyzer = FaceAnalyzer()
    config = RigConfig(yaws=default_yaws(3), lights=16, size=size, shadow_resolution=size)
    worst: dict[int, float] = {}
    failed: list[str] = []
    for seed in range(count):
        capture = render_capture(seed, config)
        report = run_qc(views_from_synthetic(capture), capture.light_dirs, analyzer=analyzer)
        worst[seed] = report.check("identity.consistent").value or 0.0
        if not report.passed:
            codes = ",".join(c.code for c in report.failures())
            failed.append(f"{seed} ({codes} {worst[seed]:.3f})")
    title = f"synthetic QC: seeds 0-{count - 1}, 3 views × 16 lights at {size}²"
    print(title)
    print("-" * len(title))
    print(f"pass                  {count - len(failed)} / {count}")
    print(f"identity worst        max {max(worst.values()):.3f} (threshold {IDENTITY_THRESHOLD})")
    print(f"failed                {', '.join(failed) or 'none'}")
    print()


def identity_table(root: Path) -> None:
    """Embedding distances between frames of the same and of different real people."""
    import cv2
    import numpy as np

    from likeness.imaging.faces import IDENTITY_THRESHOLD, FaceAnalyzer, identity_distance

    analyzer = FaceAnalyzer()
    embeddings: dict[str, list[object]] = {}
    frames = missed = 0
    with (root / "lights.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["azimuth_deg"]:
                continue
            if abs(float(row["azimuth_deg"])) > 25 or abs(float(row["elevation_deg"])) > 25:
                continue  # QC embeds well-lit frames only
            gray = cv2.imread(str(root / row["file"]), cv2.IMREAD_GRAYSCALE)
            frames += 1
            vector = analyzer.embed_largest(gray) if gray is not None else None
            if vector is None:
                missed += 1
                continue
            embeddings.setdefault(row["subject"], []).append(vector)
    same = np.array(
        [
            identity_distance(a, b)  # type: ignore[arg-type]
            for vs in embeddings.values()
            for a, b in itertools.combinations(vs, 2)
        ]
    )
    diff = np.array(
        [
            identity_distance(a, b)  # type: ignore[arg-type]
            for s, t in itertools.combinations(embeddings, 2)
            for a in embeddings[s]
            for b in embeddings[t]
        ]
    )
    title = (
        f"identity threshold on real OLAT faces: {len(embeddings)} people, "
        f"{frames} frames lit within 25° of the camera ({missed} without a detected face)"
    )
    print(title)
    print("-" * len(title))
    print(
        f"same person       pairs {len(same):6d}  mean {same.mean():.3f}  "
        f"p99 {np.percentile(same, 99):.3f}  max {same.max():.3f}"
    )
    print(
        f"different people  pairs {len(diff):6d}  mean {diff.mean():.3f}  "
        f"p1 {np.percentile(diff, 1):.3f}  min {diff.min():.3f}"
    )
    for threshold in sorted({0.45, 0.5, 0.55, 0.6, IDENTITY_THRESHOLD}):
        mark = "  <- IDENTITY_THRESHOLD" if threshold == IDENTITY_THRESHOLD else ""
        print(
            f"threshold {threshold:.2f}: false reject {100 * (same > threshold).mean():5.2f} %  "
            f"false accept {100 * (diff <= threshold).mean():5.2f} %{mark}"
        )
    print()


if __name__ == "__main__":
    sys.exit(main())
