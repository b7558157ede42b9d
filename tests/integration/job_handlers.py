"""Job handlers for the worker and executor tests, importable in any process
(``integration.job_handlers:<name>``, with ``tests`` on the path)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from likeness.errors import InvalidInput
from likeness.jobs.errors import JobCancelled
from likeness.jobs.worker import JobContext

HERE = "integration.job_handlers"


def echo(ctx: JobContext) -> dict[str, Any]:
    return {"payload": ctx.payload, "attempt": ctx.attempt}


def flaky(ctx: JobContext) -> dict[str, Any]:
    """Crashes until attempt ``succeed_on``."""
    if ctx.attempt < int(ctx.payload["succeed_on"]):
        raise RuntimeError(f"crash on attempt {ctx.attempt}")
    return {"attempt": ctx.attempt}


def refuse(ctx: JobContext) -> None:
    raise InvalidInput("the brief names no garment")


def steps(ctx: JobContext) -> dict[str, Any]:
    """``n`` steps of ``delay`` seconds, reporting progress; stops when told."""
    n, delay = int(ctx.payload["n"]), float(ctx.payload.get("delay", 0.01))
    for i in range(n):
        if not ctx.progress(i / n, f"step {i + 1} of {n}"):
            raise JobCancelled("told to stop")
        marker = ctx.payload.get("marker")
        if marker and i == 0:
            Path(marker).write_text("started", encoding="utf-8")
        time.sleep(delay)
    return {"steps": n}


def hang_first(ctx: JobContext) -> dict[str, Any]:
    """Attempt 1 reports progress, leaves a marker file and hangs (to be killed);
    later attempts finish at once."""
    if ctx.attempt == 1:
        ctx.progress(0.1, "started")
        Path(ctx.payload["marker"]).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(120)
    return {"attempt": ctx.attempt, "pid": os.getpid()}


def not_json(ctx: JobContext) -> object:
    return {"when": object()}


def cached(ctx: JobContext) -> dict[str, Any]:
    """Loads "the model" once per process; later jobs of the process reuse it."""
    if "model" not in ctx.cache:
        ctx.cache["model"] = {"loaded_by": ctx.job_id}
        ctx.cache["loads"] = ctx.cache.get("loads", 0) + 1
    return {"pid": os.getpid(), "loads": ctx.cache["loads"]}


def register_all() -> dict[str, str]:
    """kind → target for every handler here (``test.<name>``)."""
    names = ("echo", "flaky", "refuse", "steps", "hang_first", "not_json", "cached")
    return {f"test.{name}": f"{HERE}:{name}" for name in names}


def quits(ctx: JobContext) -> None:
    """Raises JobCancelled though nobody cancelled the job."""
    raise JobCancelled("nothing to do")
