"""Thin routes for capture sessions and reference photos (talent or operator only)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, UploadFile, status

from likeness.capture import service as captures
from likeness.capture.access import MAX_LOOK_REASON, LookReason, LookReasonKind, look_reason
from likeness.capture.errors import LookReasonRequired, QcFailed, ReferenceTooLarge
from likeness.capture.reference import REFERENCE_LIMITS
from likeness.capture.schemas import CaptureRead, OverrideIn, ReferenceRead
from likeness.errors import Conflict, NotFound
from likeness.settings import Settings
from likeness.vault.errors import KeyShredded
from likeness.web.actors import AnyActor, OperatorActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.limits import MULTIPART_SLACK, BodyLimit
from likeness.web.responses import error_responses

#: The errors the capture and twin routes answer (also those routed by licensing).
CAPTURE_ERRORS = (NotFound, Conflict, QcFailed, KeyShredded, LookReasonRequired)
router = APIRouter(tags=["captures and twins"], responses=error_responses(*CAPTURE_ERRORS))


def body_limits(settings: Settings, prefix: str) -> list[BodyLimit]:
    """Upload routes and their body limits (enforced as the body streams in)."""
    reference = REFERENCE_LIMITS.max_file_bytes + MULTIPART_SLACK
    return [
        BodyLimit.for_path(rf"{prefix}/captures/?", settings.max_upload_bytes),
        BodyLimit.for_path(rf"{prefix}/talents/[^/]+/reference/?", reference),
    ]


def _capture_read(row: Any) -> CaptureRead:
    return CaptureRead(
        id=row.id,
        talent_id=row.talent_id,
        status=row.status,
        views=row.view_count,
        lights=row.light_count,
        files=row.file_count,
        qc_passed=row.qc_passed,
    )


@router.post("/captures", response_model=CaptureRead, status_code=status.HTTP_201_CREATED)
def ingest_capture(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    talent_id: Annotated[str, Form(min_length=1)],  # an empty form field counts as absent
    archive: UploadFile,
    override_reason: Annotated[
        str | None,
        Form(
            min_length=captures.MIN_OVERRIDE_REASON,
            max_length=captures.MAX_OVERRIDE_REASON,
            description="Operator only: ingest without the talent's creation consent; "
            "the reason goes into the audit log.",
        ),
    ] = None,
) -> CaptureRead:
    """Upload a capture as a zip (with capture.json or capture.csv) for a talent.

    Needs the talent's signed creation consent in force that allows ``capture`` (403
    ``CaptureConsentRequired`` otherwise), or an operator's ``override_reason``."""
    with tempfile.TemporaryDirectory(prefix="likeness-upload-") as tmp:
        path = Path(tmp) / "capture.zip"
        with path.open("wb") as out:
            shutil.copyfileobj(archive.file, out, length=1024 * 1024)
        label = Path(archive.filename or "upload.zip").name
        row = captures.ingest(
            session,
            actor,
            runtime.storage,
            path,
            talent_id,
            label=label,
            override_reason=override_reason,
        )
    return _capture_read(row)


ReasonKindQuery = Annotated[
    LookReasonKind | None,
    Query(description="operators: why they look (required with `reason`)"),
]
ReasonQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_LOOK_REASON * 2,
        description="operators: why they look, 10 to 500 characters (required)",
    ),
]


def look_reason_of(kind: LookReasonKind | None, reason: str | None) -> LookReason | None:
    """The reason typed in a look's query (``reason_kind``, ``reason``): checked by the
    capture access rules (422 when half given or malformed)."""
    return look_reason(kind.value if kind is not None else None, reason)


@router.get("/captures", response_model=list[CaptureRead])
def list_captures(
    actor: AnyActor,
    session: SessionDep,
    talent_id: str,
    reason_kind: ReasonKindQuery = None,
    reason: ReasonQuery = None,
) -> list[CaptureRead]:
    """A talent's capture sessions (the talent; an operator with a reason, on the record)."""
    why = look_reason_of(reason_kind, reason)
    return [_capture_read(r) for r in captures.look_sessions(session, actor, talent_id, why)]


@router.get("/captures/{session_id}", response_model=CaptureRead)
def get_capture(
    actor: AnyActor,
    session: SessionDep,
    session_id: str,
    reason_kind: ReasonKindQuery = None,
    reason: ReasonQuery = None,
) -> CaptureRead:
    why = look_reason_of(reason_kind, reason)
    return _capture_read(captures.look_session(session, actor, session_id, why))


@router.post("/captures/{session_id}/qc")
def run_qc(
    actor: AnyActor, session: SessionDep, runtime: RuntimeDep, session_id: str
) -> dict[str, Any]:
    """Run QC and return the report (``passed`` false when a check failed)."""
    report = captures.run_session_qc(session, actor, runtime.storage, session_id)
    return report.to_dict()


@router.put("/talents/{talent_id}/reference", response_model=ReferenceRead)
def set_reference(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    talent_id: str,
    photo: UploadFile,
    reason: Annotated[str | None, Form(max_length=500)] = None,
) -> ReferenceRead:
    """Put the talent's reference photo on file; QC compares every session with it.

    Operators must give a ``reason``; only the identity template is kept."""
    limit = REFERENCE_LIMITS.max_file_bytes
    data = photo.file.read(limit + 1)
    if len(data) > limit:
        raise ReferenceTooLarge(f"reference photo is over the {limit}-byte limit")
    row = captures.set_reference(session, actor, runtime.storage, talent_id, data, reason=reason)
    return ReferenceRead.model_validate(row, from_attributes=True)


@router.get("/talents/{talent_id}/reference", response_model=ReferenceRead)
def get_reference(actor: AnyActor, session: SessionDep, talent_id: str) -> ReferenceRead:
    row = captures.get_reference(session, actor, talent_id)
    if row is None:
        raise NotFound(f"talent {talent_id} has no reference photo on file")
    return ReferenceRead.model_validate(row, from_attributes=True)


@router.delete("/talents/{talent_id}/reference", status_code=status.HTTP_204_NO_CONTENT)
def clear_reference(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    talent_id: str,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> None:
    """Remove the reference template (operators must give a ``reason``)."""
    captures.clear_reference(session, actor, runtime.storage, talent_id, reason=reason)


@router.post("/captures/{session_id}/override", response_model=CaptureRead)
def override_qc(
    actor: OperatorActor, session: SessionDep, session_id: str, body: OverrideIn
) -> CaptureRead:
    return _capture_read(captures.override_qc(session, actor, session_id, body.reason))
