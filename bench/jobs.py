"""Benchmark durable jobs (issue 18).

* **lease + succeed** — one job's bookkeeping as a worker does it: the lease in one unit
  of work, the result (with its audit event) in another, on SQLite; median and p99 in ms.
* **jobs per minute** — a CPU-bound dummy handler (``spin``: ``--seconds`` of pure Python
  on the worker's own CPU clock, 0.2 s by default, one progress report half way) through
  the inline executor (threads: one interpreter lock, so a second worker adds little)
  and the Ray executor (one process per actor) at 1 and 2 workers. The actors are
  started and warm before the clock starts, as long-lived workers are. Target: Ray at 2
  workers ≥ 1.6× its 1-worker rate.

The script prints one table and exits 1 when the target is missed (not in ``--quick``
mode, whose runs are too short to mean much: a smoke test for CI).

    python bench/jobs.py            # 200 round trips, 40 jobs per executor run
    python bench/jobs.py --quick    # 30 round trips, 6 jobs per run (CI)
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import exit_status, load_average, percentile, print_table

TARGET_RAY_SPEEDUP = 1.6
#: This file, importable as ``jobs`` by the Ray workers (the driver's path is theirs).
HANDLER = "jobs:spin"
KIND = "bench.spin"


def spin(ctx: Any) -> dict[str, float]:
    """Burn ``seconds`` of this thread's CPU time in pure Python."""
    seconds = float(ctx.payload["seconds"])
    start = time.thread_time()
    reported = False
    total = 0
    while (used := time.thread_time() - start) < seconds:
        total += sum(range(2000))
        if not reported and used >= seconds / 2:
            ctx.progress(0.5, "half way")
            reported = True
    return {"cpu_seconds": round(time.thread_time() - start, 4)}


def setup(folder: Path) -> Any:
    """A migrated SQLite database with a sealed audit chain, and a runtime on it."""
    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.kit.db import Database
    from likeness.runtime import Runtime
    from likeness.settings import Settings

    url = f"sqlite:///{folder / 'bench.db'}"
    migrations.upgrade(url)
    db = Database(url, audit_key=secrets.token_bytes(32))
    with db.unit_of_work() as session:
        audit_service.seal_genesis(session)
    return Runtime(Settings(home=folder / "home", database_url=url), db)


def enqueue(runtime: Any, count: int, seconds: float) -> list[str]:
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.jobs import service

    with runtime.db.unit_of_work() as session:
        return [
            service.enqueue(session, SYSTEM_ACTOR, KIND, {"seconds": seconds}).id
            for _ in range(count)
        ]


def bench_round_trip(runtime: Any, count: int) -> list[str]:
    from likeness.jobs import service

    enqueue(runtime, count, 0)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with runtime.db.unit_of_work() as session:
            job = service.lease(session, "bench", [KIND], 60)
            assert job is not None
            job_id = job.id
        with runtime.db.unit_of_work() as session:
            assert service.succeed(session, job_id, "bench", {"ok": True}) is not None
        times.append((time.perf_counter() - start) * 1000)
    return [
        "lease + succeed (SQLite)",
        f"{count} jobs",
        f"median {statistics.median(times):.2f} ms, p99 {percentile(times, 99):.2f} ms",
        "",
        "",
    ]


def throughput(runtime: Any, executor: Any, jobs: int, seconds: float) -> float:
    """Jobs per minute: enqueue, submit, wait for all."""
    return jobs_per_minute(runtime, executor, enqueue(runtime, jobs, seconds))


def jobs_per_minute(runtime: Any, executor: Any, ids: list[str]) -> float:
    """Submit the queued jobs ``ids``, wait until every one has succeeded; jobs per
    minute of wall time (also used by ``bench/generation.py``)."""
    from likeness.models.job import JobStatus

    start = time.perf_counter()
    for job_id in ids:
        executor.submit(job_id)
    statuses = executor.wait(ids, timeout=600)
    elapsed = time.perf_counter() - start
    assert set(statuses.values()) == {JobStatus.succeeded}, statuses
    return len(ids) / elapsed * 60


def bench_executors(runtime: Any, jobs: int, seconds: float) -> list[list[str]]:
    from likeness.jobs.executors import InlineExecutor, RayExecutor, start_ray

    handlers = {KIND: HANDLER}
    rates: dict[tuple[str, int], float] = {}
    for workers in (1, 2):
        with InlineExecutor(runtime, workers, handlers=handlers) as inline:
            rates[("inline", workers)] = throughput(runtime, inline, jobs, seconds)
    start_ray(None, 2)
    try:
        for workers in (1, 2):
            with RayExecutor(runtime, workers, handlers=handlers) as ray_executor:
                ray_executor.pids()  # the actors are up before the clock starts
                rates[("ray", workers)] = throughput(runtime, ray_executor, jobs, seconds)
    finally:
        import ray

        ray.shutdown()
    rows = []
    for (name, workers), rate in rates.items():
        speedup = rate / rates[(name, 1)]
        target, verdict = "", ""
        if (name, workers) == ("ray", 2):
            target = f"≥ {TARGET_RAY_SPEEDUP:.1f}× ray at 1"
            verdict = "ok" if speedup >= TARGET_RAY_SPEEDUP else "MISSED"
        rows.append(
            [
                f"{name}, {workers} worker{'s' if workers > 1 else ''}",
                f"{jobs} × {seconds:g} s CPU",
                f"{rate:.0f} jobs/min ({speedup:.2f}× at 1)",
                target,
                verdict,
            ]
        )
    return rows


#: The columns of this bench's table (and of ``generation.py``'s).
HEADER = ["case", "work", "measured", "target", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 round trips, 6 jobs per run")
    parser.add_argument("--jobs", type=int, help="jobs per executor run (default 40)")
    parser.add_argument("--seconds", type=float, default=0.2, help="CPU seconds per job")
    args = parser.parse_args(argv)
    jobs = args.jobs or (6 if args.quick else 40)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    with tempfile.TemporaryDirectory(prefix="likeness-bench-jobs-") as tmp:
        runtime = setup(Path(tmp))
        try:
            rows = [bench_round_trip(runtime, 30 if args.quick else 200)]
            rows += bench_executors(runtime, jobs, args.seconds)
        finally:
            runtime.close()
    print(f"durable jobs: {os.cpu_count()} CPUs, load {load_average()}")
    print_table(HEADER, rows, rule=True)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
