"""`likeness ledger …`: post, balances, statements, payouts, collections, exports, check.

The commands are thin: each parses, calls one service function inside one unit of work
and prints. Exit 3 from ``check`` names what is wrong with the books.
"""

from __future__ import annotations

import enum
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from likeness.kit.cli import (
    AsOption,
    ExitCode,
    IsoDate,
    JsonOption,
    RequiredReason,
    cli_runtime,
    cli_session,
    console,
    fail,
    id_argument,
    id_option,
    negative,
    print_fields,
    print_json,
    print_table,
    short_id,
)

if TYPE_CHECKING:
    from likeness.ledger.payout_schemas import DueRead, MovementRead, PayeeRead
    from likeness.models.ledger import PayeeKind
    from likeness.runtime import Runtime

app = typer.Typer(
    help="Money: postings, balances, statements, payouts, reconciliation.", no_args_is_help=True
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------

TransactionId = Annotated[str, id_argument("ledger transaction", "ledger_transactions")]
AgencyFilter = Annotated[
    str | None, id_option("agency", "agencies", name="--agency", help="This agency's balance.")
]
TalentParty = Annotated[
    str | None,
    id_option("talent", "talent_profiles", name="--talent", help="This talent's balance."),
]
BrandParty = Annotated[
    str | None, id_option("brand", "brands", name="--brand", help="This brand's balance.")
]
Limit = Annotated[int, typer.Option("--limit", min=1, help="Post at most this many source events.")]


def catch_up(runtime: Runtime) -> None:
    """Post what the audit chain holds that the ledger has not read yet, in a unit of
    work of its own, before a command reads the books. A failure is reported on stderr
    and the read goes on (``likeness ledger post-pending`` says what is wrong)."""
    from likeness.ledger import service

    if service.catch_up_now(runtime.db, runtime.settings.ledger.platform_fee_bps) is None:
        with runtime.db.unit_of_work() as session:
            behind = not service.caught_up(session)
        if behind:
            typer.echo(
                "warning: the ledger could not catch up; run `likeness ledger post-pending`",
                err=True,
            )


@app.command("post-pending")
def post_pending(limit: Limit = 100_000, json_out: JsonOption = False) -> None:
    """Post the fees of the audit events after the ledger's cursor (operator).

    One ledger transaction per source event (license activated, output released,
    publication reported), never two: re-running is harmless.
    """
    from likeness.ledger import service

    runtime = cli_runtime()
    with cli_session() as (session, actor):
        report = service.post_pending(
            session, actor, limit=limit, platform_fee_bps=runtime.settings.ledger.platform_fee_bps
        )
    if json_out:
        print_json(report.model_dump(mode="json"))
        return
    if not report.posted:
        console.print(f"nothing to post (cursor at audit event {report.cursor})")
        return
    from likeness.ledger.amounts import format_minor

    totals = ", ".join(format_minor(v, c) for c, v in report.gross_by_currency.items())
    console.print(
        f"posted {report.posted} fees (audit events {report.from_seq}..{report.to_seq}), "
        f"gross {totals}; cursor at {report.cursor}"
        + ("; more pending, run again" if report.pending else "")
    )


@app.command("balance")
def balance(
    talent: TalentParty = None,
    agency: AgencyFilter = None,
    brand: BrandParty = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Balances: what a talent or agency is owed, what a brand owes (all, for an operator
    naming none). Catches up with the audit chain first."""
    from likeness.errors import InvalidInput
    from likeness.ledger import service
    from likeness.ledger.amounts import format_minor

    named = [(k, v) for k, v in (("talent", talent), ("agency", agency), ("brand", brand)) if v]
    if len(named) > 1:
        raise InvalidInput("name one of --talent, --agency, --brand")
    kind, party = named[0] if named else (None, None)
    catch_up(cli_runtime())
    with cli_session(as_email) as (session, actor):
        rows = service.balances(session, actor, kind, party)
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["party", "id", "account", "amount", "next due"],
        [
            [
                r.party_kind,
                r.party_id,
                r.account.value,
                format_minor(r.amount, r.currency),
                r.next_due_on.isoformat() if r.next_due_on else "",
            ]
            for r in rows
        ],
        id_columns=[1],
        keep_columns=[3],
    )


@app.command("adjust")
def adjust(
    transaction_id: TransactionId,
    reason: RequiredReason,
    json_out: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Reverse one fee of a license revoked for cause, with a reason (operator).

    The adjustment negates the fee's amounts and entries; the fee itself stays.
    """
    from likeness.ledger import service
    from likeness.ledger.schemas import TransactionRead

    with cli_session(as_email) as (session, actor):
        row = TransactionRead.model_validate(service.adjust(session, actor, transaction_id, reason))
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    from likeness.ledger.amounts import format_minor

    console.print(
        f"adjustment {row.id} reverses {row.reverses_id}: "
        f"{format_minor(row.gross, row.currency)} gross, reason: {row.reason}"
    )


@app.command("check")
def check(json_out: JsonOption = False) -> None:
    """Prove the books: every transaction sums to zero per currency, every source event
    is posted once, every balance equals its entries, no commission above its rate or the
    20 % cap, every split exact. Exit 3 naming each problem."""
    from likeness.ledger import service

    catch_up(cli_runtime())
    with cli_session() as (session, _actor):
        report = service.check(session)
    if json_out:
        print_json(report.model_dump(mode="json"))
    elif report.ok:
        console.print(
            f"ledger OK: {report.transactions} transactions, {report.entries} entries, "
            f"{report.accounts} accounts, {report.source_events} source events posted once"
        )
    else:
        for problem in report.problems:
            typer.echo(f"problem: {problem}", err=True)
    if not report.ok:
        raise negative(f"ledger check failed: {len(report.problems)} problem(s)")


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------

TalentPartyOption = Annotated[
    str | None, id_option("talent", "talent_profiles", name="--talent", help="A talent.")
]
AgencyPartyOption = Annotated[
    str | None, id_option("agency", "agencies", name="--agency", help="An agency.")
]
BrandPartyOption = Annotated[
    str | None, id_option("brand", "brands", name="--brand", help="A brand.")
]
AmountOption = Annotated[
    str,
    typer.Option("--amount", help="Decimal in the currency's unit, e.g. 123.45 (never rounded)."),
]
CurrencyOption = Annotated[str, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")]
ReferenceOption = Annotated[
    str, typer.Option("--reference", help="The bank's reference of the transfer (≤ 35).")
]
OnOption = Annotated[
    date | None,
    typer.Option(
        "--on", parser=IsoDate("--on"), metavar="DATE", help="The day the bank paid; default today."
    ),
]
AsOfOption = Annotated[
    date | None,
    typer.Option(
        "--as-of", parser=IsoDate("--as-of"), metavar="DATE", help="YYYY-MM-DD; default today."
    ),
]


class PayoutFormat(enum.StrEnum):
    csv = "csv"
    pain001 = "pain001"


payee_app = typer.Typer(help="Where a talent's or an agency's money goes.", no_args_is_help=True)
app.add_typer(payee_app, name="payee")


def _payee_party(talent: str | None, agency: str | None) -> tuple[PayeeKind, str]:
    from likeness.models.ledger import PayeeKind

    if (talent is None) == (agency is None):
        raise typer.BadParameter("give exactly one of --talent or --agency")
    return (PayeeKind.talent, talent) if talent else (PayeeKind.agency, agency or "")


def _print_payee(read: PayeeRead, as_json: bool) -> None:
    if as_json:
        print_json(read.model_dump(mode="json"))
    else:
        print_fields(read.model_dump(mode="json", exclude={"iban_masked"}))


@payee_app.command("set")
def payee_set(
    holder: Annotated[str, typer.Option("--holder", help="The account holder's name.")],
    iban: Annotated[str, typer.Option("--iban", help="IBAN (spaces allowed).")],
    bic: Annotated[str | None, typer.Option("--bic", help="BIC (8 or 11 characters).")] = None,
    talent: TalentPartyOption = None,
    agency: AgencyPartyOption = None,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Set the bank account a talent's or an agency's payouts go to.

    The party itself or an operator; audited with the IBAN masked."""
    from likeness.ledger import payouts
    from likeness.ledger.payout_schemas import PayeeIn

    kind, party = _payee_party(talent, agency)
    with cli_session(as_email) as (session, actor):
        read = payouts.set_payee(
            session, actor, kind, party, PayeeIn(holder_name=holder, iban=iban, bic=bic)
        )
    _print_payee(read, as_json)


@payee_app.command("show")
def payee_show(
    talent: TalentPartyOption = None,
    agency: AgencyPartyOption = None,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Show a talent's or an agency's bank details.

    Your own, or any for an operator."""
    from likeness.ledger import payouts

    kind, party = _payee_party(talent, agency)
    with cli_session(as_email) as (session, actor):
        read = payouts.show_payee(session, actor, kind, party)
    _print_payee(read, as_json)


def _print_movement(read: MovementRead, as_json: bool) -> None:
    if as_json:
        print_json(read.model_dump(mode="json"))
        return
    note = " (already recorded: nothing new)" if read.replayed else ""
    typer.echo(
        f"{read.kind} {short_id(read.id)}: {read.currency} {read.amount_decimal} "
        f"{read.party_kind} {short_id(read.party_id)} ref {read.reference} "
        f"on {read.occurred_on.isoformat()}{note}"
    )


@app.command("payout")
def payout(
    amount: AmountOption,
    currency: CurrencyOption,
    reference: ReferenceOption,
    talent: TalentPartyOption = None,
    agency: AgencyPartyOption = None,
    on: OnOption = None,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Record a payout the bank made to a talent or an agency.

    Operators only; full or partial; the same reference twice is harmless."""
    from likeness.ledger import payouts
    from likeness.ledger.banking import normalise_currency, parse_amount

    kind, party = _payee_party(talent, agency)
    code = normalise_currency(currency)
    minor = parse_amount(amount, code)
    with cli_session(as_email) as (session, actor):
        read = payouts.record_payout(session, actor, kind, party, minor, code, reference, on)
    _print_movement(read, as_json)


@app.command("collect")
def collect(
    amount: AmountOption,
    currency: CurrencyOption,
    reference: ReferenceOption,
    brand: BrandPartyOption = None,
    on: OnOption = None,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Record money a brand paid.

    Operators only; full or partial; the same reference twice is harmless."""
    from likeness.ledger import payouts
    from likeness.ledger.banking import normalise_currency, parse_amount

    if brand is None:
        raise typer.BadParameter("give --brand")
    code = normalise_currency(currency)
    minor = parse_amount(amount, code)
    with cli_session(as_email) as (session, actor):
        read = payouts.record_collection(session, actor, brand, minor, code, reference, on)
    _print_movement(read, as_json)


@app.command("overdue")
def overdue(
    as_of: AsOfOption = None,
    talent: TalentPartyOption = None,
    agency: AgencyPartyOption = None,
    brand: BrandPartyOption = None,
    overdue_only: Annotated[
        bool, typer.Option("--overdue-only", help="Only the rows already late.")
    ] = False,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """What is due and what is overdue (in red).

    Per party, currency and due date: pay owed to talent and agencies, money owed by
    brands. Payments cover the oldest due date first."""
    from likeness.ledger import payouts

    given = [(k, v) for k, v in (("talent", talent), ("agency", agency), ("brand", brand)) if v]
    if len(given) > 1:
        raise typer.BadParameter("give at most one of --talent, --agency or --brand")
    kind, party = given[0] if given else (None, None)
    with cli_session(as_email) as (session, actor):
        rows = payouts.due_rows(session, actor, as_of=as_of, party_kind=kind, party_id=party)
    if overdue_only:
        rows = [r for r in rows if r.overdue]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        typer.echo("nothing due")
        return
    _print_dues(rows)


def _print_dues(rows: list[DueRead]) -> None:
    from rich.table import Table

    from likeness.kit.cli import console

    table = Table(box=None, pad_edge=False, header_style="bold")
    for header in ("party", "id", "currency", "due on", "open", "late"):
        table.add_column(header, no_wrap=True)
    for r in rows:
        table.add_row(
            r.party_kind,
            short_id(r.party_id),
            r.currency,
            r.due_on.isoformat(),
            r.outstanding_decimal,
            f"{r.days_late} d overdue" if r.overdue else "",
            style="red" if r.overdue else None,
        )
    console.print(table)


def _write_private(path: Path, data: bytes) -> None:
    """Write a bank file (IBANs, names) readable by its owner only (0600), atomically: a
    reader sees the old file or the new one. Its folder is left as it is."""
    import os
    import uuid

    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@app.command("export-payouts")
def export_payouts(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="The file to write.", dir_okay=False)
    ],
    file_format: Annotated[
        PayoutFormat, typer.Option("--format", help="pain001: ISO 20022 pain.001.001.09.")
    ] = PayoutFormat.csv,
    as_of: AsOfOption = None,
    due_within: Annotated[
        int, typer.Option("--due-within", min=0, max=366, help="Also what falls due in DAYS.")
    ] = 0,
    as_json: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Write the payouts due as CSV or an ISO 20022 pain.001 file for the bank.

    Overdue pay is included. It pays nothing: record each payout when the bank confirms
    it. Exits 3 when a payee with money due has no bank details (listed; the file holds
    the others)."""
    from likeness.kit.cli import cli_runtime
    from likeness.ledger import payouts

    settings = cli_runtime().settings.ledger
    with cli_session(as_email) as (session, actor):
        exported = payouts.export_payouts(
            session,
            actor,
            settings,
            file_format=file_format.value,
            as_of=as_of,
            due_within=due_within,
        )
    _write_private(output, exported.content)
    due = exported.due
    if as_json:
        print_json(
            {
                "file": str(output),
                "message_id": exported.message_id,
                **due.model_dump(mode="json"),
            }
        )
    else:
        typer.echo(f"wrote {output}: {len(due.items)} transfer(s) due by {due.due_by.isoformat()}")
    for problem in due.problems:
        typer.echo(
            f"problem: {problem.party_kind} {problem.party_id} is owed {problem.currency} "
            f"{problem.amount_decimal}: {problem.problem}",
            err=True,
        )
    if due.problems:
        raise negative(f"{len(due.problems)} payee(s) left out: no bank details")


# --- statements (statements.py) ----------------------------------------------------------

StatementFormat = Literal["csv", "json", "pdf"]


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
