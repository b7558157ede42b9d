"""``likeness render``: a relit, framed composite from a capture basis and a scene file."""

from __future__ import annotations

from pathlib import Path

import typer

from likeness.studio.basis import load_basis
from likeness.studio.render import render_scene, save_image, scene_framing
from likeness.studio.schema import load_scene


def render(
    basis: Path = typer.Option(..., "--basis", help="Capture basis: a directory or an .npz."),
    scene: Path = typer.Option(..., "--scene", help="Scene YAML (lights, framing, output)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output image (.png or .jpg)."),
) -> None:
    """Relight a capture for a scene, frame it and write the composite."""
    parsed = load_scene(scene)
    image = render_scene(load_basis(basis), parsed)
    framing = scene_framing(parsed)
    written = save_image(image, output, parsed.output, dpi=framing.dpi)
    height, width = image.shape[:2]
    typer.echo(f"wrote {written} ({width}x{height}, {parsed.output.color_space})")
