"""`likeness monitor scan|scans|cases|case|notice|recheck`: find a talent's face where no
license allows it, and act (guide: docs/guide/monitoring.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from likeness.kit.bounds import MAX_PAGE
from likeness.kit.cli import (
    AsOption,
    IdPrefix,
    JsonOption,
    cli_runtime,
    cli_session,
    console,
    fail,
    id_argument,
    print_fields,
    print_json,
    print_table,
    short_id,
)

if TYPE_CHECKING:
    from likeness.monitoring.schemas import CaseRead

app = typer.Typer(
    help="Monitoring: scan images for enrolled talents' faces and marks; review cases; "
    "take-down notices.",
    no_args_is_help=True,
)
case_app = typer.Typer(
    help="One case: show it, review it, follow its notice.", no_args_is_help=True
)
app.add_typer(case_app, name="case")

CaseId = Annotated[str, id_argument("case", "monitoring_cases")]
ScanId = Annotated[str, id_argument("scan", "monitoring_scans")]
LimitOption = Annotated[int, typer.Option(min=1, max=MAX_PAGE)]
NoteOption = Annotated[str | None, typer.Option("--note", help="Kept with the case's history.")]


@app.command("scan")
def scan_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A folder, file://…, an fsspec prefix (s3://bucket/prefix, memory://…), "
            "or urls:FILE (one http(s) URL a line)."
        ),
    ],
    queue: Annotated[
        bool, typer.Option("--queue", help="Only queue the job (a worker runs it).")
    ] = False,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Scan a source (operators): each image's verdict; the cases it opened or updated."""
    from likeness.jobs import worker
    from likeness.monitoring import service

    with cli_session(as_email) as (session, actor):
        scan = service.request_scan(session, actor, source)
        scan_id, job_id = scan.id, scan.job_id
    if not queue and job_id is not None:
        from likeness.models.job import FINISHED, JobStatus

        runtime = cli_runtime()
        name = worker.default_worker_id("cli")
        while True:  # a crash is retried here, up to the job's attempts
            outcome = worker.run_next(runtime, name, [service.JOB_KIND], only=[job_id])
            if outcome is None or outcome.status is None or outcome.status in FINISHED:
                break
        if outcome is not None and outcome.status is JobStatus.failed:
            raise fail(f"the scan failed: {outcome.error}")
    _show_scan(scan_id, as_email, json_out)


def _show_scan(scan_id: str, as_email: str | None, json_out: bool) -> None:
    from likeness.monitoring import service

    with cli_session(as_email) as (session, actor):
        scan = service.get_scan(session, actor, scan_id)
        read = service.scan_read(scan)
        findings = service.finding_reads(session, scan)
    if json_out:
        print_json(
            {
                **read.model_dump(mode="json"),
                "findings": [f.model_dump(mode="json") for f in findings],
            }
        )
        return
    print_fields(
        {
            "scan": read.id,
            "source": read.description or read.source,
            "status": read.status.value,
            "images": read.images,
            "unreadable": read.unreadable,
            "faces": read.faces,
            "cases opened": read.cases_opened,
            "cases updated": read.cases_updated,
            "job": read.job_id,
        }
    )
    hits = [f for f in findings if f.verdict.value not in ("no_match", "licensed")]
    print_table(
        ["verdict", "location", "talent", "distance", "cases"],
        [
            [
                f.verdict.value,
                f.location,
                short_id(f.talent_id),
                "" if f.distance is None else f"{f.distance:.3f}",
                " ".join(short_id(c) for c in f.case_ids),
            ]
            for f in findings
            if f in hits or f.verdict.value == "licensed"
        ],
    )


@app.command("scans")
def scans_command(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 20
) -> None:
    """Recent scans (operators)."""
    from likeness.monitoring import service

    with cli_session(as_email) as (session, actor):
        reads = [service.scan_read(s) for s in service.list_scans(session, actor, limit=limit)]
    if json_out:
        print_json([r.model_dump(mode="json") for r in reads])
        return
    print_table(
        ["scan", "status", "source", "images", "opened", "updated", "created"],
        [
            [
                r.id,
                r.status.value,
                r.source,
                r.images,
                r.cases_opened,
                r.cases_updated,
                r.created_at.isoformat(timespec="seconds"),
            ]
            for r in reads
        ],
    )


@app.command("scan-show")
def scan_show_command(
    scan_id: ScanId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """One scan and what it found (operators)."""
    _show_scan(scan_id, as_email, json_out)


def short_location(location: str, width: int = 44) -> str:
    """Where, as a table cell: a URL without its scheme, a path's last two parts, the
    tail kept when it is still too long (the end names the file). `case show` has it whole."""
    url = "://" in location
    text = location.split("://", 1)[1] if url else "/".join(Path(location).parts[-2:])
    return text if len(text) <= width else "…" + text[-(width - 1) :]


@app.command("cases")
def cases_command(
    status: Annotated[str | None, typer.Option(help="open, confirmed, dismissed, …")] = None,
    talent: Annotated[str | None, typer.Option(help="One talent's cases.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
    limit: LimitOption = 100,
) -> None:
    """The cases you may see: a talent their own, an agent their talents', operators all."""
    from likeness.errors import InvalidInput
    from likeness.models.monitoring import CaseStatus
    from likeness.monitoring import service

    try:
        wanted = CaseStatus(status) if status is not None else None
    except ValueError:
        raise InvalidInput(
            f"no case status {status!r}: " + ", ".join(s.value for s in CaseStatus)
        ) from None
    with cli_session(as_email) as (session, actor):
        reads = [
            service.case_read(session, c)
            for c in service.list_cases(
                session, actor, talent_id=talent, status=wanted, limit=limit
            )
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in reads])
        return
    print_table(
        ["case", "status", "verdict", "talent", "location", "seen", "last seen"],
        [
            [
                short_id(r.id),
                r.status.value,
                r.verdict.value,
                short_id(r.talent_id),
                short_location(r.location),
                r.times_seen,
                r.last_seen_at.strftime("%Y-%m-%d %H:%M"),
            ]
            for r in reads
        ],
    )


def _print_case(read: CaseRead) -> None:
    print_fields(
        {
            "case": read.id,
            "status": read.status.value,
            "verdict": read.verdict.value,
            "talent": read.talent_id,
            "location": read.location,
            "content sha256": read.content_sha256,
            "asset": read.asset_id,
            "distance": None if read.distance is None else f"{read.distance:.3f}",
            "first seen": read.first_seen_at.isoformat(timespec="seconds"),
            "last seen": read.last_seen_at.isoformat(timespec="seconds"),
            "times seen": read.times_seen,
            "why": "; ".join(read.evidence.get("reasons") or []),
            "dismissed because": read.dismiss_reason,
            "notice sha256": read.notice_sha256,
        }
    )
    if read.events:
        print_table(
            ["when", "step", "from", "to", "note"],
            [
                [
                    e.created_at.isoformat(timespec="seconds"),
                    e.action,
                    e.from_status or "",
                    e.to_status,
                    e.note or "",
                ]
                for e in read.events
            ],
        )


@case_app.command("show")
def case_show_command(
    case_id: CaseId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """A case: what was found, where, why, and its history."""
    from likeness.monitoring import service

    with cli_session(as_email) as (session, actor):
        read = service.case_read(session, service.get_case(session, actor, case_id), events=True)
    if json_out:
        print_json(read.model_dump(mode="json"))
        return
    _print_case(read)


def _step(case_id: str, step: str, note: str | None, as_email: str | None, json_out: bool) -> None:
    from likeness.monitoring import service

    with cli_session(as_email) as (session, actor):
        read = service.case_read(session, service.advance(session, actor, case_id, step, note))
    if json_out:
        print_json(read.model_dump(mode="json"))
        return
    console.print(f"case {read.id}: {read.status.value}")


@case_app.command("confirm")
def confirm_command(
    case_id: CaseId,
    note: NoteOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """The talent (or their agent) confirms: this use is not licensed."""
    _step(case_id, "confirm", note, as_email, json_out)


@case_app.command("dismiss")
def dismiss_command(
    case_id: CaseId,
    reason: Annotated[str, typer.Option("--reason", help="Why this is no problem.")],
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Dismiss a case, with a reason (a dismissed case stays dismissed on later scans)."""
    _step(case_id, "dismiss", reason, as_email, json_out)


@case_app.command("sent")
def sent_command(
    case_id: CaseId,
    note: NoteOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record that the case's notice was sent (generate it first with `notice`)."""
    _step(case_id, "sent", note, as_email, json_out)


@case_app.command("acknowledged")
def acknowledged_command(
    case_id: CaseId,
    note: NoteOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record that the host acknowledged the notice."""
    _step(case_id, "acknowledged", note, as_email, json_out)


@case_app.command("close")
def close_command(
    case_id: CaseId,
    note: NoteOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Close a removed or dismissed case."""
    _step(case_id, "close", note, as_email, json_out)


@app.command("notice")
def notice_command(
    case_id: CaseId,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write here: FILE.eml is the e-mail, anything else the PDF. Default: "
            "takedown-CASE.pdf and takedown-CASE.eml in this folder.",
        ),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="The recipient (default abuse@host).")
    ] = None,
    as_email: AsOption = None,
) -> None:
    """The take-down notice of a confirmed case, as PDF and as an e-mail message file."""
    from likeness.monitoring import service

    runtime = cli_runtime()
    with cli_session(as_email) as (session, actor):
        files = service.notice_for(session, actor, case_id, settings=runtime.settings, recipient=to)
        full_id = files.notice.case_id
    if output is not None:
        targets = [(output, files.eml if output.suffix.lower() == ".eml" else files.pdf)]
    else:
        targets = [
            (Path(f"takedown-{full_id}.pdf"), files.pdf),
            (Path(f"takedown-{full_id}.eml"), files.eml),
        ]
    for path, _ in targets:
        if path.exists():
            raise fail(f"{path} already exists; choose another file with -o")
    for path, data in targets:
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
        console.print(f"wrote {path}")


@app.command("recheck")
def recheck_command(
    case_id: Annotated[
        str | None,
        typer.Argument(
            parser=IdPrefix("case", "monitoring_cases"),
            metavar="[CASE_ID]",
            help="One case (default: every case whose notice was sent).",
        ),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Refetch the locations of cases whose notice was sent: gone → removed."""
    from likeness.monitoring import service

    runtime = cli_runtime()
    parts = service.default_parts(runtime.settings)
    with cli_session(as_email) as (session, actor):
        reads = service.recheck(session, actor, parts, case_id)
    if json_out:
        print_json([r.model_dump(mode="json") for r in reads])
        return
    print_table(
        ["case", "status", "gone", "detail"],
        [[r.case_id, r.status.value, "yes" if r.gone else "no", r.detail] for r in reads],
    )


# enrolment (mindex)
from likeness.monitoring import enrolment_cli  # noqa: E402

enrolment_cli.register(app)
