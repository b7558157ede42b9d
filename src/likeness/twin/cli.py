"""`likeness twin build|list|show|add-lora` and `likeness consent create`.

`likeness twin retire` ends licenses too, so it lives in :mod:`likeness.licensing.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.capture.access import look_reason
from likeness.consent import service as consents
from likeness.consent.cli import app as consent_app
from likeness.consent.cli import print_consent
from likeness.consent.schemas import CreationConsentCreate
from likeness.kit.cli import (
    TERM_ALIASES,
    AsOption,
    JsonOption,
    LookReasonKindOption,
    LookReasonOption,
    RequiredEndOption,
    StartOption,
    TalentFilter,
    TalentOption,
    TwinId,
    aliases,
    cli_session,
    cli_storage,
    console,
    id_option,
    print_json,
    print_table,
)
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
    deps = cli_storage()
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
    reason_kind: LookReasonKindOption = None,
    reason: LookReasonOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List twins (a talent's own; operators see all, with a reason kept in the audit log)."""
    with cli_session(as_email) as (session, actor):
        rows = [
            {
                "id": t.id,
                "talent_id": t.talent_id,
                "status": t.status,
                "latest_version": t.latest_version,
            }
            for t in service.look_twins(session, actor, talent, look_reason(reason_kind, reason))
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
    reason_kind: LookReasonKindOption = None,
    reason: LookReasonOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show a twin and its versions (operators: with a reason kept in the audit log)."""
    with cli_session(as_email) as (session, actor):
        why = look_reason(reason_kind, reason)
        data = service.describe(session, service.look_twin(session, actor, twin_id, why))
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


@app.command("add-lora")
def add_lora(
    twin_id: TwinId,
    file: Annotated[
        Path,
        typer.Argument(
            help="The talent LoRA (safetensors).", exists=True, dir_okay=False, readable=True
        ),
    ],
    version: Annotated[
        int | None, typer.Option(help="The twin version (default: the latest active one).")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Seal a talent LoRA with the twin's key: shredded with the twin, used by diffusers."""
    from likeness.twin import extras

    data = file.read_bytes()
    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        row = extras.add_lora(session, actor, deps, twin_id, data, version=version)
        out = {"twin_id": row.twin_id, "version": row.version, "extras": extras.extras_of(row)}
    if json_out:
        print_json(out)
    else:
        console.print(f"twin {out['twin_id']} version {out['version']}: talent LoRA sealed")


# `likeness consent create`: a creation consent may name one of the talent's twins, so
# drafting one is a twin use case; it joins the `consent` group below.


def create_consent(
    talent: TalentOption,
    purpose: Annotated[str, typer.Option(help="Why the twin is made, in plain language.")],
    end: RequiredEndOption,
    start: StartOption = None,
    twin: Annotated[
        str | None, id_option("twin", "twins", name="--twin", help="Limit to one twin.")
    ] = None,
    fee: Annotated[int, typer.Option(help="Rate of pay in minor units (cents).")] = 0,
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "EUR",
    activity: Annotated[
        list[str] | None,
        typer.Option(
            help="capture, build, alter, train (repeat; default capture, build, alter: "
            "train, helping relight others, is opt-in)."
        ),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Draft a creation consent (talent, their agent or an operator). Only the talent signs."""
    data = CreationConsentCreate.model_validate(
        {
            "talent_id": talent,
            "twin_id": twin,
            "purpose": purpose,
            "valid_from": start,
            "valid_until": end,
            "creation_fee_minor": fee,
            "currency": currency,
            **({"activities": activity} if activity else {}),
        }
    )
    with cli_session(as_email) as (session, actor):
        row = consents.to_read(session, service.create_creation_consent(session, actor, data))
    print_consent(row, json_out)


consent_app.command("create", cls=aliases(TERM_ALIASES))(create_consent)
