"""A model admitted only by the operator's opt-in is recorded in QC and audit (decision 0010)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.capture_support import QC, allow_capture
from integration.test_license_support import World, sign_creation_consent
from likeness import modelreg
from likeness.capture import service as captures
from likeness.imaging.faces import DlibModels, FaceAnalyzer
from likeness.modelreg import _check
from likeness.models.audit import AuditEvent
from likeness.models.twin import TwinVersion
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps


@pytest.fixture
def unvetted_landmarks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry pins another hash for the 5-point file: only the opt-in admits it."""
    entries = tuple(
        dataclasses.replace(e, sha256="f" * 64) if e.name == "dlib-shape-predictor-5" else e
        for e in modelreg.REGISTRY
    )
    monkeypatch.setattr(_check, "REGISTRY", entries)
    monkeypatch.delenv(modelreg.OPT_IN_VARIABLE, raising=False)


def _payload(session: Session, action: str) -> dict[str, object]:
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
    payload: dict[str, object] = json.loads(event.payload)
    return payload


@pytest.mark.usefixtures("unvetted_landmarks")
def test_qc_refuses_without_opt_in_and_audits_an_opted_in_model(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    allow_capture(session, world)
    talent = world.actor(session, "talent")
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    with pytest.raises(modelreg.ModelChecksumMismatch, match=modelreg.OPT_IN_VARIABLE):
        captures.run_session_qc(session, talent, deps, row.id, analyzer=FaceAnalyzer(), config=QC)

    analyzer = FaceAnalyzer(models=DlibModels(allow_noncommercial=True))
    report = captures.run_session_qc(session, talent, deps, row.id, analyzer=analyzer, config=QC)
    assert report.passed, report.to_dict()
    assert report.opted_in_models == ["dlib-shape-predictor-5"]
    assert _payload(session, "capture.qc")["opted_in_models"] == ["dlib-shape-predictor-5"]

    sign_creation_consent(session, world)
    version = twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=analyzer, qc_config=QC
    )
    assert _payload(session, "twin.build")["opted_in_models"] == ["dlib-shape-predictor-5"]
    stored = session.scalars(select(TwinVersion).where(TwinVersion.id == version.id)).one()
    models = json.loads(stored.qc_report)["models"]
    assert [m["name"] for m in models if m["opted_in"]] == ["dlib-shape-predictor-5"]


def test_a_vetted_run_adds_nothing_to_the_audit_payload(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    allow_capture(session, world)
    talent = world.actor(session, "talent")
    row = captures.ingest(session, talent, deps, capture_dir, world.talent.id)
    captures.run_session_qc(session, talent, deps, row.id, analyzer=FaceAnalyzer(), config=QC)
    assert "opted_in_models" not in _payload(session, "capture.qc")
