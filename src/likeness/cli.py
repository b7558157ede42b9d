"""The ``likeness`` command: a lazy root that imports each feature's CLI only when it runs.

To add a command, add one line to :data:`COMMANDS`: its name, where it lives
(``"package.module:attr"`` — a Typer app, or a function for a single command) and the
one-line help ``likeness --help`` shows. Never import a feature here: ``likeness --help``
and ``likeness --version`` must cost about as much as starting Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from likeness.kit.cli import (
    EXIT_CODES_HELP,
    CliWiring,
    VersionOption,
    collector_paused,
    lazy_group,
    wire,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from likeness.identity.actor import Actor
    from likeness.runtime import Runtime

#: name → ("module:attr", one-line help). Keep the help short: it is the --help listing.
COMMANDS: dict[str, tuple[str, str]] = {
    # setting up and running the platform
    "init": ("likeness.system.cli:init", "Create the data home, its keys and the database."),
    "serve": ("likeness.api.cli:serve", "Run the HTTP API."),
    "demo": ("likeness.system.demo:demo", "Run the end-to-end demo."),
    "db": ("likeness.system.cli:db_app", "Database migrations."),
    "doctor": ("likeness.system.cli:doctor", "Find and repair what a crash left behind."),
    # parties and access
    "user": ("likeness.party.cli:user_app", "Users and their roles."),
    "talent": ("likeness.party.cli:talent_app", "Talent profiles."),
    "agency": ("likeness.party.cli:agency_app", "Agencies (commission capped at 20 %)."),
    "representation": ("likeness.party.cli:representation_app", "Talent ↔ agency agreements."),
    "brand": ("likeness.party.cli:brand_app", "Brands and their members."),
    "catalogue": ("likeness.catalogue.cli:app", "The catalogue brands browse; talent opt in."),
    "token": ("likeness.auth.cli:app", "API tokens (shown once, stored hashed)."),
    # rights
    # `consent` and `twin` are completed in licensing/cli.py (sign, revoke and retire end
    # licenses; decision 0015), so they are mounted from there.
    "consent": ("likeness.licensing.cli:consent_app", "Consents: creation and use."),
    "license": ("likeness.licensing.cli:app", "Licenses: negotiation between brand and talent."),
    "decide": (
        "likeness.licensing.decide_cli:decide_command",
        "May this brand do this with this twin?",
    ),
    # captures, twins and images
    "capture": ("likeness.capture.cli:app", "Capture sessions: ingest, QC, synthetic rig."),
    "twin": ("likeness.licensing.cli:twin_app", "Digital twins: build, list, show, retire."),
    "relight": ("likeness.relighting.cli:app", "Relighting priors from consented captures."),
    "render": ("likeness.output.cli:render", "Relight a twin (an output for review) or a capture."),
    "output": ("likeness.output.cli:app", "Outputs in quarantine: review queue, approve, reject."),
    "release": ("likeness.output.cli:release", "Release an approved output as a stamped asset."),
    "generate": ("likeness.generation.cli:app", "Generate images of a licensed twin (any engine)."),
    "watermark": ("likeness.provenance.watermark_cli:app", "Invisible watermark: embed or detect."),
    "verify": ("likeness.asset.cli:verify_command", "Check an image's provenance."),
    "models": ("likeness.modelreg.cli:app", "Model files, their licences and hashes."),
    "asset": ("likeness.asset.cli:app", "Released images: list, download, report, take down."),
    "ledger": ("likeness.ledger.cli:app", "Money: postings, balances, statements, payouts."),
    "monitor": (
        "likeness.monitoring.cli:app",
        "Find talents' faces where no license allows; cases, notices.",
    ),
    # background work
    "job": ("likeness.jobs.cli:app", "Durable jobs: list, show, cancel, run workers."),
    # the record
    "audit": ("likeness.audit.cli:app", "The tamper-evident audit chain."),
    "report": (
        "likeness.compliance.cli:report_app",
        "Reports: compliance for a period; a talent's data.",
    ),
    "prove": ("likeness.compliance.cli:prove_command", "Prove a release: write or check a bundle."),
}

app = typer.Typer(
    cls=lazy_group(COMMANDS),
    name="likeness",
    help="Likeness: consent-first digital twins of fashion models.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help for the root: Typer's Rich help imports Rich, Markdown and Pygments,
    # more than the rest of `likeness --help` together. Subcommands keep Rich help.
    rich_markup_mode=None,
)


@app.callback()
def root(ctx: typer.Context, version: VersionOption = False) -> None:
    """Likeness: consent-first digital twins of fashion models."""
    wire(ctx, CliWiring(open_runtime=_open_runtime, actor_for=_actor_for))


# How a command reaches the installation (kit/cli.py imports no feature, so the root,
# which sits above them all, says it). Both import only when a command calls them.


def _open_runtime() -> Runtime:
    from likeness.runtime import Runtime
    from likeness.settings import get_settings
    from likeness.system.service import require_installed

    settings = get_settings()
    require_installed(settings)
    runtime = Runtime.from_settings(settings)
    try:
        _recover_interrupted(runtime)
    except BaseException:
        runtime.close()
        raise
    return runtime


def _recover_interrupted(runtime: Any) -> None:
    """Every command on the database first settles operations a crash interrupted
    (their owner is gone); one directory listing when there are none."""
    from likeness.system.recovery import recover_at_start, report_recovered

    report_recovered(recover_at_start(runtime))


def _actor_for(session: Session, as_email: str | None) -> Actor:
    """The local operator, or the active user ``--as`` names."""
    from likeness.identity.actor import SYSTEM_ACTOR

    if not as_email:
        return SYSTEM_ACTOR
    # Users, tokens and password hashing load only for `--as` (not for the operator).
    from likeness.auth.service import actor_for_user
    from likeness.errors import NotFound
    from likeness.party.repository import user_by_email
    from likeness.party.rules import normalise_email

    user = user_by_email(session, normalise_email(as_email))
    if user is None or not user.is_active:
        raise NotFound(f"no active user {as_email}")
    return actor_for_user(session, user, via="cli")


def main() -> None:
    with collector_paused():  # until the subcommand is loaded (kit.cli)
        app()
