"""CLI plumbing shared by every feature's Typer commands.

* :class:`LikenessGroup` is the root command group. It knows its subcommands by name and
  imports each one only when it runs (``--help`` lists them from a table without importing
  anything), and it turns any error a user can cause into one ``error: …`` line and an exit
  code from :class:`ExitCode`.
* The options every feature shares (``--json``, ``--as``, ``--talent``, ``--reason``, the
  signing options, date-times) and the id arguments that accept a unique prefix are declared
  here once.
* :func:`cli_session` runs one command as one unit of work.
* :func:`collector_paused` keeps the garbage collector out of the way while the root
  loads a command (decision 0016).

This module must stay cheap to import: ``likeness --help`` costs what importing it costs.
Nothing heavy (SQLAlchemy, pydantic, the features) is imported at module level.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from difflib import get_close_matches
from enum import IntEnum
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple

import typer
from typer._click import core as click
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer._click.formatting import HelpFormatter
from typer._click.globals import get_current_context
from typer.core import TyperCommand, TyperGroup

from likeness.errors import LikenessError
from likeness.kit.signals import Interrupted, stop_on_signals

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.orm import Session

    from likeness.runtime import Runtime
    from likeness.vault.deps import StorageDeps

    #: Rich consoles for people (stdout) and for errors (stderr); built on first use, so
    #: ``likeness --help`` and ``--version`` never import Rich.
    console: Console
    err_console: Console


@cache
def _consoles() -> tuple[Console, Console]:
    from rich.console import Console

    return Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)


def __getattr__(name: str) -> Any:
    if name == "console":
        return _consoles()[0]
    if name == "err_console":
        return _consoles()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ExitCode(IntEnum):
    """The one exit-code table of every ``likeness`` command."""

    #: The command did what was asked (an allow, a verified image, a passed QC).
    OK = 0
    #: An error: bad input the command could not act on, a refusal, a missing object.
    ERROR = 1
    #: A usage error: unknown command or option, a malformed value, an ambiguous id prefix.
    USAGE = 2
    #: The command worked and the answer is no: deny, not verified, tampered, QC failed.
    NEGATIVE = 3


#: Exit status when the reader of stdout went away: 128 + SIGPIPE, as the shell reports.
BROKEN_PIPE = 141

#: Shown at the bottom of every command's ``--help``.
EXIT_CODES_HELP = (
    "Exit codes: 0 success · 1 error · 2 usage · "
    "3 negative verdict (deny, not verified, tampered, QC failed)."
)


def fail(message: str, *, code: int = ExitCode.ERROR) -> typer.Exit:
    """Print one `error: …` line on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(int(code))


def negative(message: str | None = None) -> typer.Exit:
    """Return the Exit for a negative verdict (after the report was printed)."""
    if message:
        _consoles()[1].print(message, style="bold red", markup=False, highlight=False)
    return typer.Exit(int(ExitCode.NEGATIVE))


# --- start-up --------------------------------------------------------------------------

_collector_paused = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the ``likeness`` command with the cyclic garbage collector paused while the
    root group loads the subcommand (:meth:`LikenessGroup.resolve_command` resumes it).

    Loading a command imports its feature and its libraries (SQLAlchemy, pydantic, …):
    some hundred thousand objects that live as long as the process, and next to no
    garbage. A running collector walks that growing heap again and again while it is
    built, and once more at exit: about a quarter of what ``likeness decide`` costs. The
    collector runs again, whatever happens, when this returns.
    """
    global _collector_paused
    if not gc.isenabled():  # someone else's choice: leave it alone
        yield
        return
    gc.disable()
    _collector_paused = True
    try:
        yield
    finally:
        _collector_paused = False
        gc.enable()


def _command_loaded() -> None:
    """Set what loading the command built aside for good (:func:`gc.freeze`: later
    collections, and the one at exit, do not walk it) and let the collector run again
    for the command's own work. Only where :func:`collector_paused` paused it."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


# --- the lazy root group ----------------------------------------------------------------


class LazyCommand(NamedTuple):
    """A subcommand the root knows by name: where it lives and its one-line help."""

    target: str  #: "package.module:attribute" — a Typer app, a click command or a function
    help: str


def load_command(name: str, target: str) -> click.Command:
    """Import ``module:attr`` and turn it into a click command named ``name``."""
    module_name, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module_name), attr)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_command(obj)
    elif isinstance(obj, click.Command):
        command = obj
    elif callable(obj):
        single = typer.Typer()
        single.command(name)(obj)
        command = typer.main.get_command(single)
    else:  # pragma: no cover - a wiring mistake, caught by the CLI tests
        raise TypeError(f"{target} is not a Typer app, click command or function")
    _add_epilog(command)
    return command


def _add_epilog(command: click.Command) -> None:
    if not command.epilog:
        command.epilog = EXIT_CODES_HELP
    for sub in getattr(command, "commands", {}).values():
        _add_epilog(sub)


class LikenessGroup(TyperGroup):
    """Root command group: lazy subcommands, one-line errors, one exit-code table.

    Subclass it with :func:`lazy_group` to give it its table of subcommands; commands added
    the eager way (``app.command``, ``app.add_typer``) keep working next to them.
    """

    lazy_commands: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, click.Command] = {}
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = [name for name in super().list_commands(ctx) if name not in self.lazy_commands]
        return [*self.lazy_commands, *eager]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            # Listing for --help: the table's help line is all that is needed.
            return TyperCommand(name=cmd_name, help=lazy.help, short_help=lazy.help)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load_command(cmd_name, lazy.target)
        return self._loaded[cmd_name]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            resolved = super().resolve_command(ctx, args)
        except UsageError as exc:
            close = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if close and "Did you mean" not in exc.message:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {close[0]!r}?"
            raise
        _command_loaded()
        return resolved

    def format_help(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise _usage_exit(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with stop_on_signals():
                return super().invoke(ctx)
        except Interrupted as exc:
            # SIGTERM / SIGINT: whatever was unfinished has been undone on the way out.
            done = "the last saved change stands" if exc.saved else "unfinished work was undone"
            raise fail(f"stopped by {exc.signal_name}: {done}", code=exc.exit_code) from None
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise _usage_exit(exc) from None
        except BrokenPipeError:
            # The reader went away (`likeness audit log | head`): stop quietly, as Unix
            # tools do, and keep Python from failing again when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(BROKEN_PIPE) from None
        except Exception as exc:
            message = error_line(exc)
            if message is None:
                raise
            raise fail(message) from None


def lazy_group(commands: Mapping[str, tuple[str, str]]) -> type[LikenessGroup]:
    """A :class:`LikenessGroup` class for ``{name: ("module:attr", "one-line help")}``."""
    table = {name: LazyCommand(target, help_) for name, (target, help_) in commands.items()}
    return type("LikenessRoot", (LikenessGroup,), {"lazy_commands": table})


def _usage_exit(exc: UsageError) -> typer.Exit:
    where = exc.ctx.command_path if exc.ctx else "likeness"
    typer.echo(f"error: {exc.format_message()} (see `{where} --help`)", err=True)
    return typer.Exit(int(ExitCode.USAGE))


def error_line(exc: BaseException) -> str | None:
    """The one-line message for an error a user can cause, or None for a bug.

    Library errors are recognised only when their library is already loaded, so this
    never imports pydantic, SQLAlchemy or Alembic itself.
    """
    if isinstance(exc, LikenessError):
        return f"{exc.message} ({exc.name})"
    validation_error = getattr(sys.modules.get("pydantic_core"), "ValidationError", None)
    if validation_error is not None and isinstance(exc, validation_error):
        return _validation_message(exc)
    alembic_error = getattr(sys.modules.get("alembic.util"), "CommandError", None)
    if alembic_error is not None and isinstance(exc, alembic_error):
        return f"migration: {exc}"
    sqlalchemy_error = getattr(sys.modules.get("sqlalchemy.exc"), "SQLAlchemyError", None)
    if sqlalchemy_error is not None and isinstance(exc, sqlalchemy_error):
        # Connection refused, locked database, bad URL: the operator's problem to fix,
        # so say what failed without a traceback.
        detail = str(getattr(exc, "orig", None) or exc)
        return "database: " + " ".join(detail.split())
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    if isinstance(exc, UnicodeEncodeError):
        # Arguments that are not valid UTF-8 reach Python as lone surrogates
        # (surrogateescape); no database or document can store them.
        return "an argument is not valid UTF-8 text; retype it"
    return None


def _validation_message(exc: Any) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return "; ".join(parts)


def aliases(mapping: Mapping[str, str]) -> type[TyperCommand]:
    """A command class that also accepts old option spellings, hidden from ``--help``.

    ``@app.command("create", cls=aliases({"--starts": "--start"}))``
    """
    table = dict(mapping)

    class AliasedCommand(TyperCommand):
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            end = args.index("--") if "--" in args else len(args)
            renamed = [_rename(arg, table) for arg in args[:end]]
            return super().parse_args(ctx, renamed + args[end:])

    return AliasedCommand


def _rename(arg: str, table: Mapping[str, str]) -> str:
    name, sep, value = arg.partition("=")
    return f"{table[name]}{sep}{value}" if name in table else arg


# --- output -------------------------------------------------------------------------------

#: How many characters of an id tables print; any unique prefix is accepted back.
SHORT_ID = 8


def short_id(value: str | None) -> str:
    """The short form of an id for tables (``git log --oneline`` style)."""
    return (value or "")[:SHORT_ID]


def print_json(value: Any) -> None:
    """Print machine-readable JSON on stdout (no Rich markup, stable key order)."""
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


def print_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    id_columns: Sequence[int] = (),
    keep_columns: Sequence[int] = (),
) -> None:
    """Print rows as a plain table that stays readable at 80 columns.

    Ids (``id_columns``) print in their short form and, like ``keep_columns``, are never
    wrapped or cut; other columns wrap onto more lines when the terminal is narrow.
    """
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for i, header in enumerate(columns):
        if i in id_columns:
            table.add_column(header, no_wrap=True, min_width=SHORT_ID)
        elif i in keep_columns:
            table.add_column(header, no_wrap=True)
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            *(
                short_id(str(cell))
                if i in id_columns and cell
                else ("" if cell is None else str(cell))
                for i, cell in enumerate(row)
            )
        )
    _consoles()[0].print(table)


def progress_bar(*, quiet: bool = False) -> Any:
    """The house progress bar for long work (a description, a bar, the percentage and the
    time elapsed) on the people's console; ``quiet`` (``--json``, ``--quiet``) hides it.
    Use it as a context manager, as :class:`rich.progress.Progress`."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=_consoles()[0],
        disable=quiet,
        transient=False,
    )


def print_fields(fields: Mapping[str, object]) -> None:
    """Print one record as a two-column field/value table (None prints as empty; mappings
    and lists as JSON, as ``--json`` would show them)."""
    import json

    from rich.table import Table

    table = Table(show_header=False)
    for key, value in fields.items():
        if isinstance(value, dict | list):
            shown = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        else:
            shown = "" if value is None else str(value)
        table.add_row(key, shown)
    _consoles()[0].print(table)


# --- value types (Typer ``parser=`` callables; a bad value is a usage error) -------------


class IsoDateTime:
    """Parse an ISO 8601 date-time with a zone (``2026-05-01T09:00:00Z``).

    A bare date means its midnight UTC. Gives an aware :class:`~datetime.datetime`.
    """

    def __init__(self, option: str) -> None:
        self.option = option

    def __call__(self, value: str | datetime) -> datetime:
        if isinstance(value, datetime):
            return value
        from likeness.kit.clock import parse_iso  # not at start-up: `--help` loads this module

        text = str(value).strip()
        try:
            bare_date = len(text) == len("2026-01-31")
            parsed: datetime | None = parse_iso(text + "T00:00:00Z" if bare_date else text)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise typer.BadParameter(
                f"expected an ISO 8601 time with a zone (Z or +01:00), got {text!r:.60}",
                param_hint=f"'{self.option}'",
            )
        return parsed


class IsoDate:
    """Parse an ISO 8601 calendar date (``2026-01-31``)."""

    def __init__(self, option: str) -> None:
        self.option = option

    def __call__(self, value: str | date) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise typer.BadParameter(
                f"expected a date like 2026-01-31, got {str(value)!r:.40}",
                param_hint=f"'{self.option}'",
            ) from None


# --- ids: full or a unique prefix, as git does ------------------------------------------

#: The fewest characters of an id the CLI resolves as a prefix.
MIN_PREFIX = 4
#: Ids are uuid4 hex (models.base.new_id).
FULL_ID = 32
_HEX = frozenset("0123456789abcdef")
_SHOWN_CANDIDATES = 5


class IdPrefix:
    """Parse an id, or a unique prefix of one, of the rows of ``tables``.

    Each table is ``"name"`` (its ``id`` column) or ``"name.column"``. Values that cannot
    be a prefix (full length, not hex) and prefixes that match nothing pass through
    unchanged, so the service reports an unknown id the usual way; a prefix that matches
    several rows is a usage error that lists them. The CLI trusts the local shell (see
    :func:`cli_session`), so a prefix resolves against every row, not only the ones the
    ``--as`` user may see.
    """

    def __init__(self, noun: str, *tables: str, option: str | None = None) -> None:
        self.noun = noun
        self.tables = tables
        self.hint = f"'{option}'" if option else noun.upper().replace(" ", "_") + "_ID"

    def __call__(self, value: str) -> str:
        text = str(value).strip().lower()
        if len(text) >= FULL_ID or not text or not set(text) <= _HEX:
            return str(value)
        if len(text) < MIN_PREFIX:
            raise typer.BadParameter(
                f"{self.noun} id {text!r} is too short: give at least {MIN_PREFIX} characters",
                param_hint=self.hint,
            )
        with _runtime() as runtime:
            matches = expand_id(runtime, text, self.tables)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return str(value)
        shown = ", ".join(m[: SHORT_ID + 4] for m in matches[:_SHOWN_CANDIDATES])
        more = " …" if len(matches) > _SHOWN_CANDIDATES else ""
        raise typer.BadParameter(
            f"{self.noun} id prefix {text!r} is ambiguous ({shown}{more}); type more of it",
            param_hint=self.hint,
        )


def expand_id(runtime: Runtime, prefix: str, tables: Sequence[str]) -> list[str]:
    """The ids in ``tables`` that start with ``prefix`` (a few more than are shown, at most)."""
    from sqlalchemy import ColumnClause, column, select, table, union

    queries = []
    for spec in tables:
        name, _, column_name = spec.partition(".")
        col: ColumnClause[str] = column(column_name or "id")
        queries.append(
            select(col.label("id"))
            .select_from(table(name))
            .where(col.startswith(prefix, autoescape=True))
        )
    query = union(*queries) if len(queries) > 1 else queries[0].distinct()
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(query.limit(_SHOWN_CANDIDATES + 1)).scalars().all()
    return sorted(str(r) for r in rows)


def id_argument(noun: str, *tables: str, help: str | None = None) -> Any:
    """A positional id argument that accepts a unique prefix."""
    return typer.Argument(
        parser=IdPrefix(noun, *tables),
        metavar=noun.upper().replace(" ", "_") + "_ID",
        help=help or f"{noun.capitalize()} id (or a unique prefix).",
    )


def id_option(noun: str, *tables: str, name: str, help: str | None = None) -> Any:
    """An id option that accepts a unique prefix."""
    return typer.Option(
        name,
        parser=IdPrefix(noun, *tables, option=name),
        metavar="ID",
        help=help or f"{noun.capitalize()} id (or a unique prefix).",
    )


# --- shared options ---------------------------------------------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="EMAIL",
        help="Act as this user (their role and ownership apply). Default: the local operator.",
    ),
]
TalentOption = Annotated[str, id_option("talent", "talent_profiles", name="--talent")]
BrandOption = Annotated[str, id_option("brand", "brands", name="--brand")]
TalentFilter = Annotated[
    str | None, id_option("talent", "talent_profiles", name="--talent", help="Only this talent.")
]
BrandFilter = Annotated[
    str | None, id_option("brand", "brands", name="--brand", help="Only this brand.")
]
LicenseFilter = Annotated[
    str | None, id_option("license", "licenses", name="--license", help="Only this license.")
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")]
RequiredReason = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")]
LookReasonOption = Annotated[
    str | None,
    typer.Option(
        "--reason",
        help="Operators: why you look at this talent's data, 10 to 500 characters "
        "(kept in the audit log with the look).",
    ),
]
LookReasonKindOption = Annotated[
    str | None,
    typer.Option(
        "--reason-kind",
        help="Operators: support_request, quality_check, legal_request, talent_request "
        "or incident.",
    ),
]

# Signing, for the talent: typed name, typed statement, optional Ed25519 key.
SignerNameOption = Annotated[str, typer.Option("--name", help="Your full legal name, typed.")]
StatementOption = Annotated[
    str,
    typer.Option(
        "--statement",
        help="The affirmation, typed exactly as the consent document words it "
        "(`likeness consent render ID`).",
    ),
]
SignKeyOption = Annotated[bool, typer.Option("--key", help="Also sign with your Ed25519 key.")]

# Time: every term is --start/--end; a single instant is --at.
StartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start", parser=IsoDateTime("--start"), metavar="TIME", help="ISO 8601 with zone."
    ),
]
EndOption = Annotated[
    datetime | None,
    typer.Option("--end", parser=IsoDateTime("--end"), metavar="TIME", help="ISO 8601 with zone."),
]
AtOption = Annotated[
    datetime | None,
    typer.Option(
        "--at", parser=IsoDateTime("--at"), metavar="TIME", help="ISO 8601 with zone; default now."
    ),
]

RequiredEndOption = Annotated[
    datetime,
    typer.Option("--end", parser=IsoDateTime("--end"), metavar="TIME", help="ISO 8601 with zone."),
]
StartDateOption = Annotated[
    date, typer.Option("--start", parser=IsoDate("--start"), metavar="DATE", help="YYYY-MM-DD.")
]
EndDateOption = Annotated[
    date, typer.Option("--end", parser=IsoDate("--end"), metavar="DATE", help="YYYY-MM-DD.")
]

#: Old spellings of the term options, still accepted but not shown.
TERM_ALIASES = {"--starts": "--start", "--ends": "--end", "--from": "--start", "--until": "--end"}

# Shared id arguments (each accepts a unique prefix).
UserId = Annotated[str, id_argument("user", "users")]
AgencyId = Annotated[str, id_argument("agency", "agencies")]
BrandId = Annotated[str, id_argument("brand", "brands")]
TokenId = Annotated[str, id_argument("token", "api_tokens")]
ConsentId = Annotated[str, id_argument("consent", "consents")]
LicenseId = Annotated[str, id_argument("license", "licenses")]
TwinId = Annotated[str, id_argument("twin", "twins")]
SessionId = Annotated[str, id_argument("capture session", "capture_sessions")]


# --- running commands against the installation -------------------------------------------

_RUNTIME_KEY = "likeness.runtime"


@contextmanager
def _runtime() -> Iterator[Runtime]:
    """The invocation's runtime: built (and the installation checked) once per command."""
    ctx = get_current_context()
    if _RUNTIME_KEY not in ctx.meta:
        runtime = _open_runtime()
        ctx.meta[_RUNTIME_KEY] = runtime
        ctx.find_root().call_on_close(runtime.close)
    yield ctx.meta[_RUNTIME_KEY]


def cli_storage() -> StorageDeps:
    """The command's sealed storage (blob store, cipher, intent journal): its runtime's, so
    a command builds them once and its services share the one intent journal."""
    with _runtime() as runtime:
        return runtime.storage


def cli_runtime() -> Runtime:
    """The command's runtime itself, for a command that opens its own units of work (a
    job worker runs each lease and each outcome in a transaction of its own)."""
    with _runtime() as runtime:
        return runtime


def _open_runtime() -> Runtime:
    return _wiring().open_runtime()


@dataclass(frozen=True)
class CliWiring:
    """How a command reaches the installation: open its runtime (checked, with interrupted
    operations settled) and find the actor for ``--as``. The root command
    (:mod:`likeness.cli`, an edge) provides it with :func:`wire`, so this plumbing, which
    every feature's commands use, imports no feature."""

    open_runtime: Callable[[], Runtime]
    actor_for: Callable[[Session, str | None], Any]


_WIRING_KEY = "likeness.wiring"


def wire(ctx: click.Context, wiring: CliWiring) -> None:
    """Give every command of this invocation its way to the installation."""
    ctx.meta[_WIRING_KEY] = wiring


def _wiring() -> CliWiring:
    ctx = get_current_context(silent=True)
    wiring = ctx.meta.get(_WIRING_KEY) if ctx is not None else None
    if not isinstance(wiring, CliWiring):
        raise RuntimeError("commands run through the `likeness` root command, which wires them")
    return wiring


@contextmanager
def cli_session(as_email: str | None = None) -> Iterator[tuple[Session, Any]]:
    """One command = one unit of work, acting as the local operator or `--as` user.

    Anyone who can run this CLI can read the data home, so the CLI trusts the local
    shell the way a database superuser is trusted; `--as` exists so that rules about
    *who* may act (only the talent signs, brands act only for their brand) still apply.
    """
    wiring = _wiring()
    with _runtime() as runtime, runtime.db.unit_of_work() as session:
        yield session, wiring.actor_for(session, as_email)


def version_callback(value: bool) -> None:
    """``--version``: print the version and stop (nothing else is imported)."""
    if value:
        from likeness import __version__

        typer.echo(f"likeness {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version", callback=version_callback, is_eager=True, help="Print the version and exit."
    ),
]
