"""Monitoring enrolment: opt in / out, who may, the audit, and the index seeing it at once.

Talents' faces are synthetic portraits of the cast (seed 0, 3, 5) put on file as
reference photos; seed 4 is a stranger nobody enrolled.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER, QC
from integration.test_license_support import World, make_world, sign_creation_consent
from likeness.capture import service as captures
from likeness.capture.qc import to_preview
from likeness.errors import Conflict, NotFound
from likeness.imaging import relight as rl
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.monitoring_index import MonitoringReference
from likeness.monitoring import enrolment
from likeness.monitoring.index import (
    MATCH_THRESHOLD,
    ExactIndex,
    PgvectorIndex,
    exact_index,
    index_for,
    uses_pgvector,
    vector_literal,
)
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps
from reference_photos import portrait_png, portrait_rgb


def _with_photo(session: Session, world: World, deps: StorageDeps, seed: int) -> None:
    captures.set_reference(
        session, world.actor(session, "talent"), deps, world.talent.id, portrait_png(seed),
        analyzer=ANALYZER,
    )  # fmt: skip


def _face(seed: int) -> np.ndarray:
    rgb = portrait_rgb(seed)
    face = ANALYZER.largest_face(rgb)
    assert face is not None
    return ANALYZER.embed_aligned(rgb, face)


def _events(session: Session, action: str, talent_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == talent_id)
            .order_by(AuditEvent.seq)
        )
    )


def test_opt_in_search_opt_out(session: Session, world: World, deps: StorageDeps) -> None:
    _with_photo(session, world, deps, 0)
    other = make_world(session)
    _with_photo(session, other, deps, 3)
    assert not enrolment.is_enrolled(session, world.talent.id)
    assert index_for(session).match(_face(0)) == []  # nobody enrolled: nothing searched

    status = enrolment.opt_in(session, world.actor(session, "talent"), world.talent.id, deps=deps)
    assert status.enrolled and status.references == 1
    assert status.opted_in_by_user_id == world.talent_user.id
    enrolment.opt_in(session, other.actor(session, "agent"), other.talent.id, deps=deps)
    assert enrolment.is_enrolled(session, world.talent.id)

    index = index_for(session)
    found = index.match(_face(0))
    assert [m.talent_id for m in found] == [world.talent.id]
    assert found[0].distance <= MATCH_THRESHOLD
    assert [m.talent_id for m in index.match(_face(3))] == [other.talent.id]
    assert index.match(_face(4)) == []  # a stranger matches no one

    (event,) = _events(session, "monitoring.opted_in", world.talent.id)
    assert event.actor == world.actor(session, "talent").label
    assert json.loads(event.payload)["references"] == ["reference_photo"]

    out = enrolment.opt_out(session, world.actor(session, "operator"), world.talent.id)
    assert not out.enrolled and out.references == 0 and out.opted_out_at is not None
    assert not enrolment.is_enrolled(session, world.talent.id)
    count = select(func.count()).select_from(MonitoringReference)
    assert session.scalar(count.where(MonitoringReference.talent_id == world.talent.id)) == 0
    assert index_for(session).match(_face(0)) == []  # gone from the search at once
    assert [m.talent_id for m in index_for(session).match(_face(3))] == [other.talent.id]
    assert len(_events(session, "monitoring.opted_out", world.talent.id)) == 1
    with pytest.raises(Conflict, match="not enrolled"):
        enrolment.opt_out(session, world.actor(session, "talent"), world.talent.id)


def test_opting_in_again_refreshes_the_references(
    session: Session, world: World, deps: StorageDeps
) -> None:
    _with_photo(session, world, deps, 0)
    talent = world.actor(session, "talent")
    enrolment.opt_in(session, talent, world.talent.id, deps=deps)
    _with_photo(session, world, deps, 5)  # a new reference photo on file
    again = enrolment.opt_in(session, talent, world.talent.id, deps=deps)
    assert again.references == 1
    index = index_for(session)
    assert index.match(_face(0)) == []
    assert [m.talent_id for m in index.match(_face(5))] == [world.talent.id]
    events = _events(session, "monitoring.opted_in", world.talent.id)
    assert [json.loads(e.payload)["refreshed"] for e in events] == [False, True]


def test_who_may_opt_in_or_out(session: Session, world: World, deps: StorageDeps) -> None:
    _with_photo(session, world, deps, 0)
    for who in ("brand", "stranger_agent", "other_talent"):
        with pytest.raises(NotFound):
            enrolment.opt_in(session, world.actor(session, who), world.talent.id, deps=deps)
    assert not enrolment.is_enrolled(session, world.talent.id)
    enrolment.opt_in(session, world.actor(session, "agent"), world.talent.id, deps=deps)
    for who in ("brand", "stranger_agent", "other_talent"):
        with pytest.raises(NotFound):
            enrolment.opt_out(session, world.actor(session, who), world.talent.id)
        with pytest.raises(NotFound):
            enrolment.enrolment_for(session, world.actor(session, who), world.talent.id)
    assert enrolment.enrolment_for(
        session, world.actor(session, "talent"), world.talent.id
    ).enrolled
    enrolment.opt_out(session, world.actor(session, "agent"), world.talent.id)
    (event,) = _events(session, "monitoring.opted_out", world.talent.id)
    assert event.actor.startswith("agent:")


def test_a_talent_with_no_face_on_file_cannot_be_enrolled(
    session: Session, world: World, deps: StorageDeps
) -> None:
    with pytest.raises(enrolment.NothingToEnrol, match="reference photo") as raised:
        enrolment.opt_in(session, world.actor(session, "talent"), world.talent.id, deps=deps)
    assert raised.value.status_code == 409
    assert not enrolment.is_enrolled(session, world.talent.id)
    assert _events(session, "monitoring.opted_in", world.talent.id) == []


def test_another_process_sees_an_opt_out_once_it_commits(db: Database, deps: StorageDeps) -> None:
    """Each session asks for the index afresh; the cached in-process index reloads when
    the revision changes, and not before."""
    with db.unit_of_work() as session:
        world = make_world(session)
        _with_photo(session, world, deps, 0)
        enrolment.opt_in(session, world.actor(session, "talent"), world.talent.id, deps=deps)
    with db.unit_of_work() as session:
        first = exact_index(session)
        assert exact_index(session) is first  # nothing changed: the same object
        assert [m.talent_id for m in first.match(_face(0))] == [world.talent.id]
    with db.unit_of_work() as writer:
        enrolment.opt_out(writer, world.actor(writer, "talent"), world.talent.id)
    with db.unit_of_work() as session:
        reloaded = exact_index(session)
        assert reloaded is not first and reloaded.match(_face(0)) == []
        assert index_for(session).match(_face(0)) == []


def test_both_indexes_give_the_same_matches(session: Session, database_url: str) -> None:
    """Only where pgvector is installed: CI's second PostgreSQL (decision 0024), where it
    must be there (``LIKENESS_TEST_PGVECTOR_URL``); elsewhere it says it skipped."""
    if database_url == os.environ.get("LIKENESS_TEST_PGVECTOR_URL"):
        assert uses_pgvector(session), "the pgvector database has no embedding_vec column"
    elif not uses_pgvector(session):
        pytest.skip("needs PostgreSQL with the pgvector extension (decision 0024)")
    from integration.monitoring_support import enrol_random

    probes = enrol_random(session, talents=100, per_talent=3, seed=7)
    exact, pg = exact_index(session), PgvectorIndex(session)
    assert isinstance(exact, ExactIndex) and exact.size == 300
    # 300 rows: left alone the planner scans the table (exact); make it use the HNSW index.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = session.execute(
        text(
            "EXPLAIN SELECT talent_id FROM monitoring_references WHERE embedding_vec IS NOT "
            "NULL ORDER BY embedding_vec <-> CAST(:q AS vector) LIMIT 40"
        ),
        {"q": vector_literal(probes[0])},
    ).scalars()
    assert "ix_monitoring_references_hnsw" in "\n".join(plan)
    for probe in probes:
        a, b = exact.match(probe, threshold=0.6, k=5), pg.match(probe, threshold=0.6, k=5)
        assert [m.talent_id for m in a] == [m.talent_id for m in b]
        assert np.allclose([m.distance for m in a], [m.distance for m in b], atol=1e-5)


def test_a_twin_gives_its_frontal_and_turned_views(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    """The twin's identity reference and its other views' neutral renders; a relit render
    of the twin (what a generated image shows) then matches the talent."""
    talent = world.actor(session, "talent")
    sign_creation_consent(session, world)
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    version = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )
    status = enrolment.opt_in(session, talent, world.talent.id, deps=deps, analyzer=ANALYZER)
    sources = session.scalars(
        select(MonitoringReference.source).where(MonitoringReference.talent_id == world.talent.id)
    ).all()
    assert f"twin:{version.twin_id}:v1" in sources
    assert any(":view:" in s for s in sources) and status.references == len(sources) >= 2

    basis = twins.load_basis(session, talent, deps, version.twin_id)
    front = basis.nearest_view(0.0)
    key = [(rl.direction_from_angles(-35.0, 25.0), (1.0, 0.95, 0.9))]
    image = to_preview(rl.relight(front.basis, basis.light_dirs, key), front.matte)
    face = ANALYZER.largest_face(image)
    assert face is not None
    found = index_for(session).match(ANALYZER.embed_aligned(image, face))
    assert [m.talent_id for m in found] == [world.talent.id]


def test_the_migration_adds_and_drops_the_pgvector_column(
    session: Session, database_url: str
) -> None:
    """Up, down to 0011 and up again on a fresh database of the pgvector server."""
    if not uses_pgvector(session):
        pytest.skip("needs PostgreSQL with the pgvector extension (decision 0024)")
    from sqlalchemy import create_engine, make_url, text

    from likeness import migrations

    name = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    columns = text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'monitoring_references' ORDER BY column_name"
    )
    hnsw = text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%hnsw%'")
    try:
        migrations.upgrade(url)
        with engine.connect() as c:
            assert "embedding_vec" in c.execute(columns).scalars().all()
            assert c.execute(hnsw).scalars().all() == ["ix_monitoring_references_hnsw"]
        migrations.downgrade(url, "0012_inbox")
        with engine.connect() as c:
            assert c.execute(columns).all() == [] and c.execute(hnsw).all() == []
        migrations.upgrade(url)
        with engine.connect() as c:
            assert "embedding_vec" in c.execute(columns).scalars().all()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
