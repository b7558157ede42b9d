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
    # Feature sub-apps. Each package owns its `cli.py`; add one line per feature.
    # --- feature sub-apps (keep sorted) ---
    pass
    # --- end feature sub-apps ---


_register()


def main() -> None:
    app()
