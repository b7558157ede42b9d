"""`likeness models`: the model registry and the state of each installed file."""

from __future__ import annotations

from typing import Annotated

import typer


def models_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every model file Likeness can load: package, SHA-256, licence, commercial use.

    STATUS is ok (installed, hash verified, may be loaded), built-in (compiled into its
    library), missing, checksum-mismatch or refused-noncommercial (set
    LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1 to allow it).
    """
    from likeness.modelreg import inventory

    rows = inventory()
    if as_json:
        from likeness.kit.cli import print_json

        print_json([row.to_dict() for row in rows])
        return
    typer.echo(f"{'MODEL':<26}{'STATUS':<23}COMMERCIAL USE")
    for row in rows:
        e = row.entry
        typer.echo(f"{e.name:<26}{row.status:<23}{'yes' if e.commercial_use else 'NO'}")
        typer.echo(f"  {e.license}; {e.package} {row.package_version or '(not installed)'}")
        typer.echo(f"  sha256 {e.sha256}" if e.sha256 else "  compiled into the library")
