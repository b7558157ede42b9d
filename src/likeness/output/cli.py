"""`likeness output list|show|approve|reject`, `likeness release` and `likeness render`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from likeness.errors import InvalidInput
from likeness.kit.bounds import MAX_PAGE
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    LicenseFilter,
    cli_session,
    cli_storage,
    console,
    id_argument,
    id_option,
    print_fields,
    print_json,
    print_table,
)
from likeness.models.output import OutputStatus
from likeness.output import service
from likeness.output.schemas import OutputRead

app = typer.Typer(help="Outputs in quarantine: the review queue and review.", no_args_is_help=True)

OutputId = Annotated[str, id_argument("output", "outputs")]
VersionOption = Annotated[
    int | None, typer.Option(help="The version you reviewed; refused if it changed since.")
]


def _stamp_config() -> Any:
    from likeness.provenance import StampConfig
    from likeness.settings import get_settings

    return StampConfig.from_settings(get_settings())


def _print(row: OutputRead, json_out: bool) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    fields = row.model_dump(mode="json")
    for key in ("use", "engine_params"):
        fields[key] = json.dumps(fields[key], sort_keys=True)
    decision = fields.pop("decision")
    fields["decision"] = "allow" if decision.get("allow") else "deny"
    print_fields(fields)


@app.command("list")
def list_outputs(
    status: Annotated[OutputStatus | None, typer.Option(help="Only this status.")] = None,
    license_id: LicenseFilter = None,
    talent: Annotated[
        str | None, id_option("talent", "talent_profiles", name="--talent", help="Only theirs.")
    ] = None,
    brand: Annotated[
        str | None, id_option("brand", "brands", name="--brand", help="Only this brand's.")
    ] = None,
    queue: Annotated[
        bool, typer.Option("--queue", help="Only the outputs waiting for your review.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the outputs you may see (metadata only); --queue: your review queue."""
    with cli_session(as_email) as (session, actor):
        rows = service.to_reads(
            session,
            service.list_for(
                session,
                actor,
                status=status,
                license_id=license_id,
                talent_id=talent,
                brand_id=brand,
                queue=queue,
                limit=limit,
                offset=offset,
            ),
        )
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        ["id", "status", "license", "channel", "engine", "created", "asset"],
        [
            [
                r.id,
                r.status.value,
                r.license_id,
                r.use.get("channel"),
                r.engine,
                r.created_at.strftime("%Y-%m-%d %H:%M"),
                r.asset_id,
            ]
            for r in rows
        ],
        id_columns=(0, 2, 6),
        keep_columns=(1, 3, 5),
    )


@app.command("show")
def show(
    output_id: OutputId,
    preview: Annotated[
        Path | None,
        typer.Option(
            "--preview",
            help="Write the marked preview here (talent, their agents and operators only).",
        ),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show an output's metadata; --preview PATH also writes its marked preview."""
    data: bytes | None = None
    with cli_session(as_email) as (session, actor):
        if preview is not None:
            output, _, data = service.preview(session, actor, cli_storage(), output_id)
        else:
            output = service.get_for(session, actor, output_id)
        row = service.to_read(session, output)
    if preview is not None and data is not None:
        _write(preview, data)
    _print(row, json_out)
    if preview is not None and not json_out:
        console.print(f"preview written to {preview}")


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


@app.command("approve")
def approve(
    output_id: OutputId,
    reason: Annotated[str | None, typer.Option("--reason", help="A note (kept).")] = None,
    version: VersionOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve an output for release (the talent, or the agent where the license delegates
    review)."""
    with cli_session(as_email) as (session, actor):
        output = service.approve(session, actor, output_id, reason=reason, expected_version=version)
        row = service.to_read(session, output)
    _print(row, json_out)


@app.command("reject")
def reject(
    output_id: OutputId,
    reason: Annotated[str, typer.Option("--reason", help="Why (required; kept).")],
    version: VersionOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Reject an output, with a reason: it is kept for the record and never released."""
    with cli_session(as_email) as (session, actor):
        output = service.reject(session, actor, output_id, reason=reason, expected_version=version)
        row = service.to_read(session, output)
    _print(row, json_out)


def release(
    output_id: OutputId,
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="Stamp for this channel (default: the output's)."),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option("--idempotency-key", help="Retries with the same key return the same asset."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Also write the released file here."),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Release an approved output: stamp it (label, watermark, IPTC/XMP, signed C2PA),
    register the asset and count it against the license, in one transaction."""
    read = None
    data: bytes | None = None
    with cli_session(as_email) as (session, actor):
        deps = cli_storage()
        result = service.release(
            session,
            actor,
            deps,
            output_id,
            _stamp_config,
            channel=channel,
            idempotency_key=idempotency_key,
        )
        if isinstance(result, service.Released):
            read = service.to_release_read(result)
            if out is not None:
                data = service.released_file(session, actor, deps, result)
    # A block (a revoked consent, an ended license) is committed first; then it is reported.
    service.require_released(result)
    assert read is not None
    if out is not None and data is not None:
        _write(out, data)  # only ever the stamped file, and only once it is registered
    if json_out:
        print_json(read.model_dump(mode="json"))
        return
    print_fields(read.model_dump(mode="json"))


def render(
    scene: Path = typer.Option(..., "--scene", help="Scene YAML (lights, framing, output)."),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Where the marked preview goes (.png or .jpg)."
    ),
    basis: Path | None = typer.Option(
        None, "--basis", help="Capture basis: a directory or an .npz (not registered)."
    ),
    twin: Annotated[
        str | None,
        id_option("twin", "twins", name="--twin", help="A stored twin (instead of --basis)."),
    ] = None,
    license_id: Annotated[
        str | None,
        id_option("license", "licenses", name="--license", help="The license (with --twin)."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="The channel it is made for (with --twin).")
    ] = None,
    territory: Annotated[str | None, typer.Option("--territory", help="ISO 3166 code.")] = None,
    category: Annotated[str, typer.Option("--category", help="The content category.")] = "fashion",
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Relight a twin (or a local capture basis) for a scene. With --twin, the image is an
    output in quarantine under --license, waiting for review; -o gets its preview, marked
    "PREVIEW — not for publication" and watermarked. A --basis render is marked and
    watermarked the same way but registered nowhere."""
    from likeness.studio import image_suffix, load_basis, load_scene, render_scene, scene_framing
    from likeness.studio.errors import InvalidBasisFile
    from likeness.studio.render import encode_image

    if (basis is None) == (twin is None):
        raise InvalidBasisFile("give exactly one of --basis or --twin")
    if twin is not None and (license_id is None or channel is None):
        raise InvalidInput("a --twin render names its --license and --channel")
    if basis is not None and (license_id is not None or channel is not None):
        raise InvalidInput("--license and --channel go with --twin; a --basis render has none")
    suffix = image_suffix(output)  # before anything is loaded or rendered
    parsed = load_scene(scene)
    framing = scene_framing(parsed)
    if basis is not None:
        from likeness.provenance import mark_preview

        image = render_scene(load_basis(basis), parsed)
        data = encode_image(image, parsed.output, suffix=suffix, dpi=framing.dpi)
        _write(output, mark_preview(data, _stamp_config()))
        height, width = image.shape[:2]
        typer.echo(
            f"wrote {output} ({width}x{height}, {parsed.output.color_space}): a marked local "
            "preview, registered nowhere"
        )
        return
    assert twin is not None and license_id is not None and channel is not None
    _render_twin(
        twin, license_id, channel, territory, category, parsed, scene, output,
        suffix=suffix, dpi=framing.dpi, as_email=as_email, json_out=json_out,
    )  # fmt: skip


def _render_twin(
    twin: str,
    license_id: str,
    channel: str,
    territory: str | None,
    category: str,
    parsed: Any,
    scene_path: Path,
    output: Path,
    *,
    suffix: str,
    dpi: int,
    as_email: str | None,
    json_out: bool,
) -> None:
    from likeness.output.schemas import OutputCreate, UseSpec
    from likeness.relighting import service as relighting
    from likeness.studio import Basis, PriorUse, render_scene
    from likeness.studio.render import encode_image
    from likeness.twin import service as twins

    deps = cli_storage()
    request = OutputCreate(
        license_id=license_id,
        twin_id=twin,
        use=UseSpec(channel=channel, territory=territory, category=category),
        engine="studio",
        engine_params={"scene": parsed.model_dump(mode="json"), "scene_file": scene_path.name},
    )
    # One unit of work to check the license and read the twin, none while rendering (a
    # render takes seconds), one to store the output: each is whole or nothing.
    with cli_session(as_email) as (session, actor):
        service.require_generate(session, actor, request)
        loaded = twins.load_basis(session, actor, deps, twin)
        # Twins render with the active relighting prior (decision 0028).
        found = relighting.render_prior(session, deps)
    prior = (
        PriorUse(found.prior, found.name, found.sha256, found.license, found.commercial_use)
        if found is not None
        else None
    )
    rendered = Basis.from_twin(loaded, prior)
    image = render_scene(rendered, parsed)
    data = encode_image(image, parsed.output, suffix=suffix, dpi=dpi)
    update: dict[str, object] = {"twin_version": loaded.version}
    if rendered.prior is not None:
        # The C2PA manifest names the prior the render used (as a model, like an engine's).
        update["engine_params"] = {
            **request.engine_params,
            "provenance": {
                "generative": False,
                "models": [{"name": rendered.prior.name, "sha256": rendered.prior.sha256}],
            },
        }
    request = request.model_copy(update=update)
    config = _stamp_config()
    with cli_session(as_email) as (session, actor):
        created, preview = service.create_with_preview(session, actor, deps, request, data, config)
        row = service.to_read(session, created)
    _write(output, preview)
    if json_out:
        print_json(row.model_dump(mode="json"))
        return
    console.print(
        f"output {row.id} ({row.width}x{row.height}) is {row.status.value}"
        + (" (approved automatically: pre-approved license)" if row.status.value == "approved"
           else ": waiting for the talent's review")
        + f"; marked preview written to {output}"
    )  # fmt: skip
