"""Monitoring end to end: per image, per face against 100,000 talents, and a whole scan.

Three tables (issue 21, "Performance"):

* **per image** (the sources' and inspection's part): decode, faces, embeddings,
  watermark read and C2PA read of 640 px JPEG images (synthetic cast portraits, half of
  them carrying a Likeness watermark), one core, in images per second of CPU time.
  Target: ≥ 10 images/s/core.
* **match** (the index's part, ``bench/monitoring_match.py``): one face against N
  enrolled talents, p50/p99 per face, in process (and with pgvector given ``--pg`` or
  ``$LIKENESS_TEST_PGVECTOR_URL``). Target: p99 ≤ 2 ms at 100,000 talents.
* **scan**: a ``monitoring.scan`` job over a folder of those images in a fresh SQLite
  database with enrolled talents (one of them the portraits' person): source, inspection,
  match, verdict, finding, case, audit — wall images per second, and the cases opened.

    python bench/monitoring.py            # 60 images, 100,000 talents
    python bench/monitoring.py --quick    # CI: 8 images, 10,000 talents
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import exit_status, load_average, print_table

TARGET_IMAGES_PER_S = 10.0
SIDE = 640


def portraits(count: int, key: bytes) -> list[bytes]:
    """``count`` 640 px JPEGs of a few cast people; every other one watermarked."""
    import cv2
    from PIL import Image

    from likeness.capture.qc import to_preview
    from likeness.capture.synthetic import RigConfig, render_capture
    from likeness.provenance import library_watermarker

    marker = library_watermarker()
    people = [
        to_preview(v.full, v.alpha)
        for v in (
            render_capture(seed, RigConfig(size=SIDE, lights=8, yaws=(0.0,))).views[0]
            for seed in range(min(3, count))
        )
    ]
    out = []
    for n in range(count):
        rgb = np.ascontiguousarray(people[n % len(people)])
        if n % 2:
            rgb = marker.embed(rgb, secrets.token_bytes(8), key)
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=85 - (n % 3) * 5)
        out.append(buf.getvalue())
    cv2.setNumThreads(1)
    return out


def per_image_row(images: list[bytes], key: bytes) -> tuple[list[str], object]:
    from datetime import UTC, datetime

    from likeness.monitoring.findings import SourceImage
    from likeness.monitoring.inspect import InspectConfig, inspect_image
    from likeness.provenance import VerifyConfig, library_watermarker

    config = InspectConfig(
        verify=VerifyConfig(watermarker=library_watermarker(), watermark_key=key)
    )
    now = datetime.now(UTC)
    inspect_image(SourceImage("warm", images[0], now), config=config)  # load the models
    faces = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for n, data in enumerate(images):
        found = inspect_image(SourceImage(f"img-{n}.jpg", data, now), config=config)
        faces += len(found.faces)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rate = len(images) / cpu if cpu > 0 else float("inf")
    row = [
        "per image (640 px)",
        f"{len(images)}",
        f"{faces}",
        f"{len(images) / wall:.1f}",
        f"{rate:.1f}",
        "ok" if rate >= TARGET_IMAGES_PER_S else "MISSED",
    ]
    return row, config


def scan_row(images: list[bytes], config: object, talents: int) -> list[str]:
    """A whole scan job over a folder of ``images`` in a fresh database."""
    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.jobs.worker import JobContext
    from likeness.kit.db import Database
    from likeness.models.monitoring_index import MonitoringEnrolment
    from likeness.models.party import Role, TalentProfile, User
    from likeness.monitoring import index, inspect, service, sources
    from likeness.monitoring.enrolment import replace_references
    from likeness.runtime import Runtime
    from likeness.settings import Settings

    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        migrations.upgrade(url)
        db = Database(url, audit_key=b"k" * 32)
        with db.unit_of_work() as session:
            audit_service.seal_genesis(session)
        folder = root / "scan" / "fan.example.com"
        folder.mkdir(parents=True)
        for n, data in enumerate(images):
            (folder / f"img-{n}.jpg").write_bytes(data)
        assert isinstance(config, inspect.InspectConfig)
        first = inspect.inspect_image(
            sources.read_file(str(folder / "img-0.jpg"), sources.FetchLimits()),  # type: ignore[arg-type]
            config=config,
        )
        rng = np.random.default_rng(3)
        with db.unit_of_work() as session:
            for n in range(talents):
                user = User(email=f"b{n}@bench.invalid", display_name=f"b{n}", role=Role.talent)
                session.add(user)
                session.flush()
                talent = TalentProfile(user_id=user.id, legal_name=f"Bench {n}")
                session.add(talent)
                session.flush()
                session.add(MonitoringEnrolment(talent_id=talent.id, enrolled=True))
                ref = (
                    first.faces[0].embedding
                    if n == 0 and first.faces
                    else rng.normal(0.0, 0.9 / np.sqrt(256), 128).astype(np.float32)
                )
                replace_references(session, talent.id, [("bench", ref)])
            scan = service.request_scan(session, SYSTEM_ACTOR, str(root / "scan"))
            scan_id = scan.id
        index.forget_cached()
        runtime = Runtime(Settings(home=root / "home", database_url=url), db)
        parts = service.ScanParts(
            open_source=lambda spec: sources.open_source(spec),
            inspect=lambda image: inspect.inspect_image(image, config=config),
            index_for=index.index_for,
            refetch=sources.refetch,
        )
        ctx = JobContext(
            job_id="bench",
            kind=service.JOB_KIND,
            payload={"scan_id": scan_id},
            attempt=1,
            max_attempts=1,
            cache={},
            runtime=runtime,
            _beat=lambda fraction, message: True,
        )
        t0 = time.perf_counter()
        result = service.run_scan(ctx, parts)
        wall = time.perf_counter() - t0
        db.dispose()
    return [
        "scan job (folder → cases)",
        f"{result['images']}",
        f"{talents:,} talents",
        f"{len(images) / wall:.1f}",
        f"cases opened {result['cases_opened']}",
        "ok" if result["cases_opened"] else "MISSED",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--talents", type=int, default=100_000)
    parser.add_argument("--scan-talents", type=int, default=2_000)
    parser.add_argument("--pg", default=os.environ.get("LIKENESS_TEST_PGVECTOR_URL") or None)
    parser.add_argument("--quick", action="store_true", help="8 images, 10,000 talents")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.talents, args.scan_talents = 8, 10_000, 200
    key = secrets.token_bytes(32)
    images = portraits(args.images, key)
    image_row, config = per_image_row(images, key)
    print(f"monitoring (load average {load_average()}; one core)\n")
    print_table(
        ["step", "images", "faces / talents", "wall img/s", "CPU img/s/core or note", "target"],
        [image_row, scan_row(images, config, args.scan_talents)],
        rule=True,
    )
    from monitoring_match import match_rows

    rows = match_rows(args.talents, 200 if args.quick else 2_000, args.pg)
    print()
    print_table(["index", "talents", "p50 ms", "p99 ms", "note", "p99 ≤ 2 ms"], rows, rule=True)
    return exit_status([image_row, *rows], args.quick)


if __name__ == "__main__":
    sys.exit(main())
