"""`likeness job list|show|cancel|work`.

``work`` runs workers in the foreground (threads of this process) until the queue is
empty, or with ``--forever`` until stopped (Ctrl-C: no new job is taken, the running
ones finish), showing each running job's progress with Rich.
"""

from __future__ import annotations

import threading
import time
from typing import Annotated, Any

import typer

from likeness.jobs import service, worker
from likeness.jobs.errors import InvalidJobRequest
from likeness.jobs.schemas import JobRead
from likeness.kit.bounds import MAX_PAGE
from likeness.kit.canonical import canonical_json
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    LicenseFilter,
    cli_runtime,
    cli_session,
    console,
    id_argument,
    print_fields,
    print_json,
    print_table,
)
from likeness.models.job import JobStatus

app = typer.Typer(help="Durable jobs: list, show, cancel, run workers.", no_args_is_help=True)

JobId = Annotated[str, id_argument("job", "jobs")]


def _print(row: JobRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    fields["payload"] = canonical_json(fields["payload"])
    fields["result"] = None if row.result is None else canonical_json(fields["result"])
    print_fields(fields)


@app.command("list")
def list_jobs(
    status: Annotated[JobStatus | None, typer.Option(help="Only this status.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    ref_type: Annotated[str | None, typer.Option(help="Only jobs for this kind of object.")] = None,
    ref_id: Annotated[str | None, typer.Option(help="Only jobs for this object.")] = None,
    license_id: LicenseFilter = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the jobs you may see (yours; all of them for an operator), newest first."""
    with cli_session(as_email) as (session, actor):
        rows = [
            service.to_read(job)
            for job in service.list_for(
                session,
                actor,
                status=status,
                kind=kind,
                ref_type=ref_type,
                ref_id=ref_id,
                license_id=license_id,
                limit=limit,
                offset=offset,
            )
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "kind", "status", "%", "tries", "message", "created"],
        [
            [
                r.id,
                r.kind,
                r.status.value + (" (cancel asked)" if r.cancel_requested else ""),
                r.percentage,
                f"{r.attempts}/{r.max_attempts}",
                r.last_error if r.status is JobStatus.failed else r.message,
                r.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
            for r in rows
        ],
        id_columns=(0,),
        keep_columns=(1, 2, 3),
    )


@app.command("show")
def show(job_id: JobId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """A job: status, percentage, message, attempts, last error, result."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(service.get_for(session, actor, job_id))
    _print(row, json_out)


@app.command("cancel")
def cancel(
    job_id: JobId,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept in the audit log).")
    ] = "cancelled by request",
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Cancel a job: a queued one ends now, a running one is asked to stop."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(service.cancel(session, actor, job_id, reason))
    if json_out:
        print_json(row.model_dump(mode="json"))
    elif row.status is JobStatus.cancelled:
        console.print(f"job {row.id} cancelled")
    else:
        console.print(f"job {row.id} is running: its worker was asked to stop")


def _handlers(pairs: list[str]) -> dict[str, str]:
    table = worker.registered()
    for pair in pairs:
        kind, sep, target = pair.partition("=")
        if not sep or not kind:
            raise InvalidJobRequest(f"--handler takes KIND=package.module:function, not {pair!r}")
        worker.register(kind, target)  # checks the target's form
        table[kind] = target
    return table


class _Display:
    """One Rich progress bar per running job, shared by the worker threads."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    def observe(self, job_id: str, kind: str, fraction: float | None, message: str | None) -> None:
        with self._lock:
            task = self._tasks.get(job_id)
            if task is None:
                task = self._progress.add_task(f"{job_id[:8]} {kind}", total=1.0, note="")
                self._tasks[job_id] = task
            update: dict[str, Any] = {}
            if fraction is not None:
                update["completed"] = fraction
            if message is not None:
                update["note"] = message
            self._progress.update(task, **update)

    def done(self, outcome: worker.JobOutcome) -> None:
        with self._lock:
            task = self._tasks.pop(outcome.job_id, None)
            if task is None:
                return
            status = outcome.status.value if outcome.status else "lease lost"
            note = status if outcome.error is None else f"{status}: {outcome.error}"
            if outcome.status is JobStatus.succeeded:
                self._progress.update(task, completed=1.0, note=note)
            else:
                self._progress.update(task, note=note)
            self._progress.stop_task(task)


@app.command("work")
def work(
    kinds: Annotated[
        list[str] | None, typer.Option("--kind", help="Only jobs of this kind (repeatable).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker threads.")] = 1,
    forever: Annotated[
        bool, typer.Option("--forever", help="Keep waiting for new jobs until stopped.")
    ] = False,
    poll: Annotated[
        float, typer.Option(min=0.05, max=3600, help="Seconds between looks when idle.")
    ] = 1.0,
    handler: Annotated[
        list[str] | None,
        typer.Option("--handler", help="Also run KIND with package.module:function (repeatable)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Run workers here until the queue is empty (or, with --forever, until stopped)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    table = _handlers(handler or [])
    wanted = kinds or None
    if wanted is not None:
        unknown = [k for k in wanted if k not in table]
        if unknown:
            raise InvalidJobRequest(f"no handler is known for job kind {', '.join(unknown)}")
    runtime = cli_runtime()
    outcomes: list[worker.JobOutcome] = []
    stop = threading.Event()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
        disable=json_out,
    )
    display = _Display(progress)

    def finished(outcome: worker.JobOutcome) -> None:
        display.done(outcome)
        outcomes.append(outcome)

    def loop(n: int) -> None:
        worker_id = worker.default_worker_id(f"cli-{n}")
        while not stop.is_set():
            worker.drain(
                runtime,
                worker_id,
                wanted,
                handlers=table,
                stop=stop,
                on_outcome=finished,
                observer=display.observe,
            )
            if not forever:
                return
            stop.wait(poll)

    with progress:
        threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(workers)]
        for thread in threads:
            thread.start()
        try:
            while any(t.is_alive() for t in threads):
                time.sleep(0.1)
        except KeyboardInterrupt:
            # Take no new job; the running ones finish. A second Ctrl-C leaves them to
            # be taken over when their lease runs out.
            stop.set()
            console.print("stopping: the running job(s) finish first (Ctrl-C again to quit)")
            for thread in threads:
                thread.join()
    if json_out:
        print_json(
            [
                {
                    "job_id": o.job_id,
                    "kind": o.kind,
                    "attempt": o.attempt,
                    "status": o.status.value if o.status else None,
                    "error": o.error,
                }
                for o in outcomes
            ]
        )
        return
    counts: dict[str, int] = {}
    for o in outcomes:
        key = o.status.value if o.status else "lease lost"
        counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no job was waiting"
    console.print(f"ran {len(outcomes)} job(s): {summary}")
