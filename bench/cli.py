"""Benchmark how fast the ``likeness`` command starts and answers.

Each case runs the installed command as a fresh process (what a user or a shell script
pays), ``--runs`` times, and reports the median wall-clock time (what the targets are
about) and the median CPU time (user + system, what the command itself costs even on a
busy machine) next to bare ``python -c pass``:

* ``likeness --help`` and ``likeness --version``: the lazy root only;
* ``likeness decide …``: one decision against a fresh data home (SQLite), with the
  installation check, the ``--as`` user and the rights lookup;
* ``likeness audit verify``: the whole chain, ``--events`` events long.

Targets (issue 15, 2-core machine): ``--help`` ≤ 0.30 s, ``decide`` ≤ 0.60 s,
``audit verify`` on 10,000 events ≤ 1.0 s. The script exits 1 when a target is missed
(not in ``--quick`` mode, whose chain is shorter and whose timings are only a smoke test).

Every case runs once untimed first. The commands inherit Python's bytecode setting: where
``PYTHONDONTWRITEBYTECODE`` is set (as on the team's machines) an editable install compiles
the ``likeness`` modules it imports from source on every run. ``--bytecode`` runs them with
the cache on, in a private folder (``PYTHONPYCACHEPREFIX``), as an installed package runs
(pip compiled its modules when it installed them); the header says which applied.

    python bench/cli.py              # 10 runs each, 10,000-event chain
    python bench/cli.py --quick      # 3 runs each, 500-event chain (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_S = {"likeness --help": 0.30, "likeness decide …": 0.60, "likeness audit verify": 1.0}


def likeness_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m likeness``."""
    script = Path(sys.executable).with_name("likeness")
    return [str(script)] if script.exists() else [sys.executable, "-m", "likeness"]


def run(args: list[str], env: dict[str, str], *, expect: set[int]) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode not in expect:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_seconds(
    args: list[str], env: dict[str, str], runs: int, expect: set[int]
) -> tuple[float, float] | None:
    """Median wall-clock and CPU (user + system) seconds; None when the command is missing.

    CPU time is what the command itself costs; on a busy machine wall-clock time also
    counts the wait for a core.
    """
    walls, cpus = [], []
    # One untimed run: fills the bytecode cache and the page cache, as any earlier use would.
    if subprocess.run(args, env=env, capture_output=True, check=False).returncode not in expect:
        return None
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        result = subprocess.run(args, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
        if result.returncode not in expect:
            return None
    return statistics.median(walls), statistics.median(cpus)


def grow_chain(env: dict[str, str], events: int) -> None:
    """Grow the chain to ``events`` events in one unit of work (in-process, not timed)."""
    os.environ.update(env)
    from sqlalchemy import text

    from likeness.audit import service
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.runtime import Runtime
    from likeness.settings import get_settings

    runtime = Runtime.from_settings(get_settings())
    try:
        with runtime.db.unit_of_work() as session:
            head = session.execute(text("SELECT seq FROM audit_head")).scalar_one()
            for n in range(head, events):
                service.record(session, SYSTEM_ACTOR, "bench.event", "bench", f"{n:032x}", {"n": n})
    finally:
        runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs, a 500-event chain (CI)")
    parser.add_argument("--runs", type=int, default=None, help="runs per case (default 10)")
    parser.add_argument("--events", type=int, default=None, help="chain length (default 10000)")
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="run the commands with the bytecode cache on, as an installed package runs",
    )
    options = parser.parse_args(argv)
    runs = options.runs or (3 if options.quick else 10)
    events = options.events or (500 if options.quick else 10_000)

    home = Path(tempfile.mkdtemp(prefix="likeness-bench-cli-"))
    env = {
        **os.environ,
        "LIKENESS_HOME": str(home / "home"),
        "COLUMNS": "80",
    }
    env.pop("LIKENESS_DATABASE_URL", None)
    if options.bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    cli = likeness_command()
    try:
        run([*cli, "init"], env, expect={0})

        def create(*args: str) -> str:
            return str(json.loads(run([*cli, *args, "--json"], env, expect={0}))["id"])

        user = create(
            "user", "create", "bench@example.com", "--role", "talent", "--name", "Bench",
            "--password", "bench-password-1",
        )  # fmt: skip
        talent = create("talent", "create", "--user", user, "--legal-name", "Bench Talent")
        brand = create("brand", "create", "Bench Brand")
        grow_chain(env, events)

        decide = [
            *cli, "decide", "--twin", talent, "--brand", brand, "--action", "generate",
            "--channel", "instagram", "--territory", "FR", "--category", "fashion",
        ]  # fmt: skip
        cases: list[tuple[str, list[str], set[int]]] = [
            ("python -c pass", [sys.executable, "-c", "pass"], {0}),
            ("likeness --version", [*cli, "--version"], {0}),
            ("likeness --help", [*cli, "--help"], {0}),
            ("likeness decide …", decide, {0, 3}),
            ("likeness audit verify", [*cli, "audit", "verify"], {0}),
        ]
        results = [(name, median_seconds(args, env, runs, expect)) for name, args, expect in cases]
    finally:
        shutil.rmtree(home, ignore_errors=True)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"likeness CLI start-up: median of {runs} runs, {os.cpu_count()} CPUs, load {load}")
    cached = options.bytecode or not env.get("PYTHONDONTWRITEBYTECODE")
    bytecode = "cached" if cached else "not cached: each run compiles likeness"
    print(f"(audit verify walks {events:,} events; bytecode {bytecode})\n")
    print(f"{'command':<24} {'wall s':>8} {'cpu s':>8} {'target s':>9}")
    missed = []
    for name, measured in results:
        target = TARGETS_S.get(name)
        shown = f"{target:.2f}" if target is not None else "-"
        if measured is None:
            print(f"{name:<24} {'n/a':>8} {'n/a':>8} {shown:>9}  (not available)")
            continue
        wall, cpu = measured
        verdict = "" if target is None else ("ok" if wall <= target else "MISSED")
        if verdict == "MISSED":
            missed.append(name)
        print(f"{name:<24} {wall:>8.3f} {cpu:>8.3f} {shown:>9}  {verdict}")
    return 1 if missed and not options.quick else 0


if __name__ == "__main__":
    sys.exit(main())
