"""Benchmark the compliance report (issue 23): ``likeness report compliance`` over 100,000
releases in at most 60 s on 2 cores.

The data home is seeded the way ``bench/portal.py`` seeds it (Core bulk inserts: one
talent and brand with 20 licenses, their consents and outputs, ``--releases`` released
assets, one use fee per release in the ledger), then the releases the report's seeded
sample will re-read get real files: stamped (label, watermark, XMP, signed C2PA),
sealed under the twin's key and stored, so the EU AI Act check does its real work
(decrypt, digest, C2PA, XMP, watermark) on every sampled file. Timed: the whole report
for the year, installation-wide (every rule), then its JSON and PDF renderings.

    python bench/compliance_report.py              # 100,000 releases, sample 200, SQLite
    python bench/compliance_report.py --quick      # 10,000 releases, sample 20 (CI)
    python bench/compliance_report.py --postgres postgresql+psycopg://u@host/db

Prints one table; exits 1 when the 60 s target is missed (not in ``--quick`` mode).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import exit_status, load_average, print_table
from portal import scratch_database, seed

TARGET_S = 60.0
SEED = 2026


def _stamped(asset_id: str, twin_id: str, license_id: str, settings: Any, n: int) -> bytes:
    import numpy as np
    from PIL import Image

    from likeness.provenance import Channel, StampConfig, StampInfo, stamp

    rng = np.random.default_rng(n)
    y, x = np.mgrid[0:600, 0:480]
    base = np.stack([60 + 120 * x / 480, 70 + 100 * y / 600, 120 + 40 * np.sin(x / 17)], -1)
    pixels = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=90)
    info = StampInfo(
        asset_id=asset_id, twin_id=twin_id, license_id=license_id,
        consent_sha256="c" * 64, approval_sha256="6" * 64, channel=Channel.INSTAGRAM,
    )  # fmt: skip
    return stamp(buf.getvalue(), info, StampConfig.from_settings(settings))


def real_files(settings: Any, ids: dict[str, str], period: str, sample: int) -> None:
    """Stamp, seal and store the files of the releases the report's sample will read, and
    record the approvals of the seeded outputs."""
    from sqlalchemy import update

    from likeness.asset.service import blob_role
    from likeness.compliance import report_repository as repo
    from likeness.compliance import rules
    from likeness.kit.clock import utcnow
    from likeness.models.asset import Asset
    from likeness.models.output import Output
    from likeness.runtime import Runtime
    from likeness.vault.keys import twin_key_name

    runtime = Runtime.from_settings(settings)
    storage = runtime.storage
    key = twin_key_name(ids["twin"])
    storage.cipher.create_key(key)
    window = rules.parse_period(period)
    with runtime.db.unit_of_work() as session:
        # the seeded outputs were written released without a review: record the approval
        # their releases carry, as the release path would have
        session.execute(update(Output).values(approval_sha256="6" * 64, reviewed_at=utcnow()))
        all_ids = repo.release_ids(session, repo.Scope(), window.start_at, window.end_at)
        chosen = [all_ids[i] for i in rules.sample_indices(len(all_ids), sample, SEED)]
        for n, asset_id in enumerate(chosen):
            data = _stamped(asset_id, ids["twin"], ids["license"], settings, n)
            blob = storage.blobs.put(storage.cipher.encrypt(key, data, role=blob_role(asset_id)))
            session.execute(
                update(Asset)
                .where(Asset.id == asset_id)
                .values(blob_key=blob, file_sha256=hashlib.sha256(data).hexdigest())
            )
    runtime.close()


def bench(label: str, postgres: str | None, releases: int, sample: int) -> list[list[str]]:
    from likeness.compliance.pdf import compliance_pdf
    from likeness.compliance.report import compliance_report
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.kit.clock import utcnow
    from likeness.provenance import VerifyConfig
    from likeness.runtime import Runtime
    from likeness.settings import Settings

    period = str(utcnow().year)
    with tempfile.TemporaryDirectory() as folder, scratch_database(postgres, Path(folder)) as url:
        settings = Settings(home=Path(folder) / "home", database_url=url)
        started = time.perf_counter()
        _users, ids = seed(settings, 10, releases)
        real_files(settings, ids, period, sample)
        seeded = time.perf_counter() - started
        runtime = Runtime.from_settings(settings)
        started = time.perf_counter()
        with runtime.db.unit_of_work() as session:
            report = compliance_report(
                session,
                SYSTEM_ACTOR,
                runtime.storage,
                lambda: VerifyConfig.from_settings(settings),
                period,
                sample_size=sample,
                seed=SEED,
            )
        took = time.perf_counter() - started
        started = time.perf_counter()
        body = report.to_json()
        json_s = time.perf_counter() - started
        started = time.perf_counter()
        pdf = compliance_pdf(report)
        pdf_s = time.perf_counter() - started
        runtime.close()
    summary = report.summary
    marking = next(r for r in report.results if r.code == "ai_act.marking")
    return [
        [
            label,
            f"{report.sample.population:,}",
            f"{marking.evidence:,}",
            f"{summary.passed}/{summary.rules}",
            f"{summary.exceptions:,}",
            f"{seeded:.1f}",
            f"{took:.2f}",
            f"{json_s:.2f} ({len(body):,} B)",
            f"{pdf_s:.2f} ({len(pdf):,} B)",
            f"{TARGET_S:.0f}",
            "ok" if took + pdf_s <= TARGET_S else "MISSED",
        ]
    ]


HEADER = [
    "database", "releases", "files re-read", "rules passed", "exceptions", "seed s",
    "report s", "json s", "pdf s", "target s", "verdict",
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 releases, sample 20")
    parser.add_argument("--releases", type=int, help="released assets (default 100,000)")
    parser.add_argument("--sample", type=int, help="files re-read (default 200)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LIKENESS_TEST_POSTGRES_URL") or None,
        help="also run on this PostgreSQL server (a scratch schema)",
    )
    args = parser.parse_args(argv)
    releases = args.releases or (10_000 if args.quick else 100_000)
    sample = args.sample or (20 if args.quick else 200)
    rows = bench("SQLite", None, releases, sample)
    if args.postgres:
        rows += bench("PostgreSQL", args.postgres, releases, sample)
    print(f"compliance report: {os.cpu_count()} CPUs, load {load_average()}")
    print_table(HEADER, rows)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
