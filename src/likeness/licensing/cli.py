"""`likeness license request|propose|counter|accept|approve|suspend|resume|revoke|withdraw|
expire|show|list|notifications|sweep` and `likeness decide`."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from likeness.consent import cli as consent_cli
from likeness.consent import service as consents
from likeness.consent.cli import print_consent
from likeness.consent.service import Intent
from likeness.consent.signing import TalentKeyring
from likeness.errors import InvalidInput
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.cli import (
    AsOption,
    BrandFilter,
    ConsentId,
    EndOption,
    JsonOption,
    LicenseId,
    ReasonOption,
    RequiredReason,
    SignerNameOption,
    SignKeyOption,
    StartOption,
    StatementOption,
    TalentFilter,
    TalentOption,
    TwinId,
    cli_session,
    cli_storage,
    console,
    id_option,
    print_fields,
    print_json,
    print_table,
)
from likeness.kit.documents import read_json, read_text, read_yaml
from likeness.licensing import notifications, service
from likeness.licensing.schemas import (
    LicenseRead,
    LicenseRequestIn,
    TermsChangeIn,
    TermsIn,
    TransitionIn,
)
from likeness.policy import ApprovalMode, LicenseStatus
from likeness.settings import get_settings
from likeness.twin import cli as twin_cli
from likeness.twin import service as twins

app = typer.Typer(help="Licenses: negotiation between brand and talent side.", no_args_is_help=True)

VersionOption = Annotated[
    int | None, typer.Option(help="The version you last saw; refused if it changed since.")
]

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
PaymentDays = Annotated[
    int | None,
    typer.Option("--payment-days", help="Days after each use the talent is paid in (1..45)."),
]
Purpose = Annotated[str | None, typer.Option("--purpose")]
DelegateReview = Annotated[
    bool | None,
    typer.Option(
        "--delegate-review/--no-delegate-review",
        help="every_output: the representing agent may approve or reject outputs.",
    ),
]

Processors = Annotated[
    list[str] | None,
    typer.Option(
        "--processor",
        help="A third party the likeness may be sent to for generation (e.g. fashn); repeat.",
    ),
]


def _load_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    text = read_text(path, str(path))
    data = read_json(text, str(path)) if path.suffix == ".json" else read_yaml(text, str(path))
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


#: The license-term options, declared once: parameter name → (the ``TermsIn`` field it
#: sets, its option). Commands that take terms declare a ``terms: TermsIn`` parameter and
#: are wrapped in :func:`with_terms`; ``--terms-file`` comes first, each option given
#: overrides it.
TERM_OPTIONS: dict[str, tuple[str, Any]] = {
    "channel": ("channels", Channels),
    "territory": ("territories", Territories),
    "category": ("categories", Categories),
    "exclusive": ("exclusive_categories", Exclusive),
    "start": ("starts_at", StartOption),
    "end": ("ends_at", EndOption),
    "max_outputs": ("max_outputs", MaxOutputs),
    "approval": ("approval_mode", Approval),
    "currency": ("currency", Currency),
    "creation_fee": ("creation_fee_minor", CreationFee),
    "per_output_fee": ("per_output_fee_minor", OutputFee),
    "per_use_fee": ("per_use_fees_minor", UseFees),
    "commission_bps": ("commission_bps", Commission),
    "takedown_days": ("takedown_days", Takedown),
    "payment_days": ("payment_days", PaymentDays),
    "purpose": ("purpose", Purpose),
    "delegate_review": ("delegate_review", DelegateReview),
    "processor": ("processors", Processors),
}


def build_terms(terms_file: Path | None = None, **options: Any) -> TermsIn:
    """The terms from ``--terms-file``, each option given (by its parameter name in
    :data:`TERM_OPTIONS`) overriding it."""
    data = _load_file(terms_file)
    for name, value in options.items():
        field, _option = TERM_OPTIONS[name]
        if name == "per_use_fee":
            value = _use_fees(value) if value else None
        if value is not None:
            data[field] = value
    return TermsIn.model_validate(data)


def with_terms(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the term options in place of its ``terms: TermsIn`` parameter."""
    signature = inspect.signature(command, eval_str=True)
    options = {"terms_file": TermsFile, **{n: o for n, (_f, o) in TERM_OPTIONS.items()}}
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != "terms":
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        parameters.extend(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
            for name, option in options.items()
        )

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        terms = build_terms(**{name: kwargs.pop(name) for name in options})
        command(terms=terms, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def _print(row: LicenseRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    for key, value in fields.items():
        if key == "terms":
            fields[key] = json.dumps(value, sort_keys=True)
        elif isinstance(value, list):
            fields[key] = ", ".join(value)
    print_fields(fields)


@app.command("request")
@with_terms
def request(
    talent: TalentOption,
    brand: Annotated[str, id_option("brand", "brands", name="--brand", help="Your brand's id.")],
    terms: TermsIn,
    twin: Annotated[
        str | None, id_option("twin", "twins", name="--twin", help="One twin (default: all).")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Request a license (brand members only) with the terms you would like."""
    body = LicenseRequestIn(talent_id=talent, twin_id=twin, brand_id=brand, terms=terms)
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.request(session, actor, body))
    _print(row, json_out)


def _terms_command(name: str, doc: str) -> None:
    action = getattr(service, name)

    def command(
        license_id: LicenseId,
        terms: TermsIn,
        version: VersionOption = None,
        as_email: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        with cli_session(as_email) as (session, actor):
            lic = action(session, actor, license_id, TermsChangeIn(terms=terms, version=version))
            row = service.to_read(session, actor, lic)
        _print(row, json_out)

    command.__doc__ = doc
    app.command(name)(with_terms(command))


_terms_command("propose", "Propose terms (the talent's agent, or the talent).")
_terms_command("counter", "Counter a proposal with other terms (the brand).")


def _simple_command(name: str, doc: str) -> None:
    action = getattr(service, name)

    def command(
        license_id: LicenseId,
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
    license_id: LicenseId,
    name: SignerNameOption,
    statement: StatementOption,
    key: SignKeyOption = False,
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
def show(license_id: LicenseId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show a license, its terms and what you may do next."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, actor, service.get_for(session, actor, license_id))
    _print(row, json_out)


@app.command("list")
def list_(
    status: Annotated[LicenseStatus | None, typer.Option(help="Only this status.")] = None,
    talent: TalentFilter = None,
    brand: BrandFilter = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the licenses you may see."""
    with cli_session(as_email) as (session, actor):
        found = service.list_for(session, actor, status=status, talent_id=talent, brand_id=brand)
        rows = service.to_reads(session, actor, found)
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "status", "talent", "brand", "version", "ends"],
        [
            (r.id, r.status.value, r.talent_id, r.brand_id, r.version, str(r.terms["ends_at"])[:10])
            for r in rows
        ],
        id_columns=(0, 2, 3),
    )


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
    print_table(
        ["created", "kind", "license", "message"],
        [
            (r.created_at.isoformat(timespec="minutes"), r.kind, r.license_id, r.message)
            for r in rows
        ],
        id_columns=(2,),
    )


@app.command("sweep")
def sweep(json_out: JsonOption = False) -> None:
    """Expire every running license whose term is over (run it from cron)."""
    with cli_session(None) as (session, _):
        ended = [lic.id for lic in service.expire_due(session, SYSTEM_ACTOR)]
    if json_out:
        print_json({"expired": ended})
    else:
        console.print(f"{len(ended)} license(s) expired")


# --- commands of the `consent` and `twin` groups that end in licenses ----------------------
# Signing a use consent approves its license; revoking a consent ends licenses (and a
# creation consent's twins); retiring a twin ends the licenses that name it. So these
# commands live here, with the use cases (decision 0015), and join their groups: the root
# command mounts ``consent_app`` and ``twin_app`` from this module.


def sign_consent(
    consent_id: ConsentId,
    name: SignerNameOption,
    statement: StatementOption,
    key: SignKeyOption = False,
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
    consent_id: ConsentId,
    reason: ReasonOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Revoke as the talent: no new use from now on; affected brands are notified.

    Revoking a creation consent also crypto-shreds the twins it covered.
    """
    with cli_session(as_email) as (session, actor):
        consent, shredded = service.revoke_consent(
            session, actor, cli_storage(), consent_id, reason
        )
        row = consents.to_read(session, consent)
    print_consent(row, json_out)
    for twin_id in shredded:
        if not json_out:
            console.print(f"twin {twin_id} crypto-shredded (its data keys are destroyed)")


def retire_twin(
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
    deps = cli_storage()
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

# `likeness consent --help` lists the lifecycle first, as it always has.
_LIFECYCLE = ("create", "sign", "revoke")
consent_app.registered_commands.sort(
    key=lambda c: _LIFECYCLE.index(c.name) if c.name in _LIFECYCLE else len(_LIFECYCLE)
)
