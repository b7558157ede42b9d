"""The talent's reference photo: sealed template, QC against it, build gate, shredding."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import factories
from integration.capture_support import ANALYZER, QC, allow_capture
from integration.test_license_support import World, make_world, sign_creation_consent
from likeness.capture import service as captures
from likeness.capture.errors import QcFailed, ReferenceInvalid
from likeness.capture.reference import template_bytes
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.imaging.faces import identity_distance
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.capture import TalentReference
from likeness.models.party import User
from likeness.storage import MemoryBlobStore
from likeness.twin import service as twins
from likeness.vault.crypto import MemoryKeyVault
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import reference_key_name
from reference_photos import png, portrait_png, portrait_rgb


@pytest.fixture
def world_ids(db: Database) -> tuple[str, str]:
    with db.unit_of_work() as session:
        world = make_world(session)
        return world.talent.id, world.talent_user.id


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def _qc(session: Session, world: World, deps: StorageDeps, session_id: str) -> dict[str, object]:
    talent = world.actor(session, "talent")
    report = captures.run_session_qc(
        session, talent, deps, session_id, analyzer=ANALYZER, config=QC
    )
    return {c.code: c.passed for c in report.checks}


def test_qc_compares_sessions_with_the_reference_on_file(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    assert "identity.reference" not in _qc(session, world, deps, row.id)

    ref = captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(0), analyzer=ANALYZER
    )
    assert ref.face_width >= 80 and (ref.width, ref.height) == (256, 256)
    assert _qc(session, world, deps, row.id)["identity.reference"] is True
    assert row.status == "qc_passed"
    # The template is sealed: the stored bytes are not the embedding.
    plain = template_bytes(ANALYZER.embed(portrait_rgb(0)))
    assert plain not in ref.template and len(ref.template) > len(plain)
    assert vault.get(reference_key_name(ref.id)) is not None

    stranger = captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(3), analyzer=ANALYZER
    )
    assert vault.get(reference_key_name(ref.id)) is not None, "shredded only at commit"
    session.commit()
    assert vault.get(reference_key_name(ref.id)) is None, "the replaced template is shredded"
    assert session.scalars(select(TalentReference)).all() == [stranger]
    checks = _qc(session, world, deps, row.id)
    assert checks["identity.reference"] is False
    assert row.status == "qc_failed"
    assert _actions(session).count("talent.reference_set") == 2


def test_a_one_off_reference_overrides_the_one_on_file(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(3), analyzer=ANALYZER
    )
    report = captures.run_session_qc(
        session,
        talent,
        deps,
        row.id,
        reference=ANALYZER.embed(portrait_rgb(0)),
        analyzer=ANALYZER,
        config=QC,
    )
    assert report.check("identity.reference").passed


def test_build_is_stopped_by_a_later_reference_until_qc_and_an_override_agree(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    operator = world.actor(session, "operator")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    assert _qc(session, world, deps, row.id)["identity.consistent"] is True
    assert row.status == "qc_passed"
    with pytest.raises(Conflict, match="nothing to override"):
        captures.override_qc(session, operator, row.id, "no reason to override this")
    sign_creation_consent(session, world)
    captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(3), analyzer=ANALYZER
    )
    assert isinstance(deps.blobs, MemoryBlobStore)
    stored_before = len(deps.blobs.blobs)
    with pytest.raises(QcFailed, match=r"identity\.reference"):
        twins.build(session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC)
    assert len(deps.blobs.blobs) == stored_before, "a refused build leaves no blobs"

    assert _qc(session, world, deps, row.id)["identity.reference"] is False
    captures.override_qc(session, operator, row.id, "reference photo is outdated")
    built = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    assert built.version == 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "twin.build")).one()
    assert json.loads(event.payload)["qc_waived"] == ["identity.reference"]


def test_an_override_waives_only_the_failures_it_was_granted_on(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    strict = dataclasses.replace(QC, min_sharpness=1e9)
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    report = captures.run_session_qc(
        session, talent, deps, row.id, analyzer=ANALYZER, config=strict
    )
    assert [c.code for c in report.failures()] == ["sharpness"]
    captures.override_qc(
        session, world.actor(session, "operator"), row.id, "soft focus is the look"
    )
    sign_creation_consent(session, world)
    captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(3), analyzer=ANALYZER
    )
    with pytest.raises(QcFailed, match=r"identity\.reference") as err:
        twins.build(
            session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=strict
        )
    assert "sharpness" not in str(err.value)


def test_bad_reference_photos_are_refused_and_leave_nothing(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault
) -> None:
    talent = world.actor(session, "talent")
    flat = png(np.full((256, 256, 3), 128, np.uint8))
    two = png(np.concatenate([portrait_rgb(0), portrait_rgb(3)], axis=1))
    small = png(np.ascontiguousarray(portrait_rgb(0)[::2, ::2]))
    cases = [
        (flat, "no face found"),
        (two, "2 faces found"),
        (small, "px wide"),
        (b"not an image at all", "not a JPEG, PNG, TIFF or EXR"),
        (b"", "empty"),
    ]
    for data, message in cases:
        with pytest.raises(ReferenceInvalid, match=message):
            captures.set_reference(session, talent, deps, world.talent.id, data, analyzer=ANALYZER)
    assert session.scalars(select(TalentReference)).all() == []
    assert vault._keys == {}
    assert "talent.reference_set" not in _actions(session)


def test_only_the_talent_or_an_operator_handles_the_reference(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault
) -> None:
    photo = portrait_png(0)
    for who in ("agent", "brand", "other_talent"):
        with pytest.raises(Forbidden):
            captures.set_reference(
                session, world.actor(session, who), deps, world.talent.id, photo, ANALYZER
            )
        with pytest.raises(Forbidden):
            captures.get_reference(session, world.actor(session, who), world.talent.id)
    operator = world.actor(session, "operator")
    ref = captures.set_reference(
        session, operator, deps, world.talent.id, photo, ANALYZER, reason="maintenance check"
    )
    assert captures.get_reference(session, operator, world.talent.id) == ref
    with pytest.raises(NotFound):
        captures.set_reference(session, operator, deps, "0" * 32, photo, ANALYZER)

    captures.clear_reference(session, world.actor(session, "talent"), deps, world.talent.id)
    assert captures.get_reference(session, operator, world.talent.id) is None
    assert vault.get(reference_key_name(ref.id)) is not None, "shredded only at commit"
    session.commit()
    assert vault.get(reference_key_name(ref.id)) is None
    assert captures.reference_embedding(session, deps, world.talent.id) is None
    with pytest.raises(NotFound, match="no reference photo"):
        captures.clear_reference(session, operator, deps, world.talent.id, reason="cleanup request")
    assert "talent.reference_cleared" in _actions(session)


def test_operator_looks_at_captures_are_on_the_record(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.get_session(session, talent, row.id)
    captures.list_sessions(session, talent, world.talent.id)
    assert "capture.operator_access" not in _actions(session)
    operator = world.actor(session, "operator")
    captures.get_session(session, operator, row.id)
    captures.list_sessions(session, operator, world.talent.id)
    captures.get_reference(session, operator, world.talent.id)
    looks = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "capture.operator_access")
    ).all()
    assert [(e.object_type, e.object_id) for e in looks] == [
        ("capture_session", row.id),
        ("talent", world.talent.id),
        ("talent", world.talent.id),
    ]


def test_a_rolled_back_replacement_keeps_the_old_template_usable(
    db: Database, world_ids: tuple[str, str], deps: StorageDeps, vault: MemoryKeyVault
) -> None:
    talent_id, talent_user_id = world_ids
    with db.unit_of_work() as session:
        talent = factories.actor(session, session.get(User, talent_user_id))
        first = captures.set_reference(session, talent, deps, talent_id, portrait_png(0), ANALYZER)
        first_id = first.id
    made: list[str] = []

    def failing_request() -> None:
        with db.unit_of_work() as session:
            talent = factories.actor(session, session.get(User, talent_user_id))
            second = captures.set_reference(
                session, talent, deps, talent_id, portrait_png(3), ANALYZER
            )
            made.append(second.id)
            raise RuntimeError("the request failed after the service returned")

    with pytest.raises(RuntimeError):
        failing_request()
    (second_id,) = made
    assert vault.get(reference_key_name(second_id)) is None, "the new key is undone"
    assert vault.get(reference_key_name(first_id)) is not None, "the old key is kept"
    with db.unit_of_work() as session:
        embedding = captures.reference_embedding(session, deps, talent_id)
    assert embedding is not None
    assert identity_distance(embedding, ANALYZER.embed(portrait_rgb(0))) < 1e-4


def test_a_template_whose_key_is_gone_is_a_clear_conflict(
    session: Session, world: World, deps: StorageDeps, vault: MemoryKeyVault, capture_dir: Path
) -> None:
    talent = world.actor(session, "talent")
    ref = captures.set_reference(session, talent, deps, world.talent.id, portrait_png(0), ANALYZER)
    allow_capture(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    vault.delete(reference_key_name(ref.id))
    with pytest.raises(Conflict, match="put the reference photo on file again") as err:
        captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    assert "reference-" not in str(err.value), "no vault key names in messages"


def test_operators_must_say_why_they_change_a_reference(
    session: Session, world: World, deps: StorageDeps
) -> None:
    operator = world.actor(session, "operator")
    with pytest.raises(InvalidInput, match="reason"):
        captures.set_reference(session, operator, deps, world.talent.id, portrait_png(0), ANALYZER)
    ref = captures.set_reference(
        session, operator, deps, world.talent.id, portrait_png(0), ANALYZER,
        reason="talent asked by email, ticket 123",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="reason"):
        captures.clear_reference(session, operator, deps, world.talent.id, reason="x")
    captures.clear_reference(session, operator, deps, world.talent.id, reason="talent request 124")
    payloads = [
        json.loads(e.payload)
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("talent.reference_%"))
        )
    ]
    assert payloads == [
        {"reference_id": ref.id, "replaced": None, "reason": "talent asked by email, ticket 123"},
        {"reference_id": ref.id, "reason": "talent request 124"},
    ]
