"""`likeness token create|list|revoke`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from likeness.auth import service
from likeness.auth.schemas import TokenCreated, TokenRead
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    TokenId,
    cli_session,
    console,
    print_json,
    print_table,
)

app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the token is for.")],
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create an API token for the --as user and print it once."""
    with cli_session(as_email) as (session, actor):
        token, plaintext = service.create_token(session, actor, name)
        created = TokenCreated.shown_once(token, plaintext)
    if json_out:
        print_json(created.model_dump(mode="json"))
        return
    console.print(f"token {created.id} created; copy it now, it is not shown again:")
    typer.echo(plaintext)


@app.command("list")
def list_tokens(as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """List the --as user's tokens (never the secrets)."""
    with cli_session(as_email) as (session, actor):
        rows = [TokenRead.model_validate(t) for t in service.list_tokens(session, actor)]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "name", "prefix", "created", "last used", "revoked"],
        [
            (r.id, r.name, r.prefix, _day(r.created_at), _day(r.last_used_at), _day(r.revoked_at))
            for r in rows
        ],
        id_columns=(0,),
    )


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "-"


@app.command("revoke")
def revoke(token_id: TokenId, as_email: AsOption = None) -> None:
    """Revoke a token; it stops working immediately."""
    with cli_session(as_email) as (session, actor):
        service.revoke_token(session, actor, token_id)
    console.print(f"token {token_id} revoked")
