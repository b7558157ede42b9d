"""Benchmark the asset registry's lookups (issue 17).

* **public lookup** — ``asset.service.public_lookup`` by full id and by 16-hex mark, one
  unit of work per lookup (what ``GET /api/v1/verify/{asset_id}`` runs, the settle of the
  asset's license included, HTTP aside), over ``--assets`` registered assets (1,000,000;
  ``--quick``: 10,000) bulk-inserted with Core ``executemany``. Target: p99 ≤ 5 ms, on
  SQLite and on PostgreSQL (``--postgres URL``, or ``LIKENESS_TEST_POSTGRES_URL`` as
  ``.ci/run`` sets it for ``make bench-quick``; the rows go into a scratch schema that is
  dropped afterwards).
* **verify a released file** — a 1080×1350 JPEG stamped with ``provenance.stamp``
  (label, watermark, signed C2PA), then ``provenance.verify`` plus the registry lookup
  of the asset it names (what ``likeness verify`` does). Target: median ≤ 0.25 s.

The script prints one table and exits 1 when a target is missed (not in ``--quick``
mode, whose registry is small and whose timings are only a smoke test).

    python bench/release.py                          # 1,000,000 assets, SQLite
    python bench/release.py --postgres postgresql+psycopg://u@host/db
    python bench/release.py --quick                  # 10,000 assets (CI)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from _common import exit_status, load_average, percentile, print_table

TARGET_LOOKUP_P99_MS = 5.0
TARGET_VERIFY_S = 0.25
BATCH = 10_000
LICENSES = 100


@contextmanager
def scratch_database(postgres_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server (dropped after)."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str, assets: int) -> tuple[object, list[str]]:
    """Migrate, make a talent, a brand, ``LICENSES`` active licenses (each with its use
    consent and one output), then ``assets`` asset rows; returns (db, sample ids)."""
    from sqlalchemy import insert

    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.kit.clock import utcnow
    from likeness.kit.db import Database
    from likeness.models.asset import Asset, AssetKind, AssetStatus
    from likeness.models.base import new_id
    from likeness.models.consent import Consent
    from likeness.models.license import License
    from likeness.models.output import Output, OutputStatus
    from likeness.models.party import Brand, Role, TalentProfile, User
    from likeness.models.twin import Twin, TwinStatus
    from likeness.policy import ConsentKind, ConsentStatus, LicenseStatus

    audit_key = secrets.token_bytes(32)
    migrations.upgrade(url)
    db = Database(url, audit_key=audit_key)
    now = utcnow()
    start, end = now - timedelta(days=1), now + timedelta(days=365)
    terms = json.dumps({"takedown_days": 30})
    with db.unit_of_work() as session:
        audit_service.seal_genesis(session)  # a blank database, sealed with this run's key
        user = User(email="bench@example.com", display_name="bench", role=Role.talent)
        session.add(user)
        session.flush()
        talent = TalentProfile(user_id=user.id, legal_name="Bench Talent")
        brand = Brand(name="Bench Brand")
        session.add_all([talent, brand])
        session.flush()
        twin = Twin(talent_id=talent.id, status=TwinStatus.active, latest_version=1)
        session.add(twin)
        session.flush()
        outputs: list[tuple[str, str, str]] = []  # (output, license, consent)
        for _ in range(LICENSES):
            lic = License(
                talent_id=talent.id, brand_id=brand.id, status=LicenseStatus.active,
                terms=terms, terms_sha256="0" * 64, starts_at=start, ends_at=end,
            )  # fmt: skip
            session.add(lic)
            session.flush()
            consent = Consent(
                kind=ConsentKind.use, status=ConsentStatus.signed, talent_id=talent.id,
                license_id=lic.id, document="{}", document_sha256="1" * 64,
                valid_from=start, valid_until=end, signed_at=start,
            )  # fmt: skip
            session.add(consent)
            session.flush()
            out = Output(
                license_id=lic.id, twin_id=twin.id, twin_version=1, talent_id=talent.id,
                brand_id=brand.id, status=OutputStatus.released, version=1, use_json="{}",
                decision_json="{}", decision_sha256="2" * 64, consent_id=consent.id,
                engine="bench", engine_params="{}", blob_key="3" * 64, image_sha256="4" * 64,
                media_type="image/jpeg", width=1080, height=1350, updated_at=now,
            )  # fmt: skip
            session.add(out)
            session.flush()
            outputs.append((out.id, lic.id, consent.id))
        twin_id, talent_id, brand_id = twin.id, talent.id, brand.id
    sample: list[str] = []
    table = Asset.__table__
    for first in range(0, assets, BATCH):
        rows = []
        for n in range(first, min(assets, first + BATCH)):
            asset_id = new_id()
            output_id, license_id, consent_id = outputs[n % LICENSES]
            rows.append(
                {
                    "id": asset_id, "mark": asset_id[:16], "kind": AssetKind.release.value,
                    "output_id": output_id, "twin_id": twin_id, "talent_id": talent_id,
                    "brand_id": brand_id, "license_id": license_id, "consent_id": consent_id,
                    "channel": "instagram", "consent_sha256": "5" * 64,
                    "approval_sha256": "6" * 64, "decision_sha256": "7" * 64,
                    "engine": "bench", "blob_key": "8" * 64, "file_sha256": "9" * 64,
                    "media_type": "image/jpeg", "size_bytes": 1000,
                    "status": AssetStatus.active.value, "released_at": now,
                    "valid_until": end, "created_at": now,
                }
            )  # fmt: skip
            if n % max(1, assets // 2000) == 0:
                sample.append(asset_id)
        with db.unit_of_work() as session:
            session.execute(insert(table), rows)
    return db, sample


def time_lookups(db: object, refs: list[str]) -> tuple[list[float], list[float]]:
    """(wall ms, this process's CPU ms) per lookup; on a busy machine the wall time also
    counts the wait for a core (and, on PostgreSQL, the server's own work)."""
    from likeness.asset import service

    walls, cpus = [], []
    for ref in refs:
        cpu = time.process_time()
        started = time.perf_counter()
        with db.unit_of_work() as session:  # type: ignore[attr-defined]
            answer = service.public_lookup(session, ref)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert answer.authorised_release
    return walls, cpus


def bench_lookup(label: str, postgres_url: str | None, assets: int) -> list[list[str]]:
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(postgres_url, Path(folder)) as url,
    ):
        started = time.perf_counter()
        db, sample = seed(url, assets)
        seeded = time.perf_counter() - started
        try:
            time_lookups(db, sample[:20])  # warm the caches and the connection pool
            rows = []
            for how, refs in (("by id", sample), ("by mark", [s[:16] for s in sample])):
                ms, cpu = time_lookups(db, refs)
                rows.append(
                    [
                        f"public lookup {how}, {label}",
                        f"{assets:,} assets",
                        f"{statistics.median(ms):.2f} ms",
                        f"{percentile(ms, 99):.2f} ms",
                        f"{percentile(cpu, 99):.2f} ms",
                        f"p99 ≤ {TARGET_LOOKUP_P99_MS:g} ms",
                        "ok" if percentile(ms, 99) <= TARGET_LOOKUP_P99_MS else "MISSED",
                    ]
                )
            print(f"  ({label}: {assets:,} assets inserted in {seeded:.1f} s)", file=sys.stderr)
            return rows
        finally:
            db.dispose()  # type: ignore[attr-defined]


def bench_verify(runs: int) -> list[str]:
    import numpy as np
    from PIL import Image

    from likeness.asset import service
    from likeness.provenance import (
        Channel,
        StampConfig,
        StampInfo,
        VerifyConfig,
        ensure_signing_material,
        stamp,
        verify,
    )
    from likeness.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(home=Path(folder) / "home")
        settings.keys_dir.mkdir(parents=True)
        ensure_signing_material(settings.keys_dir)
        (settings.keys_dir / "watermark.key").write_bytes(secrets.token_bytes(32))
        rng = np.random.default_rng(0)
        y, x = np.mgrid[0:1350, 0:1080]
        base = np.stack([60 + 120 * x / 1080, 70 + 100 * y / 1350, 120 + 40 * np.sin(x / 17)], -1)
        pixels = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="JPEG", quality=92)
        # A registered asset, so that the lookup finds it and builds its block.
        url = f"sqlite:///{Path(folder) / 'verify.db'}"
        db, sample = seed(url, 1)
        info = StampInfo(
            asset_id=sample[0], twin_id=uuid.uuid4().hex, license_id=uuid.uuid4().hex,
            consent_sha256="c" * 64, approval_sha256="a" * 64, channel=Channel.INSTAGRAM,
        )  # fmt: skip
        released = stamp(buf.getvalue(), info, StampConfig.from_settings(settings))
        config = VerifyConfig.from_settings(settings)
        timings, cpus = [], []
        for _ in range(runs):
            cpu = time.process_time()
            started = time.perf_counter()
            report = verify(released, config)
            assert report.watermark.found and report.c2pa.manifest is not None
            with db.unit_of_work() as session:  # type: ignore[attr-defined]
                block, _problem = service.verify_block(
                    session,
                    info.asset_id,
                    report.watermark.payload_hex,
                    manifest_trusted=report.c2pa.state == "Trusted",
                )
            assert block is not None and block.id == info.asset_id, "the lookup found nothing"
            timings.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        db.dispose()  # type: ignore[attr-defined]
    median = statistics.median(timings)
    return [
        "verify a released 1080×1350 JPEG + lookup",
        f"{runs} runs",
        f"{median * 1000:.0f} ms",
        f"{max(timings) * 1000:.0f} ms (max)",
        f"{statistics.median(cpus) * 1000:.0f} ms (median)",
        f"median ≤ {TARGET_VERIFY_S * 1000:g} ms",
        "ok" if median <= TARGET_VERIFY_S else "MISSED",
    ]


HEADER = ["case", "size", "median", "p99", "cpu p99", "target", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 assets, 3 verify runs")
    parser.add_argument("--assets", type=int, help="registered assets (default 1,000,000)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LIKENESS_TEST_POSTGRES_URL") or None,
        help="also run the lookup on this PostgreSQL server (a scratch schema)",
    )
    args = parser.parse_args(argv)
    assets = args.assets or (10_000 if args.quick else 1_000_000)
    cases: list[Callable[[], list[list[str]]]] = [
        lambda: bench_lookup("SQLite", None, assets),
    ]
    if args.postgres:
        cases.append(lambda: bench_lookup("PostgreSQL", args.postgres, assets))
    cases.append(lambda: [bench_verify(3 if args.quick else 10)])
    rows = [row for case in cases for row in case()]
    print(f"asset registry lookups and verify: {os.cpu_count()} CPUs, load {load_average()}")
    print_table(HEADER, rows)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
