"""`likeness twin build|list|show|retire`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from likeness.capture.cli import storage
from likeness.errors import InvalidInput
from likeness.kit.cli import AsOption, cli_session, console, print_json
from likeness.settings import get_settings
from likeness.twin import service

app = typer.Typer(help="Digital twins: build (with creation consent), list, show, retire.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("build")
def build(
    talent: Annotated[str, typer.Option("--talent", help="Talent id.")],
    session_id: Annotated[str, typer.Option("--session", help="QC-passed capture session.")],
    twin: Annotated[
        str | None, typer.Option("--twin", help="Add a version to this twin instead.")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build a twin version; needs the talent's active signed creation consent."""
    deps = storage(get_settings())
    with cli_session(as_email) as (session, actor):
        row = service.build(session, actor, deps, talent, session_id, twin_id=twin)
        out = {"twin_id": row.twin_id, "version": row.version}
    if json_out:
        print_json(out)
    else:
        console.print(f"built twin [bold]{out['twin_id']}[/] version {out['version']}")


@app.command("list")
def list_(
    talent: Annotated[str | None, typer.Option("--talent", help="Talent id.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List twins (a talent's own; operators see all)."""
    with cli_session(as_email) as (session, actor):
        rows = [
            {
                "id": t.id,
                "talent_id": t.talent_id,
                "status": t.status,
                "latest_version": t.latest_version,
            }
            for t in service.list_twins(session, actor, talent)
        ]
    if json_out:
        print_json(rows)
        return
    table = Table("id", "talent", "status", "latest version")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("id", "talent_id", "status", "latest_version")))
    console.print(table)


@app.command("show")
def show(
    twin_id: Annotated[str, typer.Argument(help="Twin id.")],
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a twin and its versions."""
    with cli_session(as_email) as (session, actor):
        data = service.describe(session, service.get_twin(session, actor, twin_id))
    if json_out:
        print_json(data)
        return
    state = data["status"]
    if state == "active" and data["usable_version"] is None:
        state = "active, but every version is retired: build a new one to render"
    console.print(f"twin {data['id']} ({state}), talent {data['talent_id']}")
    table = Table("version", "status", "session", "views", "lights", "size", "QC")
    for v in data["versions"]:
        table.add_row(
            str(v["version"]),
            v["status"],
            v["session_id"],
            str(v["views"]),
            str(v["lights"]),
            v["size"],
            "pass" if v["qc_passed"] else "fail",
        )
    console.print(table)


@app.command("retire")
def retire(
    twin_id: Annotated[str, typer.Argument(help="Twin id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
    version: Annotated[
        int | None, typer.Option("--version", help="Retire only this version.")
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Retire one version, or the whole twin: keys destroyed, blobs removed."""
    if not reason.strip():
        raise InvalidInput("--reason must not be empty")
    deps = storage(get_settings())
    with cli_session(as_email) as (session, actor):
        if version is None:
            service.retire(session, actor, deps, twin_id, reason)
            message = f"twin {twin_id} deleted: data keys destroyed, blobs removed"
        else:
            service.retire_version(session, actor, deps, twin_id, version, reason)
            message = f"twin {twin_id} version {version} retired"
    console.print(message)
