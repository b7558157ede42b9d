"""A talent LoRA sealed with the twin: stored, read back, replaced, shredded with the twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER, QC, allow_capture
from integration.test_license_support import World, sign_creation_consent
from likeness.capture import service as captures
from likeness.errors import Conflict, Forbidden, InvalidInput
from likeness.licensing import service as licensing
from likeness.models.audit import AuditEvent
from likeness.models.twin import TwinVersion
from likeness.storage import MemoryBlobStore
from likeness.twin import extras
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps
from likeness.vault.errors import KeyShredded
from tiny_diffusion import fake_lora


def _twin(session: Session, world: World, deps: StorageDeps, capture_dir: Path) -> TwinVersion:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    sign_creation_consent(session, world)
    return twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )


def test_a_lora_is_sealed_read_back_replaced_and_shredded_with_the_twin(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    version = _twin(session, world, deps, capture_dir)
    twin_id = version.twin_id
    assert extras.load_extras(session, talent, deps, twin_id) == {}
    first = fake_lora(1)
    extras.add_lora(session, talent, deps, twin_id, first)
    session.commit()
    artifacts = json.loads(version.artifacts)
    blob = artifacts["extra/lora"]
    assert isinstance(deps.blobs, MemoryBlobStore)
    assert first not in deps.blobs.blobs[blob]  # sealed at rest
    assert extras.load_extras(session, talent, deps, twin_id) == {"lora": first}
    assert extras.extras_of(version) == ["lora"]
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "twin.add_lora")))
    assert len(events) == 1 and json.loads(events[0].payload)["bytes"] == len(first)

    # A new LoRA replaces the old one, whose blob goes once that commits.
    second = fake_lora(2)
    extras.add_lora(session, talent, deps, twin_id, second)
    assert deps.blobs.exists(blob)
    session.commit()
    assert not deps.blobs.exists(blob)
    assert extras.load_extras(session, talent, deps, twin_id) == {"lora": second}

    # Retiring the twin crypto-shreds the LoRA with the rest of it.
    new_blob = json.loads(version.artifacts)["extra/lora"]
    sealed = deps.blobs.get(new_blob)
    licensing.retire_twin(session, talent, deps, twin_id, "talent asked for deletion")
    session.commit()
    assert not deps.blobs.exists(new_blob)
    with pytest.raises(KeyShredded):
        deps.cipher.decrypt(f"twin-{twin_id}", sealed, role="v1/extra/lora")
    with pytest.raises(Conflict):
        extras.load_extras(session, talent, deps, twin_id)


def test_a_lora_that_rolls_back_leaves_no_blob(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    version = _twin(session, world, deps, capture_dir)
    session.commit()
    assert isinstance(deps.blobs, MemoryBlobStore)
    before = set(deps.blobs.blobs)
    extras.add_lora(session, talent, deps, version.twin_id, fake_lora())
    assert set(deps.blobs.blobs) - before
    session.rollback()
    assert set(deps.blobs.blobs) == before
    assert extras.load_extras(session, talent, deps, version.twin_id) == {}


def test_only_the_talent_adds_a_real_lora_to_an_active_version(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    version = _twin(session, world, deps, capture_dir)
    twin_id = version.twin_id
    with pytest.raises(Forbidden):
        extras.add_lora(session, world.actor(session, "brand"), deps, twin_id, fake_lora())
    with pytest.raises(InvalidInput, match="not a safetensors file"):
        extras.add_lora(session, talent, deps, twin_id, b"\x00" * 4 + b"PNG")
    with pytest.raises(InvalidInput, match="no LoRA weights"):
        extras.add_lora(session, talent, deps, twin_id, fake_lora(name="unet.conv.weight"))
    with pytest.raises(Conflict, match="version 9"):
        extras.add_lora(session, talent, deps, twin_id, fake_lora(), version=9)
