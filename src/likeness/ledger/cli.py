"""`likeness ledger …`: post, balances, statements, payouts, collections, exports, check.

The commands are thin: each parses, calls one service function inside one unit of work
and prints. Exit 3 from ``check`` names what is wrong with the books.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from likeness.kit.cli import (
    AsOption,
    JsonOption,
    RequiredReason,
    cli_runtime,
    cli_session,
    console,
    id_argument,
    id_option,
    negative,
    print_json,
    print_table,
)

if TYPE_CHECKING:
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


# --- statements (statements.py) ----------------------------------------------------------
