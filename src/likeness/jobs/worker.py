"""The worker loop: lease one job, run its handler, record what happened.

Handlers are registered by kind as ``"module:function"`` strings, so any process (a
thread here, a Ray actor elsewhere) can import them::

    from likeness.jobs import worker

    worker.register("demo.sleep", "my_package.handlers:sleep")

    def sleep(ctx: worker.JobContext) -> dict[str, object]:
        for step in range(10):
            if not ctx.progress(step / 10, f"step {step}"):
                raise JobCancelled("stopped")     # cancelled, or the lease was lost
            ...
        return {"slept": 10}                       # the job's result (JSON)

:func:`run_next` leases one job in its own transaction, calls the handler outside any
transaction, and records the outcome in another short one:

* the handler returns → ``succeeded`` with its result;
* it raises a :class:`~likeness.errors.LikenessError` with a 4xx status (bad input, a
  refusal) → ``failed`` at once: no retry can fix it;
* it raises anything else (a crash, a timeout, a 5xx) → queued again until
  ``max_attempts``, then ``failed``;
* ``ctx.progress`` returned False and the handler raised
  :class:`~likeness.jobs.errors.JobCancelled` → ``cancelled`` (or nothing, if the lease
  was lost: the worker now holding the job finishes it).

While the handler runs a keeper thread heartbeats every third of the lease, so a handler
that reports no progress for a while keeps its job; a process killed outright stops
heartbeating and its job is leased again once the lease runs out. Each handler step
that writes to the database commits its own transaction, and a handler must be
idempotent across attempts (key what it makes by the job, or by what the job is for).

``ctx.cache`` is one dict per process, kept for as long as the process lives: a Ray
actor keeps a loaded twin or model there for its later jobs.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from likeness.errors import LikenessError
from likeness.jobs import service
from likeness.jobs.errors import InvalidJobRequest, JobCancelled, UnknownJobKind
from likeness.models.job import JobStatus
from likeness.runtime import Runtime

_log = logging.getLogger(__name__)

#: The handlers every worker knows, kind → "module:function": one line per kind, like
#: the command table of ``likeness/cli.py`` (a string imports nothing until a job of that
#: kind runs, so a feature of any layer may add its line here).
KNOWN_HANDLERS: dict[str, str] = {
    "generation": "likeness.generation.service:run_job",
    "monitoring.scan": "likeness.monitoring.service:run_scan_job",
    "relight.retrain": "likeness.relighting.service:run_retrain_job",
}
#: Handlers registered at run time (tests, ``likeness job work --handler``).
_HANDLERS: dict[str, str] = {}
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
#: One cache per process, shared by every job this process runs.
PROCESS_CACHE: dict[str, Any] = {}

Handler = Callable[["JobContext"], Any]
#: Told of every progress report a handler makes: (job id, kind, fraction or None, message).
Observer = Callable[[str, str, "float | None", "str | None"], None]


def register(kind: str, target: str) -> None:
    """Run jobs of ``kind`` with the function ``target`` (``"package.module:function"``)."""
    if not _TARGET.match(target):
        raise InvalidJobRequest(f"a job handler is 'package.module:function', not {target!r}")
    _HANDLERS[kind] = target


def unregister(kind: str) -> None:
    _HANDLERS.pop(kind, None)


def registered() -> dict[str, str]:
    """Every handler this process knows, :data:`KNOWN_HANDLERS` and those registered
    (what an executor hands to workers in other processes)."""
    return {**KNOWN_HANDLERS, **_HANDLERS}


def resolve(target: str) -> Handler:
    """Import the handler a ``"module:function"`` string names."""
    module_name, _, name = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise UnknownJobKind(f"cannot load job handler {target}: {exc}") from None
    if not callable(function):
        raise UnknownJobKind(f"job handler {target} is not callable")
    return function  # type: ignore[no-any-return]


def default_worker_id(suffix: str = "0") -> str:
    """``host:pid:suffix``: unique per worker while it lives."""
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"


@dataclass
class JobContext:
    """What a handler gets: its job, and a way to report progress and learn to stop."""

    job_id: str
    kind: str
    payload: dict[str, Any]
    #: 1 on the first try, 2 on the first retry, …
    attempt: int
    max_attempts: int
    #: The per-process cache (:data:`PROCESS_CACHE` unless the caller gave its own).
    cache: dict[str, Any]
    #: The worker's runtime (its database, blob store, keys and settings): a handler
    #: works against this, never against one built from the environment.
    runtime: Runtime
    _beat: Callable[[float | None, str | None], bool] = field(repr=False)
    _stopped: threading.Event = field(default_factory=threading.Event, repr=False)
    _observer: Observer | None = field(default=None, repr=False)

    @property
    def stopped(self) -> bool:
        """True once a heartbeat was refused: cancelled, or the lease was lost."""
        return self._stopped.is_set()

    def progress(self, fraction: float | None = None, message: str | None = None) -> bool:
        """Report progress (0..1) and extend the lease; False means stop now (raise
        :class:`~likeness.jobs.errors.JobCancelled`)."""
        if self._stopped.is_set():
            return False
        if fraction is not None:
            service.fraction(fraction)  # a bad value is the handler's bug: raise here
        if self._beat(fraction, message):
            if self._observer is not None and (fraction is not None or message is not None):
                self._observer(self.job_id, self.kind, fraction, message)
            return True
        self._stopped.set()
        return False

    def check(self) -> None:
        """Raise :class:`~likeness.jobs.errors.JobCancelled` if the worker must stop."""
        if self._stopped.is_set():
            raise JobCancelled(f"job {self.job_id} was cancelled or its lease was lost")


@dataclass(frozen=True)
class JobOutcome:
    """What :func:`run_next` did with the job it leased."""

    job_id: str
    kind: str
    attempt: int
    #: The status recorded, or None when the lease was lost before it could be.
    status: JobStatus | None
    error: str | None = None


def run_next(
    runtime: Runtime,
    worker_id: str,
    kinds: Collection[str] | None = None,
    *,
    cache: dict[str, Any] | None = None,
    handlers: Mapping[str, str] | None = None,
    observer: Observer | None = None,
    only: Collection[str] | None = None,
) -> JobOutcome | None:
    """Lease one job of ``kinds`` (None: every registered kind; ``only``: one of these
    job ids), run it, record the outcome. None when no job was waiting."""
    table = registered() if handlers is None else dict(handlers)
    wanted = list(table) if kinds is None else list(kinds)
    missing = [kind for kind in wanted if kind not in table]
    if missing:
        raise UnknownJobKind(f"no handler is registered for job kind {', '.join(missing)}")
    lease_seconds = runtime.settings.jobs.lease_seconds
    with runtime.db.unit_of_work() as session:
        job = service.lease(session, worker_id, wanted, lease_seconds, job_ids=only)
        if job is None:
            return None
        job_id, kind, attempt = job.id, job.kind, job.attempts
        payload, max_attempts = json.loads(job.payload_json), job.max_attempts

    def beat(fraction: float | None, message: str | None) -> bool:
        with runtime.db.unit_of_work() as session:
            return service.heartbeat(
                session, job_id, worker_id, fraction, message, lease_seconds=lease_seconds
            )

    ctx = JobContext(
        job_id=job_id,
        kind=kind,
        payload=payload,
        attempt=attempt,
        max_attempts=max_attempts,
        cache=PROCESS_CACHE if cache is None else cache,
        runtime=runtime,
        _beat=beat,
        _observer=observer,
    )
    if observer is not None:
        observer(job_id, kind, None, f"attempt {attempt} of {max_attempts}")
    keeper = _Keeper(ctx, lease_seconds / 3)
    keeper.start()
    try:
        result = resolve(table[kind])(ctx)
    except LikenessError as exc:
        if isinstance(exc, JobCancelled) and ctx.stopped:
            return _record_stop(runtime, ctx, worker_id)
        # A JobCancelled nobody asked for is the handler's own refusal (409): not retried.
        retry = not 400 <= exc.status_code < 500
        return _record_failure(runtime, ctx, worker_id, f"{exc.name}: {exc.message}", retry)
    except Exception as exc:
        # Recorded on the job (last_error); the traceback is for whoever turns logging up.
        _log.info("job %s (%s) attempt %d failed", job_id, kind, attempt, exc_info=True)
        return _record_failure(runtime, ctx, worker_id, f"{type(exc).__name__}: {exc}", True)
    except BaseException:
        # Interrupted (Ctrl-C, a stop signal): give the job back for another try.
        _record_failure(runtime, ctx, worker_id, "the worker was interrupted", True)
        raise
    finally:
        keeper.stop()
    return _record_success(runtime, ctx, worker_id, result)


def _record_success(runtime: Runtime, ctx: JobContext, worker_id: str, result: Any) -> JobOutcome:
    try:
        with runtime.db.unit_of_work() as session:
            job = service.succeed(session, ctx.job_id, worker_id, result)
            status = None if job is None else job.status
    except InvalidJobRequest as exc:  # a result that is no JSON, or too large
        return _record_failure(runtime, ctx, worker_id, exc.message, False)
    return JobOutcome(ctx.job_id, ctx.kind, ctx.attempt, status)


def _record_failure(
    runtime: Runtime, ctx: JobContext, worker_id: str, error: str, retry: bool
) -> JobOutcome:
    with runtime.db.unit_of_work() as session:
        job = service.fail(session, ctx.job_id, worker_id, error, retry)
        status = None if job is None else job.status
    return JobOutcome(ctx.job_id, ctx.kind, ctx.attempt, status, error)


def _record_stop(runtime: Runtime, ctx: JobContext, worker_id: str) -> JobOutcome:
    with runtime.db.unit_of_work() as session:
        job = service.stopped(session, ctx.job_id, worker_id)
        status = None if job is None else job.status
    return JobOutcome(ctx.job_id, ctx.kind, ctx.attempt, status)


class _Keeper:
    """Heartbeats every ``interval`` seconds while a handler runs; a refused heartbeat
    marks the context stopped (the handler's next ``progress`` returns False)."""

    def __init__(self, ctx: JobContext, interval: float) -> None:
        self._ctx = ctx
        self._interval = max(0.05, interval)
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-keeper-{ctx.job_id[:8]}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            try:
                if not self._ctx.progress():
                    return
            except Exception:  # a database hiccup: the next beat tries again
                _log.exception("heartbeat of job %s failed", self._ctx.job_id)


def drain(
    runtime: Runtime,
    worker_id: str,
    kinds: Collection[str] | None = None,
    *,
    cache: dict[str, Any] | None = None,
    handlers: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[JobOutcome], None] | None = None,
    observer: Observer | None = None,
) -> int:
    """Run jobs until none is waiting (or ``stop`` is set); returns how many ran."""
    count = 0
    while stop is None or not stop.is_set():
        outcome = run_next(
            runtime, worker_id, kinds, cache=cache, handlers=handlers, observer=observer
        )
        if outcome is None:
            break
        count += 1
        if on_outcome is not None:
            on_outcome(outcome)
    return count
