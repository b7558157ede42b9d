"""Compliance commands: thin Typer commands over the services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.errors import InvalidInput
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    cli_runtime,
    cli_session,
    cli_storage,
    console,
    fail,
    negative,
    print_json,
)

# proof (proof engineer)


def _write_new(target: Path, data: bytes) -> None:
    try:
        with target.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise InvalidInput(f"{target} already exists: choose another -o or remove it") from None
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def prove_command(
    asset: Annotated[
        str | None, typer.Argument(metavar="[ASSET]", help="The released asset's id.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The bundle to write.", dir_okay=False)
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Verify a bundle offline instead.", dir_okay=False),
    ] = None,
    head: Annotated[
        Path | None,
        typer.Option(
            "--head", help="With --check: a later signed head to hold it to.", dir_okay=False
        ),
    ] = None,
    fingerprint: Annotated[
        str | None,
        typer.Option("--key-fingerprint", help="With --check: the head key you pinned."),
    ] = None,
    json_out: JsonOption = False,
    as_email: AsOption = None,
) -> None:
    """Write the proof bundle of a release (`-o proof.zip`), or check one (`--check`).

    The bundle holds the signed consents, the license and its negotiation, the decision,
    the approval, the C2PA manifest, the ledger lines and the audit events with inclusion
    proofs against a signed chain head. `--check` needs no database: it re-checks every
    hash and signature, says what each piece proves, and exits 3 naming what broke.
    """
    if check is not None:
        if asset is not None or output is not None:
            raise InvalidInput("--check takes a bundle only: no ASSET and no -o")
        _check(check, head, fingerprint, json_out)
        return
    if head is not None or fingerprint is not None:
        raise InvalidInput("--head and --key-fingerprint go with --check")
    if asset is None or output is None:
        raise InvalidInput("give an ASSET and -o FILE to write its proof, or --check FILE")
    if output.exists():
        raise InvalidInput(f"{output} already exists: choose another -o or remove it")
    from likeness.compliance import service

    storage = cli_storage()
    keys_dir = cli_runtime().settings.keys_dir
    with cli_session(as_email) as (session, actor):
        made = service.prove(session, actor, storage, keys_dir, asset)
    _write_new(output, made.data)
    if json_out:
        print_json(
            {
                "asset_id": made.asset_id,
                "file": str(output),
                "bytes": len(made.data),
                "members": made.members,
                "events": made.events,
                "tree_size": made.tree_size,
            }
        )
        return
    console.print(
        f"wrote {output}: proof of asset {made.asset_id} ({made.members} files, "
        f"{made.events} audit events proved against a head of {made.tree_size})",
        markup=False,
        highlight=False,
    )


def _check(path: Path, head: Path | None, fingerprint: str | None, json_out: bool) -> None:
    from likeness.compliance.proof_check import check_bundle

    later = _read(head, "the head") if head is not None else None
    report = check_bundle(_read(path, "the bundle"), later, fingerprint)
    if json_out:
        print_json(report.to_dict())
    else:
        for f in report.findings:
            console.print(
                f"{'OK  ' if f.ok else 'FAIL'} {f.piece}: {f.says}", markup=False, highlight=False
            )
    if not report.ok:
        broken = ", ".join(sorted({f.piece for f in report.broken}))
        raise negative(None if json_out else f"proof bundle NOT verified: {broken}")
    if not json_out:
        console.print("proof bundle verified", markup=False, highlight=False)
