"""`likeness audit verify|log|head`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from likeness.audit import service
from likeness.audit.chain import Checkpoint
from likeness.audit.schemas import EventFilter
from likeness.errors import InvalidInput
from likeness.kit.cli import (
    IsoDateTime,
    JsonOption,
    cli_session,
    console,
    id_option,
    negative,
    print_json,
    print_table,
)

app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)


@app.command("verify")
def verify(
    expect: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH of a head you recorded earlier; the chain must contain it."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Walk the whole chain; exit 3 naming the first bad event if anything was tampered with.

    The chain must also contain the head recorded in HOME/keys/audit.checkpoint (moved
    forward by every change and every successful run), so a rolled-back or emptied
    database is caught too. The API's GET /audit/verify runs the same check.
    """
    wanted = _checkpoint_option(expect)
    with cli_session() as (session, _actor):
        report = service.verify(session, wanted)
    if json_out:
        print_json(report.model_dump())
    elif report.ok:
        console.print(
            f"audit chain OK: {report.events_checked} events, "
            f"head {report.head_seq}:{report.head_hash}"
        )
    if not report.ok:
        raise negative(
            None
            if json_out
            else f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem}"
        )


@app.command("log")
def log(
    object_type: Annotated[str | None, typer.Option("--object-type")] = None,
    object_id: Annotated[
        str | None,
        id_option("object", "audit_events.object_id", name="--object", help="Object id or prefix."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="e.g. operator:cli@localhost")
    ] = None,
    action: Annotated[str | None, typer.Option("--action", help="e.g. user.created")] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", parser=IsoDateTime("--since"), metavar="TIME", help="ISO 8601."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=service.MAX_PAGE)] = 50,
    json_out: JsonOption = False,
) -> None:
    """List events, newest first."""
    with cli_session() as (session, _actor):
        where = EventFilter(object_type, object_id, actor, action, since)
        events = service.list_events(session, where, limit=limit)
    if json_out:
        print_json([e.model_dump(mode="json") for e in events])
        return
    print_table(
        ["seq", "at", "actor", "action", "object", "id"],
        [
            (
                e.seq,
                e.at.strftime("%Y-%m-%d %H:%M"),
                e.actor,
                e.action,
                e.object_type,
                e.object_id,
            )
            for e in events
        ],
        id_columns=(5,),
        keep_columns=(1,),
    )


def _checkpoint_option(value: str | None) -> Checkpoint | None:
    if value is None:
        return None
    try:
        return Checkpoint.parse(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


@app.command("head")
def head(
    sign: Annotated[
        bool, typer.Option("--sign", help="Sign the head with the installation's head key.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the signed head here.", dir_okay=False),
    ] = None,
    since: Annotated[
        list[int] | None,
        typer.Option(
            "--since",
            min=0,
            metavar="SIZE",
            help="Add a consistency proof from an earlier head of SIZE events (repeatable).",
        ),
    ] = None,
    public_key: Annotated[
        bool, typer.Option("--public-key", help="Print the head key's public half (PEM).")
    ] = False,
) -> None:
    """Export the chain's head, signed (Ed25519), for anyone to keep.

    The whole chain is verified first; the head names the Merkle root over every event
    hash, so any later bundle or head can be checked against it offline
    (`likeness prove --check … --head FILE`). Prints the head's JSON, or writes it with -o.
    """
    from likeness.audit import heads, heads_service
    from likeness.kit.cli import cli_runtime

    keys_dir = cli_runtime().settings.keys_dir
    if public_key:
        print(heads.public_pem(heads.signing_key(keys_dir)), end="")
        return
    if not sign:
        raise InvalidInput("a head is exported signed: add --sign")
    if output is not None and output.exists():
        raise InvalidInput(f"{output} already exists: choose another -o or remove it")
    with cli_session() as (session, _actor):
        state = heads_service.signed_state(session, keys_dir)
        doc = heads_service.export(state, since or ())
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if output is None:
        print(text, end="")
        return
    try:
        with output.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {output}: head of {state.head.tree_size} events, root {state.head.root}, "
        f"key {state.head.key_fingerprint}",
        markup=False,
        highlight=False,
    )
