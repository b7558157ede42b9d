"""The ``likeness`` command: a lazy root that imports each feature's CLI only when it runs.

To add a command, add one line to :data:`COMMANDS`: its name, where it lives
(``"package.module:attr"`` — a Typer app, or a function for a single command) and the
one-line help ``likeness --help`` shows. Never import a feature here: ``likeness --help``
and ``likeness --version`` must cost about as much as starting Python.
"""

from __future__ import annotations

import typer

from likeness.kit.cli import EXIT_CODES_HELP, VersionOption, lazy_group

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
    "token": ("likeness.auth.cli:app", "API tokens (shown once, stored hashed)."),
    # rights
    # `consent` and `twin` are completed in licensing/cli.py (sign, revoke and retire end
    # licenses; decision 0015), so they are mounted from there.
    "consent": ("likeness.licensing.cli:consent_app", "Consents: creation and use."),
    "license": ("likeness.licensing.cli:app", "Licenses: negotiation between brand and talent."),
    "decide": ("likeness.licensing.cli:decide_command", "May this brand do this with this twin?"),
    # captures, twins and images
    "capture": ("likeness.capture.cli:app", "Capture sessions: ingest, QC, synthetic rig."),
    "twin": ("likeness.licensing.cli:twin_app", "Digital twins: build, list, show, retire."),
    "render": ("likeness.studio.cli:render", "Relight a capture or twin for a scene."),
    "watermark": ("likeness.provenance.watermark_cli:app", "Invisible watermark: embed or detect."),
    "verify": ("likeness.provenance.cli:verify_command", "Check an image's provenance."),
    "models": ("likeness.modelreg.cli:models_command", "Model files, their licences and hashes."),
    # the record
    "audit": ("likeness.audit.cli:app", "The tamper-evident audit chain."),
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
def root(version: VersionOption = False) -> None:
    """Likeness: consent-first digital twins of fashion models."""


def main() -> None:
    app()
