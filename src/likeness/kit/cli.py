"""CLI plumbing shared by every feature's Typer commands.

:class:`LikenessGroup` turns any :class:`~likeness.errors.LikenessError` raised while a
command runs into one clear line on stderr and a non-zero exit, so no user mistake
ever prints a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from likeness.errors import LikenessError

console = Console()
err_console = Console(stderr=True)

#: Exit code for errors the user caused (bad input, refused action).
EXIT_USER_ERROR = 1


class CliError(click.ClickException):
    exit_code = EXIT_USER_ERROR

    def __init__(self, error: LikenessError) -> None:
        super().__init__(error.message)
        self.error = error

    def show(self, file: Any = None) -> None:
        stream = file if file is not None else sys.stderr
        click.echo(f"error: {self.error.message} ({self.error.name})", file=stream)


class LikenessGroup(TyperGroup):
    """Root command group: maps Likeness errors to one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LikenessError as exc:
            raise CliError(exc) from exc


def print_json(value: Any) -> None:
    """Print machine-readable JSON on stdout (no Rich markup, stable key order)."""
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str))
