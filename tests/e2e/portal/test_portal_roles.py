"""The brand's, agent's, operator's and the talent's catalogue pages over HTTP: forms keep
what was typed and say what is wrong next to the field, state changes go through the same
services as the API, strangers get 404."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from e2e.portal.conftest import Visitors
from e2e.portal.portal_support import listed, sign_in, stamping_keys
from integration import generation_support as gs
from integration import output_support
from integration.test_catalogue import picture
from integration.test_license_support import to_status
from likeness.api.app import create_app
from likeness.engines.memory import MemoryEngine
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import service as jobs
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.models.audit import AuditEvent
from likeness.models.catalogue import CatalogueListing
from likeness.models.job import Job, JobStatus
from likeness.models.license import License
from likeness.models.party import TalentProfile, User
from likeness.output import service as outputs
from likeness.policy import LicenseStatus
from likeness.portal.paging import PAGE_SIZE
from likeness.runtime import Runtime

TODAY = datetime.now(UTC).date().isoformat()
TERMS = {
    "channels": "instagram",
    "territories": "FR, BE",
    "categories": "fashion",
    "starts_on": "2027-01-01",
    "ends_on": "2027-04-01",
    "max_outputs": "3",
    "approval_mode": "every_output",
    "currency": "EUR",
    "creation_fee_minor": "0",
    "per_output_fee_minor": "0",
    "per_use_fees": "instagram=150000",
    "takedown_days": "30",
    "purpose": "Spring campaign from the catalogue",
}


def _user(db: Database, user_id: str) -> User:
    """A user row to sign in with, usable after its session closed."""
    with db.unit_of_work() as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
    return user


def _post(visitors: Visitors, who: str, path: str, data: dict[str, str]) -> object:
    return visitors[who].post(path, data={**data, "csrf_token": visitors.tokens[who]})


def test_a_talent_opts_in_from_the_portal(visitors: Visitors, runtime: Runtime) -> None:
    listed_none = visitors["talent"].get("/talent/catalogue")
    assert listed_none.status_code == 200 and "save your listing to opt in" in listed_none.text
    bad = _post(
        visitors,
        "talent",
        "/talent/catalogue",
        {"public_name": "Ada O.", "channels": "web", "categories": "fashion", "rates": "tv=5",
         "currency": "EUR", "opted_in": "on", "bio": "Kept as typed"},
    )  # fmt: skip
    assert bad.status_code == 422  # the service's rule, said on the page, typing kept
    assert "which is not accepted" in bad.text and "Kept as typed" in bad.text
    assert 'value="tv=5"' in bad.text
    wrong = _post(visitors, "talent", "/talent/catalogue", {"rates": "tv"})
    assert wrong.status_code == 422 and 'id="f-rates-error"' in wrong.text
    ok = _post(
        visitors,
        "talent",
        "/talent/catalogue",
        {"public_name": "Ada O.", "channels": "instagram, web", "categories": "fashion",
         "rates": "instagram=150000", "currency": "EUR", "opted_in": "on"},
    )  # fmt: skip
    assert ok.status_code == 303
    page = visitors["talent"].get(ok.headers["location"])
    assert "In the catalogue" in page.text and "1,500.00 EUR" in page.text
    stamping_keys(runtime)
    # a picture, posted as the browser posts a multipart form (its Origin passes CSRF)
    uploaded = visitors["talent"].post(
        "/talent/catalogue/picture",
        files={"photo": ("me.png", picture(), "image/png")},
        data={"csrf_token": visitors.tokens["talent"]},
        headers={"Origin": "http://testserver"},
    )
    assert uploaded.status_code == 303, uploaded.text[:300]
    shown = visitors["brand"].get("/brand/catalogue")
    assert (
        "Ada O." in shown.text and f"/catalogue/{visitors.world.talent.id}/picture?v=" in shown.text
    )
    assert visitors.world.talent.legal_name not in shown.text
    image = visitors["brand"].get(f"/catalogue/{visitors.world.talent.id}/picture")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert visitors["brand"].get("/brand/catalogue?channel=tiktok").text.count("Ada O.") == 0
    gone = _post(visitors, "talent", "/talent/catalogue/withdraw", {})
    assert gone.status_code == 303
    assert "Ada O." not in visitors["brand"].get("/brand/catalogue").text
    assert (
        visitors["brand"].get(f"/catalogue/{visitors.world.talent.id}/picture").status_code == 404
    )


def test_a_brand_requests_a_license_and_the_agent_answers(
    visitors: Visitors, runtime: Runtime, db: Database
) -> None:
    world = visitors.world
    with db.unit_of_work() as session:
        listed(session, runtime, world)
    talent = world.talent.id
    form = visitors["brand"].get(f"/brand/catalogue/{talent}")
    assert form.status_code == 200 and 'value="instagram=150000"' in form.text  # from the rates
    bad = _post(visitors, "brand", f"/brand/catalogue/{talent}", {**TERMS, "ends_on": "someday"})
    assert bad.status_code == 422 and 'id="f-ends_on-error"' in bad.text
    assert "Spring campaign from the catalogue" in bad.text  # what was typed is kept
    late = _post(visitors, "brand", f"/brand/catalogue/{talent}", {**TERMS, "payment_days": "60"})
    assert late.status_code == 422 and 'id="f-payment_days-error"' in late.text
    assert 'value="60"' in late.text  # the typed value is kept next to its error
    refused = _post(
        visitors, "brand", f"/brand/catalogue/{talent}", {**TERMS, "ends_on": "2026-12-01"}
    )
    assert refused.status_code == 422 and "alert-error" in refused.text  # the terms' own rules
    made = _post(visitors, "brand", f"/brand/catalogue/{talent}", TERMS)
    assert made.status_code == 303, made.text[:500]
    license_id = made.headers["location"].split("/")[3].split("?")[0]
    page = visitors["brand"].get(made.headers["location"])
    assert "requested" in page.text and "Spring campaign from the catalogue" in page.text
    assert visitors["other_brand"].get(f"/brand/licenses/{license_id}").status_code == 404
    # the agent sees it to answer, and proposes with the same terms form
    waiting = visitors["agent"].get("/agent/negotiations")
    assert license_id[:8] in waiting.text
    assert visitors["stranger_agent"].get(f"/agent/negotiations/{license_id}").status_code == 404
    detail = visitors["agent"].get(f"/agent/negotiations/{license_id}")
    assert 'name="action" value="propose"' in detail.text
    version = re.search(r'name="version" value="(\d+)"', detail.text)
    assert version is not None
    proposed = _post(
        visitors,
        "agent",
        f"/agent/negotiations/{license_id}",
        {**TERMS, "territories": "FR", "per_use_fees": "instagram=200000", "action": "propose",
         "version": version.group(1)},
    )  # fmt: skip
    assert proposed.status_code == 303, proposed.text[:500]
    stale = _post(
        visitors,
        "agent",
        f"/agent/negotiations/{license_id}",
        {**TERMS, "action": "propose", "version": version.group(1)},
    )
    assert stale.status_code in (403, 409) and "alert-error" in stale.text
    with db.unit_of_work() as session:
        lic = session.get(License, license_id)
        assert lic is not None and lic.status is LicenseStatus.proposed
    # the brand counters, then accepts the agent's next proposal
    countered = _post(
        visitors,
        "brand",
        f"/brand/licenses/{license_id}",
        {**TERMS, "territories": "FR", "payment_days": "30", "action": "counter"},
    )
    assert countered.status_code == 303, countered.text[:500]
    with db.unit_of_work() as session:
        lic = session.get(License, license_id)
        assert lic is not None and json.loads(lic.terms)["payment_days"] == 30
    assert 'name="payment_days" type="number" value="30"' in (
        visitors["agent"].get(f"/agent/negotiations/{license_id}").text
    )
    _post(visitors, "agent", f"/agent/negotiations/{license_id}", {**TERMS, "action": "propose"})
    accepted = _post(visitors, "brand", f"/brand/licenses/{license_id}", {"action": "accept"})
    assert accepted.status_code == 303
    assert "accepted" in visitors["brand"].get("/brand/licenses").text
    assert license_id[:8] in visitors["agent"].get("/agent/updates").text
    with db.unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == license_id)
            .order_by(AuditEvent.seq)  # the chain's order; PostgreSQL promises no other
        ).all()
    assert actions[:5] == [
        "license.requested",
        "license.proposed",
        "license.countered",
        "license.proposed",
        "license.accepted",
    ]


def test_the_roster_shows_talent_in_force(visitors: Visitors) -> None:
    page = visitors["agent"].get("/agent/roster")
    assert visitors.world.talent.legal_name in page.text
    assert (
        visitors.world.talent.legal_name not in visitors["stranger_agent"].get("/agent/roster").text
    )


def test_a_brand_reports_a_publication_and_confirms_a_take_down(
    runtime: Runtime, db: Database, tmp_path: Path
) -> None:
    config = output_support.stamp_config(tmp_path / "keys")
    deps = runtime.storage
    with db.unit_of_work() as session:
        from integration.test_license_support import make_world

        world = make_world(session)
        s = output_support.setup(session, world, deps, config)
        out = output_support.create(session, deps, s)
        outputs.approve(session, world.actor(session, "talent"), out.id)
        asset = outputs.require_released(
            outputs.release(session, world.actor(session, "brand"), deps, out.id, config)
        ).asset
        asset_id, brand_user_id = asset.id, world.brand_user.id
        talent_id, legal_name = world.talent.id, world.talent.legal_name
    client = TestClient(create_app(runtime=runtime), follow_redirects=False)
    token = sign_in(client, runtime.settings, _user(db, brand_user_id))
    with client:
        library = client.get("/brand/assets")
        assert asset_id[:8] in library.text and f"/brand/assets/{asset_id}/file" in library.text
        # an unlisted talent without a public name: a neutral label, never the legal name
        assert "Unlisted talent" in library.text and legal_name not in library.text
        with db.unit_of_work() as session:
            talent = session.get(TalentProfile, talent_id)
            assert talent is not None
            talent.stage_name = "Ada Stage"
        library = client.get("/brand/assets")  # the brand licensed her: her public name
        assert "Ada Stage" in library.text and "Unlisted talent" not in library.text
        download = client.get(f"/brand/assets/{asset_id}/file")
        assert download.status_code == 200 and download.content[:2] == b"\xff\xd8"
        refused = client.post(
            f"/brand/assets/{asset_id}/publications",
            data={"channel": "tiktok", "territory": "FR", "published_on": TODAY,
                  "url": "https://example.com/p/1", "csrf_token": token},
        )  # fmt: skip
        assert refused.status_code == 403 and "https://example.com/p/1" in refused.text
        reported = client.post(
            f"/brand/assets/{asset_id}/publications",
            data={"channel": "instagram", "territory": "FR", "published_on": TODAY,
                  "url": "", "csrf_token": token},
        )  # fmt: skip
        assert reported.status_code == 303
        assert "instagram in FR" in client.get(f"/brand/assets/{asset_id}").text
        with db.unit_of_work() as session:
            from likeness.licensing import service as licensing
            from likeness.licensing.schemas import TransitionIn

            licensing.revoke(session, SYSTEM_ACTOR, s.license.id, TransitionIn(reason="test"))
        listed_down = client.get("/brand/takedowns")
        assert asset_id[:8] in listed_down.text
        confirmed = client.post(
            f"/brand/takedowns/{asset_id}", data={"note": "removed", "csrf_token": token}
        )
        assert confirmed.status_code == 303
        assert asset_id[:8] not in client.get("/brand/takedowns").text


def test_generation_progress_is_polled_until_done(
    runtime: Runtime, db: Database, tmp_path: Path
) -> None:
    s = gs.setup(db, runtime, tmp_path / "keys")
    submitted = gs.submit(s, s.create(), MemoryEngine())
    request_id = submitted.request.id
    client = TestClient(create_app(runtime=runtime), follow_redirects=False)
    sign_in(client, runtime.settings, _user(db, s.brand_user_id))
    with db.unit_of_work() as session:  # a worker elsewhere holds it, 42 % done
        job = session.scalars(select(Job).where(Job.ref_id == request_id)).one()
        job.status, job.progress, job.lease_owner = JobStatus.running, 0.42, "elsewhere"
        job.lease_expires_at = utcnow() + timedelta(hours=1)
    with client:
        page = client.get("/brand/generations")
        assert f'hx-get="/brand/generations/{request_id}/progress"' in page.text
        cell = client.get(f"/brand/generations/{request_id}/progress")
        assert 'value="42"' in cell.text and 'hx-trigger="every 2s"' in cell.text
        with db.unit_of_work() as session:
            job = session.scalars(select(Job).where(Job.ref_id == request_id)).one()
            job.status = JobStatus.succeeded
        done = client.get(f"/brand/generations/{request_id}/progress")
        assert "hx-get" not in done.text and "succeeded" in done.text


def test_an_operator_cancels_a_job_and_sees_the_chain(visitors: Visitors, db: Database) -> None:
    with db.unit_of_work() as session:
        job = jobs.enqueue(session, SYSTEM_ACTOR, "test.wait", {})
        job_id = job.id
    page = visitors["operator"].get("/operator/jobs")
    assert job_id[:8] in page.text and f"/operator/jobs/{job_id}/cancel" in page.text
    cancelled = _post(visitors, "operator", f"/operator/jobs/{job_id}/cancel", {"reason": "test"})
    assert cancelled.status_code == 303
    with db.unit_of_work() as session:
        found = session.get(Job, job_id)
        assert found is not None and found.status is JobStatus.cancelled
    audit = visitors["operator"].get("/operator/audit")
    assert "The chain is intact" in audit.text and "job.cancelled" in audit.text
    parties = visitors["operator"].get("/operator/parties")
    assert visitors.world.talent.legal_name in parties.text
    assert "Model registry" in visitors["operator"].get("/operator/models").text
    talent = visitors.world.talent.id
    # issue 20: no data before a reason; a bad reason is said next to its field
    bare = visitors["operator"].get(f"/operator/twins?talent={talent}")
    assert bare.status_code == 200 and 'name="reason_kind"' in bare.text
    assert "Capture sessions" not in bare.text and "twin.operator_list" not in bare.text
    short = visitors["operator"].get(
        "/operator/twins", params={"talent": talent, "reason_kind": "incident", "reason": "hm"}
    )
    assert short.status_code == 422 and 'id="f-reason-error"' in short.text
    assert "Capture sessions" not in short.text and 'value="hm"' in short.text
    why = {"talent": talent, "reason_kind": "talent_request", "reason": "she asked by mail #88"}
    twins = visitors["operator"].get("/operator/twins", params=why)
    assert twins.status_code == 200 and "Capture sessions" in twins.text
    assert "twin.operator_list" in twins.text
    assert "The talent&#39;s own request</strong>: she asked by mail #88" in twins.text


def test_a_brand_sees_no_hidden_listing(visitors: Visitors, runtime: Runtime, db: Database) -> None:
    with db.unit_of_work() as session:
        listed(session, runtime, visitors.world)
        row = session.scalars(select(CatalogueListing)).one()
        row.opted_in = False
    talent = visitors.world.talent.id
    assert visitors["brand"].get(f"/brand/catalogue/{talent}").status_code == 404
    assert visitors["brand"].get(f"/catalogue/{talent}/picture").status_code == 404
    assert visitors["agent"].get(f"/catalogue/{talent}/picture").status_code == 200
    assert visitors["stranger_agent"].get(f"/catalogue/{talent}/picture").status_code == 404


def test_long_lists_come_in_pages(visitors: Visitors, db: Database) -> None:
    from likeness.party import service as party
    from likeness.party.schemas import BrandCreate

    with db.unit_of_work() as session:
        for n in range(PAGE_SIZE + 1):
            party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=f"Paged brand {n:03d}"))
    first = visitors["operator"].get("/operator/parties")
    assert 'href="?page=2"' in first.text and first.text.count("<tr>") <= 5 * PAGE_SIZE + 5
    second = visitors["operator"].get("/operator/parties?page=2")
    assert second.status_code == 200 and 'href="?page=1"' in second.text
    shown = [f"Paged brand {n:03d}" for n in range(PAGE_SIZE + 1)]
    assert all(name in first.text + second.text for name in shown)
    assert visitors["operator"].get("/operator/parties?page=0").status_code == 422


def test_lists_show_the_latest_change_first(visitors: Visitors, db: Database) -> None:
    world = visitors.world
    with db.unit_of_work() as session:
        first = to_status(session, world, "requested").id
        second = to_status(session, world, "requested").id
    answered = _post(
        visitors, "agent", f"/agent/negotiations/{second}", {**TERMS, "action": "propose"}
    )
    assert answered.status_code == 303
    with db.unit_of_work() as session:  # the first one changed last
        lic = session.get(License, first)
        assert lic is not None
        lic.updated_at = utcnow() + timedelta(minutes=1)
        second_row = session.get(License, second)
        assert second_row is not None
        second_row.created_at = utcnow() - timedelta(days=1)  # and was made after
    brand = visitors["brand"].get("/brand/licenses").text
    assert brand.index(first[:8]) < brand.index(second[:8])
    updates = visitors["agent"].get("/agent/updates").text
    assert updates.index(first[:8]) < updates.index(second[:8])
    waiting = visitors["agent"].get("/agent/negotiations").text
    assert first[:8] in waiting and second[:8] not in waiting  # answered: the brand's move
