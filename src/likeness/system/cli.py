"""`likeness init`, `likeness db …`, `likeness doctor`.

`likeness serve` belongs to the API it runs: :mod:`likeness.api.cli`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from likeness import migrations
from likeness.errors import InvalidInput
from likeness.kit.cli import JsonOption, console, print_json
from likeness.settings import Settings, get_settings
from likeness.system.service import init_home

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def init(json_out: JsonOption = False) -> None:
    """Create the data home (LIKENESS_HOME), its secret keys and the database. Safe to re-run."""
    settings = get_settings()
    report = init_home(settings)
    _recover(settings)
    if json_out:
        print_json(
            {"home": str(settings.home_path), "created": report.created, "notes": report.notes}
        )
        return
    if not report.changed:
        console.print(f"Already initialised at {settings.home_path}; nothing changed.")
        return
    console.print(f"Initialised Likeness at [bold]{settings.home_path}[/bold]:")
    for line in report.created:
        console.print(f"  created {line}")
    for line in report.notes:
        console.print(f"  note: {line}")


def _recover(settings: Settings) -> None:
    """Settle ingests and builds that a crash interrupted (see `likeness doctor`)."""
    from likeness.system.recovery import recover_at_start, report_recovered
    from likeness.vault.keys import intent_journal

    if not intent_journal(settings).has_any():
        return
    from likeness.runtime import Runtime

    runtime = Runtime.from_settings(settings)
    try:
        report_recovered(recover_at_start(runtime))
    finally:
        runtime.close()


def doctor(
    repair: Annotated[
        bool, typer.Option("--repair", help="Fix what is found (default: only report).")
    ] = False,
    grace: Annotated[
        int,
        typer.Option(
            "--grace",
            min=0,
            metavar="SECONDS",
            help="Leave keys and blobs without a row alone while younger than this.",
        ),
    ] = 900,
    force: Annotated[
        bool,
        typer.Option("--force", help="Repair even when the database and the keys look unrelated."),
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Find (and with --repair, fix) disagreements between database, keys and blob store.

    Exit code: 0 when clean (or everything was repaired), 3 when findings remain, 1 on error.
    """
    from likeness.runtime import Runtime
    from likeness.system import doctor as checkup
    from likeness.system.service import require_installed

    settings = get_settings()
    require_installed(settings)
    runtime = Runtime.from_settings(settings)
    try:
        deps = runtime.storage
        if repair:
            report = checkup.repair(runtime.db, deps, grace_s=grace, force=force)
        else:
            report = checkup.diagnose(runtime.db, deps, grace_s=grace)
    finally:
        runtime.close()
    if json_out:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _print_report(report: Any) -> None:
    from rich.markup import escape

    for f in report.findings:
        if f.repaired:
            state = "[green]repaired[/]"
        elif f.error:
            state = f"[red]repair failed[/]: {escape(f.error)}"
        elif f.action:
            state = f"would {escape(f.action)}" if not report.repair else "[red]not repaired[/]"
        else:
            state = "reported only"
        console.print(f"{f.code} {escape(f.subject)}: {escape(f.detail)} — {state}")
    if report.refused:
        console.print(f"[red]refused[/]: {escape(report.refused)}")
    if report.clean:
        console.print("doctor: database, keys and blob store agree")
    elif not report.repair:
        console.print("doctor: findings above; run `likeness doctor --repair` to fix them")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: head)."""
    url = get_settings().resolved_database_url
    before = migrations.current_revision_for_url(url)
    migrations.upgrade(url, revision)
    after = migrations.current_revision_for_url(url)
    console.print(f"database: {before or 'empty'} -> {after}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision ('base' empties it).")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm dropping data.")] = False,
) -> None:
    """Roll migrations back to REVISION. Dropping tables loses their data: needs --yes."""
    if not yes:
        raise InvalidInput(f"downgrading to {revision} drops tables and their data; add --yes")
    url = get_settings().resolved_database_url
    migrations.downgrade(url, revision)
    console.print(f"database now at {migrations.current_revision_for_url(url) or 'base'}")


@db_app.command("current")
def db_current(json_out: JsonOption = False) -> None:
    """Print the database's revision and the code's head revision."""
    url = get_settings().resolved_database_url
    current = migrations.current_revision_for_url(url)
    head = migrations.head_revision()
    if json_out:
        print_json({"current": current, "head": head, "up_to_date": current == head})
        return
    state = "up to date" if current == head else "needs `likeness db upgrade`"
    console.print(f"current: {current or 'empty'}  head: {head}  ({state})")
