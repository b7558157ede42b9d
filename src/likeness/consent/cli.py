"""`likeness consent create|sign|revoke|show|list|render|verify|limits`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from likeness.consent import service
from likeness.consent.schemas import ConsentRead, StandingLimitsIn
from likeness.errors import InvalidInput
from likeness.kit.cli import (
    AsOption,
    ConsentId,
    JsonOption,
    LicenseFilter,
    TalentFilter,
    cli_session,
    console,
    id_argument,
    negative,
    print_fields,
    print_json,
    print_table,
)

app = typer.Typer(
    help="Consents: creation (capture and build the twin) and use (one license).",
    no_args_is_help=True,
)


def print_consent(row: ConsentRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    signature = fields.get("signature")
    if signature:
        key = signature["ed25519_public_key"]
        fields["signature"] = f"{signature['typed_name']} at {signature['signed_at']}" + (
            f" (Ed25519 {key[:16]}…)" if key else ""
        )
    print_fields(fields)


@app.command("show")
def show(consent_id: ConsentId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show a consent's status, hash and signature."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.get_for(session, actor, consent_id))
    print_consent(row, json_out)


@app.command("list")
def list_(
    talent: TalentFilter = None,
    license_id: LicenseFilter = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the consents you may see."""
    with cli_session(as_email) as (session, actor):
        rows = [
            service.to_read(session, c)
            for c in service.list_for(session, actor, talent_id=talent, license_id=license_id)
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "kind", "status", "talent", "license", "title"],
        [(r.id, r.kind.value, r.status.value, r.talent_id, r.license_id, r.title) for r in rows],
        id_columns=(0, 3, 4),
    )


@app.command("render")
def render(
    consent_id: ConsentId,
    fmt: Annotated[str, typer.Option("--format", help="md, html, pdf or json.")] = "md",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    as_email: AsOption = None,
) -> None:
    """Render the consent document in plain language (PDF needs --output)."""
    if fmt == "pdf" and output is None:
        raise InvalidInput("a PDF needs --output FILE")
    with cli_session(as_email) as (session, actor):
        body, _ = service.render(session, actor, consent_id, fmt)
    if output is not None:
        output.write_bytes(body)
        console.print(f"wrote {output}")
    else:
        sys.stdout.write(body.decode("utf-8"))
        sys.stdout.flush()


@app.command("verify")
def verify(consent_id: ConsentId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Recompute the document hash and check the Ed25519 signature; exit 3 if broken."""
    with cli_session(as_email) as (session, actor):
        report = service.verify(session, actor, consent_id)
    intact = report.document_intact and report.ed25519_valid is not False
    if json_out:
        print_json(report.model_dump(mode="json"))
    else:
        for key, value in report.model_dump(mode="json").items():
            console.print(f"{key:<20} {value}", markup=False, highlight=False)
        console.print("consent intact" if intact else "consent BROKEN")
    if not intact:
        raise negative()


@app.command("limits")
def limits(
    talent: Annotated[str, id_argument("talent", "talent_profiles")],
    set_: Annotated[
        str | None,
        typer.Option("--set", help="Comma-separated categories never allowed ('' clears)."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show or (as the talent) set the categories the talent never allows."""
    with cli_session(as_email) as (session, actor):
        if set_ is None:
            result = service.get_limits(session, actor, talent)
        else:
            categories = [c for c in set_.split(",") if c.strip()]
            result = service.set_limits(
                session, actor, talent, StandingLimitsIn(categories=categories, note=note)
            )
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        console.print(", ".join(result.categories) or "no standing limits")
