"""`likeness consent create|sign|revoke|show|list|render|verify|limits`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from likeness.consent import service
from likeness.consent.schemas import ConsentRead, StandingLimitsIn
from likeness.errors import InvalidInput
from likeness.kit.cli import AsOption, cli_session, console, print_json
from likeness.policy import InvalidUse, parse_iso

app = typer.Typer(
    help="Consents: creation (capture and build the twin) and use (one license).",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def parse_time(value: str | None, what: str) -> str | None:
    """Check an ISO 8601 time with a zone early, so the error names the option."""
    if value is None:
        return None
    try:
        parse_iso(value)
    except (ValueError, InvalidUse) as exc:
        raise InvalidInput(f"{what}: expected an ISO 8601 time with a zone, got {value!r}") from exc
    return value


def print_consent(row: ConsentRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    table = Table(show_header=False)
    for key, value in row.model_dump(mode="json").items():
        if key == "signature" and value:
            value = f"{value['typed_name']} at {value['signed_at']}" + (
                f" (Ed25519 {value['ed25519_public_key'][:16]}…)"
                if value["ed25519_public_key"]
                else ""
            )
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command("show")
def show(consent_id: str, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show a consent's status, hash and signature."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.get_for(session, actor, consent_id))
    print_consent(row, json_out)


@app.command("list")
def list_(
    talent: Annotated[str | None, typer.Option(help="Only this talent.")] = None,
    license_id: Annotated[str | None, typer.Option("--license", help="Only this license.")] = None,
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
    table = Table("id", "kind", "status", "talent_id", "license_id", "title")
    for r in rows:
        table.add_row(r.id, r.kind.value, r.status.value, r.talent_id, r.license_id or "", r.title)
    console.print(table)


@app.command("render")
def render(
    consent_id: str,
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
def verify(consent_id: str, as_email: AsOption = None) -> None:
    """Recompute the document hash and check the Ed25519 signature; exit 1 if broken."""
    with cli_session(as_email) as (session, actor):
        report = service.verify(session, actor, consent_id)
    print_json(report.model_dump(mode="json"))
    if not report.document_intact or report.ed25519_valid is False:
        raise typer.Exit(1)


@app.command("limits")
def limits(
    talent: str,
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
