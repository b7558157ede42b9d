"""Twins: build versions from QC-passed captures with consent; read, retire, shred.

``build`` refuses without an active, signed creation consent of the talent (rights
core). Each version's artifacts are sealed with the twin's own data key; retiring a
version removes its blobs; retiring the twin destroys the key (crypto-shredding), the
blobs and the capture sessions it was built from. The audit log keeps the facts
(who, when, which version), never pixels or embeddings.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.capture import service as capture_service
from likeness.capture.access import (
    LookReason,
    record_operator_look,
    require_look_reason,
    require_talent_data,
)
from likeness.capture.errors import QcFailed
from likeness.capture.qc import QcConfig, QcView, run_qc
from likeness.capture.service import SessionFrames
from likeness.consent import service as consent_service
from likeness.consent.schemas import CreationConsentCreate
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.identity.actor import Actor
from likeness.imaging.faces import FaceAnalyzer
from likeness.kit.clock import utcnow
from likeness.models.base import new_id
from likeness.models.capture import CaptureSession, CaptureStatus
from likeness.models.consent import Consent
from likeness.models.party import Role
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.policy import ALTER
from likeness.storage.intents import Intent
from likeness.twin import repository
from likeness.twin._basis import pack_basis, unpack_basis
from likeness.twin.access import get_twin_for, require_active_twin_of
from likeness.twin.identity import (
    REFERENCE_ROLE,
    frontal_view,
    reference_from_basis,
    seal_reference,
)
from likeness.vault.deps import StorageDeps, destroy_on_commit, settle_with_transaction, undo_intent
from likeness.vault.keys import twin_key_name

F32 = NDArray[np.float32]
THUMBNAIL_SIZE = 256


def get_twin(
    session: Session,
    actor: Actor,
    twin_id: str,
    *,
    purpose: str = "read",
    reason: LookReason | None = None,
) -> Twin:
    return get_twin_for(session, actor, twin_id, purpose=purpose, reason=reason)


def list_twins(
    session: Session,
    actor: Actor,
    talent_id: str | None = None,
    *,
    reason: LookReason | None = None,
) -> list[Twin]:
    """The talent's own twins, or (operators, on the record) one talent's or everyone's."""
    if talent_id is None:
        if actor.role is Role.operator:
            # Listing every twin is a look at every talent's data: it goes on the record too.
            record_operator_look(session, actor, "twin.operator_list", "twin", "*", reason)
            return repository.all_twins(session)
        if actor.talent_id is None:
            raise Forbidden("only talents and operators can list twins")
        talent_id = actor.talent_id
    require_talent_data(actor, talent_id, "list this talent's twins")
    record_operator_look(session, actor, "twin.operator_list", "talent", talent_id, reason)
    return repository.twins_of_talent(session, talent_id)


def look_twins(
    session: Session, actor: Actor, talent_id: str | None, reason: LookReason | None
) -> list[Twin]:
    """``likeness twin list``, ``GET /twins`` and the operator's twins page: a look, so an
    operator must give a reason (it goes on the record with the look)."""
    require_look_reason(actor, reason)
    return list_twins(session, actor, talent_id, reason=reason)


def look_twin(session: Session, actor: Actor, twin_id: str, reason: LookReason | None) -> Twin:
    """``likeness twin show`` and ``GET /twins/{id}``: a look, with a reason for operators."""
    require_look_reason(actor, reason)
    return get_twin(session, actor, twin_id, reason=reason)


def versions_of(session: Session, twin_id: str) -> list[TwinVersion]:
    return repository.versions_of(session, twin_id)


def _npz(**arrays: Any) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, allow_pickle=False, **arrays)
    return buf.getvalue()


def _png(image: NDArray[np.uint8]) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", image if image.ndim == 2 else image[..., ::-1])
    if not ok:
        raise InvalidInput("could not encode an image")
    return bytes(data.tobytes())


def _matte(frames: SessionFrames, view_id: str, basis_sum: F32) -> F32:
    roles = frames.view_files(view_id)
    matte: F32
    if roles.get("alpha"):
        matte = frames.matte(roles["alpha"][0])
        return matte
    if roles.get("full") and roles.get("background"):
        # Difference keying against the clean plate.
        diff = np.abs(frames.image(roles["full"][0]) - frames.image(roles["background"][0]))
        matte = np.clip(diff.max(axis=2) / 0.05, 0.0, 1.0).astype(np.float32)
        return matte
    # OLAT stages shoot on black: whatever any light reached is the subject.
    lum = basis_sum.max(axis=2)
    scale = max(float(np.percentile(lum, 99)) * 0.05, 1e-6)
    matte = np.clip(lum / scale, 0.0, 1.0).astype(np.float32)
    return matte


@dataclass
class _Sealer:
    deps: StorageDeps
    twin_id: str
    version: int
    keys: dict[str, str]
    intent: Intent

    def put(self, role: str, data: bytes) -> None:
        sealed = self.deps.cipher.encrypt(
            twin_key_name(self.twin_id), data, role=f"v{self.version}/{role}"
        )
        self.keys[role] = self.intent.put(self.deps.blobs, sealed)


def build(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    talent_id: str,
    session_id: str,
    *,
    twin_id: str | None = None,
    analyzer: FaceAnalyzer | None = None,
    qc_config: QcConfig | None = None,
) -> TwinVersion:
    """Build a new twin (or a new version of ``twin_id``) from a usable capture session."""
    require_talent_data(actor, talent_id, "build this talent's twin")
    capture = capture_service.get_session(session, actor, session_id)
    if capture.talent_id != talent_id:
        raise Forbidden("this capture session belongs to another talent")
    capture_service.require_usable(capture)
    twin: Twin | None = None
    if twin_id is not None:
        twin = get_twin(session, actor, twin_id, purpose="build")
        if twin.talent_id != talent_id:
            raise Forbidden("this twin belongs to another talent")
        if twin.status != TwinStatus.active:
            raise Conflict(f"twin {twin_id} is {twin.status}; build a new twin instead")
    consent = consent_service.require_creation_consent(session, talent_id, twin_id, "build")
    reference = capture_service.reference_embedding(session, deps, talent_id)
    key_new = twin is None
    if twin is None:
        twin = Twin(id=new_id(), talent_id=talent_id, status=TwinStatus.active, latest_version=0)
        session.add(twin)
        session.flush()
        record(session, actor, "twin.create", "twin", twin.id, {"talent_id": talent_id})
    version = twin.latest_version + 1
    version_id = new_id()
    # Named before it exists: a crash from here on leaves a journal that recovery follows
    # to delete this version's blobs (and to shred the key of a twin that never committed).
    intent = deps.intents.begin(
        kind="twin",
        talent_id=talent_id,
        key_name=twin_key_name(twin.id),
        key_new=key_new,
        row=("twin_versions", version_id),
        key_owner=("twins", twin.id),
    )
    sealer = _Sealer(deps, twin.id, version, {}, intent)
    try:
        settle_with_transaction(session, deps, intent)
        deps.cipher.create_key(twin_key_name(twin.id))
        meta, report = _build_artifacts(
            capture, SessionFrames(session, deps, capture), sealer, analyzer, qc_config, reference
        )
        waived = _require_build_qc(capture, report)
    except BaseException:
        undo_intent(deps, intent)
        raise
    row = TwinVersion(
        id=version_id,
        twin_id=twin.id,
        version=version,
        status=TwinVersionStatus.active,
        session_id=capture.id,
        consent_id=consent.id,
        created_by_user_id=actor.user_id,
        view_count=len(meta["views"]),
        light_count=len(meta["light_dirs"]),
        width=meta["views"][0]["width"],
        height=meta["views"][0]["height"],
        identity_spread=meta.get("identity_spread"),
        metadata_json=json.dumps(meta, sort_keys=True),
        artifacts=json.dumps(sealer.keys, sort_keys=True),
        qc_report=json.dumps(report, sort_keys=True),
    )
    twin.latest_version = version
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "twin.build",
        "twin",
        twin.id,
        {
            "version": version,
            "session_id": capture.id,
            "consent_id": consent.id,
            "qc_waived": waived,
            **_opted_in_models(report),
        },
    )
    return row


def _opted_in_models(report: dict[str, Any]) -> dict[str, list[str]]:
    """Models QC loaded only under the operator's non-commercial opt-in (decision 0010)."""
    names = [m["name"] for m in report.get("models", []) if m.get("opted_in")]
    return {"opted_in_models": names} if names else {}


def _require_build_qc(capture: CaptureSession, report: dict[str, Any]) -> list[str]:
    """The build re-reads every frame, so its QC is the verdict that counts: a reference
    photo put on file after the session's QC can still stop it. An operator override
    waives only the failures it was granted on (the session's stored report); returns
    the codes it waived."""
    failed = [c for c in report["checks"] if not c["passed"]]
    waived = _overridden_codes(capture)
    beyond = [c for c in failed if c["code"] not in waived]
    if beyond:
        detail = ", ".join(f"{c['code']} ({c['detail']})" for c in beyond)
        raise QcFailed(
            f"capture session {capture.id} does not pass QC: {detail}; re-run "
            "`likeness capture qc` and, if it is right, ask an operator for an audited override"
        )
    return sorted(c["code"] for c in failed)


def _overridden_codes(capture: CaptureSession) -> frozenset[str]:
    if capture.status != CaptureStatus.overridden or not capture.qc_report:
        return frozenset()
    stored = json.loads(capture.qc_report)
    return frozenset(c["code"] for c in stored["checks"] if not c["passed"])


def _build_artifacts(
    capture: CaptureSession,
    frames: SessionFrames,
    sealer: _Sealer,
    analyzer: FaceAnalyzer | None,
    qc_config: QcConfig | None,
    reference: F32 | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One pass over the frames: QC reads each frame once and the basis is filled, packed
    and sealed as each view finishes, so memory holds one view's basis at a time."""
    import cv2

    views_meta: list[dict[str, Any]] = []
    fa = analyzer or FaceAnalyzer()
    source_views = frames.qc_views()
    front = frontal_view([{"id": v.id, "yaw": v.yaw, "pitch": v.pitch} for v in source_views])

    def seal_view(view_id: str, basis: NDArray[np.float16], total: F32) -> None:
        sealer.put(f"basis/{view_id}", pack_basis(basis))
        matte = _matte(frames, view_id, total)
        sealer.put(f"matte/{view_id}", _png((np.clip(matte, 0, 1) * 255 + 0.5).astype(np.uint8)))
        if view_id == front["id"]:
            # The automated identity check's reference (a biometric derivative, sealed
            # like the basis it comes from; decision 0021).
            dirs = next(v.light_dirs for v in source_views if v.id == view_id)
            reference = reference_from_basis(basis, dirs, matte, fa)
            if reference is not None:
                sealer.put(REFERENCE_ROLE, seal_reference(reference))

    def filling(view: QcView, count: int) -> Callable[[], Iterator[F32]]:
        def gen() -> Iterator[F32]:
            basis: NDArray[np.float16] | None = None
            total: F32 | None = None
            for j, img in enumerate(view.frames()):
                if basis is None or total is None:
                    basis = np.empty((count, *img.shape), dtype=np.float16)
                    total = np.zeros(img.shape, np.float32)
                basis[j] = img
                total += img
                yield img
            if basis is None or total is None:
                raise InvalidInput(f"view {view.id} has no frames")
            seal_view(view.id, basis, total)
            views_meta.append(
                {
                    "id": view.id,
                    "yaw": view.yaw,
                    "pitch": view.pitch,
                    "width": int(basis.shape[2]),
                    "height": int(basis.shape[1]),
                }
            )

        return gen

    qc_views = [dataclasses.replace(v, frames=filling(v, len(v.light_dirs))) for v in source_views]
    report = run_qc(qc_views, frames.rig_dirs(), reference=reference, analyzer=fa, config=qc_config)
    for view_meta in views_meta:
        # Dead or misfired frames QC found: renders ignore them (capture.qc, lights.dead).
        view_meta["dead_lights"] = report.dead_lights.get(view_meta["id"], [])
    for view_id, thumb in report.thumbnails.items():
        h, w = thumb.shape[:2]
        s = THUMBNAIL_SIZE / max(h, w)
        size = (max(1, round(w * s)), max(1, round(h * s)))
        small = np.asarray(cv2.resize(thumb, size, interpolation=cv2.INTER_AREA), np.uint8)
        sealer.put(f"thumbnail/{view_id}", _png(small))
    meta: dict[str, Any] = {
        "views": views_meta,
        "light_dirs": frames.rig_dirs().round(6).tolist(),
        "encoding": "linear",
        "basis_dtype": "float16",
    }
    if report.identity is not None:
        sealer.put(
            "identity",
            _npz(mean=report.identity.mean, spread=np.array(report.identity.spread, np.float32)),
        )
        meta["identity_spread"] = round(report.identity.spread, 4)
    return meta, report.to_dict()


@dataclass(frozen=True)
class TwinView:
    id: str
    yaw: float
    pitch: float
    basis: F32  # [L, H, W, 3] linear, unit-intensity lights
    matte: F32  # [H, W]
    #: rig indices of frames QC found dead or misfired (renders ignore them)
    dead_lights: tuple[int, ...] = ()


@dataclass(frozen=True)
class TwinBasis:
    twin_id: str
    version: int
    light_dirs: F32  # [L, 3]
    views: tuple[TwinView, ...]

    def nearest_view(self, yaw: float) -> TwinView:
        return min(self.views, key=lambda v: abs(v.yaw - yaw))


def _version(session: Session, twin: Twin, version: int | None) -> TwinVersion:
    row = repository.version_of(session, twin.id, version)
    if row is None:
        raise NotFound(
            f"twin {twin.id} has no {'active ' if version is None else ''}version"
            + (f" {version}" if version is not None else "")
        )
    return row


def load_basis(
    session: Session, actor: Actor, deps: StorageDeps, twin_id: str, version: int | None = None
) -> TwinBasis:
    """Decrypt a version's OLAT basis and mattes (the latest active one by default)."""
    import cv2

    twin = get_twin(session, actor, twin_id)
    if twin.status != TwinStatus.active:
        raise Conflict(f"twin {twin_id} is {twin.status}")
    # Every render relights (and may restyle) the twin: that is the "alter" activity.
    consent_service.require_creation_consent(session, twin.talent_id, twin.id, ALTER)
    row = _version(session, twin, version)
    if row.status != TwinVersionStatus.active:
        raise Conflict(f"version {row.version} of twin {twin_id} is {row.status}")
    meta = json.loads(row.metadata_json)
    keys: dict[str, str] = json.loads(row.artifacts)

    def open_blob(role: str) -> bytes:
        return deps.cipher.decrypt(
            twin_key_name(twin.id), deps.blobs.get(keys[role]), role=f"v{row.version}/{role}"
        )

    views = []
    for v in meta["views"]:
        basis = unpack_basis(open_blob(f"basis/{v['id']}"))
        raw = np.frombuffer(open_blob(f"matte/{v['id']}"), np.uint8)
        decoded = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)
        if decoded is None:
            raise NotFound(f"matte of view {v['id']} is unreadable")
        matte = np.asarray(decoded, np.float32) / 255.0
        dead = tuple(int(j) for j in v.get("dead_lights", ()))
        views.append(TwinView(v["id"], v["yaw"], v["pitch"], basis, matte, dead))
    record(session, actor, "twin.use", "twin", twin.id, {"version": row.version})
    return TwinBasis(
        twin_id=twin.id,
        version=row.version,
        light_dirs=np.asarray(meta["light_dirs"], np.float32),
        views=tuple(views),
    )


def version_bases(
    deps: StorageDeps, twin_id: str, row: TwinVersion
) -> list[tuple[str, F32, Callable[[], F32], str]]:
    """Each view of a twin version as ``(view id, rig light directions, a loader of its
    OLAT basis, the content address of its sealed blob)``, without decrypting anything yet: what
    training a relighting prior reads, one view at a time. The caller checks consent
    (training needs ``train``, not ``alter``) and records its own audit event."""
    meta = json.loads(row.metadata_json)
    keys: dict[str, str] = json.loads(row.artifacts)
    dirs = np.asarray(meta["light_dirs"], np.float32)

    def loader(view_id: str) -> Callable[[], F32]:
        role = f"basis/{view_id}"

        def load() -> F32:
            sealed = deps.blobs.get(keys[role])
            return unpack_basis(
                deps.cipher.decrypt(twin_key_name(twin_id), sealed, role=f"v{row.version}/{role}")
            )

        return load

    return [
        (str(v["id"]), dirs, loader(str(v["id"])), keys[f"basis/{v['id']}"]) for v in meta["views"]
    ]


def _reason(reason: str) -> str:
    """A retirement is on the record for good: it needs a real reason, not blanks."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise InvalidInput("give a reason for retiring (it goes on the audit record)")
    return cleaned[:500]


def retire_version(
    session: Session, actor: Actor, deps: StorageDeps, twin_id: str, version: int, reason: str
) -> TwinVersion:
    """Retire one version: its blobs go, the twin and its other versions stay."""
    reason = _reason(reason)
    twin = get_twin(session, actor, twin_id, purpose="retire")
    row = _version(session, twin, version)
    if row.status != TwinVersionStatus.active:
        raise Conflict(f"version {version} is already {row.status}")
    artifacts = json.loads(row.artifacts).values()
    destroy_on_commit(
        session,
        deps,
        key_name=None,
        blob_keys=artifacts,
        talent_id=twin.talent_id,
        row=("twin_versions", row.id),
    )
    row.status = TwinVersionStatus.retired
    row.retired_at = utcnow()
    row.artifacts = "{}"
    session.flush()
    record(
        session,
        actor,
        "twin.retire_version",
        "twin",
        twin.id,
        {"version": version, "reason": reason},
    )
    return row


def retire(session: Session, actor: Actor, deps: StorageDeps, twin_id: str, reason: str) -> Twin:
    """Retire and delete the whole twin: crypto-shred its key, remove every blob,
    and shred the capture sessions it was built from (the key and blobs go when the
    transaction commits). The licenses naming it end too: callers go through
    :func:`likeness.licensing.service.retire_twin`, which does both."""
    reason = _reason(reason)
    twin = get_twin(session, actor, twin_id, purpose="retire")
    if twin.status == TwinStatus.deleted:
        raise Conflict(f"twin {twin_id} is already deleted")
    blob_keys: list[str] = []
    sessions: set[str] = set()
    for row in versions_of(session, twin.id):
        blob_keys.extend(json.loads(row.artifacts).values())
        row.artifacts = "{}"
        row.status = TwinVersionStatus.shredded
        row.retired_at = row.retired_at or utcnow()
        sessions.add(row.session_id)
    for sid in sorted(sessions):
        capture = repository.capture_session(session, sid)
        if capture is not None and capture.deleted_at is None:
            capture_service.shred_session(session, actor, deps, capture)
    destroy_on_commit(
        session,
        deps,
        key_name=twin_key_name(twin.id),
        blob_keys=blob_keys,
        talent_id=twin.talent_id,
        row=("twins", twin.id),
    )
    now = utcnow()
    twin.status = TwinStatus.deleted
    twin.retired_at = now
    twin.deleted_at = now
    twin.reason = reason
    session.flush()
    record(session, actor, "twin.shred", "twin", twin.id, {"reason": reason})
    return twin


def uncovered_twins(session: Session, talent_id: str) -> list[Twin]:
    """The talent's active twins whose creation consent is gone: no consent in force allows
    building or altering them (one to be captured is not enough). These are the ones a
    revocation shreds (:func:`likeness.licensing.service.enforce_creation_consent`)."""
    keeping = consent_service.consents_keeping_twins(session, talent_id)
    return [
        twin
        for twin in repository.active_twins_of_talent(session, talent_id)
        if not any(consent_service.covers_twin(c, twin.id) for c in keeping)
    ]


def create_creation_consent(session: Session, actor: Actor, data: CreationConsentCreate) -> Consent:
    """Draft a creation consent; one that names a twin must name the talent's own active
    twin (the twin side of a consent's contents, so the use case lives here, above both)."""
    return consent_service.create_creation_consent(
        session, actor, data, require_twin=require_active_twin_of
    )


def describe(session: Session, twin: Twin) -> dict[str, Any]:
    versions = versions_of(session, twin.id)
    usable = [v.version for v in versions if v.status == TwinVersionStatus.active]
    return {
        "id": twin.id,
        "talent_id": twin.talent_id,
        "status": twin.status,
        "latest_version": twin.latest_version,
        # What a render uses by default; None when every version was retired.
        "usable_version": max(usable) if twin.status == TwinStatus.active and usable else None,
        "created_at": twin.created_at.isoformat(),
        "deleted_at": twin.deleted_at.isoformat() if twin.deleted_at else None,
        "versions": [
            {
                "version": v.version,
                "status": v.status,
                "session_id": v.session_id,
                "consent_id": v.consent_id,
                "views": v.view_count,
                "lights": v.light_count,
                "size": f"{v.width}x{v.height}",
                "identity_spread": v.identity_spread,
                "qc_passed": json.loads(v.qc_report).get("passed"),
                "created_at": v.created_at.isoformat(),
            }
            for v in versions
        ],
    }
