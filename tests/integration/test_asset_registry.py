"""The asset registry's contract with the release: allocate, register, find, read_file.

Runs on SQLite and, with ``LIKENESS_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import asset_support as support
from integration.test_license_support import World, make_world
from likeness.asset import service as assets
from likeness.asset.errors import AssetNotFound, DuplicateAsset, InvalidAsset, NotDownloadable
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.models.asset import Asset, AssetKind, AssetStatus
from likeness.models.audit import AuditEvent
from likeness.models.output import OutputStatus
from likeness.provenance import Channel, StampInfo
from likeness.system.doctor import recover_intents
from likeness.vault import deps as vault_deps
from likeness.vault.deps import StorageDeps


def events(session: Session, action: str, object_id: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(session.scalars(query))


@pytest.fixture
def released(session: Session, world: World, deps: StorageDeps) -> support.Released:
    return support.licensed(session, world, deps)


def test_allocate_gives_a_uuid_whose_payload_is_the_stamp_watermark(session: Session) -> None:
    asset_id, payload = assets.allocate(session)
    info = StampInfo(
        asset_id=asset_id,
        twin_id=uuid.uuid4().hex,
        license_id=uuid.uuid4().hex,
        consent_sha256="c" * 64,
        approval_sha256="a" * 64,
        channel=Channel.INSTAGRAM,
    )
    assert len(asset_id) == 32 and uuid.UUID(asset_id).hex == asset_id
    assert payload == info.watermark_payload and len(payload) == 8
    assert payload.hex() == assets.mark_of(asset_id)


def test_allocate_draws_again_when_the_mark_is_taken(
    session: Session,
    deps: StorageDeps,
    released: support.Released,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = support.register(session, SYSTEM_ACTOR, deps, released)
    colliding = uuid.UUID(taken.mark + "0" * 16)  # same first 64 bits, other id
    fresh = uuid.uuid4()
    draws = iter([colliding, fresh])
    monkeypatch.setattr(assets.uuid, "uuid4", lambda: next(draws))
    asset_id, _ = assets.allocate(session)
    assert asset_id == fresh.hex


def test_register_stores_the_file_sealed_and_audits(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    data = support.png(3)
    brand = world.actor(session, "brand")
    asset = support.register(session, brand, deps, released, data=data, idempotency_key="k-1")
    assert asset.status is AssetStatus.active and asset.kind is AssetKind.release
    assert asset.mark == asset.id[:16]
    assert (asset.brand_id, asset.talent_id, asset.license_id) == (
        world.brand.id,
        world.talent.id,
        released.license.id,
    )
    assert asset.size_bytes == len(data) and asset.media_type == "image/png"
    stored = deps.blobs.get(asset.blob_key)
    assert data not in stored  # sealed, not the plain file
    (event,) = events(session, "asset.registered", asset.id)
    assert '"kind":"release"' in event.payload.replace(" ", "")
    assert assets.find_by_idempotency(session, world.brand.id, "k-1") is asset
    assert assets.find_by_idempotency(session, world.other_brand.id, "k-1") is None


def test_the_intent_closes_on_commit_and_undoes_on_rollback(
    db: Database, deps: StorageDeps
) -> None:
    with db.unit_of_work() as session:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        kept = support.register(session, SYSTEM_ACTOR, deps, released)
        kept_blob = kept.blob_key
    assert deps.blobs.exists(kept_blob)
    assert list(deps.intents.folder.iterdir()) == []
    blob: list[str] = []

    def fail_after_registering() -> None:
        with db.unit_of_work() as session:
            lost = support.register(
                session, SYSTEM_ACTOR, deps, support.reload(session, released), data=support.png(9)
            )
            blob.append(lost.blob_key)
            raise RuntimeError("the release failed after registering")

    with pytest.raises(RuntimeError):
        fail_after_registering()
    assert not deps.blobs.exists(blob[0])
    assert list(deps.intents.folder.iterdir()) == []


def test_a_crash_before_commit_leaves_nothing_once_recovery_runs(
    db: Database, deps: StorageDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.unit_of_work() as session:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        ids = (released.license.id, released.twin.id)
    held: list[Any] = []
    # The process "dies" after storing: the journal stays, its lock is dropped, no row commits.
    monkeypatch.setattr(
        vault_deps, "settle_with_transaction", lambda s, d, intent: held.append(intent)
    )
    session = db.sessionmaker()
    try:
        released = support.reload(session, released)
        assert (released.license.id, released.twin.id) == ids
        asset = support.register(session, SYSTEM_ACTOR, deps, released)
        blob = asset.blob_key
        session.rollback()
    finally:
        session.close()
    held[0].release()
    assert deps.blobs.exists(blob)
    findings = recover_intents(db, deps)
    assert [f.code for f in findings] == ["stale_intent"] and findings[0].repaired
    assert not deps.blobs.exists(blob)
    with db.unit_of_work() as session:
        assert session.get(Asset, asset.id) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data": b""}, "empty"),
        ({"data": b"GIF89a not an image we stamp"}, "media type"),
        ({"media_type": "image/jpeg"}, "media type"),
        ({"consent_sha256": "x" * 64}, "consent_sha256"),
        ({"approval_sha256": None}, "approval"),
        ({"channel": None}, "channel"),
        ({"asset_id": "not-an-id"}, "asset_id"),
        ({"idempotency_key": ""}, "idempotency"),
    ],
)
def test_register_refuses_bad_input_and_stores_nothing(
    session: Session,
    deps: StorageDeps,
    released: support.Released,
    change: dict[str, Any],
    message: str,
) -> None:
    out = support.output(session, released)
    asset_id, _ = assets.allocate(session)
    args: dict[str, Any] = {
        "asset_id": asset_id,
        "kind": AssetKind.release,
        "output": out,
        "data": support.png(),
        "media_type": "image/png",
        "channel": "instagram",
        "consent_sha256": released.consent_sha256,
        "approval_sha256": "a" * 64,
        "valid_until": released.license.ends_at,
    }
    args.update(change)
    with pytest.raises(InvalidAsset, match=message):
        assets.register(session, SYSTEM_ACTOR, deps, **args)
    assert session.scalars(select(Asset)).all() == []
    assert list(deps.intents.folder.glob("*.intent")) == []


@pytest.mark.parametrize(
    "status", [OutputStatus.pending, OutputStatus.rejected, OutputStatus.blocked]
)
def test_only_an_approved_output_is_registered_as_a_release(
    session: Session, deps: StorageDeps, released: support.Released, status: OutputStatus
) -> None:
    out = support.output(session, released, status)
    with pytest.raises(InvalidAsset, match="only approved outputs"):
        support.register(session, SYSTEM_ACTOR, deps, released, out=out)
    # A preview of the same output is fine: that is what the reviewer looks at.
    preview = support.register(
        session, SYSTEM_ACTOR, deps, released, out=out, kind=AssetKind.preview
    )
    assert preview.kind is AssetKind.preview and preview.channel is None


def test_register_refuses_a_reused_id_or_idempotency_key(
    session: Session, deps: StorageDeps, released: support.Released
) -> None:
    first = support.register(session, SYSTEM_ACTOR, deps, released, idempotency_key="again")
    with pytest.raises(DuplicateAsset, match="idempotency key"):
        support.register(session, SYSTEM_ACTOR, deps, released, idempotency_key="again")
    out = support.output(session, released)
    with pytest.raises(DuplicateAsset, match="already registered"):
        assets.register(
            session,
            SYSTEM_ACTOR,
            deps,
            asset_id=first.id,
            kind=AssetKind.release,
            output=out,
            data=support.png(),
            media_type="image/png",
            channel="instagram",
            consent_sha256=released.consent_sha256,
            approval_sha256="a" * 64,
            valid_until=released.license.ends_at,
        )


def test_read_file_returns_the_file_to_the_brand_and_audits_it(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    data = support.png(5)
    asset = support.register(session, SYSTEM_ACTOR, deps, released, data=data)
    got, body = assets.read_file(session, world.actor(session, "brand"), deps, asset.id)
    assert got.id == asset.id and body == data
    (event,) = events(session, "asset.downloaded", asset.id)
    assert event.actor.startswith("brand:")


@pytest.mark.parametrize("who", ["other_brand", "stranger_agent", "other_talent"])
def test_read_file_hides_assets_from_strangers(
    session: Session, world: World, deps: StorageDeps, released: support.Released, who: str
) -> None:
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    with pytest.raises(AssetNotFound):
        assets.read_file(session, world.actor(session, who), deps, asset.id)
    assert events(session, "asset.downloaded") == []


def test_a_brand_never_downloads_a_preview_but_the_talent_side_may(
    session: Session, world: World, deps: StorageDeps, released: support.Released
) -> None:
    preview = support.register(session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview)
    with pytest.raises(NotDownloadable, match="preview"):
        assets.read_file(session, world.actor(session, "brand"), deps, preview.id)
    for who in ("talent", "agent", "operator"):
        _, body = assets.read_file(session, world.actor(session, who), deps, preview.id)
        assert body == support.png()
    assert len(events(session, "asset.downloaded", preview.id)) == 3


def test_the_doctor_counts_asset_files_as_referenced(db: Database, deps: StorageDeps) -> None:
    from likeness.system import doctor

    with db.unit_of_work() as session:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        asset = support.register(session, SYSTEM_ACTOR, deps, released)
        blob = asset.blob_key
    report = doctor.diagnose(db, deps, grace_s=0)
    assert [f for f in report.findings if f.subject == blob] == []
    assert deps.blobs.exists(blob)


def _findings(report: Any, code: str) -> set[str]:
    return {f.subject for f in report.findings if f.code == code}


def test_the_doctor_reports_a_lost_asset_or_output_file_while_it_is_in_use(
    db: Database, deps: StorageDeps
) -> None:
    from likeness.system import doctor

    with db.unit_of_work() as session:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        kept = support.register(session, SYSTEM_ACTOR, deps, released)
        lost = support.register(session, SYSTEM_ACTOR, deps, released, data=support.png(1))
        gone = support.register(session, SYSTEM_ACTOR, deps, released, data=support.png(2))
        gone.status = AssetStatus.taken_down  # the brand took it down: no longer in use
        pending = support.output(session, released, OutputStatus.pending)
        pending.blob_key = deps.blobs.put(b"sealed output image")
        lost_output = support.output(session, released, OutputStatus.approved)
        lost_output.blob_key = "d" * 64
        session.flush()
        keep = (kept.blob_key, pending.blob_key)
        assert all(key in doctor.referenced_blobs(session) for key in keep)
    deps.blobs.delete(lost.blob_key)
    deps.blobs.delete(gone.blob_key)
    report = doctor.diagnose(db, deps, grace_s=0)
    assert _findings(report, "orphan_blob") & set(keep) == set()
    missing = _findings(report, "missing_blob")
    assert {lost.blob_key, lost_output.blob_key} <= missing
    assert gone.blob_key not in missing and kept.blob_key not in missing
    doctor.repair(db, deps, grace_s=0)
    assert all(deps.blobs.exists(key) for key in keep)  # the repair deletes no file in use
