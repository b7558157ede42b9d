"""`likeness capture ingest|qc|override|list|synth|reference`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from likeness.capture import service
from likeness.capture.access import look_reason
from likeness.capture.errors import CaptureError
from likeness.kit.cli import (
    AsOption,
    JsonOption,
    LookReasonKindOption,
    LookReasonOption,
    ReasonOption,
    RequiredReason,
    SessionId,
    TalentOption,
    cli_session,
    cli_storage,
    console,
    negative,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from likeness.models.capture import TalentReference

app = typer.Typer(help="Capture sessions: ingest, quality control, synthetic rig.")


@app.command("ingest")
def ingest(
    path: Annotated[Path, typer.Argument(help="Capture folder or zip with capture.json/csv.")],
    talent: TalentOption,
    override_reason: Annotated[
        str | None,
        typer.Option(
            "--override-reason",
            help="Operator only: ingest without the talent's creation consent; the written "
            "reason (10-500 characters) goes into the audit log.",
        ),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Validate a capture and store it encrypted; prints the new session id.

    Needs the talent's signed creation consent in force that allows "capture"."""
    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        row = service.ingest(session, actor, deps, path, talent, override_reason=override_reason)
        out = {
            "session_id": row.id,
            "views": row.view_count,
            "lights": row.light_count,
            "files": row.file_count,
        }
    if json_out:
        print_json(out)
    else:
        console.print(
            f"ingested session [bold]{out['session_id']}[/]: {out['views']} views × "
            f"{out['lights']} lights, {out['files']} files"
        )


@app.command("qc")
def qc(
    session_id: SessionId,
    reference: Annotated[
        Path | None, typer.Option("--reference", help="The talent's reference photo.")
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run quality control; exits 3 when the session fails."""
    ref = _reference_embedding(reference) if reference else None
    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        report = service.run_session_qc(session, actor, deps, session_id, reference=ref)
    if json_out:
        print_json(report.to_dict())
    else:
        print_table(
            ["check", "result", "detail"],
            [(c.code, "pass" if c.passed else "FAIL", c.detail) for c in report.checks],
        )
        console.print("QC passed" if report.passed else "QC failed")
    if not report.passed:
        raise negative()


def _reference_embedding(path: Path) -> NDArray[np.float32]:
    from likeness.capture.reference import reference_template
    from likeness.imaging.faces import FaceAnalyzer

    return reference_template(_read_photo(path), FaceAnalyzer()).embedding


def _read_photo(path: Path) -> bytes:
    from likeness.capture.errors import ReferenceTooLarge
    from likeness.capture.reference import REFERENCE_LIMITS

    if path.is_dir():
        raise CaptureError(f"{path} is a folder; give the photo file itself")
    if not path.is_file():
        raise CaptureError(f"{path}: no such file")
    limit = REFERENCE_LIMITS.max_file_bytes
    if path.stat().st_size > limit:
        raise ReferenceTooLarge(f"{path}: over the {limit}-byte limit for a reference photo")
    return path.read_bytes()


@app.command("override")
def override(
    session_id: SessionId,
    reason: RequiredReason,
    as_email: AsOption = None,
) -> None:
    """Operator only: allow a session that failed QC (audit-logged with the reason)."""
    with cli_session(as_email) as (session, actor):
        service.override_qc(session, actor, session_id, reason)
    console.print(f"session {session_id} overridden")


@app.command("list")
def list_(
    talent: TalentOption,
    reason_kind: LookReasonKindOption = None,
    reason: LookReasonOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """List a talent's capture sessions (operators: with a reason kept in the audit log)."""
    with cli_session(as_email) as (session, actor):
        rows = [
            {
                "id": r.id,
                "status": r.status,
                "views": r.view_count,
                "lights": r.light_count,
                "created_at": r.created_at.isoformat(),
            }
            for r in service.look_sessions(session, actor, talent, look_reason(reason_kind, reason))
        ]
    if json_out:
        print_json(rows)
        return
    print_table(
        ["id", "status", "views", "lights", "created"],
        [[r[k] for k in ("id", "status", "views", "lights", "created_at")] for r in rows],
        id_columns=(0,),
    )


@app.command("synth")
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Empty or new folder for the capture.")],
    seed: Annotated[int, typer.Option("--seed", help="Who: each seed is one synthetic person.")],
    views: Annotated[int, typer.Option("--views", help="Camera views, 25° apart (1-8).")] = 3,
    lights: Annotated[int, typer.Option("--lights", help="OLAT lights over the sphere.")] = 64,
    size: Annotated[int, typer.Option("--size", help="Image side in pixels.")] = 512,
) -> None:
    """Render a synthetic OLAT capture session (no database needed)."""
    from likeness.capture.synthetic import RigConfig, default_yaws, write_capture

    try:
        config = RigConfig(yaws=default_yaws(views), lights=lights, size=size)
        manifest = write_capture(out_dir, seed=seed, config=config)
    except ValueError as exc:
        raise CaptureError(str(exc)) from exc
    console.print(f"wrote {manifest} ({views} views × {lights} lights, {size}px)")


reference_app = typer.Typer(help="The talent's reference photo, which QC compares sessions with.")
app.add_typer(reference_app, name="reference")


def _reference_out(row: TalentReference) -> dict[str, object]:
    return {
        "talent_id": row.talent_id,
        "photo_sha256": row.photo_sha256,
        "width": row.width,
        "height": row.height,
        "face_width": row.face_width,
        "created_at": row.created_at.isoformat(),
    }


@reference_app.command("set")
def reference_set(
    photo: Annotated[Path, typer.Argument(help="A portrait of the talent alone (JPEG/PNG/TIFF).")],
    talent: TalentOption,
    reason: ReasonOption = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Put the talent's reference photo on file (only its identity template is kept)."""
    data = _read_photo(photo)
    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        row = service.set_reference(session, actor, deps, talent, data, reason=reason)
        out = _reference_out(row)
    if json_out:
        print_json(out)
    else:
        console.print(
            f"reference photo on file for talent {talent} (face {out['face_width']} px wide); "
            "QC now compares every session with it"
        )


@reference_app.command("show")
def reference_show(
    talent: TalentOption,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show whether a reference photo is on file (never the face itself)."""
    with cli_session(as_email) as (session, actor):
        row = service.get_reference(session, actor, talent)
        out = _reference_out(row) if row is not None else None
    if json_out:
        print_json(out)
    elif out is None:
        console.print(f"talent {talent} has no reference photo on file")
    else:
        console.print(
            f"reference photo on file since {out['created_at']} "
            f"(sha256 {out['photo_sha256']}, {out['width']}×{out['height']})"
        )


@reference_app.command("clear")
def reference_clear(
    talent: TalentOption,
    reason: ReasonOption = None,
    as_email: AsOption = None,
) -> None:
    """Remove the reference template and shred its key."""
    deps = cli_storage()
    with cli_session(as_email) as (session, actor):
        service.clear_reference(session, actor, deps, talent, reason=reason)
    console.print(f"reference photo of talent {talent} removed")
