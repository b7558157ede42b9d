"""`likeness license request|propose|counter|accept|approve|suspend|resume|revoke|withdraw|
expire|show|list|notifications|sweep` and `likeness decide`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from likeness.capture.cli import storage
from likeness.consent import cli as consent_cli
from likeness.consent import service as consents
from likeness.consent.cli import parse_time, print_consent
from likeness.consent.service import Intent
from likeness.consent.signing import AFFIRMATION, TalentKeyring
from likeness.errors import InvalidInput
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.cli import AsOption, cli_session, console, print_json
from likeness.licensing import decision, notifications, service
from likeness.licensing.schemas import (
    LicenseRead,
    LicenseRequestIn,
    TermsChangeIn,
    TermsIn,
    TransitionIn,
    UseIn,
)
from likeness.policy import Action, ApprovalMode, LicenseStatus
from likeness.settings import get_settings
from likeness.twin import cli as twin_cli
from likeness.twin import service as twins

app = typer.Typer(help="Licenses: negotiation between brand and talent side.", no_args_is_help=True)

#: `likeness decide` exits 3 on deny, so scripts can branch without parsing JSON.
EXIT_DENY = 3

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
VersionOption = Annotated[
    int | None, typer.Option(help="The version you last saw; refused if it changed since.")
]
ReasonOption = Annotated[str | None, typer.Option(help="Why (audit log, brand notice).")]

# Terms: from a JSON/YAML file (the API's TermsIn shape), each option overriding it.
TermsFile = Annotated[
    Path | None, typer.Option("--terms-file", help="JSON or YAML with the terms.")
]
Channels = Annotated[list[str] | None, typer.Option("--channel", help="Repeat per channel.")]
Territories = Annotated[
    list[str] | None, typer.Option("--territory", help="ISO 3166 code or WW; repeat.")
]
Categories = Annotated[list[str] | None, typer.Option("--category", help="Repeat per category.")]
Exclusive = Annotated[
    list[str] | None, typer.Option("--exclusive", help="Exclusive category; repeat.")
]
Start = Annotated[str | None, typer.Option("--start", help="ISO 8601 with zone.")]
End = Annotated[str | None, typer.Option("--end", help="ISO 8601 with zone (≤ 10 years).")]
MaxOutputs = Annotated[int | None, typer.Option("--max-outputs")]
Approval = Annotated[ApprovalMode | None, typer.Option("--approval")]
Currency = Annotated[str | None, typer.Option("--currency", help="ISO 4217.")]
CreationFee = Annotated[int | None, typer.Option("--creation-fee", help="Minor units.")]
OutputFee = Annotated[int | None, typer.Option("--per-output-fee", help="Minor units.")]
UseFees = Annotated[
    list[str] | None, typer.Option("--per-use-fee", help="CHANNEL=AMOUNT (minor units); repeat.")
]
Commission = Annotated[
    int | None, typer.Option("--commission-bps", help="Default: the agency's rate (≤ 2000).")
]
Takedown = Annotated[int | None, typer.Option("--takedown-days")]
Purpose = Annotated[str | None, typer.Option("--purpose")]


def _load_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path} is not valid JSON or YAML") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a mapping of terms")
    return data


def _use_fees(pairs: list[str]) -> dict[str, int]:
    fees: dict[str, int] = {}
    for pair in pairs:
        channel, sep, amount = pair.partition("=")
        if not sep or not amount.strip().isdigit():
            raise InvalidInput(f"--per-use-fee wants CHANNEL=AMOUNT, got {pair!r}")
        name = channel.strip()
        if name.lower() in {known.lower() for known in fees}:
            raise InvalidInput(f"--per-use-fee names channel {name.lower()!r} twice")
        fees[name] = int(amount)
    return fees


def build_terms(
    terms_file: Path | None,
    channel: list[str] | None,
    territory: list[str] | None,
    category: list[str] | None,
    exclusive: list[str] | None,
    start: str | None,
    end: str | None,
    max_outputs: int | None,
    approval: ApprovalMode | None,
    currency: str | None,
    creation_fee: int | None,
    per_output_fee: int | None,
    per_use_fee: list[str] | None,
    commission_bps: int | None,
    takedown_days: int | None,
    purpose: str | None,
) -> TermsIn:
    data = _load_file(terms_file)
    overrides: dict[str, Any] = {
        "channels": channel,
        "territories": territory,
        "categories": category,
        "exclusive_categories": exclusive,
        "starts_at": parse_time(start, "--start"),
        "ends_at": parse_time(end, "--end"),
        "max_outputs": max_outputs,
        "approval_mode": approval,
        "currency": currency,
        "creation_fee_minor": creation_fee,
        "per_output_fee_minor": per_output_fee,
        "per_use_fees_minor": _use_fees(per_use_fee) if per_use_fee else None,
        "commission_bps": commission_bps,
        "takedown_days": takedown_days,
        "purpose": purpose,
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    return TermsIn.model_validate(data)


def _print(row: LicenseRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    table = Table(show_header=False)
    for key, value in row.model_dump(mode="json").items():
        if key == "terms":
            value = json.dumps(value, sort_keys=True)
        elif isinstance(value, list):
            value = ", ".join(value)
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command("request")
def request(
    talent: Annotated[str, typer.Option("--talent", help="Talent id.")],
    brand: Annotated[str, typer.Option("--brand", help="Your brand's id.")],
    twin: Annotated[str | None, typer.Option(help="One twin (default: all of them).")] = None,
    terms_file: TermsFile = None,
    channel: Channels = None,
    territory: Territories = None,
    category: Categories = None,
    exclusive: Exclusive = None,
    start: Start = None,
    end: End = None,
    max_outputs: MaxOutputs = None,
    approval: Approval = None,
    currency: Currency = None,
    creation_fee: CreationFee = None,
    per_output_fee: OutputFee = None,
    per_use_fee: UseFees = None,
    commission_bps: Commission = None,
    takedown_days: Takedown = None,
    purpose: Purpose = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Request a license (brand members only) with the terms you would like."""
    terms = build_terms(
        terms_file, channel, territory, category, exclusive, start, end, max_outputs, approval,
        currency, creation_fee, per_output_fee, per_use_fee, commission_bps, takedown_days,
        purpose,
    )  # fmt: skip
    body = LicenseRequestIn(talent_id=talent, twin_id=twin, brand_id=brand, terms=terms)
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.request(session, actor, body))
    _print(row, json_out)


def _terms_command(name: str, doc: str) -> None:
    action = getattr(service, name)

    def command(
        license_id: str,
        terms_file: TermsFile = None,
        channel: Channels = None,
        territory: Territories = None,
        category: Categories = None,
        exclusive: Exclusive = None,
        start: Start = None,
        end: End = None,
        max_outputs: MaxOutputs = None,
        approval: Approval = None,
        currency: Currency = None,
        creation_fee: CreationFee = None,
        per_output_fee: OutputFee = None,
        per_use_fee: UseFees = None,
        commission_bps: Commission = None,
        takedown_days: Takedown = None,
        purpose: Purpose = None,
        version: VersionOption = None,
        as_email: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        terms = build_terms(
            terms_file, channel, territory, category, exclusive, start, end, max_outputs,
            approval, currency, creation_fee, per_output_fee, per_use_fee, commission_bps,
            takedown_days, purpose,
        )  # fmt: skip
        with cli_session(as_email) as (session, actor):
            lic = action(session, actor, license_id, TermsChangeIn(terms=terms, version=version))
            row = service.to_read(session, actor, lic)
        _print(row, json_out)

    command.__doc__ = doc
    app.command(name)(command)


_terms_command("propose", "Propose terms (the talent's agent, or the talent).")
_terms_command("counter", "Counter a proposal with other terms (the brand).")


def _simple_command(name: str, doc: str) -> None:
    action = getattr(service, name)

    def command(
        license_id: str,
        reason: ReasonOption = None,
        version: VersionOption = None,
        as_email: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        with cli_session(as_email) as (session, actor):
            lic = action(session, actor, license_id, TransitionIn(version=version, reason=reason))
            row = service.to_read(session, actor, lic)
        _print(row, json_out)

    command.__doc__ = doc
    app.command(name)(command)


_simple_command("accept", "Accept the proposed terms (the brand); drafts the use consent.")
_simple_command("suspend", "Pause a running license (talent, agent or operator).")
_simple_command("resume", "Resume a suspended license (talent or operator).")
_simple_command("revoke", "End a running license now (talent or operator); brand notified.")
_simple_command("withdraw", "Abandon a negotiation (either side).")
_simple_command("expire", "End a running license as expired (operator).")


@app.command("approve")
def approve(
    license_id: str,
    name: Annotated[str, typer.Option("--name", help="Your full legal name, typed.")],
    statement: Annotated[str, typer.Option(help=f'Type exactly: "{AFFIRMATION}"')],
    key: Annotated[bool, typer.Option("--key", help="Also sign with your Ed25519 key.")] = False,
    version: VersionOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve as the talent by signing the use consent; the license becomes active."""
    keyring = TalentKeyring(get_settings().keys_dir)
    with cli_session(as_email) as (session, actor):
        lic = service.approve(
            session,
            actor,
            license_id,
            Intent(name, statement, key),
            keyring,
            expected_version=version,
        )
        row = service.to_read(session, actor, lic)
    _print(row, json_out)


@app.command("show")
def show(license_id: str, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show a license, its terms and what you may do next."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.get_for(session, actor, license_id))
    _print(row, json_out)


@app.command("list")
def list_(
    status: Annotated[LicenseStatus | None, typer.Option(help="Only this status.")] = None,
    talent: Annotated[str | None, typer.Option(help="Only this talent.")] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the licenses you may see."""
    with cli_session(as_email) as (session, actor):
        rows = [
            service.to_read(session, actor, lic)
            for lic in service.list_for(
                session, actor, status=status, talent_id=talent, brand_id=brand
            )
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "status", "talent_id", "brand_id", "version", "ends_at")
    for r in rows:
        table.add_row(
            r.id, r.status.value, r.talent_id, r.brand_id, str(r.version), str(r.terms["ends_at"])
        )
    console.print(table)


@app.command("notifications")
def list_notifications(
    unread: Annotated[bool, typer.Option(help="Only unread ones.")] = False,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Rights events for your brand (revocations with take-down dates, suspensions…)."""
    with cli_session(as_email) as (session, actor):
        rows = [
            notifications.to_read(n)
            for n in notifications.list_for(session, actor, unread_only=unread)
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("created_at", "kind", "license_id", "message")
    for r in rows:
        table.add_row(str(r.created_at), r.kind, r.license_id or "", r.message)
    console.print(table)


@app.command("sweep")
def sweep(json_out: JsonOption = False) -> None:
    """Expire every running license whose term is over (run it from cron)."""
    with cli_session(None) as (session, _):
        ended = [lic.id for lic in service.expire_due(session, SYSTEM_ACTOR)]
    if json_out:
        print_json({"expired": ended})
    else:
        console.print(f"{len(ended)} license(s) expired")


def decide_command(
    twin: Annotated[
        str, typer.Option("--twin", help="Twin id (or a talent id: all of that talent's twins).")
    ],
    brand: Annotated[str, typer.Option("--brand", help="Brand id.")],
    action: Annotated[Action, typer.Option("--action")],
    channel: Annotated[str, typer.Option("--channel")],
    territory: Annotated[str | None, typer.Option("--territory", help="ISO 3166 code.")] = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    at: Annotated[str | None, typer.Option("--at", help="ISO 8601 with zone; default now.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """May this brand do this with this twin? Exit 0 allow, 3 deny (1 on bad input)."""
    body = UseIn.model_validate(
        {
            "twin": twin,
            "brand_id": brand,
            "action": action,
            "channel": channel,
            "territory": territory,
            "category": category,
            "at": parse_time(at, "--at"),
        }
    )
    with cli_session(as_email) as (session, actor):
        result = decision.decide_use(session, actor, body)
    if json_out:
        print_json(result.to_dict())
    else:
        verdict = "[green]ALLOW[/green]" if result.allow else "[red]DENY[/red]"
        console.print(f"{verdict} {action.value} on {result.use.channel}")
        for reason in result.reasons:
            console.print(f"  {reason.code}: {reason.message}")
        for obligation in result.obligations:
            console.print(f"  must: {obligation.message}")
        for fee in result.fees:
            console.print(f"  fee: {fee.amount_minor} {fee.currency} ({fee.description})")
    if not result.allow:
        raise typer.Exit(EXIT_DENY)


# --- commands of the `consent` and `twin` groups that end in licenses ----------------------
# Signing a use consent approves its license; revoking a consent ends licenses (and a
# creation consent's twins); retiring a twin ends the licenses that name it. So these
# commands live here, with the use cases (decision 0015), and join their groups: the root
# command mounts ``consent_app`` and ``twin_app`` from this module.


def sign_consent(
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
        consent = service.sign_consent(
            session, actor, consent_id, Intent(name, statement, key), keyring
        )
        row = consents.to_read(session, consent)
    print_consent(row, json_out)


def revoke_consent(
    consent_id: str,
    reason: Annotated[str | None, typer.Option(help="Optional, shown to the brand.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Revoke as the talent: no new use from now on; affected brands are notified.

    Revoking a creation consent also crypto-shreds the twins it covered.
    """
    with cli_session(as_email) as (session, actor):
        consent, shredded = service.revoke_consent(
            session, actor, storage(get_settings()), consent_id, reason
        )
        row = consents.to_read(session, consent)
    print_consent(row, json_out)
    for twin_id in shredded:
        if not json_out:
            console.print(f"twin {twin_id} crypto-shredded (its data keys are destroyed)")


def retire_twin(
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
            service.retire_twin(session, actor, deps, twin_id, reason)
            message = f"twin {twin_id} deleted: data keys destroyed, blobs removed"
        else:
            twins.retire_version(session, actor, deps, twin_id, version, reason)
            message = f"twin {twin_id} version {version} retired"
    console.print(message)


#: The `consent` and `twin` groups, completed here; the root command mounts these.
consent_app = consent_cli.app
twin_app = twin_cli.app
consent_app.command("sign")(sign_consent)
consent_app.command("revoke")(revoke_consent)
twin_app.command("retire")(retire_twin)
