"""`likeness token create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from likeness.auth import service
from likeness.kit.cli import AsOption, cli_session, console

app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the token is for.")],
    as_email: AsOption = None,
) -> None:
    """Create an API token for the --as user and print it once."""
    with cli_session(as_email) as (session, actor):
        token, plaintext = service.create_token(session, actor, name)
        token_id = token.id
    console.print(f"token {token_id} created; copy it now, it is not shown again:")
    typer.echo(plaintext)


@app.command("list")
def list_tokens(as_email: AsOption = None) -> None:
    """List the --as user's tokens (never the secrets)."""
    with cli_session(as_email) as (session, actor):
        tokens = service.list_tokens(session, actor)
        table = Table("id", "name", "prefix", "created", "last used", "revoked")
        for t in tokens:
            table.add_row(
                t.id,
                t.name,
                t.prefix,
                t.created_at.isoformat(timespec="seconds"),
                str(t.last_used_at or "-"),
                str(t.revoked_at or "-"),
            )
    console.print(table)


@app.command("revoke")
def revoke(token_id: str, as_email: AsOption = None) -> None:
    """Revoke a token; it stops working immediately."""
    with cli_session(as_email) as (session, actor):
        service.revoke_token(session, actor, token_id)
    console.print(f"token {token_id} revoked")
