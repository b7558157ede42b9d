"""``likeness render``: a relit, framed composite from a capture basis and a scene file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.kit.cli import AsOption, id_option
from likeness.studio.basis import load_basis
from likeness.studio.errors import InvalidBasisFile
from likeness.studio.render import render_scene, save_image, scene_framing
from likeness.studio.schema import load_scene


def render(
    scene: Path = typer.Option(..., "--scene", help="Scene YAML (lights, framing, output)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output image (.png or .jpg)."),
    basis: Path | None = typer.Option(
        None, "--basis", help="Capture basis: a directory or an .npz."
    ),
    twin: Annotated[
        str | None,
        id_option("twin", "twins", name="--twin", help="A stored twin (instead of --basis)."),
    ] = None,
    as_email: AsOption = None,
) -> None:
    """Relight a capture for a scene, frame it and write the composite."""
    if (basis is None) == (twin is None):
        raise InvalidBasisFile("give exactly one of --basis or --twin")
    parsed = load_scene(scene)
    if twin is not None:
        from likeness.studio.twins import twin_basis

        source = twin_basis(twin, as_email=as_email)
    else:
        assert basis is not None
        source = load_basis(basis)
    image = render_scene(source, parsed)
    framing = scene_framing(parsed)
    written = save_image(image, output, parsed.output, dpi=framing.dpi)
    height, width = image.shape[:2]
    typer.echo(f"wrote {written} ({width}x{height}, {parsed.output.color_space})")
