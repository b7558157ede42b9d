"""`likeness ledger …`: post, balances, statements, payouts, collections, exports, check.

The commands are thin: each parses, calls one service function inside one unit of work
and prints. Exit 3 from ``check`` names what is wrong with the books.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

from likeness.kit.cli import AsOption, ExitCode, IsoDate, cli_session, console, fail, id_option

app = typer.Typer(
    help="Money: postings, balances, statements, payouts, reconciliation.", no_args_is_help=True
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------


# --- statements (statements.py) ----------------------------------------------------------

StatementFormat = Literal["csv", "json", "pdf"]


@app.callback()
def _group() -> None:
    # Keeps `ledger` a group even while `statement` is its only command (Typer would
    # otherwise run a lone command as the group itself). Harmless once others are added.
    pass


@app.command("statement")
def statement_command(
    talent: Annotated[
        str | None,
        id_option(
            "talent",
            "talent_profiles",
            name="--talent",
            help="A statement of this talent (id or a unique prefix).",
        ),
    ] = None,
    agency: Annotated[
        str | None,
        id_option(
            "agency",
            "agencies",
            name="--agency",
            help="A statement of this agency (id or a unique prefix).",
        ),
    ] = None,
    brand: Annotated[
        str | None,
        id_option(
            "brand",
            "brands",
            name="--brand",
            help="A statement of this brand (id or a unique prefix).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="YYYY-MM|YYYY", help="A month or a year."),
    ] = None,
    start: Annotated[
        date | None,
        typer.Option("--from", parser=IsoDate("--from"), metavar="DATE", help="First day."),
    ] = None,
    end: Annotated[
        date | None,
        typer.Option("--to", parser=IsoDate("--to"), metavar="DATE", help="Last day."),
    ] = None,
    format: Annotated[
        StatementFormat, typer.Option("--format", help="csv (one row per line), json or pdf.")
    ] = "csv",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE instead of stdout (a PDF on a terminal needs it).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="ISO 4217 code; default: the party's only currency."),
    ] = None,
    as_email: AsOption = None,
) -> None:
    """A statement for a period: opening balance, lines, payments, closing balance and what
    is due by when (a talent: their own; an agent: their agency's; a brand member: their
    brand's)."""
    from likeness.ledger.statement_render import render
    from likeness.ledger.statements import parse_period, statement

    chosen = [(kind, value) for kind, value in _parties(talent, agency, brand) if value]
    if len(chosen) != 1:
        raise fail("name one party: --talent, --agency or --brand", code=ExitCode.USAGE)
    kind, party_id = chosen[0]
    if format == "pdf" and output is None and _terminal():
        raise fail("a PDF is binary: write it to a file with -o FILE (or pipe it)")
    if output is not None and output.exists() and not force:
        raise fail(f"{output} already exists: choose another -o or add --force")
    with cli_session(as_email) as (session, actor):
        result = statement(
            session, actor, kind, party_id, parse_period(period, start, end), currency
        )
        body, _ = render(result, format)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {output} ({len(body):,} bytes, {format}): {result.totals.lines:,} lines, "
        f"closing balance {_decimal(result.closing, result.digits)} {result.currency}",
        markup=False,
        highlight=False,
    )


def _terminal() -> bool:
    """Is stdout a terminal (where a PDF's bytes would only garble the screen)?"""
    return sys.stdout.isatty()


def _decimal(amount: int, digits: int) -> str:
    from likeness.ledger.statements import decimal_string

    return decimal_string(amount, digits)


def _parties(
    talent: str | None, agency: str | None, brand: str | None
) -> tuple[tuple[str, str | None], ...]:
    return (("talent", talent), ("agency", agency), ("brand", brand))
