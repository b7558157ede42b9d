"""CLI plumbing shared by every feature's Typer commands.

:class:`LikenessGroup` turns any :class:`~likeness.errors.LikenessError` raised while a
command runs into one clear line on stderr and a non-zero exit, so no user mistake
ever prints a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from alembic.util import CommandError as AlembicCommandError
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from likeness.errors import LikenessError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

#: Exit code for errors the user caused (bad input, refused action).
EXIT_USER_ERROR = 1


def fail(message: str, *, code: int = EXIT_USER_ERROR) -> typer.Exit:
    """Print one `error: …` line on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


class LikenessGroup(TyperGroup):
    """Root command group: maps Likeness errors to one-line messages."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LikenessError as exc:
            raise fail(f"{exc.message} ({exc.name})") from None
        except ValidationError as exc:
            raise fail(_validation_message(exc)) from None
        except AlembicCommandError as exc:
            raise fail(f"migration: {exc}") from None
        except SQLAlchemyError as exc:
            # Connection refused, locked database, bad URL: the operator's problem to fix,
            # so say what failed without a traceback.
            detail = str(getattr(exc, "orig", None) or exc)
            raise fail("database: " + " ".join(detail.split())) from None
        except OSError as exc:
            raise fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
        except UnicodeEncodeError:
            # Arguments that are not valid UTF-8 reach Python as lone surrogates
            # (surrogateescape); no database or document can store them.
            raise fail("an argument is not valid UTF-8 text; retype it") from None


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return "; ".join(parts)


def print_json(value: Any) -> None:
    """Print machine-readable JSON on stdout (no Rich markup, stable key order)."""
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


# --- running commands against the installation -------------------------------------

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="EMAIL",
        help="Act as this user (their role and ownership apply). Default: the local operator.",
    ),
]


@contextmanager
def cli_session(as_email: str | None = None) -> Iterator[tuple[Session, Any]]:
    """One command = one unit of work, acting as the local operator or `--as` user.

    Anyone who can run this CLI can read the data home, so the CLI trusts the local
    shell the way a database superuser is trusted; `--as` exists so that rules about
    *who* may act (only the talent signs, brands act only for their brand) still apply.
    """
    from likeness.auth.service import actor_for_user
    from likeness.errors import NotFound
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.party.repository import user_by_email
    from likeness.party.rules import normalise_email
    from likeness.runtime import Runtime
    from likeness.settings import get_settings
    from likeness.system.service import require_installed

    settings = get_settings()
    require_installed(settings)
    runtime = Runtime.from_settings(settings)
    try:
        with runtime.db.unit_of_work() as session:
            actor = SYSTEM_ACTOR
            if as_email:
                user = user_by_email(session, normalise_email(as_email))
                if user is None or not user.is_active:
                    raise NotFound(f"no active user {as_email}")
                actor = actor_for_user(session, user, via="cli")
            yield session, actor
    finally:
        runtime.close()
