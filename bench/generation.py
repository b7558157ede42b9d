#!/usr/bin/env python
"""Generation benchmark (issue 18): one table, three measurements.

* **composite 1080×1350** — p50 / p95 of ``CompositeEngine.generate`` on a synthetic
  subject, over ``--repeats`` runs: what ``bench/composite.py`` measures (its
  ``campaign_request`` and ``time_generate``). Target: p95 ≤ 2 s on 2 cores.
* **request → released asset** — the platform's own cost around an engine, on real
  services in a temporary ``LIKENESS_HOME`` built by the demo's own steps (parties,
  creation consent, synthetic capture, QC, twin, a license approved by the talent):
  per request, with the ``memory`` engine (it copies the twin's reference render, so
  the real identity checks pass) at 1080×1350, one image:

  - *submit*: the brand's ``generation.service.submit`` (the decision, the refusal
    rules, the stored request, the queued job) and its commit;
  - *job*: one worker's ``run_next`` (lease, the twin and engine from the worker's
    cache, the engine, the identity checks, the sealed image, the stamped preview, the
    output rows, the job's result), with the engine's own time measured inside the
    job and taken out;
  - *approve*: the talent's review; *release*: the brand's ``output.service.release``
    (decide, stamp: label, watermark, signed C2PA; the asset registry).

  Medians over ``--requests`` requests after one warm-up request (which loads the face
  models, the twin and the engine once, as a long-lived worker does). Target: the
  median of the requests' sums, engine excluded, ≤ 0.5 s. The row also gives the CPU
  time a request took (every thread of the process, the engine included): on a shared
  machine it moves far less with the load than the wall-clock figures do.
* **outputs per minute** — generation jobs (one image each; the composite engine at
  1080×1350 with its procedural garment and plate, ``--quick``: the memory engine at
  270×338) through ``InlineExecutor`` and ``RayExecutor`` at 1 and 2 workers, over the
  home's SQLite file. Workers are warm before the clock starts (one job each). Each Ray
  actor must keep the twin in its cache: the twin is decrypted (``twin.use`` in the
  audit log) once per worker process, not once per job; the table says how many loads
  each run made. Target: Ray at 2 workers ≥ 1.6× its 1-worker rate.

The machine's load average is printed with the table (the figures mean little on a
loaded machine). Exits 1 when a target is missed, except in ``--quick`` mode (a smoke
test for CI: small sizes, few runs).

    .venv/bin/python bench/generation.py                 # full: about 5 minutes on 2 cores
    .venv/bin/python bench/generation.py --quick         # CI
    .venv/bin/python bench/generation.py --profile       # also: where the overhead goes
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The sibling benches, imported (not copied): bench/ is this script's own folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import composite as composite_bench
import jobs as jobs_bench
from _common import exit_status, load_average, percentile, print_table

TARGET_COMPOSITE_P95_S = 2.0
TARGET_OVERHEAD_S = 0.5
TARGET_RAY_SPEEDUP = jobs_bench.TARGET_RAY_SPEEDUP
WIDTH, HEIGHT = 1080, 1350
QUICK_WIDTH, QUICK_HEIGHT = 270, 338


# --- 1. composite ------------------------------------------------------------------------


def bench_composite(quick: bool, repeats: int) -> list[str]:
    from likeness.engines.composite import DEMO_CAPTURE, CompositeEngine, synthetic_subject

    config, width, height = DEMO_CAPTURE, WIDTH, HEIGHT
    if quick:
        config = dataclasses.replace(config, size=320, lights=16, shadow_resolution=320)
        width, height, repeats = QUICK_WIDTH, QUICK_HEIGHT, 2
    subject = synthetic_subject(7, config)
    request = composite_bench.campaign_request(subject, 0, width, height, quick)
    times, _image = composite_bench.time_generate(CompositeEngine(), request, repeats)
    p50, p95 = percentile(times, 50), _p95(times)
    return [
        f"composite {width}×{height}",
        f"{repeats} runs, subject {config.size} px",
        f"p50 {p50:.2f} s, p95 {p95:.2f} s",
        f"p95 ≤ {TARGET_COMPOSITE_P95_S:g} s",
        _verdict(p95 <= TARGET_COMPOSITE_P95_S),
    ]


def _p95(values: list[float]) -> float:
    import numpy as np

    return float(np.percentile(values, 95))


#: The target and verdict cells of a row that has neither.
_NO = ("", "")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# --- the world: a temporary home built by the demo's own steps ----------------------------


@dataclasses.dataclass
class World:
    demo: Any
    runtime: Any
    settings: Any


@contextmanager
def world(max_outputs: int) -> Iterator[World]:
    """A temporary ``LIKENESS_HOME`` with the demo's parties, twin and an active license
    for ``max_outputs`` releases (the environment names it, so Ray workers find it)."""
    from likeness.runtime import Runtime
    from likeness.settings import Settings
    from likeness.system import demo as demo_module
    from likeness.system.service import init_home

    saved = {k: os.environ.get(k) for k in ("LIKENESS_HOME", "LIKENESS_ENGINES__ENABLED")}
    with tempfile.TemporaryDirectory(prefix="likeness-bench-generation-") as tmp:
        os.environ["LIKENESS_HOME"] = str(Path(tmp) / "home")
        os.environ["LIKENESS_ENGINES__ENABLED"] = "memory,composite"
        settings = Settings()
        init_home(settings)
        runtime = Runtime.from_settings(settings)
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        demo = demo_module.Demo(settings, runtime, scratch)
        try:
            for step in (
                demo_module.step_parties,
                demo_module.step_creation_consent,
                demo_module.step_capture,
                demo_module.step_qc,
                demo_module.step_twin,
            ):
                step(demo)
            demo_module.step_license(demo, max_outputs=max_outputs)
            yield World(demo, runtime, settings)
        finally:
            runtime.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _generation(w: World, engine: str, width: int, height: int, seed: int) -> Any:
    from likeness.engines import Task
    from likeness.generation.schemas import BriefIn, GenerationCreate
    from likeness.output.schemas import UseSpec
    from likeness.system import demo as demo_module

    return GenerationCreate(
        license_id=w.demo.ids["license"],
        twin_id=w.demo.ids["twin"],
        use=UseSpec(
            channel=demo_module.CHANNEL,
            territory=demo_module.TERRITORY,
            category=demo_module.CATEGORY,
        ),
        engine=engine,
        task=Task.tryon,
        brief=BriefIn(prompt="a linen shirt"),
        width=width,
        height=height,
        count=1,
        seed=seed,
    )


def submit(w: World, engine: str, width: int, height: int, seed: int, inputs: Any) -> Any:
    """The brand asks for one image (one transaction); the queued job's id."""
    from likeness.engines import registry
    from likeness.generation import service

    data = _generation(w, engine, width, height, seed)
    with w.demo.acting("brand") as (session, actor):
        done = service.submit(
            session,
            actor,
            w.runtime.storage,
            data,
            inputs,
            lambda name: registry.build(name, w.settings),
        )
        assert done.job is not None
        return done.job.id


def twin_loads(w: World) -> int:
    """How many times a worker decrypted the twin (``twin.use`` by the generation actor)."""
    from sqlalchemy import func, select

    from likeness.generation.service import GENERATION_ACTOR
    from likeness.models.audit import AuditEvent

    with w.runtime.db.unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "twin.use")
                .where(AuditEvent.actor.contains(GENERATION_ACTOR.email))
            )
            or 0
        )


# --- 2. overhead ---------------------------------------------------------------------------


class TimedEngine:
    """An engine that adds up the time its ``generate`` takes (to take it out)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def info(self) -> Any:
        return self.inner.info

    def generate(self, request: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.inner.generate(request)
        finally:
            self.seconds += time.perf_counter() - start


class TimedChecks:
    """The real identity checks, timed (to say where the job's time goes): the probe
    (faces found and embedded, outside the transaction) and the judge (references and
    verdict, inside it) apart."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.probe_seconds = self.judge_seconds = 0.0

    @property
    def seconds(self) -> float:
        return self.probe_seconds + self.judge_seconds

    def reset(self) -> None:
        self.probe_seconds = self.judge_seconds = 0.0

    def probe(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.inner.probe(*args, **kwargs)
        finally:
            self.probe_seconds += time.perf_counter() - start

    def judge(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.inner.judge(*args, **kwargs)
        finally:
            self.judge_seconds += time.perf_counter() - start


@dataclasses.dataclass
class Timings:
    parts: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def add(self, part: str, seconds: float) -> None:
        self.parts.setdefault(part, []).append(seconds)

    def median(self, part: str) -> float:
        return statistics.median(self.parts[part])


def one_request(w: World, cache: dict[str, Any], seed: int, width: int, height: int) -> dict:
    """Submit, run, approve and release one image; each part's seconds."""
    from likeness.generation import repository, service
    from likeness.jobs import worker
    from likeness.models.generation import GenerationRequest
    from likeness.models.job import JobStatus
    from likeness.output import service as outputs
    from likeness.provenance import StampConfig
    from likeness.system import demo as demo_module

    engine: TimedEngine = cache[service.CACHE_ENGINE + "memory"]
    checks: TimedChecks = cache[service.CACHE_CHECKS]
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    job_id = submit(w, "memory", width, height, seed, {})
    took["submit"] = time.perf_counter() - t0
    engine.seconds = 0.0
    checks.reset()
    t0 = time.perf_counter()
    outcome = worker.run_next(
        w.runtime, "bench", [service.JOB_KIND], cache=cache, handlers=service.HANDLERS
    )
    took["job"] = time.perf_counter() - t0
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    took["engine"], took["checks"] = engine.seconds, checks.seconds
    took["probe"], took["judge"] = checks.probe_seconds, checks.judge_seconds
    with w.runtime.db.unit_of_work() as session:
        request_id = session.query(GenerationRequest.id).filter_by(job_id=job_id).scalar()
        [output_id] = repository.outputs_of(session, request_id, None)
    t0 = time.perf_counter()
    with w.demo.acting("talent") as (session, actor):
        outputs.approve(session, actor, output_id)
    took["approve"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with w.demo.acting("brand") as (session, actor):
        outputs.require_released(
            outputs.release(
                session,
                actor,
                w.runtime.storage,
                output_id,
                StampConfig.from_settings(w.settings),
                channel=demo_module.CHANNEL,
            )
        )
    took["release"] = time.perf_counter() - t0
    return took


def overhead_cache(w: World) -> dict[str, Any]:
    """A worker's cache, as ``likeness generate`` gives it, with the engine and the
    checks wrapped in timers."""
    from likeness.engines import registry
    from likeness.generation import service

    return {
        service.CACHE_ENGINE + "memory": TimedEngine(registry.build("memory", w.settings)),
        service.CACHE_CHECKS: TimedChecks(service.default_checks()),
    }


def bench_overhead(
    w: World, requests: int, width: int, height: int, profile: bool
) -> tuple[list[list[str]], str | None]:
    cache = overhead_cache(w)
    started = time.perf_counter()
    one_request(w, cache, 0, width, height)  # warm-up: face models, twin, engine
    warm_up = time.perf_counter() - started
    timings = Timings()
    profiler = cProfile.Profile() if profile else None
    for seed in range(1, requests + 1):
        if profiler is not None:
            profiler.enable()
        cpu = time.process_time()
        for part, seconds in one_request(w, cache, seed, width, height).items():
            timings.add(part, seconds)
        timings.add("cpu", time.process_time() - cpu)
        if profiler is not None:
            profiler.disable()
    m = {part: timings.median(part) for part in timings.parts}
    job_less_engine = statistics.median(
        j - e for j, e in zip(timings.parts["job"], timings.parts["engine"], strict=True)
    )
    total = statistics.median(
        s + j - e + a + r
        for s, j, e, a, r in zip(
            *(timings.parts[p] for p in ("submit", "job", "engine", "approve", "release")),
            strict=True,
        )
    )
    rows = [
        [
            "overhead: submit",
            "decide + refusal rules + store + enqueue",
            f"median {m['submit'] * 1000:.0f} ms",
            "",
            "",
        ],
        [
            "overhead: job − engine",
            "lease + checks + seal + preview stamp + rows",
            f"median {job_less_engine * 1000:.0f} ms (checks {m['checks'] * 1000:.0f} ms: "
            f"probe {m['probe'] * 1000:.0f} ms outside the transaction, "
            f"judge {m['judge'] * 1000:.0f} ms; "
            f"engine {m['engine'] * 1000:.0f} ms taken out)",
            "",
            "",
        ],
        ["overhead: approve", "the talent's review", f"median {m['approve'] * 1000:.0f} ms", *_NO],
        [
            "overhead: release",
            "decide + stamp (label, watermark, C2PA) + register",
            f"median {m['release'] * 1000:.0f} ms",
            "",
            "",
        ],
        [
            "request → released asset",
            f"memory engine {width}×{height}, {requests} requests (+1 warm-up {warm_up:.1f} s)",
            f"median {total:.3f} s, engine excluded (CPU: {m['cpu']:.3f} s a request, "
            "all threads, engine included)",
            f"≤ {TARGET_OVERHEAD_S:g} s",
            _verdict(total <= TARGET_OVERHEAD_S),
        ],
    ]
    report = None
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        report = out.getvalue()
    return rows, report


# --- 3. outputs per minute -------------------------------------------------------------------


def bench_throughput(w: World, jobs: int, engine: str, width: int, height: int) -> list[list[str]]:
    from likeness.generation import service
    from likeness.jobs.executors import InlineExecutor, RayExecutor, start_ray

    inputs: dict[Any, bytes] = {}
    if engine == "composite":
        inputs = composite_bench.campaign_request(None, 0, width, height, False).inputs
    seeds = iter(range(1000, 100_000))

    def batch(count: int) -> list[str]:
        return [submit(w, engine, width, height, next(seeds), inputs) for _ in range(count)]

    rates: dict[tuple[str, int], tuple[float, int, str]] = {}
    for workers in (1, 2):
        with InlineExecutor(w.runtime, workers, handlers=service.HANDLERS) as inline:
            jobs_bench.jobs_per_minute(w.runtime, inline, batch(workers))  # warm
            before = twin_loads(w)
            rate = jobs_bench.jobs_per_minute(w.runtime, inline, batch(jobs))
            rates[("inline", workers)] = (rate, twin_loads(w) - before, "")
    start_ray(None, 2)
    try:
        for workers in (1, 2):
            with RayExecutor(w.runtime, workers, handlers=service.HANDLERS) as ray_executor:
                warm_before = twin_loads(w)
                # One job per actor, each run by its own actor: both are warm after it.
                warm = batch(workers)
                for job_id in warm:
                    ray_executor.submit(job_id)
                ray_executor.wait(warm, timeout=600)
                warm_loads = twin_loads(w) - warm_before
                before = twin_loads(w)
                rate = jobs_bench.jobs_per_minute(w.runtime, ray_executor, batch(jobs))
                cached = _actor_caches(ray_executor)
                rates[("ray", workers)] = (
                    rate,
                    twin_loads(w) - before,
                    f"warm-up loads {warm_loads}; cached: {cached}",
                )
    finally:
        import ray

        ray.shutdown()
    rows = []
    for (name, workers), (rate, loads, note) in rates.items():
        speedup = rate / rates[(name, 1)][0]
        target, verdict = "", ""
        if (name, workers) == ("ray", 2):
            target = f"≥ {TARGET_RAY_SPEEDUP:.1f}× ray at 1"
            verdict = _verdict(speedup >= TARGET_RAY_SPEEDUP)
        rows.append(
            [
                f"{name}, {workers} worker{'s' if workers > 1 else ''}",
                f"{jobs} jobs, {engine} {width}×{height}",
                f"{rate:.1f} outputs/min ({speedup:.2f}× at 1); twin loads {loads}"
                + (f" ({note})" if note else ""),
                target,
                verdict,
            ]
        )
    return rows


def _actor_caches(executor: Any) -> str:
    """What each Ray actor holds in its cache now: its twin and engine entries."""
    import ray

    def held(actor: Any) -> list[str]:
        # The engines by name; the decrypted twins as one LRU table (generation.service).
        engines = [k.split(":")[1] for k in actor.cache if k.startswith("generation:engine:")]
        twins = len(actor.cache.get("generation:subjects") or {})
        return sorted(engines) + ([f"{twins} twin(s)"] if twins else [])

    found = ray.get([a.__ray_call__.remote(held) for a in executor._actors])
    return " | ".join("+".join(entries) or "nothing" for entries in found)


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs (CI)")
    parser.add_argument("--repeats", type=int, default=10, help="composite runs")
    parser.add_argument("--requests", type=int, default=10, help="timed overhead requests")
    parser.add_argument("--jobs", type=int, help="jobs per executor run (default 12)")
    parser.add_argument("--engine", choices=["composite", "memory"], help="for outputs/min")
    parser.add_argument("--profile", action="store_true", help="cProfile the overhead")
    args = parser.parse_args(argv)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    requests = 2 if args.quick else args.requests
    jobs = args.jobs or (2 if args.quick else 12)
    engine = args.engine or ("memory" if args.quick else "composite")
    width, height = (QUICK_WIDTH, QUICK_HEIGHT) if args.quick else (WIDTH, HEIGHT)
    load_before = os.getloadavg()
    rows = [bench_composite(args.quick, args.repeats)]
    # The overhead's releases (warm-up included), and one more: a license whose quota
    # is all released refuses new generation too.
    with world(max_outputs=requests + 2) as w:
        overhead, report = bench_overhead(w, requests, width, height, args.profile)
        rows += overhead
        rows += bench_throughput(w, jobs, engine, width, height)
    print(
        f"generation: {os.cpu_count()} CPUs, load average (1, 5, 15 min) "
        f"{load_average(load_before)} before, {load_average()} after"
    )
    print_table(jobs_bench.HEADER, rows, rule=True)
    busiest = max(load_before[0], os.getloadavg()[0])
    if busiest > (os.cpu_count() or 1):
        # The targets are for 2 free cores: on a busier machine a miss may be the load's.
        print(
            f"note: the load average ({busiest:.1f}) was above the CPU count: the wall-clock "
            "figures are inflated by other work (compare the overhead's CPU time, or rerun)"
        )
    if report is not None:
        print(report)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
