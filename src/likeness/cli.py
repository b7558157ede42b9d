"""The ``likeness`` command: one Typer app, one sub-app per feature package."""

from __future__ import annotations

import typer

from likeness.kit.cli import LikenessGroup

app = typer.Typer(
    cls=LikenessGroup,
    name="likeness",
    help="Likeness: consent-first digital twins of fashion models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from likeness.audit.cli import app as audit_app
    from likeness.auth.cli import app as token_app
    from likeness.party.cli import (
        agency_app,
        brand_app,
        representation_app,
        talent_app,
        user_app,
    )
    from likeness.system.cli import db_app, init, serve
    from likeness.system.demo import demo

    app.command("init")(init)
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(talent_app, name="talent")
    app.add_typer(agency_app, name="agency")
    app.add_typer(representation_app, name="representation")
    app.add_typer(brand_app, name="brand")
    app.add_typer(token_app, name="token")
    app.add_typer(audit_app, name="audit")
    # Feature sub-apps. Each package owns its `cli.py`; add one line per feature.
    # --- feature sub-apps (keep sorted) ---
    # The `consent` and `twin` groups are completed in licensing/cli.py (sign, revoke and
    # retire end licenses), so they are mounted from there.
    from likeness.licensing.cli import app as license_app
    from likeness.licensing.cli import consent_app, decide_command, twin_app

    app.add_typer(consent_app, name="consent")
    app.command(name="decide")(decide_command)
    app.add_typer(license_app, name="license")
    from likeness.provenance.cli import verify_command

    app.command(name="verify")(verify_command)
    from likeness.provenance.watermark_cli import app as watermark_app

    app.add_typer(watermark_app, name="watermark")
    from likeness.capture.cli import app as capture_app

    app.add_typer(capture_app, name="capture")
    app.add_typer(twin_app, name="twin")
    from likeness.studio.cli import render

    app.command(name="render")(render)
    pass
    # --- end feature sub-apps ---


_register()


def main() -> None:
    app()
