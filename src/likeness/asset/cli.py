"""`likeness asset list|show|download|report-publication|publications|takedowns|taken-down|
settle`, and `likeness verify` with the registry lookup: thin commands over the service."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from likeness.asset import service
from likeness.asset.schemas import AssetRead, PublicationIn, PublicationRead
from likeness.errors import Forbidden, InvalidInput, LikenessError
from likeness.kit.cli import (
    AsOption,
    BrandFilter,
    IsoDate,
    JsonOption,
    LicenseFilter,
    TalentFilter,
    cli_session,
    cli_storage,
    console,
    fail,
    id_argument,
    print_fields,
    print_json,
    print_table,
)
from likeness.kit.clock import utcnow
from likeness.models.asset import AssetKind, AssetStatus

if TYPE_CHECKING:
    from likeness.provenance import Report

app = typer.Typer(
    help="The asset registry: released images, downloads, publications, take-downs.",
    no_args_is_help=True,
)

AssetId = Annotated[str, id_argument("asset", "assets")]


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _print_asset(row: AssetRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json", exclude={"publications"})
    fields["publications"] = (
        "; ".join(
            f"{p.channel} {p.territory} {p.published_on} {p.url or ''}".strip()
            for p in row.publications
        )
        or "none reported"
    )
    print_fields(fields)


@app.command("list")
def list_(
    status: Annotated[AssetStatus | None, typer.Option(help="Only this status.")] = None,
    kind: Annotated[AssetKind | None, typer.Option(help="release or preview.")] = None,
    talent: TalentFilter = None,
    brand: BrandFilter = None,
    license_id: LicenseFilter = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the assets you may see: where they were published, under which license, status.

    A brand sees its own, a talent every asset released of them, an agent those of the
    talent they represent, the operator all."""
    with cli_session(as_email) as (session, actor):
        rows = service.to_reads(
            session,
            service.list_for(
                session,
                actor,
                status=status,
                kind=kind,
                talent_id=talent,
                brand_id=brand,
                license_id=license_id,
            ),
        )
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["asset", "kind", "status", "channel", "published", "license", "brand", "until"],
        [
            [
                r.id,
                r.kind.value,
                r.status.value,
                r.channel or "-",
                ", ".join(sorted({f"{p.channel}/{p.territory}" for p in r.publications})) or "-",
                r.license_id,
                r.brand_id,
                # active: valid until; otherwise the date it must be down by
                _day((r.takedown_by or r.valid_until).date()),
            ]
            for r in rows
        ],
        id_columns=(0, 5, 6),
        keep_columns=(4, 7),
    )


@app.command("show")
def show(asset_id: AssetId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Show one asset: what it traces back to, where it was published, its status."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.get_for(session, actor, asset_id))
    _print_asset(row, json_out)


@app.command("download")
def download(
    asset_id: AssetId,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write it (default: ./ID.EXT).")
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Download a released file (a brand: only its active releases); every download is audited."""
    storage = cli_storage()
    with cli_session(as_email) as (session, actor):
        asset, data = service.read_file(session, actor, storage, asset_id)
        target = out or Path(f"{asset.id}.{service.EXTENSIONS[asset.media_type]}")
        if target.exists():  # refused before the download is recorded
            raise InvalidInput(f"{target} already exists: choose another --out or remove it")
    try:
        with target.open("xb") as handle:
            handle.write(data)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {target} ({len(data)} bytes, {asset.media_type}, sha256 {asset.file_sha256})",
        markup=False,
        highlight=False,
    )


def _print_publication(row: PublicationRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
    else:
        print_fields(row.model_dump(mode="json"))


@app.command("report-publication")
def report_publication(
    asset_id: AssetId,
    channel: Annotated[str, typer.Option("--channel", help="Where: instagram, web, print, …")],
    territory: Annotated[str, typer.Option("--territory", help="ISO 3166 code, e.g. FR.")],
    on: Annotated[
        date | None,
        typer.Option("--on", parser=IsoDate("--on"), metavar="DATE", help="YYYY-MM-DD (today)."),
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="The published page.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Report where your brand published a released asset (checked against its license)."""
    body = PublicationIn(
        channel=channel, territory=territory, published_on=on or utcnow().date(), url=url
    )
    with cli_session(as_email) as (session, actor):
        row = PublicationRead.model_validate(
            service.report_publication(session, actor, asset_id, body)
        )
    _print_publication(row, json_out)


@app.command("publications")
def publications(
    asset_id: AssetId, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """Where an asset was reported published."""
    with cli_session(as_email) as (session, actor):
        rows = [
            PublicationRead.model_validate(p)
            for p in service.publications_for(session, actor, asset_id)
        ]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["published", "channel", "territory", "url", "decision"],
        [
            [r.published_on, r.channel, r.territory, r.url or "-", r.decision_sha256[:12]]
            for r in rows
        ],
    )


@app.command("takedowns")
def takedowns(
    brand: BrandFilter = None, as_email: AsOption = None, json_out: JsonOption = False
) -> None:
    """What your brand must remove, by when (earliest first), and where it was published."""
    with cli_session(as_email) as (session, actor):
        rows = service.takedowns_for(session, actor, brand_id=brand)
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        console.print("nothing to take down")
        return
    print_table(
        ["asset", "brand", "status", "take down by", "reason", "published at"],
        [
            [
                r.asset_id,
                r.brand_id,
                r.status.value,
                r.takedown_by.strftime("%Y-%m-%d %H:%M") if r.takedown_by else "-",
                r.reason or "-",
                "; ".join(
                    f"{p.channel}/{p.territory} {p.url or ''}".strip() for p in r.publications
                )
                or "-",
            ]
            for r in rows
        ],
        id_columns=(0, 1),
        keep_columns=(2, 3),
    )


@app.command("taken-down")
def taken_down(
    asset_id: AssetId,
    note: Annotated[str | None, typer.Option("--note", help="What was removed (audited).")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Confirm your brand removed an asset everywhere (it is then never downloadable)."""
    with cli_session(as_email) as (session, actor):
        row = service.to_read(session, service.mark_taken_down(session, actor, asset_id, note))
    _print_asset(row, json_out)


@app.command("settle")
def settle(as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Operators: mark every asset whose license ended or consent was revoked (idempotent)."""
    with cli_session(as_email) as (session, actor):
        if not actor.is_operator:
            raise Forbidden("only operators settle the registry")
        changed = service.settle(session, utcnow())
        rows = [(a.id, a.status.value, a.takedown_by) for a in changed]
    if json_out:
        print_json({"changed": [r[0] for r in rows]})
        return
    if not rows:
        console.print("every asset is up to date")
        return
    print_table(["asset", "status", "take down by"], rows, id_columns=(0,))


# --- `likeness verify`: the provenance report plus the registry lookup ----------------------


def _annotate(report: Report) -> list[str]:
    """Add the ``asset`` block when the image names a registered asset in a way the
    registry believes (:func:`service.verify_claim`), and ``asset_problem`` when its
    manifest and watermark disagree or an untrusted manifest alone names an asset;
    without an installation (or a claim) the report stays as the library made it."""
    if service.claims_of(report) == (None, None):
        return []
    try:
        with cli_session(None) as (session, _):
            block, problem = service.verify_report_block(session, report)
    except LikenessError:
        return []  # no installation here: nothing to look up
    lines = []
    if problem is not None:
        report.extensions["asset_problem"] = problem
        lines.append(f"asset      ! {problem}")
    if block is not None:
        report.extensions["asset"] = block.model_dump(mode="json")
        kind = "PREVIEW (not a release)" if block.kind is AssetKind.preview else "release"
        lines += [
            f"asset      {block.id} · {kind} · {block.status.value} "
            f"(found by the {block.matched_by})",
            f"           license {block.license} · brand {block.brand} · "
            f"channel {block.channel or '-'} · valid until {block.valid_until.date().isoformat()}",
        ]
    return lines


def verify_command(
    image: Annotated[Path, typer.Argument(help="JPEG, PNG or WebP file to check.")],
    json_output: JsonOption = False,
) -> None:
    """Check an image's Content Credentials, IPTC metadata, label and watermark, and look
    the asset up in this installation's registry (also from the watermark alone).

    The first line (`verdict` in JSON) says what the image is. Exits 0 for a Likeness
    release (a C2PA manifest from a trusted signer with the Likeness release assertion),
    3 for anything else (not verified): a Likeness claim from an untrusted signer
    (UNCONFIRMED), no or an invalid manifest, a remote
    manifest it did not fetch (verify never goes online), another maker's Content
    Credentials, a PREVIEW. 1 when the file cannot be read. The registry lookup never
    changes the exit code.
    """
    from likeness.provenance.cli import run_verify

    run_verify(image, json_output, _annotate)
