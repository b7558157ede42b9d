"""`likeness init`, `likeness serve`, `likeness db …`."""

from __future__ import annotations

from typing import Annotated

import typer

from likeness import migrations
from likeness.errors import InvalidInput
from likeness.kit.cli import JsonOption, console, print_json
from likeness.settings import get_settings
from likeness.system.service import check_servable, init_home

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def init(json_out: JsonOption = False) -> None:
    """Create the data home (LIKENESS_HOME), its secret keys and the database. Safe to re-run."""
    settings = get_settings()
    report = init_home(settings)
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


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Run the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from likeness.api.app import create_app

    settings = get_settings()
    check_servable(settings, host)
    uvicorn.run(create_app(settings), host=host, port=port)


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
