"""Where workers run: one interface, two executors (decision 0020).

:class:`InlineExecutor` (the default) runs up to ``workers`` worker loops on a thread pool
in this process: the server or a command. :class:`RayExecutor` runs ``workers``
long-lived Ray actors, each a process of its own with its own cache, on a local Ray
started here (``ray.init()``: no dashboard, no usage reporting) or on
the cluster ``LIKENESS_JOBS__RAY_ADDRESS`` names. Every worker leases from the same
database, so the executors can be mixed and a job never runs twice at once::

    executor = executor_from_settings(runtime)
    with runtime.db.unit_of_work() as session:
        job = service.enqueue(session, actor, "generation.run", {...})
    executor.submit(job.id)          # after the commit: the job exists now
    executor.wait([job.id], timeout=60)
    executor.close()

Inside a request, hand the job over when the request's transaction commits (never if it
rolls back), to the process's one executor::

    job = service.enqueue(session, actor, "generation.run", {...})
    submit_on_commit(session, executor_for(runtime), job.id)

``submit`` only makes sure enough workers are draining the queue; the job itself is
found by its lease, so a job whose worker died is picked up by the next drain after its
lease runs out (``wait`` keeps the workers going while it waits).

Ray is an optional extra (``pip install 'likeness[ray]'``); it is imported only when a
:class:`RayExecutor` is built.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy.orm import Session

from likeness.errors import ConfigurationError
from likeness.jobs import service, worker
from likeness.kit import cpus
from likeness.kit.db import Database, on_commit
from likeness.models.job import FINISHED, JobStatus
from likeness.runtime import Runtime
from likeness.settings import Settings

_log = logging.getLogger(__name__)

#: How often ``wait`` reads the jobs' statuses.
POLL_SECONDS = 0.1
#: How often ``wait`` wakes the workers (for jobs whose lease ran out meanwhile).
KICK_SECONDS = 1.0


class Executor(Protocol):
    """Runs workers somewhere; every worker leases from the one job table."""

    def submit(self, job_id: str) -> None:
        """A job was queued (and committed): make sure a worker will run it."""

    def wait(self, job_ids: Sequence[str], timeout: float | None = None) -> dict[str, JobStatus]:
        """Block until every job is finished; their final statuses. :class:`TimeoutError`
        if ``timeout`` seconds pass first."""

    def close(self) -> None:
        """Stop the workers (a running job finishes first) and free what they hold."""


def _wait(
    db: Database, job_ids: Sequence[str], timeout: float | None, kick: Any
) -> dict[str, JobStatus]:
    deadline = None if timeout is None else time.monotonic() + timeout
    last_kick = time.monotonic()
    while True:
        with db.unit_of_work() as session:
            found = service.statuses(session, job_ids)
        missing = sorted(set(job_ids) - set(found))
        if missing:
            raise KeyError(f"no job {missing[0]}")
        if all(status in FINISHED for status in found.values()):
            return found
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            waiting = sorted(i for i, s in found.items() if s not in FINISHED)
            raise TimeoutError(f"{len(waiting)} job(s) still unfinished: {', '.join(waiting)}")
        if now - last_kick >= KICK_SECONDS:
            kick()
            last_kick = now
        time.sleep(POLL_SECONDS)


class InlineExecutor:
    """Up to ``workers`` worker loops on threads of this process, each draining the queue
    and ending when it is empty; ``submit`` starts one while fewer run."""

    def __init__(
        self,
        runtime: Runtime,
        workers: int | None = None,
        *,
        kinds: Collection[str] | None = None,
        handlers: Mapping[str, str] | None = None,
    ) -> None:
        self.runtime = runtime
        self.workers = workers or runtime.settings.jobs.workers
        if self.workers < 1:
            raise ConfigurationError("an executor needs at least one worker")
        self._kinds = kinds
        self._handlers = handlers
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="likeness-job")
        self._lock = threading.Lock()
        self._active = 0
        self._again = False
        self._closed = False
        self._stop = threading.Event()
        self._serial = itertools.count(1)
        self.ran = 0

    def submit(self, job_id: str | None = None) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the executor is closed")
            if self._active >= self.workers:
                self._again = True  # a running loop drains once more before it ends
                return
            self._active += 1
            self._pool.submit(self._loop, worker.default_worker_id(f"inline-{next(self._serial)}"))

    def _loop(self, worker_id: str) -> None:
        while True:
            try:
                count = worker.drain(
                    self.runtime,
                    worker_id,
                    self._kinds,
                    handlers=self._handlers,
                    stop=self._stop,
                )
                with self._lock:
                    self.ran += count
            except Exception:
                _log.exception("job worker %s stopped", worker_id)
            with self._lock:
                if self._again and not self._stop.is_set():
                    self._again = False
                    continue
                self._active -= 1
                return

    def wait(self, job_ids: Sequence[str], timeout: float | None = None) -> dict[str, JobStatus]:
        return _wait(self.runtime.db, job_ids, timeout, self.submit)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._stop.set()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RayWorker:
    """One long-lived worker process (a Ray actor): its own database connection, its own
    cache, kept between jobs (a loaded twin or model stays for the next job)."""

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        audit_key: object,
        handlers: Mapping[str, str],
        kinds: Collection[str] | None,
        name: str,
    ) -> None:
        # Declared with num_cpus=1 (below): Ray gives each other worker its own core.
        cpus.limit(1)
        self.runtime = Runtime(settings, Database(database_url, audit_key=audit_key))
        self.handlers = dict(handlers)
        for kind, target in self.handlers.items():
            worker.register(kind, target)
        self.kinds = None if kinds is None else list(kinds)
        self.cache: dict[str, Any] = {}
        self.worker_id = worker.default_worker_id(name)

    def drain(self) -> int:
        """Run jobs until none is waiting; how many ran."""
        return worker.drain(
            self.runtime, self.worker_id, self.kinds, cache=self.cache, handlers=self.handlers
        )

    def pid(self) -> int:
        return os.getpid()


class RayExecutor:
    """``workers`` Ray actors (:class:`RayWorker`), each draining the queue when asked.

    With no Ray running and no ``address``, a local Ray is started for this process
    (``num_cpus`` = the workers, no dashboard, the driver's import path handed to the
    workers so handlers import there too) and shut down by :meth:`close`.
    """

    def __init__(
        self,
        runtime: Runtime,
        workers: int | None = None,
        *,
        address: str | None = None,
        kinds: Collection[str] | None = None,
        handlers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigurationError(
                "the ray executor needs Ray: pip install 'likeness[ray]'"
            ) from None
        self._ray = ray
        self.runtime = runtime
        self.workers = workers or runtime.settings.jobs.workers
        if self.workers < 1:
            raise ConfigurationError("an executor needs at least one worker")
        self._owns_ray = False
        if not ray.is_initialized():
            start_ray(address or runtime.settings.jobs.ray_address, self.workers)
            self._owns_ray = True
        table = worker.registered() if handlers is None else dict(handlers)
        actor: Any = ray.remote(num_cpus=1)(RayWorker)
        self._actors: list[Any] = [
            actor.remote(
                runtime.settings,
                runtime.db.url,
                runtime.db.audit_key,
                table,
                kinds,
                f"ray-{n}",
            )
            for n in range(self.workers)
        ]
        self._pending: list[list[Any]] = [[] for _ in self._actors]
        self._lock = threading.Lock()
        self._closed = False

    def pids(self) -> list[int]:
        """The actors' process ids (one process each)."""
        return list(self._ray.get([a.pid.remote() for a in self._actors]))

    def submit(self, job_id: str | None = None) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the executor is closed")
            for n, actor in enumerate(self._actors):
                self._pending[n] = self._settle(self._pending[n])
                # One drain running and one queued behind it covers every job committed
                # before this call.
                if len(self._pending[n]) < 2:
                    self._pending[n].append(actor.drain.remote())

    def _settle(self, refs: list[Any]) -> list[Any]:
        if not refs:
            return refs
        done, waiting = self._ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in done:
            try:
                self._ray.get(ref)
            except Exception:
                _log.exception("a Ray job worker failed")
        return list(waiting)

    def wait(self, job_ids: Sequence[str], timeout: float | None = None) -> dict[str, JobStatus]:
        return _wait(self.runtime.db, job_ids, timeout, self.submit)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending = [ref for refs in self._pending for ref in refs]
        if pending:
            self._ray.wait(pending, num_returns=len(pending))
        for actor in self._actors:
            self._ray.kill(actor)
        if self._owns_ray:
            self._ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_ray(address: str | None, num_cpus: int) -> None:
    """Connect to the cluster at ``address``, or start a small local Ray: ``num_cpus``
    CPUs, no dashboard, no usage reporting, this process's import path for its workers.
    Ray's own processes still open local ports (guarded by Ray's token authentication)."""
    import ray

    if address:
        ray.init(address=address, logging_level=logging.WARNING)
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    path = os.pathsep.join(p for p in sys.path if p)
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",  # the node names itself by loopback, not a LAN address
        logging_level=logging.WARNING,
        log_to_driver=False,
        object_store_memory=80 * 1024 * 1024,
        runtime_env={"env_vars": {"PYTHONPATH": path, "RAY_USAGE_STATS_ENABLED": "0"}},
    )


def executor_from_settings(
    runtime: Runtime,
    *,
    kinds: Collection[str] | None = None,
    handlers: Mapping[str, str] | None = None,
) -> InlineExecutor | RayExecutor:
    """The executor ``LIKENESS_JOBS__EXECUTOR`` names, with ``LIKENESS_JOBS__WORKERS``."""
    if runtime.settings.jobs.executor == "ray":
        return RayExecutor(runtime, kinds=kinds, handlers=handlers)
    return InlineExecutor(runtime, kinds=kinds, handlers=handlers)


_shared: weakref.WeakKeyDictionary[Runtime, InlineExecutor | RayExecutor] = (
    weakref.WeakKeyDictionary()
)
_shared_lock = threading.Lock()


def executor_for(runtime: Runtime) -> InlineExecutor | RayExecutor:
    """The process's one executor for ``runtime`` (the settings' kind), built on first
    use; :func:`close_executor` closes it (the API's shutdown, the end of a command)."""
    with _shared_lock:
        executor = _shared.get(runtime)
        if executor is None:
            executor = executor_from_settings(runtime)
            _shared[runtime] = executor
        return executor


def close_executor(runtime: Runtime) -> None:
    """Close the executor :func:`executor_for` built for ``runtime``, if any."""
    with _shared_lock:
        executor = _shared.pop(runtime, None)
    if executor is not None:
        executor.close()


def submit_on_commit(session: Session, executor: Executor, job_id: str) -> None:
    """Submit ``job_id`` once the session's transaction has committed (the job exists for
    the workers only then); nothing happens if it rolls back."""
    on_commit(session, lambda: executor.submit(job_id))
