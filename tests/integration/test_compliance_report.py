"""The compliance report over real releases (stamped, sealed, registered), on SQLite and
(with ``LIKENESS_TEST_DATABASE_URL``) PostgreSQL: a clean period passes every rule with
its evidence counts; planted violations in the database, the blob store and the key
vault are each reported; the JSON has its schema; the PDF renders to PNG; roles see
only their own scope."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import output_support as support
from integration.statement_support import post_fee, post_payment
from integration.test_license_support import World
from likeness.asset.service import blob_role
from likeness.audit.service import record
from likeness.compliance import rules
from likeness.compliance.pdf import compliance_pdf
from likeness.compliance.report import ComplianceReport, compliance_report
from likeness.compliance.report_errors import InvalidReportRequest, ReportForbidden
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.kit.clock import utcnow
from likeness.models.asset import Asset, AssetStatus
from likeness.models.audit import AuditEvent
from likeness.models.generation import GenerationRequest, GenerationStatus
from likeness.models.output import Output
from likeness.models.party import Representation
from likeness.models.twin import Twin, TwinStatus
from likeness.output import service as outputs
from likeness.provenance import StampConfig
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StampConfig:
    return support.stamp_config(tmp_path_factory.mktemp("keys"))


def _release(session: Session, deps: StorageDeps, s: support.Setup, seed: int) -> Asset:
    out = support.create(session, deps, s, seed=seed)
    outputs.approve(session, s.world.actor(session, "talent"), out.id)
    result = outputs.require_released(
        outputs.release(session, s.world.actor(session, "brand"), deps, out.id, s.config)
    )
    return result.asset


@pytest.fixture
def released(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> tuple[support.Setup, list[Asset]]:
    s = support.setup(session, world, deps, config)
    return s, [_release(session, deps, s, seed) for seed in (1, 2, 3)]


def _report(
    session: Session,
    deps: StorageDeps,
    s: support.Setup,
    actor: Actor = SYSTEM_ACTOR,
    **kwargs: Any,
) -> ComplianceReport:
    kwargs.setdefault("talent_id", s.world.talent.id)
    kwargs.setdefault("full", True)
    return compliance_report(
        session, actor, deps, support.verify_config(s.config), str(utcnow().year), **kwargs
    )


def _rule(report: ComplianceReport, code: str) -> rules.RuleResult:
    [found] = [r for r in report.results if r.code == code]
    return found


def test_a_clean_period_passes_every_rule_with_its_evidence(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, _ = released
    report = _report(session, deps, s)
    assert [(r.code, r.status, [f.detail for f in r.exceptions]) for r in report.results] == [
        (r.code, rules.PASS, []) for r in report.results
    ]
    evidence = {r.code: r.evidence for r in report.results}
    assert evidence["ai_act.marking"] == 3  # every stored file re-read (--full)
    assert evidence["platform.approval"] == 3
    assert evidence["nofakes.license"] == 1
    assert evidence["nyfwa.consent"] == 2  # the creation consent and the use consent
    assert evidence["nyfwa.representation"] == 1
    assert evidence["nyfwa.commission"] >= 2  # the agency and the license
    assert report.sample.population == 3 and report.sample.full
    # asking for it is on the record
    [event] = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "report.compliance")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    assert json.loads(event.payload)["talent_id"] == s.world.talent.id


def test_the_json_has_its_schema(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, _ = released
    data = json.loads(_report(session, deps, s, full=False, sample_size=2, seed=9).to_json())
    assert set(data) == {"schema", "generated_at", "period", "scope", "sample", "summary", "rules"}
    assert data["schema"] == "likeness.compliance-report/1"
    assert data["sample"] | {"method": None} == {
        "population": 3,
        "size": 2,
        "seed": 9,
        "full": False,
        "method": None,
    }
    assert set(data["summary"]) == {
        "rules",
        "passed",
        "failed",
        "not_applicable",
        "exceptions",
        "compliant",
    }
    assert data["summary"]["rules"] == len(data["rules"]) == 10
    for rule in data["rules"]:
        assert set(rule) == {
            "code",
            "law",
            "title",
            "requirement",
            "status",
            "evidence",
            "evidence_text",
            "exception_count",
            "exceptions",
            "note",
        }
        assert rule["status"] in {"pass", "fail", "not_applicable"}
    marking = next(r for r in data["rules"] if r["code"] == "ai_act.marking")
    assert marking["evidence"] == 2 and "sample of 2 of 3 releases (seed 9)" in marking["note"]


def test_planted_violations_are_each_reported(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, assets = released
    now = utcnow()
    # 1. a release whose output carries no approval
    output = session.get(Output, assets[0].output_id)
    assert output is not None
    output.approval_sha256 = None
    # 2. a stored file swapped for an unmarked image (sealed properly, so it opens)
    plain = support.image(seed=42)
    assets[1].blob_key = deps.blobs.put(
        deps.cipher.encrypt(twin_key_name(s.twin.id), plain, role=blob_role(assets[1].id))
    )
    # 3. a take-down three days overdue
    assets[2].status = AssetStatus.revoked
    assets[2].takedown_by = now - timedelta(days=3)
    # 4. a representation agreement of four years
    session.add(
        Representation(
            talent_id=s.world.talent.id,
            agency_id=s.world.agency.id,
            starts_on=now.date() - timedelta(days=10),
            ends_on=now.date() + timedelta(days=4 * 365),
        )
    )
    session.flush()
    report = _report(session, deps, s)
    failed = {r.code: r.exceptions for r in report.results if r.status == rules.FAIL}
    assert set(failed) == {
        "platform.approval",
        "ai_act.marking",
        "nofakes.takedown",
        "nyfwa.representation",
    }
    assert [f.subject_id for f in failed["platform.approval"]] == [assets[0].id]
    [marking] = failed["ai_act.marking"]
    assert marking.subject_id == assets[1].id
    assert "registered digest" in marking.detail and "C2PA manifest absent" in marking.detail
    [takedown] = failed["nofakes.takedown"]
    assert (takedown.subject_id, takedown.days_late) == (assets[2].id, 3)
    assert report.summary.failed == 4


def test_a_shredding_that_left_the_key_is_reported(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, _ = released
    twin = session.get(Twin, s.twin.id)
    assert twin is not None
    twin.status = TwinStatus.deleted  # marked deleted, but the key was never destroyed
    twin.deleted_at = utcnow()
    session.flush()
    [finding] = _rule(_report(session, deps, s), "platform.shredding").exceptions
    assert finding.subject_id == twin.id
    assert "data key still in the vault" in finding.detail and "stored blobs still open" in (
        finding.detail
    )
    deps.cipher.shred(twin_key_name(twin.id))  # now really shredded
    report = _report(session, deps, s)
    shredding = _rule(report, "platform.shredding")
    assert shredding.status == rules.PASS and shredding.evidence == 1
    # its files can no longer be re-read: noted, not an exception
    assert _rule(report, "ai_act.marking").status == rules.PASS
    assert "3 sampled files belong to crypto-shredded twins" in _rule(report, "ai_act.marking").note


def test_roles_see_only_their_own_scope(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, _ = released
    w = s.world
    talent = w.actor(session, "talent")
    mine = _report(session, deps, s, talent, talent_id=None)
    assert mine.scope.talent_id == w.talent.id
    brand = w.actor(session, "brand")
    ours = _report(session, deps, s, brand, talent_id=None)
    assert ours.scope.brand_id == w.brand.id
    assert _rule(ours, "nyfwa.payment").status == rules.NOT_APPLICABLE
    assert _rule(ours, "ai_act.marking").evidence == 3
    agent = w.actor(session, "agent")
    assert _report(session, deps, s, agent).scope.talent_id == w.talent.id
    refused: list[tuple[Actor, dict[str, Any]]] = [
        (talent, {"talent_id": w.talent.id, "brand_id": w.brand.id}),
        (w.actor(session, "other_talent"), {}),
        (brand, {"talent_id": None, "brand_id": w.other_brand.id}),
        (w.actor(session, "other_brand"), {"talent_id": None, "brand_id": w.brand.id}),
        (brand, {}),
        (w.actor(session, "stranger_agent"), {}),
    ]
    for actor, scope in refused:
        with pytest.raises((ReportForbidden, InvalidReportRequest)):
            _report(session, deps, s, actor, **scope)
    # another brand's report holds nothing of this brand's
    other = _report(session, deps, s, w.actor(session, "other_brand"), talent_id=None)
    assert _rule(other, "ai_act.marking").evidence == 0


def _pages(pdf: bytes, name: str) -> list[Image.Image]:
    """Every page rendered to PNG (pypdfium2), written out to $LIKENESS_REPORT_PNG_DIR when
    set (to look at them)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    out = os.environ.get("LIKENESS_REPORT_PNG_DIR")
    pages = []
    for index in range(len(document)):
        image = document[index].render(scale=1.6).to_pil()
        png = io.BytesIO()
        image.save(png, format="PNG")
        pages.append(Image.open(png))
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            image.save(Path(out) / f"{name}-{index + 1}.png")
    return pages


def pdf_text(pdf: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_the_pdf_renders_to_png_with_summary_first(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, assets = released
    assets[2].status = AssetStatus.revoked
    assets[2].takedown_by = utcnow() - timedelta(days=3)
    session.flush()
    report = _report(session, deps, s)
    body = compliance_pdf(report)
    assert body.startswith(b"%PDF-") and compliance_pdf(report) == body  # deterministic
    pages = _pages(body, "compliance")
    assert len(pages) >= 2
    for page in pages:  # ink on every page
        assert page.size[0] > 800 and page.convert("L").getextrema()[0] < 100
    text = pdf_text(body)
    assert text.index("Summary") < text.index("1. Separate written consent")
    assert "Take-down requests honoured by their dates — FAIL" in text
    assert assets[2].id in text.replace("\r", "").replace("\n", "")


def test_late_and_unpaid_payments_come_from_the_ledger(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> None:
    w = world
    fee = {"talent_id": w.talent.id, "brand_id": w.brand.id, "agency_id": w.agency.id}
    post_fee(session, on=date(2026, 9, 1), gross=10_000, commission_bps=1500, **fee)  # due 10-16
    post_fee(session, on=date(2026, 9, 10), gross=10_000, commission_bps=1500, **fee)  # due 10-25
    post_fee(session, on=date(2026, 10, 20), gross=10_000, commission_bps=1500, **fee)  # due 12-04
    post_payment(session, "talent", w.talent.id, 8_500, date(2026, 10, 10), "B-1")  # on time
    post_payment(session, "talent", w.talent.id, 8_500, date(2026, 11, 1), "B-2")  # 7 days late
    report = compliance_report(
        session,
        SYSTEM_ACTOR,
        deps,
        support.verify_config(config),
        "2026-Q4",
        talent_id=w.talent.id,
        now=datetime(2027, 1, 15, tzinfo=UTC),
    )
    payment = _rule(report, "nyfwa.payment")
    assert payment.evidence == 3
    assert [(f.subject_id, f.days_late, "unpaid" in f.detail) for f in payment.exceptions] == [
        (w.talent.id, 7, False),
        (w.talent.id, (date(2027, 1, 1) - date(2026, 12, 4)).days, True),
    ]
    assert "due 2026-10-25 paid 2026-11-01" in payment.exceptions[0].detail
    # the brand's report does not judge payouts made per talent across brands
    brand = compliance_report(
        session, w.actor(session, "brand"), deps, support.verify_config(config), "2026-Q4"
    )
    assert _rule(brand, "nyfwa.payment").status == rules.NOT_APPLICABLE


def test_a_generation_with_a_noncommercial_model_is_reported(
    session: Session, deps: StorageDeps, released: tuple[support.Setup, list[Asset]]
) -> None:
    s, _ = released

    def request(models: list[str]) -> str:
        row = GenerationRequest(
            license_id=s.license.id, twin_id=s.twin.id, talent_id=s.world.talent.id,
            brand_id=s.world.brand.id, use_json="{}", engine="memory", task="generate",
            brief_json="{}", width=64, height=64, image_count=1, seed=1,
            status=GenerationStatus.succeeded, updated_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        payload = {"license_id": s.license.id, "noncommercial_models": models}
        record(session, SYSTEM_ACTOR, "generation.requested", "generation_request", row.id, payload)
        return row.id

    request([])
    flagged = request(["sd-nc"])
    models = _rule(_report(session, deps, s), "platform.models")
    assert models.evidence == 2
    assert [(f.subject_id, f.detail) for f in models.exceptions] == [
        (flagged, f"license {s.license.id} used non-commercial model(s): sd-nc")
    ]
