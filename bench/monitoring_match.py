"""Monitoring's face match speed: one face against N enrolled talents, p50/p99 per face.

The match part of the monitoring bench (``bench/monitoring.py`` may import
:func:`match_rows`): the exact in-process index (``ExactIndex``, numpy) and, with
``--pg URL`` (PostgreSQL with pgvector), the HNSW index through ``PgvectorIndex``.
Embeddings are random, spread like dlib's face embeddings (people about 0.9 apart,
one person's faces about 0.3 apart); queries are half fresh faces of enrolled talents,
half strangers. Target (issue 21): 100,000 talents, p99 ≤ 2 ms per face, both indexes.
The pgvector run also reports recall against the exact index (same matches?).

    python bench/monitoring_match.py                 # 100,000 talents, in process
    python bench/monitoring_match.py --quick         # 10,000 talents
    python bench/monitoring_match.py --pg postgresql+psycopg://…/db   # a scratch database
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import exit_status, load_average, percentile, print_table

DIMS = 128
SPREAD = 0.9 / np.sqrt(2 * DIMS)
SAME = 0.3 / np.sqrt(2 * DIMS)
TARGET_MS = 2.0


def population(talents: int, queries: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    refs = rng.normal(0.0, SPREAD, (talents, DIMS)).astype(np.float32)
    half = queries // 2
    own = refs[rng.integers(0, talents, half)] + rng.normal(0.0, SAME, (half, DIMS))
    strangers = rng.normal(0.0, SPREAD, (queries - half, DIMS))
    return refs, np.concatenate([own, strangers]).astype(np.float32)


def _time(match: object, queries: np.ndarray) -> tuple[list[float], list[list[str]]]:
    times, answers = [], []
    for q in queries:
        t0 = time.perf_counter()
        found = match(q)  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
        answers.append([m.talent_id for m in found])
    return times, answers


def _row(name: str, talents: int, times: list[float], extra: str = "") -> list[str]:
    p99 = percentile(times, 99)
    return [
        name,
        f"{talents:,}",
        f"{percentile(times, 50):.3f}",
        f"{p99:.3f}",
        extra,
        "met" if p99 <= TARGET_MS else "MISSED",
    ]


def match_rows(talents: int, queries: int, pg_url: str | None = None) -> list[list[str]]:
    from likeness.monitoring.index import ExactIndex

    refs, probes = population(talents, queries)
    ids = [f"t{i:06d}" for i in range(talents)]
    t0 = time.perf_counter()
    exact = ExactIndex(ids, refs)
    built = time.perf_counter() - t0
    times, expected = _time(exact.match, probes)
    rows = [_row("exact (in process)", talents, times, f"built in {built:.1f} s")]
    if pg_url:
        rows.append(_pgvector_row(pg_url, ids, refs, probes, expected))
    return rows


REFERENCE_COLUMNS = (
    "monitoring_references (id, talent_id, source, embedding, embedding_vec, created_at)"
)


def _reference_line(talent_id: str, vector: np.ndarray) -> str:
    from likeness.monitoring.index import vector_literal

    blob = vector.astype("<f4").tobytes().hex()
    return f"r{talent_id}\t{talent_id}\tbench\t\\\\x{blob}\t{vector_literal(vector)}\tnow"


def _pgvector_row(
    url: str, ids: list[str], refs: np.ndarray, probes: np.ndarray, expected: list[list[str]]
) -> list[str]:
    """In a scratch database (created and dropped here), migrated and filled."""
    import uuid

    from sqlalchemy import create_engine, make_url, text

    name = f"mbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        return _fill_and_time(scratch, ids, refs, probes, expected)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _fill_and_time(
    url: str, ids: list[str], refs: np.ndarray, probes: np.ndarray, expected: list[list[str]]
) -> list[str]:
    """Fill a migrated database (talents, enrolments, references) by COPY, then time."""
    from sqlalchemy import text

    from likeness import migrations
    from likeness.kit.db import Database
    from likeness.monitoring.index import PgvectorIndex, uses_pgvector

    migrations.upgrade(url)
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS ix_monitoring_references_hnsw"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            for table, rows in (
                ("users (id, email, display_name, role, is_active, session_epoch, created_at)",
                 (f"u{i}\tb{i}@bench.example\tb{i}\ttalent\tt\t0\tnow" for i in ids)),
                ("talent_profiles (id, user_id, legal_name, created_at)",
                 (f"{i}\tu{i}\tBench {i}\tnow" for i in ids)),
                ("monitoring_enrolments (talent_id, enrolled, updated_at)",
                 (f"{i}\tt\tnow" for i in ids)),
                (REFERENCE_COLUMNS, map(_reference_line, ids, refs)),
            ):  # fmt: skip
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(io.StringIO("\n".join(rows) + "\n").getvalue())
        t0 = time.perf_counter()
        conn.execute(
            text(
                "CREATE INDEX ix_monitoring_references_hnsw ON monitoring_references "
                "USING hnsw (embedding_vec vector_l2_ops) WITH (m = 16, ef_construction = 128)"
            )
        )
        built = time.perf_counter() - t0
    with db.unit_of_work() as session:
        assert uses_pgvector(session), "this database has no pgvector column"
        index = PgvectorIndex(session)
        times, found = _time(index.match, probes)
    same = sum(a == b for a, b in zip(found, expected, strict=True)) / len(expected)
    db.dispose()
    return _row("pgvector HNSW", len(ids), times, f"index {built:.0f} s; same as exact {same:.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get("LIKENESS_TEST_PGVECTOR_URL") or None,
        help="PostgreSQL with pgvector (default $LIKENESS_TEST_PGVECTOR_URL, as .ci/run sets "
        "it); the bench works in a scratch database it drops after",
    )
    parser.add_argument("--quick", action="store_true", help="10,000 talents, 500 faces")
    args = parser.parse_args(argv)
    if args.quick:
        args.talents, args.queries = 10_000, 500
    rows = match_rows(args.talents, args.queries, args.pg)
    print(f"face match, one face per query (load average {load_average()})\n")
    print_table(["index", "talents", "p50 ms", "p99 ms", "note", "p99 ≤ 2 ms"], rows, rule=True)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
