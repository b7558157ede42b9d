"""What ``likeness verify IMAGE [--json]`` prints: the report of what an image carries.

The command itself is :func:`likeness.asset.cli.verify_command`, which adds the registry
lookup through :func:`run_verify`'s ``annotate`` hook; this library stays below it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from likeness.errors import InvalidInput
from likeness.kit.cli import console, negative, print_json
from likeness.provenance._image import MAX_INPUT_BYTES
from likeness.provenance._verify import Report, VerifyConfig, verify


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise InvalidInput(f"{path}: {size} bytes is over the {MAX_INPUT_BYTES}-byte limit")
    return path.read_bytes()


def _short(uri: str | None) -> str:
    return uri.rsplit("/", 1)[-1] if uri else "none"


def _generation_lines(likeness: dict[str, Any]) -> list[str]:
    """The engine, seed and model files the Likeness assertion names (untrusted JSON)."""
    lines: list[str] = []
    engine, seed = likeness.get("engine"), likeness.get("seed")
    if isinstance(engine, str) or isinstance(seed, int):
        made = f"engine {engine}" if isinstance(engine, str) else "engine ?"
        lines.append(f"           {made}" + (f" · seed {seed}" if isinstance(seed, int) else ""))
    models = likeness.get("models")
    for model in models if isinstance(models, list) else []:
        if isinstance(model, dict):
            lines.append(f"           model {model.get('name')} · sha256 {model.get('sha256')}")
    return lines


def _human_lines(report: Report) -> list[str]:
    image = (
        f"{report.format.name} {report.width}x{report.height}" if report.format else "unreadable"
    )
    lines = [f"verdict    {report.headline}", f"image      {image}"]
    manifest = report.c2pa.manifest
    c2pa_line = f"C2PA       {report.c2pa.state}"
    if manifest is not None:
        c2pa_line += f", signed by {manifest.signer or '?'} ({manifest.issuer or '?'})"
        lines.append(c2pa_line)
        for action in manifest.actions:
            source = _short(action.get("digitalSourceType"))
            lines.append(f"           {action.get('action')} · {source}")
        if manifest.likeness:
            kind = report.asset_kind
            shown = "PREVIEW" if kind == "preview" else f"asset kind {kind}"
            lines.append(
                f"           asset {manifest.likeness.get('asset_id')} · "
                f"license {manifest.likeness.get('license_id')} · {shown}"
            )
            lines.extend(_generation_lines(manifest.likeness))
        for ingredient in manifest.ingredients:
            own = (
                f"its own Content Credentials ({ingredient.get('validation') or 'unchecked'})"
                if ingredient.get("manifest")
                else "no Content Credentials of its own"
            )
            lines.append(
                f"           ingredient {ingredient.get('relationship') or '?'} · "
                f"{ingredient.get('title') or '?'} · {own}"
            )
    else:
        if report.c2pa.remote_url:
            c2pa_line += f", stored at {report.c2pa.remote_url} (not fetched)"
        lines.append(c2pa_line)
    lines.extend(f"           ! {error}" for error in report.c2pa.errors)
    xmp = report.xmp
    system = (
        f"; AI system {xmp.ai_system} {xmp.ai_system_version or ''}".rstrip()
        if xmp.ai_system
        else ""
    )
    lines.append(f"XMP        DigitalSourceType {_short(xmp.digital_source_type)}{system}")
    label = report.label
    if not label.checked:
        lines.append(f"label      not checked ({label.reason})")
    elif label.placement is not None:
        lines.append(f"label      present ({label.placement.corner}, {label.placement.text!r})")
    else:
        lines.append("label      none found")
    mark = report.watermark
    if not mark.checked:
        lines.append(f"watermark  not checked ({mark.reason})")
    elif mark.found:
        match = {True: ", matches manifest", False: ", DIFFERS from manifest", None: ""}
        lines.append(
            f"watermark  found, payload {mark.payload_hex} (confidence {mark.confidence})"
            f"{match[mark.matches_manifest]}"
        )
    else:
        lines.append(f"watermark  not found{f' ({mark.reason})' if mark.reason else ''}")
    lines.extend(f"problem    {problem}" for problem in report.problems)
    return lines


def run_verify(image: Path, json_output: bool, annotate: Callable[[Report], list[str]]) -> None:
    """The body of ``likeness verify``: verify the file, print the report (human lines or
    ``--json``), exit 3 unless it is a Likeness release. ``annotate`` (a caller above this
    library: the asset registry's lookup, :func:`likeness.asset.cli.verify_command`) may
    add sections to ``report.extensions`` and return more lines for the human output."""
    report = verify(_read(image), VerifyConfig.from_settings())
    extra = annotate(report)
    if json_output:
        print_json(report.to_dict())
    else:
        for line in [*_human_lines(report), *extra]:
            console.print(line, markup=False, highlight=False)
    if not report.verified:
        raise negative()
