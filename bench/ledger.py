"""Benchmark the ledger's poster (issue 19, decision 0022).

* **post, one run** — ``post_pending`` over N source events already in the audit chain
  (license activations, releases, publications in the mix a campaign makes: 1 : 10 : 30),
  in one unit of work, commit included; postings per second on one core.
* **post, runs of 1,000** — the same in runs of 1,000 events, each its own transaction
  (how the server's poster catches up); postings per second.

On SQLite always, and on PostgreSQL too with ``--postgres URL`` (or
``LIKENESS_TEST_POSTGRES_URL``), in a scratch schema dropped after. The events are made
through the real audit chain (hash-linked and sealed) before the clock starts. Target:
≥ 5,000 postings/s on each, in wall time; the CPU-time rate beside it (the poster's own
process: PostgreSQL's server work is not in it) says what a busy machine hid. The script
prints one table and exits 1 when a target is missed (not with ``--quick``: a smoke test
for CI).

    python bench/ledger.py             # 20,000 events
    python bench/ledger.py --quick     # 1,000 events (CI)
    python bench/ledger.py --postgres postgresql+psycopg://u@host/db
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import exit_status, load_average, print_table

TARGET_POSTINGS_PER_S = 5_000
LICENSES = 50
RUN = 1_000
HEADER = ["case", "database", "events", "measured", "target", ""]


@contextmanager
def scratch_database(postgres_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server (dropped after)."""
    if postgres_url is None:
        yield f"sqlite:///{folder / f'ledger-{uuid.uuid4().hex[:6]}.db'}"
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


def seed(url: str, events: int) -> Any:
    """Migrate; make ``LICENSES`` talents (each represented), brands and active licenses,
    then ``events`` source events in the audit chain. Returns the database."""
    from likeness import migrations
    from likeness.audit import service as audit
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.kit.canonical import canonical_json
    from likeness.kit.clock import utcnow
    from likeness.kit.db import Database
    from likeness.models.license import License
    from likeness.models.party import Role
    from likeness.party import service as party
    from likeness.party.schemas import (
        AgencyCreate,
        BrandCreate,
        RepresentationCreate,
        TalentCreate,
        UserCreate,
    )
    from likeness.policy import FeeSchedule, LicenseStatus, LicenseTerms, terms_sha256

    migrations.upgrade(url)
    db = Database(url, audit_key=secrets.token_bytes(32))
    now = utcnow()
    today = now.date()
    terms = LicenseTerms(
        channels=frozenset({"instagram", "web"}),
        territories=frozenset({"FR"}),
        categories=frozenset({"fashion"}),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=365),
        max_outputs=10**6,
        fees=FeeSchedule("EUR", 100_000, 5_000, (("instagram", 2_500), ("web", 1_250))),
        commission_bps=1_500,
    )
    licenses: list[str] = []
    with db.unit_of_work() as session:
        audit.seal_genesis(session)
        agency = party.create_agency(
            session, SYSTEM_ACTOR, AgencyCreate(name="Bench Models", commission_percent=15)
        )
        for n in range(LICENSES):
            user = party.create_user(
                session,
                SYSTEM_ACTOR,
                UserCreate(email=f"t{n}@bench.example", display_name=f"T {n}", role=Role.talent),
            )
            talent = party.create_talent(
                session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name=f"Talent {n}")
            )
            party.create_representation(
                session,
                SYSTEM_ACTOR,
                RepresentationCreate(
                    talent_id=talent.id,
                    agency_id=agency.id,
                    starts_on=today - timedelta(days=30),
                    ends_on=today + timedelta(days=700),
                ),
            )
            brand = party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=f"Brand {n}"))
            lic = License(
                talent_id=talent.id,
                brand_id=brand.id,
                status=LicenseStatus.active,
                terms=canonical_json(terms.to_dict()),
                terms_sha256=terms_sha256(terms),
                starts_at=terms.starts_at,
                ends_at=terms.ends_at,
                commission_bps=terms.commission_bps,
            )
            session.add(lic)
            session.flush()
            licenses.append(lic.id)
    published = today.isoformat()
    made = 0
    while made < events:
        with db.unit_of_work() as session:
            for _ in range(min(5_000, events - made)):
                lic_id = licenses[made % LICENSES]
                slot = made % 41
                if slot == 0:
                    action, payload = "license.approved", {"to": "active"}
                elif slot <= 10:
                    action, payload = "asset.registered", {"kind": "release", "channel": "web"}
                else:
                    channel = "instagram" if slot % 2 else "web"
                    action = "asset.publication_reported"
                    payload = {"channel": channel, "published_on": published}
                obj = lic_id if slot == 0 else uuid.uuid4().hex
                audit.record(
                    session, SYSTEM_ACTOR, action, "bench", obj, {"license_id": lic_id, **payload}
                )
                made += 1
    return db


def bench_posting(label: str, postgres_url: str | None, events: int) -> list[list[str]]:
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.ledger import service

    rows = []
    with tempfile.TemporaryDirectory(prefix="likeness-bench-ledger-") as folder:
        for case, run in (("post, one run", events), (f"post, runs of {RUN:,}", RUN)):
            with scratch_database(postgres_url, Path(folder)) as url:
                db = seed(url, events)
                try:
                    posted = 0
                    cpu = time.process_time()
                    start = time.perf_counter()
                    while True:
                        with db.unit_of_work() as session:
                            report = service.post_pending(session, SYSTEM_ACTOR, limit=run)
                        posted += report.posted
                        if not report.pending:
                            break
                    elapsed = time.perf_counter() - start
                    cpu = time.process_time() - cpu
                    with db.unit_of_work() as session:
                        check = service.check(session)
                finally:
                    db.dispose()
            assert posted == events and check.ok, (posted, check.problems)
            rate = posted / elapsed
            rows.append(
                [
                    case,
                    label,
                    f"{events:,}",
                    f"{rate:,.0f}/s ({elapsed:.2f} s; {posted / cpu:,.0f}/CPU-s)",
                    f"≥ {TARGET_POSTINGS_PER_S:,}/s",
                    "ok" if rate >= TARGET_POSTINGS_PER_S else "MISSED",
                ]
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 events")
    parser.add_argument("--events", type=int, help="source events (default 20,000)")
    parser.add_argument(
        "--postgres",
        "--postgres-url",
        default=os.environ.get("LIKENESS_TEST_POSTGRES_URL") or None,
        help="also run on this PostgreSQL server (a scratch schema)",
    )
    args = parser.parse_args(argv)
    events = args.events or (1_000 if args.quick else 20_000)
    rows = bench_posting("SQLite", None, events)
    if args.postgres:
        rows += bench_posting("PostgreSQL", args.postgres, events)
    print(f"ledger posting: {os.cpu_count()} CPUs, load {load_average()}")
    print_table(HEADER, rows, rule=True)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
