"""Crash safety: interrupted ingests and builds leave an intent that recovery follows, and
`likeness doctor` finds and repairs what disagrees between database, keys and blobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from integration.capture_support import ANALYZER, QC, allow_capture
from integration.test_license_support import World, make_world, sign_creation_consent, to_status
from likeness.capture import service as captures
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.capture import CaptureFile, CaptureSession
from likeness.models.license import License
from likeness.models.twin import Twin
from likeness.policy import LicenseStatus
from likeness.storage import MemoryBlobStore
from likeness.storage.intents import Intent, IntentJournal
from likeness.system import doctor
from likeness.twin import service as twins
from likeness.vault import deps as vault_deps
from likeness.vault.crypto import InMemoryMasterKey, MemoryKeyVault, TwinCipher
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import capture_key_name, twin_key_name


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs in the process."""


class CrashingStore(MemoryBlobStore):
    """Dies on the put after ``after`` successful ones (when armed)."""

    def __init__(self) -> None:
        super().__init__()
        self.after: int | None = None
        self.puts = 0

    def put(self, data: bytes) -> str:
        if self.after is not None and self.puts >= self.after:
            raise Crash
        self.puts += 1
        return super().put(data)


@pytest.fixture
def store() -> CrashingStore:
    return CrashingStore()


@pytest.fixture
def crash_deps(store: CrashingStore, vault: MemoryKeyVault, tmp_path: Path) -> StorageDeps:
    return StorageDeps(store, TwinCipher(InMemoryMasterKey(), vault), IntentJournal(tmp_path / "i"))


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dead process undoes nothing: its journal is left, its lock released."""
    for module in (vault_deps, captures, twins):  # the helper and the services that call it
        monkeypatch.setattr(module, "undo_intent", lambda deps, intent: intent.release())


@pytest.fixture
def ids(db: Database) -> World:
    with db.unit_of_work() as session:
        return make_world(session)


def _ingest(db: Database, world: World, deps: StorageDeps, folder: Path) -> str:
    with db.unit_of_work() as session:
        allow_capture(session, world)
        talent = world.actor(session, "talent")
        return captures.ingest(session, talent, deps, folder, world.talent.id).id


def _codes(report: doctor.DoctorReport) -> list[str]:
    return sorted(f.code for f in report.findings)


def _events(db: Database, action: str) -> list[dict[str, object]]:
    with db.unit_of_work() as session:
        stmt = select(AuditEvent.payload).where(AuditEvent.action == action)
        return [json.loads(p) for p in session.scalars(stmt)]


def test_a_crashed_ingest_is_undone_key_first(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    vault: MemoryKeyVault,
    capture_dir: Path,
    crashing: None,
) -> None:
    store.after = 3
    with pytest.raises(Crash):
        _ingest(db, ids, crash_deps, capture_dir)
    # What the crash left: a data key and three sealed blobs no row names, and the intent.
    [(key_name, _)] = vault.entries()
    assert key_name.startswith("capture-") and len(store.blobs) == 3
    report = doctor.diagnose(db, crash_deps, grace_s=3600)
    assert _codes(report) == ["stale_intent"] and report.exit_code == doctor.EXIT_FINDINGS

    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and finding.error is None
    assert vault.entries() == [] and store.blobs == {}
    assert not crash_deps.intents.has_any()
    [event] = _events(db, "doctor.intent_undone")
    assert event["key"] == key_name and event["key_shredded"] is True
    assert event["blobs_deleted"] == 3 and event["talent_id"] == ids.talent.id
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean


def test_an_ingest_that_committed_before_the_crash_keeps_everything(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    capture_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The crash comes after the commit, before the journal was removed.
    monkeypatch.setattr(Intent, "settle", Intent.release)
    sid = _ingest(db, ids, crash_deps, capture_dir)
    assert crash_deps.intents.has_any()
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and _events(db, "doctor.intent_closed")
    assert crash_deps.cipher.has_key(capture_key_name(sid))
    with db.unit_of_work() as session:
        row = session.get(CaptureSession, sid)
        assert row is not None
        files = captures.SessionFrames(session, crash_deps, row).files
        assert files and all(store.exists(f.blob_key or "") for f in files)
        captures.SessionFrames(session, crash_deps, row).raw(files[0])  # still opens
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean


def test_a_running_ingest_is_never_touched(
    db: Database, ids: World, crash_deps: StorageDeps, store: CrashingStore
) -> None:
    intent = crash_deps.intents.begin(
        kind="capture",
        talent_id=ids.talent.id,
        key_name=capture_key_name("f" * 32),
        key_new=True,
        row=("capture_sessions", "f" * 32),
        key_owner=("capture_sessions", "f" * 32),
    )
    crash_deps.cipher.create_key(intent.key_name)
    blob = intent.put(store, b"sealed, not yet in a row")
    assert doctor.recover_intents(db, crash_deps) == []
    report = doctor.repair(db, crash_deps, grace_s=0)
    assert _codes(report) == ["live_intent"] and report.clean
    assert crash_deps.cipher.has_key(intent.key_name) and store.exists(blob)
    intent.settle()


def test_an_interrupted_new_version_keeps_the_twin_and_drops_its_own_blobs(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    capture_dir: Path,
    crashing: None,
) -> None:
    with db.unit_of_work() as session:
        allow_capture(session, ids)
        talent = ids.actor(session, "talent")
        row = captures.ingest(session, talent, crash_deps, capture_dir, ids.talent.id)
        captures.run_session_qc(session, talent, crash_deps, row.id, analyzer=ANALYZER, config=QC)
        sign_creation_consent(session, ids)
        v1 = twins.build(
            session, talent, crash_deps, ids.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
        )
        twin_id, sid = v1.twin_id, row.id
    before = set(store.blobs)
    store.after = store.puts + 2
    with pytest.raises(Crash), db.unit_of_work() as session:
        twins.build(
            session,
            ids.actor(session, "talent"),
            crash_deps,
            ids.talent.id,
            sid,
            twin_id=twin_id,
            analyzer=ANALYZER,
            qc_config=QC,
        )
    store.after = None
    assert len(set(store.blobs) - before) == 2  # sealed with the twin's live key: readable
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and set(store.blobs) == before
    assert crash_deps.cipher.has_key(twin_key_name(twin_id))
    [event] = _events(db, "doctor.intent_undone")
    assert event["key_shredded"] is False and event["blobs_deleted"] == 2
    with db.unit_of_work() as session:
        assert twins.load_basis(session, ids.actor(session, "talent"), crash_deps, twin_id)
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean


def test_doctor_finds_and_repairs_orphans_and_rows_without_keys(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    vault: MemoryKeyVault,
    capture_dir: Path,
) -> None:
    kept = _ingest(db, ids, crash_deps, capture_dir)
    lost = _ingest(db, ids, crash_deps, capture_dir)
    crash_deps.cipher.shred(capture_key_name(lost))  # a row whose key is gone
    crash_deps.cipher.create_key(capture_key_name("a" * 32))  # a key no row owns
    stray = store.put(b"a blob no row names")

    assert doctor.diagnose(db, crash_deps, grace_s=3600).exit_code == doctor.EXIT_FINDINGS
    assert _codes(doctor.diagnose(db, crash_deps, grace_s=3600)) == ["row_without_key"]
    dry = doctor.diagnose(db, crash_deps, grace_s=0)
    assert _codes(dry) == ["orphan_blob", "orphan_key", "row_without_key"]
    assert not any(f.repaired for f in dry.findings) and store.exists(stray)  # dry run

    fixed = doctor.repair(db, crash_deps, grace_s=0)
    assert fixed.clean and all(f.repaired for f in fixed.findings), fixed.to_dict()
    assert not store.exists(stray)
    assert [n for n, _ in vault.entries()] == [capture_key_name(kept)]
    with db.unit_of_work() as session:
        gone = session.get(CaptureSession, lost)
        assert gone is not None and gone.status == "deleted"
        left = session.scalars(select(CaptureFile.blob_key).where(CaptureFile.session_id == lost))
        assert all(k is None for k in left)
    assert _events(db, "doctor.key_shredded") and _events(db, "doctor.row_without_key")
    assert _events(db, "doctor.blobs_deleted")[0]["count"] == 1
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean
    vault.put("made-by-someone-else", b"?")  # never touched, but a person must look
    strange = doctor.repair(db, crash_deps, grace_s=0)
    assert _codes(strange) == ["unknown_key"] and strange.exit_code == doctor.EXIT_FINDINGS
    assert vault.get("made-by-someone-else") == b"?"


def test_repair_refuses_when_the_keys_belong_to_another_database(
    db: Database, ids: World, crash_deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    sid = _ingest(db, ids, crash_deps, capture_dir)
    crash_deps.cipher.shred(capture_key_name(sid))
    crash_deps.cipher.create_key(capture_key_name("b" * 32))  # none of the vault's keys match
    report = doctor.repair(db, crash_deps, grace_s=0)
    assert report.refused and not report.clean and report.exit_code == doctor.EXIT_FINDINGS
    assert crash_deps.cipher.has_key(capture_key_name("b" * 32))
    forced = doctor.repair(db, crash_deps, grace_s=0, force=True)
    assert forced.clean and vault.entries() == []


def _dying_after_commit(monkeypatch: pytest.MonkeyPatch) -> list[Intent]:
    """The process dies right after a deletion commits: the shredding never runs and the
    shred journals are left, unlocked."""
    held: list[Intent] = []
    monkeypatch.setattr(vault_deps, "on_commit", lambda session, action: None)
    monkeypatch.setattr(
        vault_deps, "on_rollback", lambda session, action: held.append(action.__self__)
    )
    return held


def test_a_deletion_that_committed_is_finished_by_recovery(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    capture_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sid = _ingest(db, ids, crash_deps, capture_dir)
    held = _dying_after_commit(monkeypatch)
    with db.unit_of_work() as session:
        row = session.get(CaptureSession, sid)
        assert row is not None
        captures.shred_session(session, ids.actor(session, "talent"), crash_deps, row)
    for intent in held:
        intent.release()
    monkeypatch.undo()
    # The row says deleted, yet the key and the sealed files are all still there.
    assert crash_deps.cipher.has_key(capture_key_name(sid)) and store.blobs
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired, finding
    assert not crash_deps.cipher.has_key(capture_key_name(sid)) and store.blobs == {}
    [event] = _events(db, "doctor.shred_finished")
    assert event["key_shredded"] is True and event["blobs_deleted"] > 0
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean


def test_a_deletion_that_never_committed_destroys_nothing(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    capture_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sid = _ingest(db, ids, crash_deps, capture_dir)
    blobs = set(store.blobs)
    held = _dying_after_commit(monkeypatch)

    def shred_then_die() -> None:
        with db.unit_of_work() as session:
            row = session.get(CaptureSession, sid)
            assert row is not None
            captures.shred_session(session, ids.actor(session, "talent"), crash_deps, row)
            raise Crash  # dies before the commit

    with pytest.raises(Crash):
        shred_then_die()
    for intent in held:
        intent.release()
    monkeypatch.undo()
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and _events(db, "doctor.shred_dropped")
    assert crash_deps.cipher.has_key(capture_key_name(sid)) and set(store.blobs) == blobs


def test_a_twin_whose_key_is_gone_is_retired_and_its_licenses_end(
    db: Database, ids: World, crash_deps: StorageDeps, capture_dir: Path
) -> None:
    """The doctor's repair goes through the same use case as `twin retire`: a deleted twin's
    licenses end, as the finding's table says."""
    with db.unit_of_work() as session:
        allow_capture(session, ids)
        talent = ids.actor(session, "talent")
        row = captures.ingest(session, talent, crash_deps, capture_dir, ids.talent.id)
        captures.run_session_qc(session, talent, crash_deps, row.id, analyzer=ANALYZER, config=QC)
        sign_creation_consent(session, ids)
        twin_id = twins.build(
            session, talent, crash_deps, ids.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
        ).twin_id
        license_id = to_status(session, ids, "active", twin_id=twin_id).id
    crash_deps.cipher.shred(twin_key_name(twin_id))
    fixed = doctor.repair(db, crash_deps, grace_s=0)
    assert "row_without_key" in _codes(fixed) and fixed.clean, fixed.to_dict()
    with db.unit_of_work() as session:
        assert session.get(Twin, twin_id).status == "deleted"
        assert session.get(License, license_id).status is LicenseStatus.revoked


def test_a_crashed_prior_training_leaves_nothing_and_a_registered_one_is_clean(
    db: Database,
    ids: World,
    crash_deps: StorageDeps,
    store: CrashingStore,
    vault: MemoryKeyVault,
    crashing: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.relighting import repository as priors
    from likeness.relighting import service as relighting

    monkeypatch.setattr(relighting, "undo_intent", lambda deps, intent: intent.release())

    def die(session: object) -> list[object]:
        raise Crash

    # The process dies after the sealed prior is stored, before its row commits.
    with monkeypatch.context() as patch:
        patch.setattr(priors, "active", die)
        with pytest.raises(Crash), db.unit_of_work() as session:
            relighting.train(session, SYSTEM_ACTOR, crash_deps, synthetic=[0], synthetic_size=64)
    [(key_name, _)] = vault.entries()
    assert key_name.startswith("prior-") and len(store.blobs) == 1
    assert _codes(doctor.diagnose(db, crash_deps, grace_s=3600)) == ["stale_intent"]
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and vault.entries() == [] and store.blobs == {}
    [event] = _events(db, "doctor.intent_undone")
    assert event["key"] == key_name and event["key_shredded"] is True

    # Registered: its key and blob belong to a row, so the doctor finds nothing. Retired,
    # and the process dies right after that commits: recovery finishes the shredding.
    with db.unit_of_work() as session:
        row = relighting.train(session, SYSTEM_ACTOR, crash_deps, synthetic=[0], synthetic_size=64)
        prior_id = row.id
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean
    with db.unit_of_work() as session:
        found = priors.get(session, prior_id)
        assert found is not None
        relighting.retire(session, SYSTEM_ACTOR, crash_deps, found, "test")
    [finding] = doctor.recover_intents(db, crash_deps)
    assert finding.repaired and _events(db, "doctor.shred_finished")
    assert vault.entries() == [] and store.blobs == {}
    assert doctor.diagnose(db, crash_deps, grace_s=0).clean
