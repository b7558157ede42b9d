"""`likeness catalogue list|show|set|withdraw|preview`: the catalogue brands browse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.errors import InvalidInput
from likeness.kit.bounds import MAX_PAGE
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    TalentFilter,
    cli_session,
    console,
    fail,
    id_argument,
    print_fields,
    print_json,
    print_table,
)

app = typer.Typer(
    help="The catalogue brands browse to find talent; a talent opts in with a listing.",
    no_args_is_help=True,
)

TalentId = Annotated[str, id_argument("talent", "talent_profiles")]
LimitOption = Annotated[int, typer.Option(min=1, max=MAX_PAGE)]


def _rates(pairs: list[str]) -> dict[str, int]:
    rates: dict[str, int] = {}
    for pair in pairs:
        channel, sep, amount = pair.partition("=")
        if not sep or not amount.strip().isdigit():
            raise InvalidInput(f"--rate wants CHANNEL=AMOUNT (minor units), got {pair!r}")
        rates[channel.strip()] = int(amount)
    return rates


def _rates_text(rates: dict[str, int], currency: str | None) -> str:
    from likeness.catalogue.rules import format_amount

    if not rates or currency is None:
        return ""
    return ", ".join(f"{c} {format_amount(v, currency)}" for c, v in rates.items())


@app.command("list")
def list_command(
    channel: Annotated[str | None, typer.Option(help="Only talent who accept it.")] = None,
    category: Annotated[str | None, typer.Option(help="Only talent who accept it.")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
    limit: LimitOption = 100,
) -> None:
    """Talent who opted in to be found (brands and operators): public name, channels and
    categories accepted, indicative rates. Request a license with the talent id."""
    from likeness.catalogue import service

    with cli_session(as_email) as (session, actor):
        reads = service.to_reads(
            session, service.browse(session, actor, channel=channel, category=category, limit=limit)
        )
    if json_out:
        print_json([r.model_dump(mode="json") for r in reads])
        return
    print_table(
        ["talent", "public name", "channels", "categories", "indicative rates"],
        [
            [
                r.talent_id,
                r.public_name,
                " ".join(r.channels),
                " ".join(r.categories),
                _rates_text(r.rates_minor, r.currency),
            ]
            for r in reads
        ],
        id_columns=[0],
    )


@app.command("show")
def show(talent: TalentId, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """One listing (brands: while it is opted in; the talent and their agent: always)."""
    from likeness.catalogue import service

    with cli_session(as_email) as (session, actor):
        row = service.read(session, service.get(session, actor, talent))
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    fields["channels"] = " ".join(row.channels)
    fields["categories"] = " ".join(row.categories)
    fields["rates_minor"] = _rates_text(row.rates_minor, row.currency)
    print_fields(fields)


@app.command("set")
def set_listing(
    public_name: Annotated[str, typer.Option("--public-name", help="The name brands see.")],
    channel: Annotated[list[str], typer.Option("--channel", help="Accepted; repeat.")],
    category: Annotated[list[str], typer.Option("--category", help="Accepted; repeat.")],
    talent: TalentFilter = None,
    bio: Annotated[str | None, typer.Option(help="A few lines brands read.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217, for the rates.")] = None,
    rate: Annotated[
        list[str] | None,
        typer.Option("--rate", help="CHANNEL=AMOUNT, indicative, minor units per use; repeat."),
    ] = None,
    preview: Annotated[
        Path | None,
        typer.Option(
            "--preview", help="A picture of you (stamped CATALOGUE PREVIEW and watermarked)."
        ),
    ] = None,
    opted_in: Annotated[
        bool, typer.Option("--opt-in/--hidden", help="--hidden: saved, not shown to brands.")
    ] = True,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write your listing (the talent only; default: your own profile) and opt in."""
    from likeness.catalogue import service
    from likeness.catalogue.schemas import ListingIn
    from likeness.provenance import StampConfig
    from likeness.settings import get_settings

    data = ListingIn(
        opted_in=opted_in,
        public_name=public_name,
        bio=bio,
        channels=channel,
        categories=category,
        currency=currency,
        rates_minor=_rates(rate or []),
    )
    picture: bytes | None = None
    if preview is not None:
        try:
            picture = preview.read_bytes()
        except OSError as exc:
            raise fail(f"cannot read {preview}: {exc.strerror or exc}") from None
    with cli_session(as_email) as (session, actor):
        talent_id = service.own_talent(actor, talent)
        listing = service.save(session, actor, talent_id, data)
        if picture is not None:
            config = StampConfig.from_settings(get_settings())
            service.set_preview(session, actor, talent_id, picture, config)
        row = service.read(session, listing)
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    shown = "in the catalogue" if row.opted_in else "saved, hidden from brands"
    console.print(f"listing of talent {row.talent_id} {shown}", markup=False, highlight=False)


@app.command("withdraw")
def withdraw(talent: TalentFilter = None, as_email: AsOption = None) -> None:
    """Leave the catalogue: your listing and its picture are deleted (the talent only)."""
    from likeness.catalogue import service

    with cli_session(as_email) as (session, actor):
        talent_id = service.own_talent(actor, talent)
        service.withdraw(session, actor, talent_id)
    console.print(f"talent {talent_id} left the catalogue", markup=False, highlight=False)


@app.command("preview")
def preview_command(
    talent: TalentId,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write it (default: ./ID.jpg).")
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Save a listing's watermarked catalogue picture."""
    from likeness.catalogue import service

    with cli_session(as_email) as (session, actor):
        found = service.preview(session, actor, talent)
        data, digest = found.image, found.sha256
    target = out or Path(f"{talent}.jpg")
    try:
        with target.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise fail(f"{target} already exists: choose another --out or remove it") from None
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    console.print(
        f"wrote {target} ({len(data)} bytes, sha256 {digest})", markup=False, highlight=False
    )
