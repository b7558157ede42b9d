"""`likeness twin build|list|show|retire`."""

from __future__ import annotations

from typing import Annotated

import typer

from likeness.capture.cli import storage
from likeness.errors import InvalidInput
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    RequiredReason,
    TalentFilter,
    TalentOption,
    TwinId,
    cli_session,
    console,
    id_option,
    print_json,
    print_table,
)
from likeness.settings import get_settings
from likeness.twin import service

app = typer.Typer(help="Digital twins: build (with creation consent), list, show, retire.")


@app.command("build")
def build(
    talent: TalentOption,
    session_id: Annotated[
        str,
        id_option(
            "capture session", "capture_sessions", name="--session", help="QC-passed session."
        ),
    ],
    twin: Annotated[
        str | None,
        id_option("twin", "twins", name="--twin", help="Add a version to this twin instead."),
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
    talent: TalentFilter = None,
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
    print_table(
        ["id", "talent", "status", "latest version"],
        [[r[k] for k in ("id", "talent_id", "status", "latest_version")] for r in rows],
        id_columns=(0, 1),
    )


@app.command("show")
def show(
    twin_id: TwinId,
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
    print_table(
        ["version", "status", "session", "views", "lights", "size", "QC"],
        [
            (
                v["version"],
                v["status"],
                v["session_id"],
                v["views"],
                v["lights"],
                v["size"],
                "pass" if v["qc_passed"] else "fail",
            )
            for v in data["versions"]
        ],
        id_columns=(2,),
    )


@app.command("retire")
def retire(
    twin_id: TwinId,
    reason: RequiredReason,
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
