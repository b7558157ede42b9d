"""Capturing a talent needs their creation consent naming ``capture``, or an operator's
audited override (issue 16.12): the FWA wants consent before a replica is created."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER, QC, allow_capture
from integration.test_license_support import World, sign_creation_consent
from likeness.capture import service as captures
from likeness.capture.errors import CaptureConsentRequired
from likeness.errors import Forbidden, InvalidInput
from likeness.kit.clock import utcnow
from likeness.licensing import service as licensing
from likeness.models.audit import AuditEvent
from likeness.models.capture import CaptureSession
from likeness.storage import MemoryBlobStore
from likeness.twin import service as twins
from likeness.vault.crypto import MemoryKeyVault
from likeness.vault.deps import StorageDeps


def _nothing_stored(session: Session, deps: StorageDeps, vault: MemoryKeyVault) -> None:
    assert session.scalar(select(func.count()).select_from(CaptureSession)) == 0
    assert isinstance(deps.blobs, MemoryBlobStore) and not deps.blobs.blobs
    assert not vault._keys


def _overrides(session: Session) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == "capture.consent_override")
    return list(session.scalars(stmt))


def test_no_consent_no_capture(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    with pytest.raises(CaptureConsentRequired) as refused:
        captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    assert refused.value.status_code == 403
    assert f"talent {world.talent.id} has no signed creation consent in force" in str(refused.value)
    assert "allows 'capture'" in str(refused.value)
    _nothing_stored(session, deps, vault)


def test_a_consent_that_does_not_name_capture_is_not_enough(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    sign_creation_consent(session, world, activities=("build", "alter"))
    talent = world.actor(session, "talent")
    with pytest.raises(
        CaptureConsentRequired, match=r"does not allow 'capture' \(it allows: alter, build\)"
    ):
        captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    _nothing_stored(session, deps, vault)


def test_a_lapsed_consent_is_not_in_force(
    session: Session,
    world: World,
    deps: StorageDeps,
    capture_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_creation_consent(session, world, days=30, activities=("capture",))
    later = utcnow() + timedelta(days=31)
    monkeypatch.setattr(captures, "utcnow", lambda: later)
    with pytest.raises(CaptureConsentRequired, match="no signed creation consent in force"):
        captures.ingest(session, world.actor(session, "talent"), deps, capture_dir, world.talent.id)
    monkeypatch.undo()
    row = captures.ingest(
        session, world.actor(session, "talent"), deps, capture_dir, world.talent.id
    )
    assert row.status == "ingested"
    assert not _overrides(session)


def test_an_operator_may_override_with_a_written_reason_that_is_audited(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    talent, operator = world.actor(session, "talent"), world.actor(session, "operator")
    reason = "signed paper consent on file, scan pending (ticket 42)"
    with pytest.raises(Forbidden, match="only an operator"):
        captures.ingest(session, talent, deps, capture_dir, world.talent.id, override_reason=reason)
    for short in ("", "   ", "too short"):
        with pytest.raises(InvalidInput, match="override reason of 10 to 500 characters"):
            captures.ingest(
                session, operator, deps, capture_dir, world.talent.id, override_reason=short
            )
    _nothing_stored(session, deps, vault)

    row = captures.ingest(
        session, operator, deps, capture_dir, world.talent.id, override_reason=f"  {reason}\n"
    )
    assert row.status == "ingested"
    (event,) = _overrides(session)
    assert (event.object_type, event.object_id) == ("talent", world.talent.id)
    assert json.loads(event.payload) == {"reason": reason, "activity": "capture"}

    # With a consent in force the override is not needed, and not recorded.
    allow_capture(session, world)
    captures.ingest(session, operator, deps, capture_dir, world.talent.id, override_reason=reason)
    assert len(_overrides(session)) == 1


def test_a_consent_to_be_captured_does_not_keep_a_twin_alive(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    full = sign_creation_consent(session, world)
    built = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    _, shredded = licensing.revoke_consent(session, talent, deps, full, "no twin, please")
    assert shredded == [built.twin_id]
