"""`likeness models`: the model registry and the state of each installed file;
`likeness models manifest`: vouch for a folder of weights an operator brings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Model files, their licences and hashes.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def models_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every model file Likeness can load: package, SHA-256, licence, commercial use.

    STATUS is ok (installed, hash verified, may be loaded), built-in (compiled into its
    library), missing, checksum-mismatch or refused-noncommercial (set
    LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1 to allow it).
    """
    if ctx.invoked_subcommand is not None:
        return
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


@app.command("manifest")
def manifest_command(
    folder: Annotated[
        Path, typer.Argument(help="The weights folder (a diffusers pipeline layout).")
    ],
    license: Annotated[
        str,
        typer.Option("--license", help="The weights' licence tag (model card), e.g. openrail++."),
    ],
    name: Annotated[
        str | None, typer.Option(help="The model's name (default: the folder's name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write FOLDER/likeness-model.json: every file's SHA-256 and the licence tag.

    Run it once, after checking where the files came from: engines load the folder only
    while every file still has the SHA-256 written here and no file is unlisted. Refuses a
    folder with code, pickled weights or a symbolic link in it.
    """
    from likeness.modelreg import folder_commercial_use, license_terms, write_manifest

    manifest = write_manifest(folder, license=license, name=name)
    commercial = folder_commercial_use(manifest)
    if as_json:
        from likeness.kit.cli import print_json

        print_json({**manifest.to_dict(), "commercial_use": commercial})
        return
    weights = manifest.weight_files
    typer.echo(
        f"wrote {folder / 'likeness-model.json'}: {manifest.name}, {len(manifest.files)} "
        f"files ({len(weights)} weight files)"
    )
    terms = license_terms(manifest.license)
    if terms is None:
        typer.echo(
            f"licence {manifest.license!r} is unknown to the model registry: engines refuse "
            "it unless LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1"
        )
    elif commercial:
        typer.echo(f"licence {terms.title}: commercial use allowed")
    else:
        typer.echo(
            f"licence {terms.title}: NO commercial use; engines refuse it unless "
            "LIKENESS_ALLOW_NONCOMMERCIAL_MODELS=1"
        )
