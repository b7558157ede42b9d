"""`likeness asset list|show|download`: thin commands over the registry's service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.asset import service
from likeness.asset.schemas import AssetRead
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    cli_session,
    cli_storage,
    console,
    fail,
    id_argument,
    id_option,
    print_fields,
    print_json,
    print_table,
    short_id,
)
from likeness.models.asset import AssetKind, AssetStatus

app = typer.Typer(help="The asset registry: released and preview images.", no_args_is_help=True)

AssetId = Annotated[str, id_argument("asset", "assets")]


def _print(row: AssetRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    print_fields(row.model_dump(mode="json"))


@app.command("list")
def list_(
    status: Annotated[AssetStatus | None, typer.Option(help="Only this status.")] = None,
    kind: Annotated[AssetKind | None, typer.Option(help="release or preview.")] = None,
    talent: Annotated[
        str | None,
        id_option("talent", "talent_profiles", name="--talent", help="Only this talent."),
    ] = None,
    brand: Annotated[
        str | None, id_option("brand", "brands", name="--brand", help="Only this brand.")
    ] = None,
    license_id: Annotated[
        str | None, id_option("license", "licenses", name="--license", help="Only this license.")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the assets you may see (where, under which license, status)."""
    with cli_session(as_email) as (session, actor):
        rows = [
            AssetRead.model_validate(a)
            for a in service.list_for(
                session,
                actor,
                status=status,
                kind=kind,
                talent_id=talent,
                brand_id=brand,
                license_id=license_id,
            )
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        [
            "asset",
            "kind",
            "status",
            "channel",
            "license",
            "brand",
            "released",
            "valid until",
            "take down by",
        ],
        [
            [
                short_id(r.id),
                r.kind.value,
                r.status.value,
                r.channel or "-",
                short_id(r.license_id),
                short_id(r.brand_id),
                r.released_at.date().isoformat(),
                r.valid_until.date().isoformat(),
                r.takedown_by.date().isoformat() if r.takedown_by else "-",
            ]
            for r in rows
        ],
    )


@app.command("show")
def show(asset_id: AssetId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show one asset: what it traces back to, and its status."""
    with cli_session(as_email) as (session, actor):
        row = AssetRead.model_validate(service.get_for(session, actor, asset_id))
    _print(row, json_out)


@app.command("download")
def download(
    asset_id: AssetId,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write it (default: ./ID.EXT).")
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Download a released file (a brand: only its active releases); audited."""
    storage = cli_storage()
    with cli_session(as_email) as (session, actor):
        asset, data = service.read_file(session, actor, storage, asset_id)
    target = out or Path(f"{asset.id}.{service.EXTENSIONS[asset.media_type]}")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {target} ({len(data)} bytes, {asset.media_type}, sha256 {asset.file_sha256})"
    )
