"""`likeness relight train-prior|priors|show|retire`: relighting priors (operators)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from likeness.kit.bounds import MAX_PAGE
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    cli_session,
    cli_storage,
    console,
    print_fields,
    print_json,
    print_table,
    progress_bar,
)

if TYPE_CHECKING:
    from likeness.relighting.service import LicensedSource

app = typer.Typer(
    help="Relighting priors learned from captures whose consent names 'train' (operators).",
    no_args_is_help=True,
)

PriorArgument = Annotated[str, typer.Argument(help="Prior id or name.", metavar="PRIOR")]


def _licensed(pairs: list[str]) -> list[LicensedSource]:
    from likeness.errors import InvalidInput
    from likeness.relighting.service import LicensedSource

    found: list[LicensedSource] = []
    for pair in pairs:
        path, sep, tag = pair.rpartition("=")
        if not sep or not path or not tag.strip():
            raise InvalidInput(f"--licensed wants FILE.npz=LICENCE, got {pair!r}")
        found.append(LicensedSource(Path(path), tag.strip()))
    return found


@app.command("train-prior")
def train_prior(
    synthetic: Annotated[
        list[int] | None,
        typer.Option(help="Add this synthetic cast seed (repeat; no real person)."),
    ] = None,
    synthetic_size: Annotated[
        int, typer.Option(min=64, max=1024, help="Synthetic render size in pixels.")
    ] = 128,
    licensed: Annotated[
        list[str] | None,
        typer.Option(
            help="FILE.npz=LICENCE: a basis you hold a licence to train on (repeat); a "
            "non-commercial licence makes the prior non-commercial."
        ),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Train a prior from the twins whose consent names 'train'.

    Registers it with its training manifest (sources by id and hash, when, code version)
    and makes it the one twins render with; the prior it replaces is retired."""

    from likeness.relighting import service

    deps = cli_storage()
    sources = _licensed(licensed or [])
    # Three steps, so no transaction is open while the prior trains (minutes, on many
    # twins): read which captures may train, train, register (consents checked again).
    with progress_bar(quiet=json_out) as bar:
        task = bar.add_task("selecting consented captures", total=100)
        with cli_session(as_email) as (session, actor):
            chosen = service.gather(
                session,
                actor,
                deps,
                synthetic=synthetic or [],
                synthetic_size=synthetic_size,
                licensed=sources,
            )
        prior, seconds = service.fit(
            chosen, lambda f, m: bar.update(task, completed=round(100 * f), description=m)
        )
        with cli_session(as_email) as (session, actor):
            row = service.register(session, actor, deps, chosen, prior, seconds)
            read = service.to_read(session, row)
        bar.update(task, completed=100, description=f"registered {read.name}")
    if json_out:
        print_json(read.model_dump(mode="json"))
        return
    console.print(
        f"prior {read.name} registered: {read.sources} capture(s) of {read.talents} "
        f"talent(s), {read.size_bytes / 1e6:.1f} MB, trained in {read.training_seconds:.1f} s, "
        f"licence {read.license}" + ("" if read.commercial_use else " (non-commercial)")
    )
    console.print(f"sha256 {read.sha256}")


@app.command("priors")
def priors(
    as_email: AsOption = None,
    json_out: JsonOption = False,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 100,
) -> None:
    """Every prior, newest first: status and licence."""
    from likeness.relighting import service

    with cli_session(as_email) as (session, actor):
        rows = service.prior_reads(session, service.list_priors(session, actor, limit=limit))
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    # The name is the prior's handle: never wrapped (sources, talents and the SHA-256
    # are in `show` and --json).
    print_table(
        ["name", "status", "licence", "commercial"],
        [[r.name, r.status.value, r.license, "yes" if r.commercial_use else "no"] for r in rows],
        keep_columns=[0, 3],
    )


@app.command("show")
def show(prior: PriorArgument, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """One prior with its training manifest."""
    from likeness.relighting import service

    with cli_session(as_email) as (session, actor):
        detail = service.to_detail(session, service.get(session, actor, prior))
    if json_out:
        print_json(detail.model_dump(mode="json"))
        return
    fields = detail.model_dump(mode="json", exclude={"manifest", "source_list"})
    fields["sources"] = [
        f"{s.kind.value} {s.source_id} ({s.license}) {s.sha256[:12]}" for s in detail.source_list
    ]
    print_fields(fields)


@app.command("retire")
def retire(
    prior: PriorArgument,
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    as_email: AsOption = None,
) -> None:
    """Retire a prior for good (its key is shredded).

    Twins render weight-free until the next training."""
    from likeness.relighting import service

    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        row = service.retire(session, actor, deps, service.get(session, actor, prior), reason)
        name = row.name
    console.print(f"prior {name} retired")
