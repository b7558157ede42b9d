"""`likeness generate` (ask for images and make them here, with a progress bar) and
`likeness generate status ID` / `list` / `cancel ID`."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from likeness.errors import InvalidInput
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    LicenseFilter,
    cli_runtime,
    cli_session,
    console,
    id_argument,
    id_option,
    print_fields,
    print_json,
    print_table,
    progress_bar,
)
from likeness.kit.documents import read_text, read_yaml

if TYPE_CHECKING:
    from likeness.runtime import Runtime

app = typer.Typer(
    help="Generate images of a licensed twin (decide → job → engine → checks → quarantine).",
    invoke_without_command=True,
)

RequestId = Annotated[str, id_argument("generation request", "generation_requests")]
#: How often the progress bar reads the job.
POLL_SECONDS = 0.2


def _size(value: str) -> tuple[int, int]:
    width, sep, height = value.lower().partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise InvalidInput(f"--size wants WIDTHxHEIGHT (e.g. 1080x1350), got {value!r}")
    return int(width), int(height)


def _file(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"{what} file not found: {path}")
    return path.read_bytes()


def _scene(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    data = read_yaml(read_text(path, f"scene file {path.name}"), f"scene file {path.name}")
    if not isinstance(data, dict):
        raise InvalidInput(f"scene file {path.name} must hold a mapping")
    return data


@app.callback()
def generate(
    ctx: typer.Context,
    license_id: Annotated[
        str | None, id_option("license", "licenses", name="--license", help="The license.")
    ] = None,
    twin: Annotated[str | None, id_option("twin", "twins", name="--twin", help="The twin.")] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="The engine (see the guide).")
    ] = "composite",
    task: Annotated[str | None, typer.Option("--task", help="Default: the engine's name.")] = None,
    plate: Annotated[Path | None, typer.Option("--plate", help="Background plate image.")] = None,
    garment: Annotated[Path | None, typer.Option("--garment", help="Garment packshot.")] = None,
    pose: Annotated[Path | None, typer.Option("--pose", help="Pose skeleton image.")] = None,
    image: Annotated[Path | None, typer.Option("--image", help="An image to import.")] = None,
    scene: Annotated[Path | None, typer.Option("--scene", help="Scene YAML/JSON.")] = None,
    prompt: Annotated[str | None, typer.Option("--prompt", help="What to make.")] = None,
    size: Annotated[str, typer.Option("--size", help="WIDTHxHEIGHT.")] = "1080x1350",
    count: Annotated[int, typer.Option("--count", help="How many images (1-8).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="The seed.")] = 0,
    channel: Annotated[str, typer.Option("--channel", help="The channel.")] = "instagram",
    territory: Annotated[str | None, typer.Option("--territory", help="ISO 3166.")] = None,
    category: Annotated[str, typer.Option("--category", help="Content category.")] = "fashion",
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Retry-safe key.")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Ask for images of a licensed twin and make them here: the request is checked
    (decision, engine, models, processor), a job runs the engine with a progress bar,
    and every image that passes the automated checks waits in quarantine for review."""
    if ctx.invoked_subcommand is not None:
        return
    if license_id is None or twin is None:
        raise InvalidInput("likeness generate needs --license and --twin")
    from likeness.engines import InputRole, Task
    from likeness.generation.schemas import BriefIn, GenerationCreate
    from likeness.output.schemas import UseSpec

    width, height = _size(size)
    named = {InputRole.plate: plate, InputRole.garment: garment, InputRole.pose: pose,
             InputRole.image: image}  # fmt: skip
    inputs = {role: _file(path, role.value) for role, path in named.items() if path is not None}
    try:
        chosen = Task(task or engine)
    except ValueError:
        known = ", ".join(t.value for t in Task)
        raise InvalidInput(f"--task must be one of {known}") from None
    data = GenerationCreate(
        license_id=license_id,
        twin_id=twin,
        use=UseSpec(channel=channel, territory=territory, category=category),
        engine=engine,
        task=chosen,
        brief=BriefIn(prompt=prompt, scene=_scene(scene)),
        width=width,
        height=height,
        count=count,
        seed=seed,
        idempotency_key=idempotency_key,
    )
    _run(data, inputs, as_email, json_out)


def _run(data: Any, inputs: Any, as_email: str | None, json_out: bool) -> None:
    from likeness.engines import registry
    from likeness.generation import service

    runtime = cli_runtime()
    with cli_session(as_email) as (session, actor):
        done = service.submit(
            session,
            actor,
            runtime.storage,
            data,
            inputs,
            lambda name: registry.build(name, runtime.settings),
        )
        request_id = done.request.id
        job_id = done.job.id if done.job is not None else None
    if job_id is not None:
        _work(runtime, job_id, quiet=json_out)
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.get_for(session, actor, request_id))
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    _summary(row)


def _work(runtime: Runtime, job_id: str, *, quiet: bool) -> None:
    """Run the job here (a worker thread) while a progress bar follows it."""

    from likeness.generation import service
    from likeness.jobs import service as jobs
    from likeness.jobs import worker
    from likeness.models.job import FINISHED, Job

    failure: list[BaseException] = []

    def status() -> Job:
        with runtime.db.unit_of_work() as session:
            job = session.get(Job, job_id)
            assert job is not None
            session.expunge(job)
            return job

    def loop() -> None:
        name = worker.default_worker_id("cli")
        try:
            # Only this command's job (never another brand's), until it has finished:
            # while another worker holds it, wait (its lease runs out if that one died).
            while status().status not in FINISHED:
                outcome = worker.run_next(
                    runtime,
                    name,
                    [service.JOB_KIND],
                    handlers=service.HANDLERS,
                    only=[job_id],
                )
                if outcome is None:
                    time.sleep(POLL_SECONDS)
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=loop, name="likeness-generate", daemon=True)
    thread.start()
    with progress_bar(quiet=quiet) as bar:
        task = bar.add_task("generating", total=100)
        while thread.is_alive():
            job = status()
            bar.update(task, completed=jobs.percentage(job), description=job.message or "queued")
            thread.join(POLL_SECONDS)
        job = status()
        bar.update(task, completed=jobs.percentage(job), description=job.status.value)
    if failure:
        raise failure[0]


def _summary(row: Any) -> None:
    state = row.status.value
    console.print(
        f"generation {row.id} {state}"
        + (f": {row.status_reason}" if row.status_reason else "")
        + f" ({len(row.output_ids)} output(s) in quarantine)"
    )
    for output_id in row.output_ids:
        console.print(f"output {output_id}")


@app.command("status")
def status(request_id: RequestId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """A request's status, percentage and outputs."""
    from likeness.generation import service

    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.get_for(session, actor, request_id))
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    fields["output_ids"] = ", ".join(fields["output_ids"]) or "-"
    print_fields(fields)


@app.command("list")
def list_requests(
    license_id: LicenseFilter = None, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """The requests you may see, newest first."""
    from likeness.generation import service

    with cli_session(as_email) as (session, actor):
        rows = [
            service.to_read(session, actor, r)
            for r in service.list_for(session, actor, license_id=license_id)
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "engine", "task", "status", "%", "outputs"],
        [[r.id, r.engine, r.task, r.status.value, str(r.percentage), str(len(r.output_ids))]
         for r in rows],
    )  # fmt: skip


@app.command("cancel")
def cancel(
    request_id: RequestId,
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "cancelled by request",
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Cancel a request (a running job stops at its next progress report)."""
    from likeness.generation import service

    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.cancel(session, actor, request_id, reason))
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    _summary(row)
