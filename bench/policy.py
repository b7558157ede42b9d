"""Benchmark the policy decision point.

Builds a synthetic rights world (default: 1,000,000 licenses over 100,000 twins, one
talent per twin, 1,000 brands), then measures:

* **in-process**: :meth:`likeness.policy.RightsIndex.decide` over the loaded license
  set, single-threaded, so decisions per CPU-second is decisions/s/core;
* **end-to-end with the database**: for each decision a unit of work resolves the twin,
  loads that talent's licenses, consents and limits, and decides (SQLite always; also
  PostgreSQL when ``LIKENESS_TEST_POSTGRES_URL`` is set, in a scratch schema that is
  dropped afterwards).

Targets (issue 3): ≥ 20,000 decisions/s/core and p99 ≤ 1 ms in-process.

The world is deterministic for a seed. Rows are bulk-inserted with SQLAlchemy Core
``executemany`` (SQLite) or ``COPY`` (PostgreSQL). Creation consents carry real documents
(a decision reads what they allow); use-consent rows carry a short stand-in document (its
real SHA-256 included): decisions never read those, and rendering a million plain-language
consents would only measure the renderer.

    python bench/policy.py                       # full size
    python bench/policy.py --licenses 20000 --twins 2000 --db-decisions 500
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from likeness import migrations
from likeness.consent.document import CREATION_ACTIVITIES, ConsentDocument, PartyRef
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.canonical import canonical_json, sha256_hex
from likeness.kit.db import Database
from likeness.licensing import decision
from likeness.licensing.schemas import UseIn
from likeness.models.consent import Consent, TalentStandingLimit
from likeness.models.license import License
from likeness.models.party import Brand, Role, TalentProfile, User
from likeness.policy import (
    DEFAULT_CHANNELS,
    Action,
    ApprovalMode,
    ConsentFacts,
    ConsentKind,
    ConsentStatus,
    FeeSchedule,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
    RightsIndex,
    UseRequest,
    terms_sha256,
)

NOW = datetime(2027, 6, 1, tzinfo=UTC)
TERRITORIES = ["FR", "DE", "IT", "ES", "GB", "US", "CA", "JP", "KR", "CN", "BR", "MX"]
TERRITORIES += ["AU", "NL", "BE", "SE", "CH", "AT", "PL", "PT", "IE", "DK", "NO", "FI"]
CATEGORIES = ["fashion", "beauty", "lifestyle", "sportswear", "ecommerce", "editorial"]
SENSITIVE = ["political", "tobacco", "alcohol", "gambling", "lingerie", "nudity"]
STATUS_WEIGHTS = {
    LicenseStatus.active: 70,
    LicenseStatus.expired: 8,
    LicenseStatus.revoked: 5,
    LicenseStatus.suspended: 5,
    LicenseStatus.requested: 3,
    LicenseStatus.proposed: 3,
    LicenseStatus.countered: 2,
    LicenseStatus.accepted: 2,
    LicenseStatus.withdrawn: 2,
}
SIGNED_STATES = {
    LicenseStatus.active,
    LicenseStatus.suspended,
    LicenseStatus.expired,
    LicenseStatus.revoked,
}
CHUNK = 20_000


def ident(prefix: str, n: int) -> str:
    return f"{prefix}{n:031x}"


@dataclass(frozen=True, slots=True)
class Template:
    terms: LicenseTerms
    digest: str
    json: str


@dataclass(frozen=True, slots=True)
class LicenseSpec:
    n: int
    twin: int
    brand: int
    template: int
    status: LicenseStatus
    released: int


@dataclass
class World:
    twins: int
    brands: int
    templates: list[Template]
    licenses: list[LicenseSpec]
    creation: list[str]  # per talent: "signed", "revoked" or "missing"
    limits: list[tuple[str, ...]]  # per talent: categories never allowed


def _template(rng: random.Random) -> Template:
    categories = frozenset(rng.sample(CATEGORIES, rng.randint(1, 3)))
    channels = frozenset(rng.sample(DEFAULT_CHANNELS, rng.randint(1, 4)))
    worldwide = rng.random() < 0.2
    start = NOW - timedelta(days=rng.randint(0, 700))
    terms = LicenseTerms(
        channels=channels,
        territories=frozenset({"WW"})
        if worldwide
        else frozenset(rng.sample(TERRITORIES, rng.randint(1, 5))),
        categories=categories,
        exclusive_categories=frozenset(rng.sample(sorted(categories), 1))
        if rng.random() < 0.03
        else frozenset(),
        starts_at=start,
        ends_at=start + timedelta(days=rng.randint(60, 1500)),
        max_outputs=rng.randint(5, 500),
        approval_mode=rng.choice(list(ApprovalMode)),
        fees=FeeSchedule(
            "EUR",
            rng.randint(0, 500_000),
            rng.randint(0, 20_000),
            tuple(sorted((c, rng.randint(0, 5_000)) for c in channels)),
        ),
        commission_bps=rng.randint(0, 2_000),
        takedown_days=30,
        purpose="bench",
    )
    return Template(terms, terms_sha256(terms), canonical_json(terms.to_dict()))


def build_world(licenses: int, twins: int, brands: int, seed: int) -> World:
    rng = random.Random(seed)
    templates = [_template(rng) for _ in range(500)]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    specs = []
    for n in range(licenses):
        template = rng.randrange(len(templates))
        status = rng.choices(statuses, weights)[0]
        maximum = templates[template].terms.max_outputs
        released = rng.randint(0, maximum) if rng.random() < 0.1 else rng.randint(0, maximum // 2)
        specs.append(
            LicenseSpec(n, rng.randrange(twins), rng.randrange(brands), template, status, released)
        )
    creation = rng.choices(["signed", "revoked", "missing"], [95, 3, 2], k=twins)
    limits = [
        tuple(rng.sample(SENSITIVE, rng.randint(1, 2))) if rng.random() < 0.2 else ()
        for _ in range(twins)
    ]
    return World(twins, brands, templates, specs, creation, limits)


def _consent_times(spec: LicenseSpec, terms: LicenseTerms) -> tuple[datetime, datetime | None]:
    signed = terms.starts_at - timedelta(days=1)
    revoked = terms.starts_at + (terms.ends_at - terms.starts_at) / 3
    return signed, revoked if spec.status is LicenseStatus.revoked else None


def build_index(world: World) -> RightsIndex:
    index = RightsIndex()
    for talent in range(world.twins):
        state = world.creation[talent]
        if state != "missing":
            index.add_creation_consent(
                ConsentFacts(
                    consent_id=ident("k", talent),
                    kind=ConsentKind.creation,
                    talent_id=ident("t", talent),
                    status=ConsentStatus.signed if state == "signed" else ConsentStatus.revoked,
                    valid_from=NOW - timedelta(days=2000),
                    valid_until=NOW + timedelta(days=1500),
                    signed_at=NOW - timedelta(days=2000),
                    revoked_at=NOW - timedelta(days=5) if state == "revoked" else None,
                    twin_id=ident("w", talent),
                )
            )
        if world.limits[talent]:
            index.set_never_allowed(ident("t", talent), world.limits[talent])
    for spec in world.licenses:
        template = world.templates[spec.template]
        consent = None
        if spec.status in SIGNED_STATES:
            signed, revoked = _consent_times(spec, template.terms)
            consent = ConsentFacts(
                consent_id=ident("c", spec.n),
                kind=ConsentKind.use,
                talent_id=ident("t", spec.twin),
                status=ConsentStatus.revoked if revoked else ConsentStatus.signed,
                valid_from=template.terms.starts_at,
                valid_until=template.terms.ends_at,
                signed_at=signed,
                revoked_at=revoked,
                twin_id=ident("w", spec.twin),
                terms_sha256=template.digest,
            )
        index.add_license(
            LicenseFacts(
                license_id=ident("l", spec.n),
                talent_id=ident("t", spec.twin),
                brand_id=ident("b", spec.brand),
                status=spec.status,
                terms=template.terms,
                terms_sha256=template.digest,
                twin_id=ident("w", spec.twin),
                released_count=spec.released,
                use_consent=consent,
            )
        )
    return index


def build_uses(world: World, count: int, seed: int) -> list[UseRequest]:
    """Mostly plausible requests (a brand asking about a twin it licensed), some not."""
    rng = random.Random(seed + 1)
    uses = []
    for _ in range(count):
        spec = rng.choice(world.licenses)
        terms = world.templates[spec.template].terms
        plausible = rng.random() < 0.8
        territories = sorted(terms.territories - {"WW"}) or TERRITORIES
        uses.append(
            UseRequest(
                talent_id=ident("t", spec.twin),
                twin_id=ident("w", spec.twin),
                brand_id=ident("b", spec.brand if plausible else rng.randrange(world.brands)),
                action=rng.choice(list(Action)),
                channel=rng.choice(sorted(terms.channels) if plausible else DEFAULT_CHANNELS),
                territory=rng.choice(territories if plausible else TERRITORIES),
                category=rng.choice(
                    sorted(terms.categories) if plausible else CATEGORIES + SENSITIVE
                ),
                at=NOW + timedelta(seconds=rng.randint(-86_400, 86_400)),
            )
        )
    return uses


@dataclass
class Result:
    scenario: str
    backend: str
    decisions: int
    per_core: float
    wall_rate: float
    p50_us: float
    p99_us: float
    allowed: float
    setup_s: float


def measure(
    scenario: str, backend: str, setup_s: float, items: Sequence[Any], fn: Callable[[Any], bool]
) -> Result:
    latencies: list[int] = []
    allowed = 0
    gc.collect()
    gc.disable()
    try:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for item in items:
            t0 = time.perf_counter_ns()
            allowed += fn(item)
            latencies.append(time.perf_counter_ns() - t0)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        gc.enable()
    cuts = statistics.quantiles(latencies, n=100)
    return Result(
        scenario,
        backend,
        len(items),
        len(items) / cpu if cpu else float("inf"),
        len(items) / wall,
        cuts[49] / 1_000,
        cuts[98] / 1_000,
        allowed / len(items),
        setup_s,
    )


# --- database ------------------------------------------------------------------------


def _rows_users(world: World) -> Iterator[dict[str, Any]]:
    for n in range(world.twins):
        yield {
            "id": ident("u", n),
            "created_at": NOW,
            "email": f"bench-talent-{n}@example.com",
            "display_name": f"Talent {n}",
            "role": Role.talent,
            "password_hash": None,
            "is_active": True,
            "session_epoch": 0,
        }


def _rows_talents(world: World) -> Iterator[dict[str, Any]]:
    for n in range(world.twins):
        yield {
            "id": ident("t", n),
            "created_at": NOW,
            "user_id": ident("u", n),
            "legal_name": f"Talent {n}",
            "stage_name": None,
        }


def _rows_brands(world: World) -> Iterator[dict[str, Any]]:
    for n in range(world.brands):
        yield {"id": ident("b", n), "created_at": NOW, "name": f"Bench brand {n}"}


def _rows_licenses(world: World) -> Iterator[dict[str, Any]]:
    for spec in world.licenses:
        template = world.templates[spec.template]
        yield {
            "id": ident("l", spec.n),
            "created_at": NOW,
            "talent_id": ident("t", spec.twin),
            "twin_id": ident("w", spec.twin),
            "brand_id": ident("b", spec.brand),
            "status": spec.status,
            "version": 1,
            "terms": template.json,
            "terms_sha256": template.digest,
            "starts_at": template.terms.starts_at,
            "ends_at": template.terms.ends_at,
            "commission_bps": template.terms.commission_bps,
            "released_count": spec.released,
            "requested_by_user_id": None,
            "updated_at": NOW,
            "activated_at": None,
            "ended_at": None,
            "end_reason": None,
        }


def _stand_in(kind: str, ref: str) -> tuple[str, str]:
    document = canonical_json({"schema": "likeness.bench-stand-in/1", "kind": kind, "ref": ref})
    return document, sha256_hex(document.encode("utf-8"))


def _creation_document(talent: str, twin: str) -> tuple[str, str]:
    """A real creation-consent document: decisions read its activities (alter, for generate)."""
    document = ConsentDocument(
        kind=ConsentKind.creation,
        talent=PartyRef(talent, f"Talent {talent}"),
        purpose="Create and use a digital twin for licensed campaigns",
        valid_from=NOW - timedelta(days=2000),
        valid_until=NOW + timedelta(days=1500),
        issued_at=NOW - timedelta(days=2000),
        activities=tuple(CREATION_ACTIVITIES),
        twin_id=twin,
    )
    data = canonical_json(document.to_dict())
    return data, sha256_hex(data.encode("utf-8"))


def _rows_consents(world: World) -> Iterator[dict[str, Any]]:
    for talent in range(world.twins):
        state = world.creation[talent]
        if state == "missing":
            continue
        document, digest = _creation_document(ident("t", talent), ident("w", talent))
        yield {
            "id": ident("k", talent),
            "created_at": NOW,
            "kind": ConsentKind.creation,
            "status": ConsentStatus.signed if state == "signed" else ConsentStatus.revoked,
            "talent_id": ident("t", talent),
            "twin_id": ident("w", talent),
            "license_id": None,
            "document": document,
            "document_sha256": digest,
            "terms_sha256": None,
            "valid_from": NOW - timedelta(days=2000),
            "valid_until": NOW + timedelta(days=1500),
            "created_by_user_id": None,
            "signed_at": NOW - timedelta(days=2000),
            "revoked_at": NOW - timedelta(days=5) if state == "revoked" else None,
            "revocation_reason": None,
            "version": 1,
        }
    for spec in world.licenses:
        if spec.status not in SIGNED_STATES:
            continue
        template = world.templates[spec.template]
        signed, revoked = _consent_times(spec, template.terms)
        document, digest = _stand_in("use", ident("l", spec.n))
        yield {
            "id": ident("c", spec.n),
            "created_at": NOW,
            "kind": ConsentKind.use,
            "status": ConsentStatus.revoked if revoked else ConsentStatus.signed,
            "talent_id": ident("t", spec.twin),
            "twin_id": ident("w", spec.twin),
            "license_id": ident("l", spec.n),
            "document": document,
            "document_sha256": digest,
            "terms_sha256": template.digest,
            "valid_from": template.terms.starts_at,
            "valid_until": template.terms.ends_at,
            "created_by_user_id": None,
            "signed_at": signed,
            "revoked_at": revoked,
            "revocation_reason": None,
            "version": 1,
        }


def _rows_limits(world: World) -> Iterator[dict[str, Any]]:
    for talent, categories in enumerate(world.limits):
        for category in categories:
            yield {
                "created_at": NOW,
                "talent_id": ident("t", talent),
                "category": category,
                "note": None,
            }


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


TABLES: list[tuple[Any, Callable[[World], Iterator[dict[str, Any]]]]] = [
    (User.__table__, _rows_users),
    (TalentProfile.__table__, _rows_talents),
    (Brand.__table__, _rows_brands),
    (License.__table__, _rows_licenses),
    (Consent.__table__, _rows_consents),
    (TalentStandingLimit.__table__, _rows_limits),
]


@functools.cache
def _time_text(value: datetime, dialect: str) -> str:
    # Few distinct times (terms are shared), so formatting each once matters.
    if dialect == "sqlite":  # SQLAlchemy's SQLite DATETIME format, naive UTC
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


def _plain(value: Any, dialect: str) -> Any:
    """A Python value as the driver takes it: enums by value, times as the column stores them."""
    if isinstance(value, datetime):
        return _time_text(value, dialect)
    if isinstance(value, Enum):
        return value.value
    return value


def load(db: Database, world: World) -> int:
    """Bulk-insert the world straight through the driver: COPY on PostgreSQL; on SQLite one
    prepared ``executemany`` per chunk with foreign-key checks deferred to a single
    ``PRAGMA foreign_key_check`` at the end (the usual way to bulk-load SQLite)."""
    if db.dialect == "postgresql":
        return _load_postgres(db, world)
    return _load_sqlite(db, world)


def _load_postgres(db: Database, world: World) -> int:
    total = 0
    with db.engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        for table, rows in TABLES:
            columns = [c.name for c in table.columns]
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor().copy(statement) as copy:
                for row in rows(world):
                    copy.write_row([_plain(row[c], "postgresql") for c in columns])
                    total += 1
        connection.execute(text("ANALYZE"))
    return total


def _load_sqlite(db: Database, world: World) -> int:
    total = 0
    pooled = db.engine.raw_connection()
    try:
        raw: Any = pooled.driver_connection
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("BEGIN")
        for table, rows in TABLES:
            columns = [c.name for c in table.columns]
            statement = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            for chunk in _chunks(rows(world)):
                cursor.executemany(
                    statement, [[_plain(row[c], "sqlite") for c in columns] for row in chunk]
                )
                total += len(chunk)
        cursor.execute("COMMIT")
        broken = cursor.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"bulk load broke {len(broken)} foreign keys: {broken[:3]}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("ANALYZE")
        cursor.close()
    finally:
        pooled.close()
    return total


def _decide_db(db: Database) -> Callable[[UseRequest], bool]:
    def run(use: UseRequest) -> bool:
        body = UseIn(
            twin=use.twin_id or use.talent_id,
            brand_id=use.brand_id,
            action=use.action,
            channel=use.channel,
            territory=use.territory,
            category=use.category,
            at=use.at,
        )
        with db.unit_of_work() as session:
            return decision.decide_use(session, SYSTEM_ACTOR, body).allow

    return run


@contextlib.contextmanager
def sqlite_url(path: str | None) -> Iterator[str]:
    if path:
        yield f"sqlite:///{path}"
        return
    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextlib.contextmanager
def postgres_url(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_database(
    backend: str, url: str, world: World, uses: list[UseRequest], results: list[Result]
) -> None:
    migrations.upgrade(url)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        rows = load(db, world)
        setup = time.perf_counter() - t0
        print(f"  {backend}: loaded {rows:,} rows in {setup:.1f} s", file=sys.stderr)
        results.append(measure("end-to-end (DB)", backend, setup, uses, _decide_db(db)))
    finally:
        db.dispose()


def in_process(index: RightsIndex, setup: float, uses: list[UseRequest]) -> Result:
    return measure("in-process", "memory", setup, uses, lambda use: index.decide(use).allow)


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\nPolicy decision point: {args.licenses:,} licenses over {args.twins:,} twins, "
        f"{args.brands:,} brands (seed {args.seed})\n"
    )
    header = (
        f"{'scenario':<18} {'backend':<10} {'decisions':>9} {'dec/s/core':>11} "
        f"{'dec/s wall':>11} {'p50 µs':>8} {'p99 µs':>8} {'allowed':>8} {'setup s':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<18} {r.backend:<10} {r.decisions:>9,} {r.per_core:>11,.0f} "
            f"{r.wall_rate:>11,.0f} {r.p50_us:>8.1f} {r.p99_us:>8.1f} {r.allowed:>8.1%} "
            f"{r.setup_s:>8.1f}"
        )
    in_process = results[0]
    ok = in_process.per_core >= 20_000 and in_process.p99_us <= 1_000
    print(
        f"\nTarget (in-process): ≥ 20,000 decisions/s/core and p99 ≤ 1,000 µs: "
        f"{'met' if ok else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--licenses", type=int, default=1_000_000)
    parser.add_argument("--twins", type=int, default=100_000)
    parser.add_argument("--brands", type=int, default=1_000)
    parser.add_argument("--decisions", type=int, default=200_000, help="in-process decisions")
    parser.add_argument("--db-decisions", type=int, default=5_000, help="decisions per database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sqlite-path", help="keep the SQLite database here (default: temp)")
    parser.add_argument("--skip-db", action="store_true", help="in-process only")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small size for CI: checks the bench still runs (overrides the sizes)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.licenses, args.twins, args.brands = 2_000, 200, 20
        args.decisions, args.db_decisions = 2_000, 200
    if min(args.licenses, args.twins, args.brands, args.decisions) < 1:
        parser.error("sizes must be positive")

    t0 = time.perf_counter()
    world = build_world(args.licenses, args.twins, args.brands, args.seed)
    index = build_index(world)
    setup = time.perf_counter() - t0
    print(f"  built world and index in {setup:.1f} s", file=sys.stderr)
    uses = build_uses(world, args.decisions, args.seed)
    results = [in_process(index, setup, uses)]
    del index
    gc.collect()

    if not args.skip_db:
        db_uses = uses[: args.db_decisions]
        with sqlite_url(args.sqlite_path) as url:
            bench_database("sqlite", url, world, db_uses, results)
        postgres = os.environ.get("LIKENESS_TEST_POSTGRES_URL")
        if postgres:
            with postgres_url(postgres) as url:
                bench_database("postgresql", url, world, db_uses, results)
        else:
            print("  PostgreSQL skipped: set LIKENESS_TEST_POSTGRES_URL", file=sys.stderr)
    print_table(results, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
