"""Subject access (GDPR art. 15 style): every category is in the export, biometric data is
described (what and where) but never included, and only the talent themself or an
operator may have it."""

from __future__ import annotations

import base64
import json
import os

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import output_support as support
from integration.test_compliance_report import _pages, _release, pdf_text
from integration.test_license_support import World
from likeness.compliance.pdf import subject_access_pdf
from likeness.compliance.report_errors import ReportForbidden
from likeness.compliance.subject_access import subject_access
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.models.audit import AuditEvent
from likeness.models.base import new_id
from likeness.models.capture import TalentReference
from likeness.models.monitoring_index import MonitoringEnrolment, MonitoringReference
from likeness.provenance import StampConfig
from likeness.vault.deps import StorageDeps

CATEGORIES = {
    "profile",
    "representations",
    "consents",
    "licenses",
    "assets",
    "outputs",
    "generation_requests",
    "money",
    "audit_events",
    "biometric_data",
}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StampConfig:
    return support.stamp_config(tmp_path_factory.mktemp("keys"))


def test_the_export_holds_every_category_and_no_biometric_bytes(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> None:
    s = support.setup(session, world, deps, config)
    asset = _release(session, deps, s, seed=4)
    template = os.urandom(512)  # stands in for the sealed 128-D embedding
    session.add(
        TalentReference(
            id=new_id(),
            talent_id=world.talent.id,
            template=template,
            photo_sha256="ab" * 32,
            width=64,
            height=64,
            face_width=32,
        )
    )
    session.flush()
    talent = world.actor(session, "talent")
    export = subject_access(session, talent, world.talent.id)
    assert set(export) >= CATEGORIES
    assert export["schema"] == "likeness.subject-access/1"
    assert export["profile"]["talent_id"] == world.talent.id
    assert export["profile"]["email"] == world.talent_user.email
    assert len(export["representations"]) == 1
    assert {c["kind"] for c in export["consents"]} == {"creation", "use"}
    assert all(c["signature"] is not None for c in export["consents"])
    assert [lic["id"] for lic in export["licenses"]] == [s.license.id]
    assert asset.id in {a["id"] for a in export["assets"]}
    assert export["outputs"]["by_status"] == {"released": 1}
    events = {(e["action"], e["object_id"]) for e in export["audit_events"]}
    assert ("output.released", asset.output_id) in events
    assert ("license.requested", s.license.id) in events or any(
        e["object_id"] == s.license.id for e in export["audit_events"]
    )
    kinds = {b["what"] for b in export["biometric_data"]}
    assert kinds == {
        "digital twin",
        "capture session (photographs)",
        "face template of the reference photo (128-D embedding)",
    }
    assert all(b["where"] for b in export["biometric_data"])
    text = json.dumps(export)
    for encoding in (template.hex(), base64.b64encode(template).decode()):
        assert encoding not in text
    assert "template" not in {k for e in export["audit_events"] for k in e["payload"]}
    # the export is on the record
    last = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "report.subject_access")
    ).all()[-1]
    assert last.object_id == world.talent.id and last.actor_user_id == world.talent_user.id
    # and as a PDF
    pdf = subject_access_pdf(export)
    assert len(_pages(pdf, "my-data")) >= 1
    words = pdf_text(pdf)
    assert "Biometric data held" in words and "face template" in words
    assert template.hex()[:32] not in words


def test_only_the_talent_or_an_operator_may_export(session: Session, world: World) -> None:
    assert subject_access(session, SYSTEM_ACTOR, world.talent.id)["profile"]["legal_name"]
    for who in ("agent", "brand", "other_talent", "stranger_agent"):
        with pytest.raises(ReportForbidden):
            subject_access(session, world.actor(session, who), world.talent.id)


def test_monitoring_references_and_cases_are_listed_never_the_embeddings(
    session: Session, world: World
) -> None:
    embedding = os.urandom(512)  # stands in for a 128-D float32 reference
    session.add(
        MonitoringEnrolment(
            talent_id=world.talent.id,
            enrolled=True,
            opted_in_at=utcnow(),
            opted_in_by_user_id=world.talent_user.id,
        )
    )
    session.add(
        MonitoringReference(
            id=new_id(), talent_id=world.talent.id, source="reference_photo", embedding=embedding
        )
    )
    session.flush()
    export = subject_access(session, world.actor(session, "talent"), world.talent.id)
    monitoring = export["monitoring"]
    assert monitoring["enrolled"] is True
    assert [r["source"] for r in monitoring["references"]] == ["reference_photo"]
    assert monitoring["cases"] == [] and export["counts"]["monitoring_cases"] == 0
    (held,) = [b for b in export["biometric_data"] if b["what"].startswith("monitoring")]
    assert held["count"] == 1 and "monitoring_references" in held["where"]
    text = json.dumps(export)
    for encoding in (embedding.hex(), base64.b64encode(embedding).decode()):
        assert encoding not in text
    words = pdf_text(subject_access_pdf(export))
    assert "monitoring face references" in words and "Where monitoring found your face" in words
