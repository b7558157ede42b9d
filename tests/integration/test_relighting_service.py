"""Relighting priors through the service: only consented captures, a registered model with
a training manifest, sealed and crash-safe, retired (and retrained) on revocation."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.output_support import twin_with_version
from integration.test_license_support import World, sign_creation_consent
from likeness import modelreg
from likeness.errors import Forbidden
from likeness.imaging import relight as rl
from likeness.kit.db import Database
from likeness.licensing import service as licensing
from likeness.models.audit import AuditEvent
from likeness.models.job import Job
from likeness.models.relight import (
    PriorSourceKind,
    PriorStatus,
    RelightPriorRecord,
    RelightPriorSource,
)
from likeness.models.twin import Twin, TwinVersion
from likeness.relighting import service
from likeness.relighting.errors import NoTrainingData, PriorUnreadable
from likeness.runtime import Runtime
from likeness.storage import MemoryBlobStore
from likeness.twin._basis import pack_basis
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name

SIZE = 48


def _seal_basis(session: Session, deps: StorageDeps, twin: Twin, seed: int) -> np.ndarray:
    """Version 1 of ``twin`` gets a real sealed OLAT basis (a lit synthetic head whose
    albedo varies with ``seed``) and matte; returns the basis."""
    basis, dirs, alpha = rl.synthetic_basis(SIZE)
    tint = np.random.default_rng(seed).uniform(0.7, 1.2, size=3).astype(np.float32)
    basis = (basis * tint).astype(np.float32)
    row = session.scalars(select(TwinVersion).filter_by(twin_id=twin.id, version=1)).one()
    ok, png = cv2.imencode(".png", (alpha * 255).astype(np.uint8))
    assert ok
    keys = {}
    for role, content in (("basis/view1", pack_basis(basis)), ("matte/view1", png.tobytes())):
        sealed = deps.cipher.encrypt(twin_key_name(twin.id), content, role=f"v1/{role}")
        keys[role] = deps.blobs.put(sealed)
    row.artifacts = json.dumps(keys, sort_keys=True)
    row.metadata_json = json.dumps(
        {"views": [{"id": "view1", "yaw": 0.0, "pitch": 0.0}], "light_dirs": dirs.tolist()}
    )
    row.light_count = int(dirs.shape[0])
    session.flush()
    return basis


def _twin(session: Session, world: World, deps: StorageDeps, *, train: bool, seed: int = 0) -> Twin:
    """An active twin with a sealed basis; with ``train``, the talent's signed creation
    consent for that twin names ``train``."""
    twin = twin_with_version(session, world, deps)
    _seal_basis(session, deps, twin, seed)
    if train:
        sign_creation_consent(session, world, twin.id, activities=("build", "alter", "train"))
    return twin


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_nothing_trains_without_a_consent_naming_train(
    session: Session, world: World, deps: StorageDeps
) -> None:
    _twin(session, world, deps, train=False)
    with pytest.raises(NoTrainingData, match="train"):
        service.train(session, world.actor(session, "operator"), deps)
    assert session.scalars(select(RelightPriorRecord)).all() == []


def test_a_prior_is_registered_with_its_manifest_sealed_and_loadable(
    session: Session, world: World, deps: StorageDeps
) -> None:
    operator = world.actor(session, "operator")
    twin = _twin(session, world, deps, train=True)
    version = session.scalars(select(TwinVersion).filter_by(twin_id=twin.id)).one()
    row = service.train(session, operator, deps, synthetic=[3], synthetic_size=64)

    assert row.status is PriorStatus.active and row.commercial_use is True
    assert row.license == "likeness-consented-capture+likeness-synthetic"
    manifest = json.loads(row.manifest)
    assert manifest["schema"] == service.MANIFEST_SCHEMA
    assert manifest["prior_sha256"] == row.sha256 and manifest["code_version"] == row.code_version
    by_kind = {s["kind"]: s for s in manifest["sources"]}
    captured = by_kind["twin"]
    assert captured["id"] == twin.id and captured["talent_id"] == world.talent.id
    assert captured["capture_session_id"] == version.session_id
    assert captured["consent_id"] is not None and len(captured["sha256"]) == 64
    assert by_kind["synthetic"]["id"] == "seed-3"
    sources = session.scalars(select(RelightPriorSource).filter_by(prior_id=row.id)).all()
    assert {s.kind for s in sources} == {PriorSourceKind.twin, PriorSourceKind.synthetic}

    event = _events(session, "relight.prior_trained")[-1]
    assert event.object_id == row.id
    assert json.loads(event.payload)["talents"] == [world.talent.id]

    # Sealed at rest under the prior's own key: the stored bytes are not the file.
    assert isinstance(deps.blobs, MemoryBlobStore) and row.blob_key is not None
    loaded = service.load(session, deps, row)
    assert loaded.sha256 == row.sha256 and loaded.prior.sha256 == row.sha256
    assert deps.blobs.blobs[row.blob_key] != service._prior_bytes(loaded.prior)
    assert deps.cipher.has_key(row.key_name)


def test_a_twin_without_train_is_left_out_though_others_train(
    session: Session, world: World, deps: StorageDeps
) -> None:
    left_out = _twin(session, world, deps, train=False, seed=1)
    # The talent's train consent names one twin only: the other twin stays out.
    kept = twin_with_version(session, world, deps)
    _seal_basis(session, deps, kept, 2)
    sign_creation_consent(session, world, kept.id, activities=("build", "alter", "train"))
    row = service.train(session, world.actor(session, "operator"), deps)
    ids = {
        s.source_id for s in session.scalars(select(RelightPriorSource).filter_by(prior_id=row.id))
    }
    assert ids == {kept.id} and left_out.id not in ids


def test_research_only_data_makes_a_non_commercial_prior_that_needs_the_opt_in(
    session: Session, world: World, deps: StorageDeps, tmp_path: Path
) -> None:
    basis, dirs, _ = rl.synthetic_basis(SIZE)
    path = tmp_path / "research.npz"
    np.savez(path, basis=basis, light_dirs=dirs)
    row = service.train(
        session,
        world.actor(session, "operator"),
        deps,
        licensed=[service.LicensedSource(path, "research-only")],
    )
    assert row.commercial_use is False and row.license == "research-only"
    with pytest.raises(modelreg.ModelLicenseRefused):
        service.render_prior(session, deps, allow_noncommercial=False)
    loaded = service.render_prior(session, deps, allow_noncommercial=True)
    assert loaded is not None and loaded.opted_in and not loaded.commercial_use


def test_only_operators_train_or_read_priors(
    session: Session, world: World, deps: StorageDeps
) -> None:
    _twin(session, world, deps, train=True)
    for who in ("talent", "agent", "brand"):
        with pytest.raises(Forbidden):
            service.train(session, world.actor(session, who), deps)
        with pytest.raises(Forbidden):
            service.list_priors(session, world.actor(session, who))


def test_a_new_prior_replaces_the_active_one(
    session: Session, world: World, deps: StorageDeps
) -> None:
    operator = world.actor(session, "operator")
    _twin(session, world, deps, train=True)
    first = service.train(session, operator, deps)
    second = service.train(session, operator, deps, synthetic=[0], synthetic_size=64)
    assert first.status is PriorStatus.retired and "replaced by" in (first.retire_reason or "")
    assert [p.id for p in service.repository.active(session)] == [second.id]


def test_revoking_the_consent_retires_the_prior_and_queues_a_retrain(
    session: Session, world: World, deps: StorageDeps
) -> None:
    operator = world.actor(session, "operator")
    _twin(session, world, deps, train=True)
    row = service.train(session, operator, deps, synthetic=[0], synthetic_size=64)
    consent_id = next(
        s["consent_id"] for s in json.loads(row.manifest)["sources"] if s["consent_id"]
    )
    talent = world.actor(session, "talent")
    licensing.revoke_consent(session, talent, deps, consent_id, "no more training")

    session.refresh(row)
    assert row.status is PriorStatus.retired and "withdrew" in (row.retire_reason or "")
    retired = _events(session, "relight.prior_retired")
    assert [e.object_id for e in retired] == [row.id]
    jobs = session.scalars(select(Job).where(Job.kind == service.RETRAIN_JOB)).all()
    assert len(jobs) == 1 and json.loads(jobs[0].payload_json)["synthetic"] == [0]
    assert _events(session, "relight.retrain_queued")
    # Retired: never used for a render again.
    assert service.render_prior(session, deps) is None
    with pytest.raises(PriorUnreadable):
        service.load(session, deps, row)


def test_a_retrain_learns_only_from_what_is_still_consented(
    session: Session, world: World, deps: StorageDeps
) -> None:
    operator = world.actor(session, "operator")
    stays = _twin(session, world, deps, train=True, seed=1)
    goes = twin_with_version(session, world, deps)
    _seal_basis(session, deps, goes, 2)
    consent = sign_creation_consent(session, world, goes.id, activities=("build", "alter", "train"))
    first = service.train(session, operator, deps)
    assert {s.source_id for s in service.repository.sources_of(session, first.id)} == {
        stays.id,
        goes.id,
    }
    licensing.revoke_consent(session, world.actor(session, "talent"), deps, consent, None)
    session.refresh(first)
    assert first.status is PriorStatus.retired
    again = service.train(session, service.RELIGHT_ACTOR, deps, reason="retrain")
    assert {s.source_id for s in service.repository.sources_of(session, again.id)} == {stays.id}


def test_the_retrain_job_trains_without_the_talent_who_withdrew(
    db: Database, runtime: Runtime
) -> None:
    from integration.generation_support import Actors
    from integration.test_license_support import make_world
    from likeness.jobs import worker
    from likeness.models.job import JobStatus

    deps = runtime.storage
    with db.unit_of_work() as session:
        world = make_world(session)
        twin = twin_with_version(session, world, deps)
        _seal_basis(session, deps, twin, 4)
        consent = sign_creation_consent(
            session, world, twin.id, activities=("build", "alter", "train")
        )
        first = service.train(
            session, world.actor(session, "operator"), deps, synthetic=[0], synthetic_size=64
        )
        first_id = first.id
        people = Actors(world)
    with db.unit_of_work() as session:
        licensing.revoke_consent(session, people.actor(session, "talent"), deps, consent, None)

    outcome = worker.run_next(runtime, "test-worker", [service.RETRAIN_JOB])
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    with db.unit_of_work() as session:
        [active] = service.repository.active(session)
        assert active.id != first_id
        kinds = {s.kind for s in service.repository.sources_of(session, active.id)}
        assert kinds == {PriorSourceKind.synthetic}
        assert json.loads(active.manifest)["trained_by"] == service.RELIGHT_ACTOR.label


def test_a_consent_withdrawn_while_the_prior_trained_refuses_the_prior(
    session: Session, world: World, deps: StorageDeps
) -> None:
    from likeness.relighting.errors import TrainingSourceWithdrawn

    operator = world.actor(session, "operator")
    twin = twin_with_version(session, world, deps)
    _seal_basis(session, deps, twin, 6)
    consent = sign_creation_consent(session, world, twin.id, activities=("build", "alter", "train"))
    sources = service.gather(session, operator, deps)
    prior, seconds = service.fit(sources)
    licensing.revoke_consent(session, world.actor(session, "talent"), deps, consent, None)
    with pytest.raises(TrainingSourceWithdrawn, match=twin.id):
        service.register(session, operator, deps, sources, prior, seconds)
    assert service.repository.active(session) == []
