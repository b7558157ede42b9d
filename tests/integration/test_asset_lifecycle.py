"""The registry after release: role scoping, publication reports, settling license and
consent ends into expired/revoked assets, take-down lists, the talent's view, and the
lookups behind ``likeness verify`` and the public endpoint. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from integration import asset_support as support
from integration.test_license_support import World, make_world
from likeness.asset import service as assets
from likeness.asset.errors import (
    AlreadyTakenDown,
    AssetNotFound,
    InvalidAsset,
    NotDownloadable,
    PublicationRefused,
)
from likeness.asset.schemas import PublicationIn
from likeness.consent import service as consent_service
from likeness.errors import Forbidden
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.licensing import repository as licenses
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.asset import Asset, AssetKind, AssetStatus, Publication
from likeness.models.audit import AuditEvent
from likeness.models.consent import RightsNotification
from likeness.models.party import Representation, RepresentationStatus
from likeness.policy import parse_iso
from likeness.vault.deps import StorageDeps


def actions(session: Session, object_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_id == object_id)
            .order_by(AuditEvent.seq)
        )
    )


@pytest.fixture
def released(session: Session, world: World, deps: StorageDeps) -> support.Released:
    return support.licensed(session, world, deps)


@pytest.fixture
def other(session: Session, world: World, deps: StorageDeps) -> support.Released:
    """A license of the other brand on the same talent."""
    swapped = dataclasses.replace(world, brand=world.other_brand, brand_user=world.other_brand_user)
    return support.licensed(session, swapped, deps)


# --- role scoping -------------------------------------------------------------------------


def test_each_role_sees_exactly_its_assets(
    session: Session,
    world: World,
    deps: StorageDeps,
    released: support.Released,
    other: support.Released,
) -> None:
    mine = support.register(session, SYSTEM_ACTOR, deps, released)
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    theirs = support.register(session, SYSTEM_ACTOR, deps, other)

    def seen(who: str) -> set[str]:
        return {a.id for a in assets.list_for(session, world.actor(session, who))}

    assert seen("brand") == {mine.id, preview.id}
    assert seen("other_brand") == {theirs.id}
    assert seen("talent") == seen("agent") == seen("operator") == {mine.id, preview.id, theirs.id}
    assert seen("stranger_agent") == seen("other_talent") == set()
    for who, hidden in (("brand", theirs), ("other_brand", mine), ("stranger_agent", mine)):
        with pytest.raises(AssetNotFound):
            assets.get_for(session, world.actor(session, who), hidden.id)
    with pytest.raises(AssetNotFound):
        assets.get_for(session, SYSTEM_ACTOR, "f" * 32)
    brand = world.actor(session, "brand")
    assert [a.id for a in assets.list_for(session, brand, kind=AssetKind.release)] == [mine.id]


def test_an_agent_whose_representation_ended_sees_nothing(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    agent = world.actor(session, "agent")
    assert assets.get_for(session, agent, asset.id).id == asset.id
    for rep in session.scalars(select(Representation)):
        rep.status = RepresentationStatus.terminated
    session.flush()
    with pytest.raises(AssetNotFound):
        assets.get_for(session, agent, asset.id)
    assert assets.list_for(session, agent) == []


@pytest.mark.parametrize("kind", list(AssetKind))
@pytest.mark.parametrize("status", list(AssetStatus))
def test_a_brand_downloads_only_active_releases(
    session: Session,
    world: World,
    deps: StorageDeps,
    released: support.Released,
    kind: AssetKind,
    status: AssetStatus,
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released, kind=kind)
    asset.status = status
    session.flush()
    brand = world.actor(session, "brand")
    if kind is AssetKind.release and status is AssetStatus.active:
        assert assets.read_file(session, brand, deps, asset.id)[1] == support.png()
    else:
        with pytest.raises(NotDownloadable):
            assets.read_file(session, brand, deps, asset.id)
        assert "asset.downloaded" not in actions(session, asset.id)


# --- publication reports --------------------------------------------------------------


def report(**changes: object) -> PublicationIn:
    data: dict[str, object] = {
        "channel": "instagram",
        "territory": "FR",
        "published_on": utcnow().date(),
        "url": "https://instagram.com/p/abc",
    }
    data.update(changes)
    return PublicationIn.model_validate(data)


def test_an_allowed_publication_is_stored_and_audited(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    brand = world.actor(session, "brand")
    publication = assets.report_publication(session, brand, asset.id, report(territory="de"))
    assert (publication.channel, publication.territory) == ("instagram", "DE")
    assert publication.license_id == released.license.id and len(publication.decision_sha256) == 64
    assert "asset.publication_reported" in actions(session, asset.id)
    shown = assets.to_read(
        session, assets.get_for(session, world.actor(session, "talent"), asset.id)
    )
    assert [p.url for p in shown.publications] == ["https://instagram.com/p/abc"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"channel": "tiktok"}, "channel 'tiktok' is not licensed"),
        ({"territory": "US"}, "territory US is not licensed"),
    ],
)
def test_a_denied_publication_is_a_clear_error_and_stores_nothing(
    session: Session,
    world: World,
    deps: StorageDeps,
    released: support.Released,
    change: dict[str, object],
    why: str,
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    with pytest.raises(PublicationRefused, match=why):
        assets.report_publication(
            session, world.actor(session, "brand"), asset.id, report(**change)
        )
    assert session.scalars(select(Publication)).all() == []
    assert "asset.publication_reported" not in actions(session, asset.id)


def test_publication_is_refused_under_a_revoked_license(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="breach"))
    with pytest.raises(PublicationRefused, match="revoked"):
        assets.report_publication(session, world.actor(session, "brand"), asset.id, report())


def test_publication_reports_are_checked_before_the_decision(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    brand = world.actor(session, "brand")
    with pytest.raises(PublicationRefused, match="preview"):
        assets.report_publication(session, brand, preview.id, report())
    with pytest.raises(InvalidAsset, match="future"):
        assets.report_publication(
            session, brand, asset.id, report(published_on=utcnow().date() + timedelta(days=2))
        )
    with pytest.raises(InvalidAsset, match="before the release"):
        assets.report_publication(
            session, brand, asset.id, report(published_on=utcnow().date() - timedelta(days=3))
        )
    with pytest.raises(InvalidAsset, match="http"):
        assets.report_publication(session, brand, asset.id, report(url="javascript:alert(1)"))
    with pytest.raises(Forbidden):
        assets.report_publication(session, world.actor(session, "talent"), asset.id, report())
    with pytest.raises(AssetNotFound):
        assets.report_publication(session, world.actor(session, "other_brand"), asset.id, report())
    assert session.scalars(select(Publication)).all() == []


# --- settling: revocation and expiry ----------------------------------------------------


def test_a_revoked_license_revokes_its_assets_with_the_notified_takedown_date(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    licensing.revoke(
        session, world.actor(session, "talent"), released.license.id, TransitionIn(reason="no")
    )
    lic = licenses.get(session, released.license.id)
    assert lic is not None and lic.ended_at is not None
    changed = assets.settle(session, utcnow())
    assert {a.id for a in changed} == {asset.id, preview.id}
    session.refresh(asset)
    assert asset.status is AssetStatus.revoked
    assert asset.takedown_by == lic.ended_at + timedelta(days=30)
    assert asset.status_reason is not None and "revoked" in asset.status_reason
    assert actions(session, asset.id)[-1] == "asset.revoked"
    assert assets.settle(session, utcnow()) == []  # idempotent: nothing more, no new event
    assert actions(session, asset.id).count("asset.revoked") == 1
    # the notice the brand got names the same date
    notice = session.scalars(
        select(RightsNotification).where(RightsNotification.kind == "license.revoked")
    ).one()
    assert parse_iso(json.loads(notice.payload)["remove_released_by"]) == asset.takedown_by


def test_every_read_path_settles_first(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="breach"))
    brand = world.actor(session, "brand")
    with pytest.raises(NotDownloadable, match="revoked"):
        assets.read_file(session, brand, deps, asset.id)
    assert assets.get_for(session, brand, asset.id).status is AssetStatus.revoked
    assert assets.public_lookup(session, asset.mark).authorised_release is False


@pytest.mark.parametrize("path", ["get_for", "lookup", "mark_taken_down"])
def test_the_first_read_after_a_revocation_returns_the_settled_asset(
    session: Session, world: World, deps: StorageDeps, released: support.Released, path: str
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    asset_id, mark = asset.id, asset.mark
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="breach"))
    brand = world.actor(session, "brand")
    if path == "get_for":
        shown = assets.get_for(session, brand, asset_id)
    elif path == "lookup":
        found = assets.lookup(session, mark)
        assert found is not None
        shown = found
    else:
        shown = assets.mark_taken_down(session, brand, asset_id, "removed")
        (event,) = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "asset.taken_down", AuditEvent.object_id == asset_id
            )
        )
        details = json.loads(event.payload)
        assert details["from"] == "revoked" and details["takedown_by"] is not None
    want = AssetStatus.taken_down if path == "mark_taken_down" else AssetStatus.revoked
    assert shown.status is want and shown.takedown_by is not None
    assert actions(session, asset_id).count("asset.revoked") == 1


def test_a_license_past_its_end_expires_its_assets_at_the_end_of_term(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    ends = released.license.ends_at
    later = ends + timedelta(days=1)
    changed = assets.settle(session, later)  # the license itself was not swept yet
    assert [a.id for a in changed] == [asset.id]
    session.refresh(asset)
    assert asset.status is AssetStatus.expired
    assert asset.takedown_by == ends + timedelta(days=30)
    assert actions(session, asset.id)[-1] == "asset.expired"


def test_an_expired_license_expires_its_assets(
    session: Session, world: World, deps: StorageDeps
) -> None:
    released = support.licensed(session, world, deps, takedown_days=0)
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    licensing.expire_due(session, SYSTEM_ACTOR, released.license.ends_at + timedelta(seconds=1))
    assets.settle(session, utcnow())
    session.refresh(asset)
    assert asset.status is AssetStatus.expired
    assert asset.takedown_by == released.license.ends_at  # takedown_days 0: at the end


def test_a_revoked_use_consent_revokes_the_assets(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    consent = licenses.use_consent_of(session, released.license.id)
    assert consent is not None
    moment = utcnow() - timedelta(minutes=5)
    consent_service.mark_revoked(session, world.actor(session, "talent"), consent, moment, "stop")
    assert licenses.get(session, released.license.id).status.value == "active"  # type: ignore[union-attr]
    assets.settle(session, utcnow())
    session.refresh(asset)
    assert asset.status is AssetStatus.revoked
    assert asset.takedown_by == moment + timedelta(days=30)
    assert asset.status_reason == "use consent revoked: stop"


# --- take-downs -------------------------------------------------------------------------


def test_each_brand_gets_exactly_what_it_must_remove_by_when(
    session: Session,
    world: World,
    deps: StorageDeps,
    released: support.Released,
    other: support.Released,
) -> None:
    mine = support.register(session, SYSTEM_ACTOR, deps, released)
    still = support.register(session, SYSTEM_ACTOR, deps, other)
    support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    brand = world.actor(session, "brand")
    assets.report_publication(session, brand, mine.id, report())
    assert assets.takedowns_for(session, brand) == []
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="breach"))
    (line,) = assets.takedowns_for(session, brand)  # the preview is never on the list
    assert line.asset_id == mine.id and line.status is AssetStatus.revoked
    assert line.takedown_by is not None and [p.url for p in line.publications] == [
        "https://instagram.com/p/abc"
    ]
    assert assets.takedowns_for(session, world.actor(session, "other_brand")) == []
    assert [t.asset_id for t in assets.takedowns_for(session, SYSTEM_ACTOR)] == [mine.id]
    with pytest.raises(Forbidden):
        assets.mark_taken_down(session, world.actor(session, "talent"), mine.id, None)
    with pytest.raises(AssetNotFound):
        assets.mark_taken_down(session, world.actor(session, "other_brand"), mine.id, None)
    done = assets.mark_taken_down(session, brand, mine.id, "removed from the feed")
    assert done.status is AssetStatus.taken_down and done.takedown_by is not None
    assert actions(session, mine.id)[-1] == "asset.taken_down"
    assert assets.takedowns_for(session, brand) == []
    with pytest.raises(AlreadyTakenDown):
        assets.mark_taken_down(session, brand, mine.id, None)
    with pytest.raises(NotDownloadable):
        assets.read_file(session, brand, deps, mine.id)
    assert session.get(Asset, still.id).status is AssetStatus.active  # type: ignore[union-attr]


# --- lookups -------------------------------------------------------------------------------

PUBLIC_FIELDS = {
    "asset_id",
    "mark",
    "registered",
    "kind",
    "authorised_release",
    "ai_generated",
    "status",
    "channel",
    "released_at",
    "valid_until",
    "takedown_by",
}


def test_the_public_lookup_answers_by_id_or_mark_and_nothing_private(
    session: Session, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    for ref in (asset.id, asset.mark, asset.mark.upper(), f" {asset.id} "):
        found = assets.public_lookup(session, ref)
        assert found.asset_id == asset.id and found.authorised_release and found.ai_generated
    assert set(found.model_dump()) == PUBLIC_FIELDS
    shown = assets.public_lookup(session, preview.mark)
    assert shown.kind is AssetKind.preview and shown.authorised_release is False
    with pytest.raises(AssetNotFound, match="not a registered"):
        assets.public_lookup(session, "0" * 16)
    with pytest.raises(AssetNotFound, match="neither"):
        assets.public_lookup(session, "../etc/passwd")


def test_verify_block_finds_the_asset_by_manifest_or_watermark(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    for trusted in (True, False):  # the watermark confirms the manifest: its signer aside
        by_manifest, problem = assets.verify_block(
            session, asset.id, asset.mark, manifest_trusted=trusted
        )
        assert by_manifest is not None and by_manifest.matched_by == "manifest"
        assert by_manifest.id == asset.id and problem is None
    trusted_alone, problem = assets.verify_block(session, asset.id, None, manifest_trusted=True)
    assert trusted_alone is not None and trusted_alone.matched_by == "manifest"
    stripped, problem = assets.verify_block(session, None, asset.mark, manifest_trusted=False)
    assert stripped is not None and stripped.matched_by == "watermark" and problem is None
    assert (stripped.id, stripped.talent, stripped.brand, stripped.license) == (
        asset.id,
        world.talent.id,
        world.brand.id,
        released.license.id,
    )
    assert stripped.kind is AssetKind.release and stripped.status is AssetStatus.active
    assert assets.verify_block(session, "f" * 32, "e" * 16, manifest_trusted=True)[0] is None
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    block, _ = assets.verify_block(session, None, preview.mark, manifest_trusted=False)
    assert block is not None and block.kind is AssetKind.preview


def test_verify_never_names_an_asset_on_an_untrusted_manifests_word(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    real = support.register(session, SYSTEM_ACTOR, deps, released)
    # Anyone may self-sign a manifest (state Valid, not Trusted) that names a real asset.
    block, problem = assets.verify_block(session, real.id, None, manifest_trusted=False)
    assert block is None
    assert problem is not None and real.id in problem and "not trusted" in problem
    # With a watermark of another asset, the watermark's asset is reported, not the claim.
    other = support.register(session, SYSTEM_ACTOR, deps, released, data=support.png(5))
    for trusted in (False, True):
        block, problem = assets.verify_block(session, real.id, other.mark, manifest_trusted=trusted)
        assert block is not None and (block.id, block.matched_by) == (other.id, "watermark")
        assert problem is not None and f"names asset {real.id}" in problem
        assert f"mark {other.mark}" in problem
    # … and nothing at all when the watermark's mark is not registered.
    block, problem = assets.verify_block(session, real.id, "0" * 16, manifest_trusted=True)
    assert block is None and problem is not None and "not believed" in problem


def test_concurrent_settles_record_each_change_once(db: Database, deps: StorageDeps) -> None:
    with db.unit_of_work() as session:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        ids = [support.register(session, SYSTEM_ACTOR, deps, released).id for _ in range(3)]
        licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="x"))
    barrier = threading.Barrier(2)
    changed: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with db.unit_of_work() as session:
                changed.append(len(assets.settle(session, utcnow())))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(changed) == 3  # the two runs split the work; no asset is changed twice
    with db.unit_of_work() as session:
        for asset_id in ids:
            assert actions(session, asset_id).count("asset.revoked") == 1


def _selects_of_settle(session: Session) -> list[str]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        changed = assets.settle(session, utcnow())
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert changed
    return statements


@pytest.mark.parametrize("many", [1, 4])
def test_settling_reads_no_row_again_per_asset(
    session: Session, world: World, deps: StorageDeps, released: support.Released, many: int
) -> None:
    for _ in range(many):
        support.register(session, SYSTEM_ACTOR, deps, released)
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="x"))
    statements = _selects_of_settle(session)
    # The ended rights, the active assets: no re-read of an asset (or of anything else
    # expired) after each winning update. The audit chain reads its head per event.
    own = [s for s in statements if "FROM audit_head" not in s]
    assert len(own) == 2, own


def test_a_single_asset_read_whose_rights_still_run_is_one_query(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    asset_id, mark = asset.id, asset.mark
    talent = world.actor(session, "talent")
    session.expire_all()
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM assets" in statement or "FROM licenses" in statement:
            statements.append(statement)

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        assert assets.get_for(session, talent, asset_id).status is AssetStatus.active
        session.expire_all()
        found = assets.lookup(session, mark)
        assert found is not None and found.status is AssetStatus.active
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(statements) == 2, "\n".join(statements)  # the asset with its rights, per read
