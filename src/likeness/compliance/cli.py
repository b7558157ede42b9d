"""`likeness report …` (the compliance report for a period, a talent's subject access) and
`likeness prove` (a release's proof bundle, written or checked offline).

The commands are thin: each parses, calls one service inside one unit of work, renders
and writes. ``report compliance`` exits 3 when a rule found exceptions (after writing
the report), so a scheduled run can alert.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from likeness.compliance.files import FileFormat
from likeness.errors import InvalidInput
from likeness.kit.cli import (
    AsOption,
    ExitCode,
    JsonOption,
    cli_runtime,
    cli_session,
    cli_storage,
    console,
    fail,
    id_option,
    negative,
    print_json,
)

report_app = typer.Typer(
    help="Reports: compliance for a period; everything held about a talent.",
    no_args_is_help=True,
)

Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of stdout (a PDF on a terminal needs it).",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")]


def _write(body: bytes, output: Path | None, format: str, what: str) -> None:
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {output} ({len(body):,} bytes, {format}): {what}", markup=False, highlight=False
    )


def _check_output(format: str, output: Path | None, force: bool) -> None:
    if format == "pdf" and output is None and sys.stdout.isatty():
        raise fail("a PDF is binary: write it to a file with -o FILE (or pipe it)")
    if output is not None and output.exists() and not force:
        raise fail(f"{output} already exists: choose another -o or add --force")


@report_app.command("compliance")
def compliance_command(
    period: Annotated[
        str,
        typer.Option(
            "--period", metavar="YYYY-Qn|YYYY-MM|YYYY", help="A quarter, a month or a year."
        ),
    ],
    talent: Annotated[
        str | None,
        id_option("talent", "talent_profiles", name="--talent", help="Only this talent."),
    ] = None,
    brand: Annotated[
        str | None, id_option("brand", "brands", name="--brand", help="Only this brand.")
    ] = None,
    format: Annotated[FileFormat, typer.Option("--format", help="json or pdf.")] = "json",
    output: Output = None,
    force: Force = False,
    full: Annotated[
        bool,
        typer.Option("--full", help="Re-check the marking of every release, not a sample."),
    ] = False,
    sample: Annotated[
        int,
        typer.Option("--sample", min=1, help="Releases whose marking is re-checked."),
    ] = 200,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, help="The sample's seed (default: from period and scope)."),
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Check a period rule by rule (NY Fashion Workers Act, EU AI Act art. 50, NO FAKES
    draft, platform rules): evidence counts and every exception. Exit 3 if any rule
    found exceptions."""
    from likeness.compliance.files import report_file
    from likeness.compliance.report import compliance_report
    from likeness.provenance import VerifyConfig

    if talent is not None and brand is not None:
        raise fail("name one scope: --talent or --brand, not both", code=ExitCode.USAGE)
    _check_output(format, output, force)
    runtime = cli_runtime()
    with cli_session(as_email) as (session, actor):
        report = compliance_report(
            session,
            actor,
            runtime.storage,
            lambda: VerifyConfig.from_settings(runtime.settings),
            period,
            talent_id=talent,
            brand_id=brand,
            full=full,
            sample_size=sample,
            seed=seed,
        )
    body = report_file(report, format)
    summary = report.summary
    _write(
        body,
        output,
        format,
        f"{summary.passed} rules passed, {summary.failed} failed, "
        f"{summary.exceptions:,} exceptions",
    )
    if summary.failed:
        raise typer.Exit(int(ExitCode.NEGATIVE))


@report_app.command("my-data")
def my_data_command(
    talent: Annotated[
        str | None,
        id_option(
            "talent", "talent_profiles", name="--talent", help="The talent (default: yourself)."
        ),
    ] = None,
    format: Annotated[FileFormat, typer.Option("--format", help="json or pdf.")] = "json",
    output: Output = None,
    force: Force = False,
    as_email: AsOption = None,
) -> None:
    """Everything held about a talent (GDPR art. 15): profile, consents, licenses, assets,
    money, audit events, and which biometric data exists and where (never the data)."""
    from likeness.compliance.files import subject_access_file
    from likeness.compliance.subject_access import subject_access

    _check_output(format, output, force)
    with cli_session(as_email) as (session, actor):
        talent_id = talent or actor.talent_id
        if talent_id is None:
            raise fail("name the talent: --talent ID", code=ExitCode.USAGE)
        export = subject_access(session, actor, talent_id)
    body = subject_access_file(export, format)
    counts = export["counts"]
    _write(
        body,
        output,
        format,
        f"{counts['consents']} consents, {counts['licenses']} licenses, "
        f"{counts['assets']} assets, {counts['audit_events']} audit events",
    )


# proof bundles


def _write_new(target: Path, data: bytes) -> None:
    try:
        with target.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise InvalidInput(f"{target} already exists: choose another -o or remove it") from None
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def prove_command(
    asset: Annotated[
        str | None, typer.Argument(metavar="[ASSET]", help="The released asset's id.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The bundle to write.", dir_okay=False)
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Verify a bundle offline instead.", dir_okay=False),
    ] = None,
    head: Annotated[
        Path | None,
        typer.Option(
            "--head", help="With --check: a later signed head to hold it to.", dir_okay=False
        ),
    ] = None,
    fingerprint: Annotated[
        str | None,
        typer.Option("--key-fingerprint", help="With --check: the head key you pinned."),
    ] = None,
    json_out: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Write the proof bundle of a release (`-o proof.zip`), or check one (`--check`).

    The bundle holds the signed consents, the license and its negotiation, the decision,
    the approval, the C2PA manifest, the ledger lines and the audit events with inclusion
    proofs against a signed chain head. `--check` needs no database: it re-checks every
    hash and signature, says what each piece proves, and exits 3 naming what broke.
    """
    if check is not None:
        if asset is not None or output is not None:
            raise InvalidInput("--check takes a bundle only: no ASSET and no -o")
        _check(check, head, fingerprint, json_out)
        return
    if head is not None or fingerprint is not None:
        raise InvalidInput("--head and --key-fingerprint go with --check")
    if asset is None or output is None:
        raise InvalidInput("give an ASSET and -o FILE to write its proof, or --check FILE")
    if output.exists():
        raise InvalidInput(f"{output} already exists: choose another -o or remove it")
    from likeness.compliance import service

    storage = cli_storage()
    keys_dir = cli_runtime().settings.keys_dir
    with cli_session(as_email) as (session, actor):
        made = service.prove(session, actor, storage, keys_dir, asset)
    _write_new(output, made.data)
    if json_out:
        print_json(
            {
                "asset_id": made.asset_id,
                "file": str(output),
                "bytes": len(made.data),
                "members": made.members,
                "events": made.events,
                "tree_size": made.tree_size,
            }
        )
        return
    console.print(
        f"wrote {output}: proof of asset {made.asset_id} ({made.members} files, "
        f"{made.events} audit events proved against a head of {made.tree_size})",
        markup=False,
        highlight=False,
    )


def _check(path: Path, head: Path | None, fingerprint: str | None, json_out: bool) -> None:
    from likeness.compliance.proof_check import check_bundle

    later = _read(head, "the head") if head is not None else None
    report = check_bundle(_read(path, "the bundle"), later, fingerprint)
    if json_out:
        print_json(report.to_dict())
    else:
        for f in report.findings:
            console.print(
                f"{'OK  ' if f.ok else 'FAIL'} {f.piece}: {f.says}", markup=False, highlight=False
            )
    if not report.ok:
        broken = ", ".join(sorted({f.piece for f in report.broken}))
        raise negative(None if json_out else f"proof bundle NOT verified: {broken}")
    if not json_out:
        console.print("proof bundle verified", markup=False, highlight=False)
