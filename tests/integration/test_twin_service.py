"""Captures and twins through the services: ingest, QC, build with consent, shred."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER, QC, allow_capture
from integration.test_license_support import World, sign_creation_consent, to_status
from likeness.capture import service as captures
from likeness.capture.access import look_reason
from likeness.capture.errors import CaptureInvalid, LookReasonRequired, QcFailed
from likeness.capture.qc import QcConfig
from likeness.consent import service as consents
from likeness.consent.errors import CreationConsentRequired
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.kit.clock import utcnow
from likeness.licensing import decision, notifications
from likeness.licensing import service as licensing
from likeness.licensing.schemas import UseIn
from likeness.models.audit import AuditEvent
from likeness.models.capture import CaptureSession
from likeness.models.twin import Twin, TwinStatus, TwinVersion
from likeness.policy import Action, ConsentStatus, LicenseStatus, reasons
from likeness.storage import MemoryBlobStore
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps
from likeness.vault.errors import KeyShredded


def _qc_passed(session: Session, world: World, deps: StorageDeps, folder: Path) -> CaptureSession:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, folder, world.talent.id)
    report = captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    assert report.passed, report.to_dict()
    return row


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_capture_to_twin_to_shred(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    row = _qc_passed(session, world, deps, capture_dir)
    assert row.status == "qc_passed" and row.view_count == 2 and row.light_count == 8
    assert isinstance(deps.blobs, MemoryBlobStore)
    stored = list(deps.blobs.blobs.values())
    assert len(stored) == row.file_count
    assert all(b"PNG" not in b[:64] for b in stored), "files are sealed at rest"

    with pytest.raises(CreationConsentRequired):
        twins.build(session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER)
    sign_creation_consent(session, world)
    v1 = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    assert (v1.version, v1.view_count, v1.light_count, v1.width) == (1, 2, 8, 256)
    assert set(json.loads(v1.artifacts)) >= {"basis/view1", "matte/view1", "thumbnail/view1"}
    basis = twins.load_basis(session, talent, deps, v1.twin_id)
    front = basis.nearest_view(0.0)
    assert front.basis.shape == (8, 256, 256, 3) and front.matte.shape == (256, 256)
    assert basis.light_dirs.shape == (8, 3)
    assert 0.2 < float(front.matte.mean()) < 0.8

    v2 = twins.build(
        session,
        talent,
        deps,
        world.talent.id,
        row.id,
        twin_id=v1.twin_id,
        analyzer=ANALYZER,
        qc_config=QC,
    )
    assert v2.version == 2 and v2.twin_id == v1.twin_id
    twins.retire_version(session, talent, deps, v1.twin_id, 1, "superseded")
    assert twins.load_basis(session, talent, deps, v1.twin_id).version == 2

    # A "database backup" taken before deletion: every row, blob key and blob.
    backup = {k: deps.blobs.get(k) for k in json.loads(v2.artifacts).values()}
    licensing.retire_twin(session, talent, deps, v1.twin_id, "talent asked for deletion")
    assert all(deps.blobs.exists(key) for key in backup)  # nothing destroyed before commit
    session.commit()
    for key, sealed in backup.items():
        assert not deps.blobs.exists(key)
        with pytest.raises(KeyShredded):
            deps.cipher.decrypt(f"twin-{v1.twin_id}", sealed, role="v2/basis/view1")
    assert session.get(CaptureSession, row.id).status == "deleted"  # type: ignore[union-attr]
    assert _events(session, "twin.shred") and _events(session, "capture.shred")
    payloads = " ".join(e.payload for e in session.scalars(select(AuditEvent)))
    assert "basis" not in payloads  # the log keeps the fact, not the face


def test_only_the_talent_or_an_audited_operator_sees_captures(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    allow_capture(session, world)
    row = captures.ingest(
        session, world.actor(session, "talent"), deps, capture_dir, world.talent.id
    )
    for who in ("agent", "brand", "other_talent"):
        with pytest.raises(Forbidden):
            captures.get_session(session, world.actor(session, who), row.id)
    sign_creation_consent(session, world)
    operator = world.actor(session, "operator")
    captures.run_session_qc(session, operator, deps, row.id, analyzer=ANALYZER, config=QC)
    version = twins.build(
        session, operator, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    with pytest.raises(Forbidden):
        twins.get_twin(session, world.actor(session, "brand"), version.twin_id)
    twins.get_twin(session, operator, version.twin_id)
    assert _events(session, "twin.operator_access")
    twins.list_twins(session, world.actor(session, "talent"))
    assert not _events(session, "twin.operator_list")  # the talent's own look is not logged
    assert [t.id for t in twins.list_twins(session, operator)] == [version.twin_id]
    assert [t.id for t in twins.list_twins(session, operator, world.talent.id)] == [version.twin_id]
    looks = [(e.object_type, e.object_id) for e in _events(session, "twin.operator_list")]
    assert looks == [("twin", "*"), ("talent", world.talent.id)]


def test_an_operator_s_look_needs_a_typed_reason_which_goes_on_the_record(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    """Issue 20: a look (twin list/show, capture list/show) by an operator is refused
    without a reason; with one, the audit event carries it. The talent needs none."""
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    operator = world.actor(session, "operator")
    for look in (
        lambda why: twins.look_twins(session, operator, world.talent.id, why),
        lambda why: twins.look_twins(session, operator, None, why),
        lambda why: captures.look_sessions(session, operator, world.talent.id, why),
        lambda why: captures.look_session(session, operator, row.id, why),
    ):
        with pytest.raises(LookReasonRequired, match="reason kind"):
            look(None)
    assert not _events(session, "twin.operator_list")
    assert not _events(session, "capture.operator_access")
    why = look_reason("support_request", "  ticket 4711: the talent   cannot see her twin ")
    assert why is not None and why.text == "ticket 4711: the talent cannot see her twin"
    twins.look_twins(session, operator, world.talent.id, why)
    captures.look_session(session, operator, row.id, why)
    for action in ("twin.operator_list", "capture.operator_access"):
        (event,) = _events(session, action)
        assert json.loads(event.payload) == {
            "reason_kind": "support_request",
            "reason": "ticket 4711: the talent cannot see her twin",
        }
    assert [s.id for s in captures.look_sessions(session, talent, world.talent.id, None)] == [
        row.id
    ]
    assert twins.look_twins(session, talent, None, None) == []  # her own: no reason, no record
    assert len(_events(session, "capture.operator_access")) == 1


def test_failed_ingest_leaves_nothing_behind(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path, tmp_path: Path
) -> None:
    broken = Path(shutil.copytree(capture_dir, tmp_path / "broken"))
    (broken / "view1" / "light_007.tif").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    allow_capture(session, world)
    with pytest.raises(CaptureInvalid, match=r"view1/light_007\.tif"):
        captures.ingest(session, world.actor(session, "talent"), deps, broken, world.talent.id)
    assert session.scalar(select(func.count()).select_from(CaptureSession)) == 0
    assert isinstance(deps.blobs, MemoryBlobStore) and not deps.blobs.blobs


def test_failed_qc_blocks_build_until_an_audited_override(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    strict = QcConfig(coverage_gap_deg=10.0)  # eight lights cannot cover the sphere
    report = captures.run_session_qc(
        session, talent, deps, row.id, analyzer=ANALYZER, config=strict
    )
    assert not report.passed and row.status == "qc_failed"
    sign_creation_consent(session, world)
    with pytest.raises(QcFailed, match="failed QC"):
        twins.build(session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER)
    with pytest.raises(Forbidden):
        captures.override_qc(session, talent, row.id, "looks fine to me, honestly")
    operator = world.actor(session, "operator")
    with pytest.raises(InvalidInput, match="reason"):
        captures.override_qc(session, operator, row.id, "ok")
    # The same rule as an ingest override: 10 to 500 characters (the column holds 500).
    with pytest.raises(InvalidInput, match="override reason of 10 to 500 characters"):
        captures.override_qc(session, operator, row.id, "x" * 501)
    captures.override_qc(session, operator, row.id, "rig had 8 lights by design (test)")
    assert json.loads(_events(session, "capture.qc_override")[0].payload)["reason"]
    version = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=strict
    )
    assert version.version == 1


def test_revoked_creation_consent_shreds_the_twin(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    row = _qc_passed(session, world, deps, capture_dir)
    consent_id = sign_creation_consent(session, world)
    version = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    consent, shredded = licensing.revoke_consent(
        session, talent, deps, consent_id, "changed my mind"
    )
    assert consent.status is ConsentStatus.revoked
    assert shredded == [version.twin_id]  # revoking shreds at once, in the same transaction
    assert session.get(TwinVersion, version.id).status == "shredded"  # type: ignore[union-attr]
    with pytest.raises((CreationConsentRequired, NotFound, Conflict, KeyShredded)):
        twins.load_basis(session, talent, deps, version.twin_id)
    assert licensing.enforce_creation_consent(session, talent, deps, world.talent.id) == []


def test_a_retirement_that_rolls_back_destroys_nothing(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    row = _qc_passed(session, world, deps, capture_dir)
    talent = world.actor(session, "talent")
    sign_creation_consent(session, world)
    version = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    session.commit()
    artifacts = json.loads(version.artifacts)
    licensing.retire_twin(session, talent, deps, version.twin_id, "changed my mind")
    session.rollback()  # e.g. the commit failed: the twin is still there, so is its data
    assert session.get(CaptureSession, row.id).status != "deleted"  # type: ignore[union-attr]
    assert all(deps.blobs.exists(key) for key in artifacts.values())
    basis = twins.load_basis(session, talent, deps, version.twin_id)
    assert basis.version == version.version


def _use(world: World, twin: str, action: Action, license_id: str | None = None) -> UseIn:
    return UseIn(
        twin=twin,
        brand_id=world.brand.id,
        action=action,
        channel="instagram",
        territory="FR",
        category="fashion",
        license_id=license_id,
    )


def _built_twin(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> TwinVersion:
    """A twin built by the talent from a session that passed QC, under a full consent."""
    row = _qc_passed(session, world, deps, capture_dir)
    sign_creation_consent(session, world)
    talent = world.actor(session, "talent")
    return twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )


def test_a_retired_twin_cannot_be_used_and_the_licenses_naming_it_end(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent, brand = world.actor(session, "talent"), world.actor(session, "brand")
    built = _built_twin(session, world, deps, capture_dir)
    named = to_status(session, world, "active", twin_id=built.twin_id)
    unnamed = to_status(session, world, "active")
    # Both licenses cover the twin: each use names the one it is made under.
    assert decision.decide_use(
        session, brand, _use(world, built.twin_id, Action.generate, named.id)
    ).allow

    for blank in ("", "   ", "\n\t"):
        with pytest.raises(InvalidInput, match="reason"):
            twins.retire_version(session, talent, deps, built.twin_id, 1, blank)
        with pytest.raises(InvalidInput, match="reason"):
            licensing.retire_twin(session, talent, deps, built.twin_id, blank)
    assert (
        twins.describe(session, twins.get_twin(session, talent, built.twin_id))["usable_version"]
        == 1
    )
    twins.retire_version(session, talent, deps, built.twin_id, 1, "bad capture")
    described = twins.describe(session, twins.get_twin(session, talent, built.twin_id))
    assert (described["status"], described["usable_version"]) == ("active", None)
    generate = decision.decide_use(session, brand, _use(world, built.twin_id, Action.generate))
    assert generate.codes == {reasons.TWIN_NO_VERSION}
    assert decision.decide_use(
        session, brand, _use(world, built.twin_id, Action.publish, unnamed.id)
    ).allow

    licensing.retire_twin(session, talent, deps, built.twin_id, "talent asked for deletion")
    session.refresh(named)
    session.refresh(unnamed)
    assert named.status is LicenseStatus.revoked
    assert named.end_reason is not None and "retired and deleted" in named.end_reason
    assert unnamed.status is LicenseStatus.active  # covers the talent's other twins
    for action in Action:
        refused = decision.decide_use(session, brand, _use(world, built.twin_id, action))
        assert reasons.TWIN_DELETED in refused.codes
    kinds = [n.kind for n in notifications.list_for(session, brand)]
    assert "license.revoked" in kinds


def test_a_lapsed_creation_consent_does_not_keep_licenses_alive_after_a_revocation(
    session: Session,
    world: World,
    deps: StorageDeps,
    capture_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Revoking the only consent in force ends the licenses, as it shreds the twin,
    even when an older, lapsed (never revoked) consent is still on file."""
    talent = world.actor(session, "talent")
    row = _qc_passed(session, world, deps, capture_dir)
    sign_creation_consent(session, world, days=30)  # a trial consent
    current_id = sign_creation_consent(session, world)
    twins.build(session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC)
    lic = to_status(session, world, "active")
    later = utcnow() + timedelta(days=60)  # the trial consent has lapsed by now
    for module in (twins, consents, licensing):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    _, shredded = licensing.revoke_consent(session, talent, deps, current_id, "stop")
    assert len(shredded) == 1
    session.refresh(lic)
    assert lic.status is LicenseStatus.revoked


def test_each_step_needs_the_activity_the_consent_lists(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent, brand = world.actor(session, "talent"), world.actor(session, "brand")
    row = _qc_passed(session, world, deps, capture_dir)
    sign_creation_consent(session, world, activities=("capture",))
    with pytest.raises(CreationConsentRequired, match=r"does not allow 'build'.*capture"):
        twins.build(session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER)

    build_only = sign_creation_consent(session, world, activities=("capture", "build"))
    built = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    assert built.consent_id == build_only
    with pytest.raises(CreationConsentRequired, match="does not allow 'alter'"):
        twins.load_basis(session, talent, deps, built.twin_id)
    to_status(session, world, "active")
    refused = decision.decide_use(session, brand, _use(world, built.twin_id, Action.generate))
    assert refused.codes == {reasons.CREATION_CONSENT_NO_ALTER}
    assert decision.decide_use(session, brand, _use(world, built.twin_id, Action.publish)).allow

    sign_creation_consent(session, world, activities=("alter",))
    assert twins.load_basis(session, talent, deps, built.twin_id).version == 1
    assert decision.decide_use(session, brand, _use(world, built.twin_id, Action.generate)).allow


def test_an_operator_deleting_a_twin_ends_its_negotiations_too(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    operator = world.actor(session, "operator")
    built = _built_twin(session, world, deps, capture_dir)
    live = to_status(session, world, "active", twin_id=built.twin_id)
    talks = [to_status(session, world, s, twin_id=built.twin_id) for s in ("requested", "accepted")]
    licensing.retire_twin(session, operator, deps, built.twin_id, "legal hold: delete")
    for lic in (live, *talks):
        session.refresh(lic)
    assert live.status is LicenseStatus.revoked
    assert [t.status for t in talks] == [LicenseStatus.withdrawn, LicenseStatus.withdrawn]
    kinds = sorted(n.kind for n in notifications.list_for(session, world.actor(session, "brand")))
    assert kinds.count("license.withdrawn") == 2 and "license.revoked" in kinds


def test_uncovered_twins_reads_the_consents_once_for_all_twins(
    session: Session, world: World
) -> None:
    rows = [Twin(talent_id=world.talent.id, status=TwinStatus.active) for _ in range(4)]
    session.add_all(rows)
    session.flush()
    sign_creation_consent(session, world, rows[0].id)  # keeps the first twin only
    allow_capture(session, world)  # keeps none: capturing is not building
    talent_id, expected = world.talent.id, {r.id for r in rows[1:]}
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        uncovered = twins.uncovered_twins(session, talent_id)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert {t.id for t in uncovered} == expected
    assert len(statements) <= 2, statements  # the twins, the consents: not one per twin
