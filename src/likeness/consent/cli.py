"""`likeness consent create|sign|revoke|show|list|render|verify|limits`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from likeness.consent import service
from likeness.consent.schemas import ConsentRead, CreationConsentCreate, StandingLimitsIn
from likeness.consent.signing import AFFIRMATION, TalentKeyring
from likeness.errors import InvalidInput
from likeness.kit.cli import AsOption, cli_session, console, print_json
from likeness.policy import InvalidUse, parse_iso
from likeness.settings import get_settings

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


def _print(row: ConsentRead, json_out: bool) -> None:
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


@app.command("create")
def create(
    talent: Annotated[str, typer.Option("--talent", help="Talent id.")],
    purpose: Annotated[str, typer.Option(help="Why the twin is made, in plain language.")],
    until: Annotated[str, typer.Option("--until", help="End of validity (ISO 8601, with zone).")],
    valid_from: Annotated[str | None, typer.Option("--from", help="Start (default: now).")] = None,
    twin: Annotated[str | None, typer.Option(help="Limit to one twin id.")] = None,
    fee: Annotated[int, typer.Option(help="Rate of pay in minor units (cents).")] = 0,
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "EUR",
    activity: Annotated[
        list[str] | None, typer.Option(help="capture, build, alter (repeat; default all).")
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
            "valid_from": parse_time(valid_from, "--from"),
            "valid_until": parse_time(until, "--until"),
            "creation_fee_minor": fee,
            "currency": currency,
            **({"activities": activity} if activity else {}),
        }
    )
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.create_creation_consent(session, actor, data))
    _print(row, json_out)


@app.command("sign")
def sign(
    consent_id: str,
    name: Annotated[str, typer.Option("--name", help="Your full legal name, typed.")],
    statement: Annotated[str, typer.Option(help=f'Type exactly: "{AFFIRMATION}"')],
    key: Annotated[bool, typer.Option("--key", help="Also sign with your Ed25519 key.")] = False,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Sign as the talent (only the talent can). Signing a use consent activates its license."""
    keyring = TalentKeyring(get_settings().keys_dir)
    with cli_session(as_email) as (session, actor):
        consent = service.sign(
            session, actor, consent_id, service.Intent(name, statement, key), keyring
        )
        row = service.to_read(session, consent)
    _print(row, json_out)


@app.command("revoke")
def revoke(
    consent_id: str,
    reason: Annotated[str | None, typer.Option(help="Optional, shown to the brand.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Revoke as the talent: no new use from now on; affected brands are notified.

    Revoking a creation consent also crypto-shreds the twins it covered.
    """
    from likeness.capture.cli import storage
    from likeness.twin import service as twin_service

    with cli_session(as_email) as (session, actor):
        consent, shredded = twin_service.revoke_consent(
            session, actor, storage(get_settings()), consent_id, reason
        )
        row = service.to_read(session, consent)
    _print(row, json_out)
    for twin_id in shredded:
        if not json_out:
            console.print(f"twin {twin_id} crypto-shredded (its data keys are destroyed)")


@app.command("show")
def show(consent_id: str, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show a consent's status, hash and signature."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.get_for(session, actor, consent_id))
    _print(row, json_out)


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
