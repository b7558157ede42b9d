"""Capture sessions: ingest into encrypted storage, QC, operator override, shredding.

Services flush, never commit: the caller's unit of work commits at the edge. Every
state change appends an audit event in the same transaction. Files are sealed with a
per-session data key (see :mod:`likeness.vault.crypto`) before they reach the blob store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.capture import repository
from likeness.capture.access import (
    LookReason,
    record_operator_look,
    require_look_reason,
    require_talent_data,
)
from likeness.capture.errors import CaptureConsentRequired, QcFailed
from likeness.capture.images import CaptureLimits, ImageInfo, decode_bytes, decode_gray
from likeness.capture.ingest import OpenedCapture, ValidatedCapture, read_manifest, validate_capture
from likeness.capture.lights import angles_to_direction
from likeness.capture.qc import QcConfig, QcReport, QcView, run_qc
from likeness.capture.reference import reference_template, template_bytes, template_from_bytes
from likeness.consent import service as consent_service
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.identity.actor import Actor
from likeness.imaging.faces import FaceAnalyzer
from likeness.kit.clock import utcnow
from likeness.models.base import new_id
from likeness.models.capture import CaptureFile, CaptureSession, CaptureStatus, TalentReference
from likeness.models.consent import Consent
from likeness.models.party import Role, TalentProfile
from likeness.policy import CAPTURE
from likeness.storage.intents import Intent
from likeness.vault.deps import StorageDeps, destroy_on_commit, settle_with_transaction, undo_intent
from likeness.vault.errors import DecryptionFailed, KeyShredded
from likeness.vault.keys import capture_key_name, reference_key_name

F32 = NDArray[np.float32]
USABLE = frozenset({CaptureStatus.qc_passed, CaptureStatus.overridden})
MIN_OVERRIDE_REASON = 10
MAX_OVERRIDE_REASON = 500


def _talent(session: Session, talent_id: str) -> TalentProfile:
    talent = repository.talent(session, talent_id)
    if talent is None:
        raise NotFound(f"no talent {talent_id}")
    return talent


def get_session(
    session: Session, actor: Actor, session_id: str, *, reason: LookReason | None = None
) -> CaptureSession:
    row = repository.get(session, session_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no capture session {session_id}")
    require_talent_data(actor, row.talent_id, "see this capture session")
    _record_operator_access(session, actor, "capture_session", row.id, reason)
    return row


def _record_operator_access(
    session: Session, actor: Actor, kind: str, object_id: str, reason: LookReason | None = None
) -> None:
    record_operator_look(session, actor, "capture.operator_access", kind, object_id, reason)


def list_sessions(
    session: Session, actor: Actor, talent_id: str, *, reason: LookReason | None = None
) -> list[CaptureSession]:
    require_talent_data(actor, talent_id, "list these capture sessions")
    _record_operator_access(session, actor, "talent", talent_id, reason)
    return repository.live_sessions_of_talent(session, talent_id)


def look_sessions(
    session: Session, actor: Actor, talent_id: str, reason: LookReason | None
) -> list[CaptureSession]:
    """``likeness capture list``, ``GET /captures`` and the operator's twins page: a look,
    so an operator must give a reason (it goes on the record with the look)."""
    require_look_reason(actor, reason)
    return list_sessions(session, actor, talent_id, reason=reason)


def look_session(
    session: Session, actor: Actor, session_id: str, reason: LookReason | None
) -> CaptureSession:
    """``GET /captures/{id}``: a look, with a reason for operators."""
    require_look_reason(actor, reason)
    return get_session(session, actor, session_id, reason=reason)


def files_of(session: Session, session_id: str) -> list[CaptureFile]:
    return repository.files_of(session, session_id)


def _file_rows(validated: ValidatedCapture, session_id: str) -> list[CaptureFile]:
    rows = []
    m = validated.manifest
    for frame in m.frames:
        info = validated.infos[frame.file]
        olat = frame.light.kind == "olat"
        rows.append(
            _row(
                session_id,
                frame.file,
                frame.view,
                frame.light.kind,
                info,
                frame.light.azimuth if olat else None,
                frame.light.elevation if olat else None,
            )
        )
    for view in m.views:
        for role, name in (("background", view.background), ("alpha", view.alpha)):
            if name:
                rows.append(_row(session_id, name, view.id, role, validated.infos[name]))
    return rows


def _row(
    session_id: str,
    name: str,
    view: str,
    role: str,
    info: ImageInfo,
    azimuth: float | None = None,
    elevation: float | None = None,
) -> CaptureFile:
    return CaptureFile(
        id=new_id(),
        session_id=session_id,
        name=name,
        view=view,
        role=role,
        azimuth=azimuth,
        elevation=elevation,
        format=info.format,
        width=info.width,
        height=info.height,
        orientation=info.orientation,
        size_bytes=info.size_bytes,
        sha256=info.sha256,
    )


def ingest(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    path: str | Path,
    talent_id: str,
    limits: CaptureLimits | None = None,
    *,
    label: str | None = None,
    override_reason: str | None = None,
) -> CaptureSession:
    """Validate a capture folder or zip and store it sealed; nothing is kept on failure.

    ``label`` names the capture in errors (an upload's file name) instead of ``path``;
    ``override_reason`` is an operator's written reason to ingest without the talent's
    consent (see :func:`require_capture_consent`).
    """
    _talent(session, talent_id)
    require_talent_data(actor, talent_id, "ingest captures for this talent")
    require_capture_consent(session, actor, talent_id, override_reason)
    with OpenedCapture(path, limits, label=label) as opened:
        validated = validate_capture(opened.folder(), read_manifest(opened), limits)
        m = validated.manifest
        row = CaptureSession(
            id=new_id(),
            talent_id=talent_id,
            status=CaptureStatus.ingested,
            encoding=m.encoding,
            view_count=len(m.views),
            light_count=len(m.rig_lights),
            file_count=len(validated.infos),
            total_bytes=sum(i.size_bytes for i in validated.infos.values()),
            manifest=json.dumps(_manifest_summary(validated), sort_keys=True),
            created_by_user_id=actor.user_id,
        )
        key_name = capture_key_name(row.id)
        # Named before it exists: a crash from here on leaves a journal that recovery
        # follows to shred the key and delete the blobs.
        intent = _begin_own_key(deps, "capture", talent_id, key_name, ("capture_sessions", row.id))
        try:
            settle_with_transaction(session, deps, intent)
            deps.cipher.create_key(key_name)
            session.add(row)
            session.flush()
            for file_row in _file_rows(validated, row.id):
                sealed = deps.cipher.encrypt(
                    key_name, validated.file_bytes(file_row.name), role=f"capture/{file_row.name}"
                )
                file_row.blob_key = intent.put(deps.blobs, sealed)
                session.add(file_row)
            session.flush()
            record(
                session,
                actor,
                "capture.ingest",
                "capture_session",
                row.id,
                {
                    "talent_id": talent_id,
                    "views": row.view_count,
                    "lights": row.light_count,
                    "files": row.file_count,
                },
            )
        except BaseException:
            # A failed ingest leaves nothing behind: no blobs, no key, no rows.
            undo_intent(deps, intent)
            raise
    return row


def require_capture_consent(
    session: Session, actor: Actor, talent_id: str, override_reason: str | None = None
) -> Consent | None:
    """The rule for capturing a talent: a signed creation consent in force naming
    ``capture`` (the NY Fashion Workers Act wants consent before a digital replica is
    created, and capture is its first step), or an operator's override with a written
    reason, which is audited. Returns the consent, or None when an override was used.
    """
    reason = (
        None
        if override_reason is None
        else _override_reason(
            actor, override_reason, "ingest a capture without the talent's consent"
        )
    )
    consent, not_allowed = consent_service.creation_consent_allowing(
        session, talent_id, None, CAPTURE, at=utcnow(), any_twin=True
    )
    if consent is not None:
        return consent
    if reason is None:
        missing = not_allowed or f"talent {talent_id} has no signed creation consent in force"
        raise CaptureConsentRequired(
            f"capture refused: {missing}; the talent signs a creation consent that allows "
            f"{CAPTURE!r} first, or an operator gives an override reason"
        )
    record(
        session,
        actor,
        "capture.consent_override",
        "talent",
        talent_id,
        {"reason": reason, "activity": CAPTURE},
    )
    return None


def _override_reason(actor: Actor, reason: str, what: str) -> str:
    """An operator's override of a capture rule, with a written reason (spaces folded)."""
    if actor.role is not Role.operator:
        raise Forbidden(f"only an operator may {what}")
    text = " ".join(reason.split())
    if not MIN_OVERRIDE_REASON <= len(text) <= MAX_OVERRIDE_REASON:
        raise InvalidInput(
            f"give an override reason of {MIN_OVERRIDE_REASON} to {MAX_OVERRIDE_REASON} characters"
        )
    return text


def _begin_own_key(
    deps: StorageDeps, kind: str, talent_id: str, key_name: str, row: tuple[str, str]
) -> Intent:
    """The intent of a new row that owns a new key: the row's commit settles both."""
    return deps.intents.begin(
        kind=kind, talent_id=talent_id, key_name=key_name, key_new=True, row=row, key_owner=row
    )


def _manifest_summary(validated: ValidatedCapture) -> dict[str, Any]:
    m = validated.manifest
    return {
        "encoding": m.encoding,
        "views": [
            {"id": v.id, "yaw": v.yaw, "pitch": v.pitch, "width": v.width, "height": v.height}
            for v in validated.views
        ],
        "lights": [{"azimuth": lt.azimuth, "elevation": lt.elevation} for lt in m.rig_lights],
    }


class SessionFrames:
    """Decrypting, decoding access to one stored session's files."""

    def __init__(self, session: Session, deps: StorageDeps, row: CaptureSession) -> None:
        self.row = row
        self.deps = deps
        self.files = files_of(session, row.id)
        self.summary: dict[str, Any] = json.loads(row.manifest)
        self._key = capture_key_name(row.id)

    def raw(self, f: CaptureFile) -> bytes:
        if f.blob_key is None:
            raise NotFound(f"{f.name} has no stored content")
        return self.deps.cipher.decrypt(
            self._key, self.deps.blobs.get(f.blob_key), role=f"capture/{f.name}"
        )

    @staticmethod
    def _info(f: CaptureFile) -> ImageInfo:
        return ImageInfo(f.format, f.width, f.height, f.orientation, f.sha256, f.size_bytes)

    def image(self, f: CaptureFile) -> F32:
        return decode_bytes(self.raw(f), self._info(f), self.row.encoding)

    def matte(self, f: CaptureFile) -> F32:
        return decode_gray(self.raw(f), self._info(f))

    def rig_dirs(self) -> F32:
        return np.array(
            [angles_to_direction(x["azimuth"], x["elevation"]) for x in self.summary["lights"]],
            dtype=np.float32,
        ).reshape(-1, 3)

    def view_files(self, view_id: str) -> dict[str, list[CaptureFile]]:
        out: dict[str, list[CaptureFile]] = {}
        for f in self.files:
            if f.view == view_id:
                out.setdefault(f.role, []).append(f)
        return out

    def olat_in_rig_order(self, view_id: str) -> list[CaptureFile]:
        rig = [(round(x["azimuth"], 1), round(x["elevation"], 1)) for x in self.summary["lights"]]
        by_light = {
            (round(f.azimuth or 0.0, 1), round(f.elevation or 0.0, 1)): f
            for f in self.view_files(view_id).get("olat", [])
        }
        return [by_light[k] for k in rig if k in by_light]

    def qc_views(self) -> list[QcView]:
        views = []
        for v in self.summary["views"]:
            olat = self.olat_in_rig_order(v["id"])
            roles = self.view_files(v["id"])
            dirs = np.array(
                [angles_to_direction(f.azimuth or 0.0, f.elevation or 0.0) for f in olat],
                dtype=np.float32,
            ).reshape(-1, 3)
            views.append(
                QcView(
                    id=v["id"],
                    yaw=v["yaw"],
                    pitch=v["pitch"],
                    light_dirs=dirs,
                    frames=self._frames(olat),
                    full=self._one(roles.get("full"), self.image),
                    alpha=self._one(roles.get("alpha"), self.matte),
                )
            )
        return views

    def _frames(self, files: list[CaptureFile]) -> Callable[[], Iterator[F32]]:
        def gen() -> Iterator[F32]:
            for f in files:
                yield self.image(f)

        return gen

    @staticmethod
    def _one(
        files: list[CaptureFile] | None, load: Callable[[CaptureFile], F32]
    ) -> Callable[[], F32 | None]:
        return lambda: load(files[0]) if files else None


def run_session_qc(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    session_id: str,
    *,
    reference: F32 | None = None,
    analyzer: FaceAnalyzer | None = None,
    config: QcConfig | None = None,
) -> QcReport:
    """Run QC on a stored session, record the verdict and audit it.

    ``reference`` is a one-off identity template to compare with; without it, the
    talent's reference photo on file (if any) is used.
    """
    row = get_session(session, actor, session_id)
    if reference is None:
        reference = reference_embedding(session, deps, row.talent_id)
    frames = SessionFrames(session, deps, row)
    report = run_qc(
        frames.qc_views(), frames.rig_dirs(), reference=reference, analyzer=analyzer, config=config
    )
    row.qc_passed = report.passed
    row.qc_report = json.dumps(report.to_dict(), sort_keys=True)
    row.qc_at = utcnow()
    if row.status != CaptureStatus.overridden or not report.passed:
        row.status = CaptureStatus.qc_passed if report.passed else CaptureStatus.qc_failed
    session.flush()
    record(
        session,
        actor,
        "capture.qc",
        "capture_session",
        row.id,
        {
            "passed": report.passed,
            "failed": [c.code for c in report.failures()],
            **({"opted_in_models": report.opted_in_models} if report.opted_in_models else {}),
        },
    )
    return report


def override_qc(session: Session, actor: Actor, session_id: str, reason: str) -> CaptureSession:
    """Let an operator use a session that failed QC; the reason goes into the audit log."""
    reason = _override_reason(actor, reason, "override QC")
    row = get_session(session, actor, session_id)
    if row.qc_passed is None:
        raise InvalidInput("run QC before overriding it")
    if row.qc_passed:
        raise Conflict("this session passed QC: there is nothing to override")
    row.status = CaptureStatus.overridden
    row.override_reason = reason
    row.override_by_user_id = actor.user_id
    session.flush()
    record(session, actor, "capture.qc_override", "capture_session", row.id, {"reason": reason})
    return row


def require_usable(row: CaptureSession) -> None:
    if row.status not in USABLE:
        detail = "has not been through QC" if row.qc_passed is None else "failed QC"
        raise QcFailed(
            f"capture session {row.id} {detail}; run `likeness capture qc` "
            "or ask an operator for an audited override"
        )


def shred_session(session: Session, actor: Actor, deps: StorageDeps, row: CaptureSession) -> None:
    """Destroy the session's key and blobs (at commit); keep the row as a record that it existed."""
    blob_keys = []
    for f in files_of(session, row.id):
        if f.blob_key:
            blob_keys.append(f.blob_key)
            f.blob_key = None
    destroy_on_commit(
        session,
        deps,
        key_name=capture_key_name(row.id),
        blob_keys=blob_keys,
        talent_id=row.talent_id,
        row=("capture_sessions", row.id),
    )
    row.deleted_at = utcnow()
    row.status = CaptureStatus.deleted
    session.flush()
    record(session, actor, "capture.shred", "capture_session", row.id, {})


# --- reference photo --------------------------------------------------------------------


def _reference_row(session: Session, talent_id: str) -> TalentReference | None:
    return repository.reference_of(session, talent_id)


def get_reference(session: Session, actor: Actor, talent_id: str) -> TalentReference | None:
    """The talent's reference record (no template), or ``None`` when none is on file."""
    _talent(session, talent_id)
    require_talent_data(actor, talent_id, "see this talent's reference photo record")
    _record_operator_access(session, actor, "talent", talent_id)
    return _reference_row(session, talent_id)


def _operator_reason(actor: Actor, reason: str | None) -> str | None:
    """An operator changing a talent's reference must say why: the reference is the check
    on whose face a session shows, so changing it silently would defeat the check."""
    text = (reason or "").strip()
    if actor.role is Role.operator and len(text) < MIN_OVERRIDE_REASON:
        raise InvalidInput(
            f"an operator must give a reason of at least {MIN_OVERRIDE_REASON} characters "
            "to change a talent's reference photo"
        )
    return text or None


def set_reference(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    talent_id: str,
    photo: bytes,
    analyzer: FaceAnalyzer | None = None,
    *,
    reason: str | None = None,
) -> TalentReference:
    """Put the talent's reference photo on file (replacing any earlier one).

    Only the sealed identity template is stored, under a data key of its own. The key of
    a replaced template is shredded once the change commits; the new key is shredded if
    it rolls back. Operators must give a ``reason``.
    """
    _talent(session, talent_id)
    require_talent_data(actor, talent_id, "put this talent's reference photo on file")
    why = _operator_reason(actor, reason)
    template = reference_template(photo, analyzer or FaceAnalyzer())
    old = _reference_row(session, talent_id)
    row = TalentReference(
        id=new_id(),
        talent_id=talent_id,
        template=b"",
        photo_sha256=template.photo_sha256,
        width=template.width,
        height=template.height,
        face_width=template.face_width,
        created_by_user_id=actor.user_id,
    )
    key_name = reference_key_name(row.id)
    intent = _begin_own_key(deps, "reference", talent_id, key_name, ("talent_references", row.id))
    settle_with_transaction(session, deps, intent)
    deps.cipher.create_key(key_name)
    row.template = deps.cipher.encrypt(
        key_name, template_bytes(template.embedding), role="reference/template"
    )
    if old is not None:
        old_key = reference_key_name(old.id)
        session.delete(old)
        session.flush()
        destroy_on_commit(
            session,
            deps,
            key_name=old_key,
            blob_keys=(),
            talent_id=talent_id,
            row=("talent_references", old.id),
        )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "talent.reference_set",
        "talent",
        talent_id,
        {"reference_id": row.id, "replaced": old.id if old else None, "reason": why},
    )
    return row


def clear_reference(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    talent_id: str,
    *,
    reason: str | None = None,
) -> None:
    """Remove the talent's reference template; its key is shredded once this commits."""
    _talent(session, talent_id)
    require_talent_data(actor, talent_id, "remove this talent's reference photo")
    why = _operator_reason(actor, reason)
    row = _reference_row(session, talent_id)
    if row is None:
        raise NotFound(f"talent {talent_id} has no reference photo on file")
    session.delete(row)
    session.flush()
    record(
        session,
        actor,
        "talent.reference_cleared",
        "talent",
        talent_id,
        {"reference_id": row.id, "reason": why},
    )
    destroy_on_commit(
        session,
        deps,
        key_name=reference_key_name(row.id),
        blob_keys=(),
        talent_id=talent_id,
        row=("talent_references", row.id),
    )


def reference_embedding(session: Session, deps: StorageDeps, talent_id: str) -> F32 | None:
    """The talent's identity template on file, for QC (callers check access)."""
    row = _reference_row(session, talent_id)
    if row is None:
        return None
    try:
        plain = deps.cipher.decrypt(
            reference_key_name(row.id), row.template, role="reference/template"
        )
    except (KeyShredded, DecryptionFailed) as exc:
        raise Conflict(
            f"talent {talent_id}'s reference template can no longer be opened; "
            "put the reference photo on file again"
        ) from exc
    return template_from_bytes(plain)
