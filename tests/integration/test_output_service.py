"""Outputs: quarantine, review, preview and release through the service, on SQLite and
(with ``LIKENESS_TEST_DATABASE_URL``) PostgreSQL."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import output_support as support
from integration.test_license_support import World, to_status
from likeness.asset import service as assets
from likeness.asset.errors import NotDownloadable
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.canonical import canonical_sha256
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.asset import Asset, AssetKind
from likeness.models.audit import AuditEvent
from likeness.models.license import License
from likeness.models.output import OutputStatus, ReviewMode
from likeness.output import rules, service
from likeness.output.errors import (
    GenerationDenied,
    IdempotencyKeyReused,
    InvalidOutputRequest,
    OutputNotFound,
    OutputNotReleasable,
    OutputNotReviewable,
    ReleaseDenied,
    ReviewNotPermitted,
    StaleOutput,
)
from likeness.policy import ApprovalMode
from likeness.provenance import StampConfig, parse_xmp, verify
from likeness.provenance._image import read_header
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StampConfig:
    return support.stamp_config(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def s(session: Session, world: World, deps: StorageDeps, config: StampConfig) -> support.Setup:
    return support.setup(session, world, deps, config)


def events(session: Session, action: str, object_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.object_id == object_id)
        )
    )


# --- create (quarantine) ------------------------------------------------------------------


def test_an_output_is_held_sealed_with_its_decision_and_a_registered_preview(
    session: Session, deps: StorageDeps, s: support.Setup, tmp_path: Path
) -> None:
    picture = support.image(1)
    out = service.create(
        session, s.world.actor(session, "brand"), deps, s.request(), picture, s.config
    )
    assert out.status is OutputStatus.pending and out.review_mode is None
    assert out.license_id == s.license.id and out.twin_version == 1
    decision = json.loads(out.decision_json)
    assert decision["allow"] and decision["license_id"] == s.license.id
    assert decision["use"]["action"] == "generate"
    assert out.decision_sha256 == hashlib.sha256(out.decision_json.encode()).hexdigest()
    assert support.use_of(out) == {
        "action": "generate",
        "channel": "instagram",
        "territory": "FR",
        "category": "fashion",
    }
    assert json.loads(out.engine_params)["scene"]["framing"]["preset"] == "instagram-portrait"
    # Sealed with the twin's key: the store holds no plain image.
    sealed = deps.blobs.get(out.blob_key)
    assert picture not in sealed
    plain = deps.cipher.decrypt(twin_key_name(s.twin.id), sealed, role=f"output/{out.id}")
    assert plain == picture and out.image_sha256 == hashlib.sha256(picture).hexdigest()
    # Until the commit, a journal names the image (and one the preview): a crash undoes both.
    assert len(list((tmp_path / "intents").glob("*.intent"))) == 2
    # The preview: a registered asset of kind preview, marked and watermarked.
    preview = session.get(Asset, out.preview_asset_id)
    assert preview is not None and preview.kind is AssetKind.preview and preview.channel is None
    assert len(events(session, "output.created", out.id)) == 1
    assert events(session, "output.approved", out.id) == []


def test_a_pre_approved_license_approves_automatically_and_logs_it(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> None:
    s = support.setup(session, world, deps, config, approval_mode=ApprovalMode.pre_approved)
    out = support.create(session, deps, s)
    assert out.status is OutputStatus.approved and out.review_mode is ReviewMode.automatic
    assert out.reviewed_by_user_id is None and out.reviewed_at is not None
    record = rules.approval_record(
        output_id=out.id,
        image_sha256=out.image_sha256,
        decision_sha256=out.decision_sha256,
        reviewer=rules.AUTOMATIC_REVIEWER,
        review_mode=ReviewMode.automatic,
        approved_at=out.reviewed_at,
    )
    assert out.approval_sha256 == canonical_sha256(record)
    [event] = events(session, "output.approved", out.id)
    assert json.loads(event.payload)["review_mode"] == "automatic"
    # Approved before its preview is marked, yet the preview carries no approval: it is
    # what a reviewer sees, never a release.
    preview = session.get(Asset, out.preview_asset_id)
    assert preview is not None and preview.kind is AssetKind.preview
    assert preview.approval_sha256 is None and preview.channel is None


def test_generation_outside_the_license_is_refused_and_stores_nothing(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    before = set(deps.blobs.inventory()) if hasattr(deps.blobs, "inventory") else None
    with pytest.raises(GenerationDenied, match=r"channel\.not_licensed"):
        support.create(session, deps, s, channel="tiktok")
    with pytest.raises(GenerationDenied, match=r"category\.not_licensed"):
        support.create(session, deps, s, category="lingerie")
    if before is not None:
        assert set(deps.blobs.inventory()) == before
    with pytest.raises(InvalidOutputRequest, match="readable image"):
        service.create(
            session, s.world.actor(session, "brand"), deps, s.request(), b"no image", s.config
        )


def test_a_request_names_its_license_and_no_other_is_picked(
    session: Session, world: World, deps: StorageDeps, s: support.Setup
) -> None:
    second = to_status(
        session, world, "active", channels=["tiktok"], categories=["beauty"], per_use_fees_minor={}
    )
    named = s.request(channel="tiktok", category="beauty")
    # The first license does not cover tiktok; the second does, but was not named.
    with pytest.raises(GenerationDenied):
        service.create(
            session, world.actor(session, "brand"), deps, named, support.image(), s.config
        )
    out = service.create(
        session,
        world.actor(session, "brand"),
        deps,
        named.model_copy(update={"license_id": second.id}),
        support.image(),
        s.config,
    )
    assert json.loads(out.decision_json)["license_id"] == second.id == out.license_id


def test_strangers_cannot_create_under_a_license(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    from likeness.licensing.errors import LicenseNotFound

    with pytest.raises(LicenseNotFound):
        support.create(session, deps, s, actor=s.world.actor(session, "other_brand"))


# --- review -------------------------------------------------------------------------------


def test_the_talent_approves_with_an_approval_digest(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    out = support.create(session, deps, s)
    talent = s.world.actor(session, "talent")
    with pytest.raises(StaleOutput):
        service.approve(session, talent, out.id, expected_version=out.version + 1)
    approved = service.approve(session, talent, out.id, reason=" looks right ")
    assert approved.status is OutputStatus.approved and approved.review_mode is ReviewMode.talent
    assert approved.reviewed_by_user_id == s.world.talent_user.id
    assert approved.review_reason == "looks right"
    assert approved.reviewed_at is not None
    expected = rules.approval_sha256(
        rules.approval_record(
            output_id=out.id,
            image_sha256=out.image_sha256,
            decision_sha256=out.decision_sha256,
            reviewer=s.world.talent_user.id,
            review_mode=ReviewMode.talent,
            approved_at=approved.reviewed_at,
        )
    )
    assert approved.approval_sha256 == expected
    with pytest.raises(OutputNotReviewable):
        service.reject(session, talent, out.id, reason="changed my mind")
    assert len(events(session, "output.approved", out.id)) == 1


def test_rejection_needs_a_reason_and_the_output_is_kept_never_released(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    out = support.create(session, deps, s)
    talent = s.world.actor(session, "talent")
    with pytest.raises(InvalidOutputRequest, match="reason"):
        service.reject(session, talent, out.id, reason="   ")
    rejected = service.reject(session, talent, out.id, reason="the hands look wrong")
    assert rejected.status is OutputStatus.rejected and rejected.approval_sha256 is None
    assert rejected.review_reason == "the hands look wrong"
    with pytest.raises(OutputNotReleasable, match="rejected"):
        service.release(session, s.world.actor(session, "brand"), deps, out.id, s.config)
    assert session.get(License, s.license.id).released_count == 0  # type: ignore[union-attr]
    [event] = events(session, "output.rejected", out.id)
    assert json.loads(event.payload)["reason"] == "the hands look wrong"


@pytest.mark.parametrize("who", ["brand", "operator", "agent"])
def test_only_the_talent_reviews_unless_the_license_delegates(
    session: Session, deps: StorageDeps, s: support.Setup, who: str
) -> None:
    out = support.create(session, deps, s)
    with pytest.raises(ReviewNotPermitted):
        service.approve(session, s.world.actor(session, who), out.id)
    with pytest.raises(ReviewNotPermitted):
        service.reject(session, s.world.actor(session, who), out.id, reason="no")


def test_a_delegating_license_lets_the_agent_review(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> None:
    s = support.setup(session, world, deps, config, delegate_review=True)
    out = support.create(session, deps, s)
    agent = world.actor(session, "agent")
    assert [o.id for o in service.list_for(session, agent, queue=True)] == [out.id]
    approved = service.approve(session, agent, out.id)
    assert approved.review_mode is ReviewMode.agent
    assert approved.reviewed_by_user_id == world.agent_user.id
    with pytest.raises(OutputNotFound):  # an agent of another agency sees nothing
        service.approve(session, world.actor(session, "stranger_agent"), out.id)


def test_queues_and_visibility_follow_the_license(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    w = s.world
    first = support.create(session, deps, s, seed=1)
    second = support.create(session, deps, s, seed=2)
    service.reject(session, w.actor(session, "talent"), second.id, reason="no")

    def ids(who: str, **kw: object) -> list[str]:
        return [o.id for o in service.list_for(session, w.actor(session, who), **kw)]  # type: ignore[arg-type]

    assert ids("talent", queue=True) == [first.id]
    assert ids("agent", queue=True) == []  # no delegation: the agent sees, never reviews
    assert set(ids("agent")) == {first.id, second.id}
    assert ids("brand", queue=True) == []
    assert set(ids("brand")) == {first.id, second.id}
    assert ids("other_brand") == [] and ids("other_talent") == []
    assert ids("brand", status=OutputStatus.rejected) == [second.id]
    with pytest.raises(OutputNotFound):
        service.get_for(session, w.actor(session, "other_brand"), first.id)


def test_the_preview_is_for_the_reviewing_side_never_the_brand(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    out = support.create(session, deps, s)
    for who in ("talent", "agent", "operator"):
        _, asset, data = service.preview(session, s.world.actor(session, who), deps, out.id)
        assert asset.kind is AssetKind.preview
    report = verify(data, support.verify_config(s.config))
    assert report.c2pa.manifest is not None and report.c2pa.manifest.likeness is not None
    assert report.c2pa.manifest.likeness["asset_kind"] == "preview"
    assert report.watermark.payload_hex == out.preview_asset_id[:16]  # type: ignore[index]
    with pytest.raises(OutputNotFound):
        service.preview(session, s.world.actor(session, "brand"), deps, out.id)
    with pytest.raises(NotDownloadable):  # nor through the asset registry
        assets.read_file(session, s.world.actor(session, "brand"), deps, out.preview_asset_id)  # type: ignore[arg-type]


# --- a preview stamped before the transaction ---------------------------------------------


def _prepared(
    session: Session, deps: StorageDeps, s: support.Setup, picture: bytes, consent: str | None
) -> service.PreparedPreview:
    """A preview stamped with no session, for the consent the latest decision named
    (or ``consent``: one that is no longer the one a decision would name)."""
    decision = service.require_generate(session, s.world.actor(session, "brand"), s.request())
    real = service.use_consent_sha256(session, decision)
    return service.prepare_preview(
        deps, s.request(), picture, s.config, consent_sha256=consent or real
    )


def _preview_says(
    session: Session, deps: StorageDeps, s: support.Setup, output_id: str
) -> dict[str, Any]:
    _, asset, data = service.preview(session, s.world.actor(session, "talent"), deps, output_id)
    report = verify(data, support.verify_config(s.config))
    assert report.c2pa.state == "Trusted" and report.c2pa.manifest is not None
    likeness = report.c2pa.manifest.likeness
    assert likeness is not None and likeness["asset_id"] == asset.id
    assert likeness["use_consent_sha256"] == asset.consent_sha256
    assert report.watermark.payload_hex == asset.id[:16]
    return {"asset_id": asset.id, "file": data, **likeness}


def test_a_preview_stamped_beforehand_is_registered_as_it_is(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    picture = support.image(2)
    prepared = _prepared(session, deps, s, picture, None)
    brand = s.world.actor(session, "brand")
    out, marked = service.create_with_preview(
        session, brand, deps, s.request(), picture, s.config, prepared=prepared
    )
    assert out.id == prepared.output_id and marked == prepared.marked
    says = _preview_says(session, deps, s, out.id)
    assert says["asset_id"] == out.preview_asset_id == prepared.info.asset_id
    assert says["file"] == prepared.marked and says["asset_kind"] == "preview"
    # The same stamp, byte for byte, as one made inside the transaction would say.
    again = service.create(session, brand, deps, s.request(), picture, s.config)
    inside = _preview_says(session, deps, s, again.id)
    for name in ("twin_id", "license_id", "use_consent_sha256", "engine", "asset_kind"):
        assert says[name] == inside[name], name


def test_a_preview_stamped_for_another_consent_is_stamped_again(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    picture = support.image(3)
    prepared = _prepared(session, deps, s, picture, "0" * 64)
    out, marked = service.create_with_preview(
        session, s.world.actor(session, "brand"), deps, s.request(), picture, s.config,
        prepared=prepared,
    )  # fmt: skip
    assert marked != prepared.marked
    says = _preview_says(session, deps, s, out.id)
    assert says["file"] == marked and says["use_consent_sha256"] != "0" * 64


def test_a_prepared_asset_id_whose_mark_was_taken_meanwhile_is_drawn_again(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    taken = support.create(session, deps, s).preview_asset_id
    assert taken is not None
    assert assets.allocate(session, preferred=taken)[0] != taken
    fresh, payload = assets.draw()
    assert assets.allocate(session, preferred=fresh) == (fresh, payload)
    picture = support.image(4)
    first = _prepared(session, deps, s, picture, None)
    prepared = dataclasses.replace(first, info=dataclasses.replace(first.info, asset_id=taken))
    out, marked = service.create_with_preview(
        session, s.world.actor(session, "brand"), deps, s.request(), picture, s.config,
        prepared=prepared,
    )  # fmt: skip
    assert out.preview_asset_id not in {taken, None} and marked != prepared.marked
    assert _preview_says(session, deps, s, out.id)["file"] == marked


# --- release ------------------------------------------------------------------------------


def _approved(session: Session, deps: StorageDeps, s: support.Setup, seed: int = 0) -> str:
    out = support.create(session, deps, s, seed=seed)
    service.approve(session, s.world.actor(session, "talent"), out.id)
    return out.id


def test_release_stamps_registers_and_counts_once(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    output_id = _approved(session, deps, s)
    brand = s.world.actor(session, "brand")
    result = service.require_released(
        service.release(session, brand, deps, output_id, s.config, idempotency_key="try-1")
    )
    out, asset = result.output, result.asset
    assert out.status is OutputStatus.released and not result.replayed
    assert asset.kind is AssetKind.release and asset.channel == "instagram"
    assert asset.approval_sha256 == out.approval_sha256 is not None
    assert result.license.released_count == 1
    _, data = assets.read_file(session, brand, deps, asset.id)
    assert hashlib.sha256(data).hexdigest() == asset.file_sha256
    report = verify(data, support.verify_config(s.config))
    assert report.c2pa.state == "Trusted"
    likeness = report.c2pa.manifest.likeness  # type: ignore[union-attr]
    assert likeness is not None
    assert (likeness["asset_id"], likeness["twin_id"], likeness["license_id"]) == (
        asset.id,
        out.twin_id,
        s.license.id,
    )
    assert likeness["approval_sha256"] == out.approval_sha256
    assert likeness["use_consent_sha256"] == asset.consent_sha256
    assert (likeness["engine"], likeness["asset_kind"]) == ("studio", "release")
    assert report.watermark.payload_hex == asset.id[:16]
    assert parse_xmp(read_header(data).xmp).asset_kind == "release"
    # A retry with the same key: the same asset, counted once.
    again = service.require_released(
        service.release(session, brand, deps, output_id, s.config, idempotency_key="try-1")
    )
    assert again.replayed and again.asset.id == asset.id
    assert session.get(License, s.license.id).released_count == 1  # type: ignore[union-attr]
    # Without the key, a second release is refused rather than counted.
    with pytest.raises(OutputNotReleasable, match=asset.id):
        service.release(session, brand, deps, output_id, s.config)
    # The key belongs to that output: another output cannot reuse it.
    other = _approved(session, deps, s, seed=5)
    with pytest.raises(IdempotencyKeyReused):
        service.release(session, brand, deps, other, s.config, idempotency_key="try-1")
    assert len(events(session, "output.released", output_id)) == 1


def test_only_approved_outputs_are_released_and_only_by_the_brand(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    pending = support.create(session, deps, s)
    brand = s.world.actor(session, "brand")
    with pytest.raises(OutputNotReleasable, match="review"):
        service.release(session, brand, deps, pending.id, s.config)
    approved = _approved(session, deps, s, seed=3)
    with pytest.raises(ReviewNotPermitted):
        service.release(session, s.world.actor(session, "talent"), deps, approved, s.config)
    with pytest.raises(OutputNotFound):
        service.release(session, s.world.actor(session, "other_brand"), deps, approved, s.config)
    with pytest.raises(InvalidOutputRequest, match="stamp preset"):
        service.release(session, brand, deps, approved, s.config, channel="fax")
    with pytest.raises(ReleaseDenied, match=r"channel\.not_licensed"):
        service.release(session, brand, deps, approved, s.config, channel="tiktok")
    assert session.get(License, s.license.id).released_count == 0  # type: ignore[union-attr]


def test_a_revoked_license_blocks_the_release(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    output_id = _approved(session, deps, s)
    licensing.revoke(
        session, s.world.actor(session, "talent"), s.license.id, TransitionIn(reason="done")
    )
    result = service.release(session, s.world.actor(session, "brand"), deps, output_id, s.config)
    assert isinstance(result, service.Blocked)
    assert result.output.status is OutputStatus.blocked
    assert "license.revoked" in (result.output.blocked_reason or "")
    assert session.scalars(select(Asset).where(Asset.kind == AssetKind.release)).all() == []
    assert len(events(session, "output.blocked", output_id)) == 1


def test_the_quota_is_never_exceeded(
    session: Session, world: World, deps: StorageDeps, config: StampConfig
) -> None:
    s = support.setup(session, world, deps, config, max_outputs=1)
    first, second = _approved(session, deps, s, 1), _approved(session, deps, s, 2)
    brand = world.actor(session, "brand")
    service.require_released(service.release(session, brand, deps, first, s.config))
    with pytest.raises(ReleaseDenied, match=r"quota\.exhausted"):
        service.release(session, brand, deps, second, s.config)
    assert session.get(License, s.license.id).released_count == 1  # type: ignore[union-attr]


def test_a_revoked_use_consent_blocks_too(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    from likeness.licensing import repository as licenses

    output_id = _approved(session, deps, s)
    consent = licenses.use_consent_of(session, s.license.id)
    assert consent is not None
    licensing.revoke_consent(session, s.world.actor(session, "talent"), deps, consent.id, "stop")
    result = service.release(session, SYSTEM_ACTOR, deps, output_id, s.config)
    assert isinstance(result, service.Blocked)
    with pytest.raises(type(result.error)):
        service.require_released(result)


def test_a_revoked_consent_blocks_every_pending_output_on_the_next_read(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    from likeness.licensing import repository as licenses

    pending = support.create(session, deps, s, seed=1)
    approved = _approved(session, deps, s, seed=2)
    talent = s.world.actor(session, "talent")
    assert [o.id for o in service.list_for(session, talent, queue=True)] == [pending.id]
    consent = licenses.use_consent_of(session, s.license.id)
    assert consent is not None
    licensing.revoke_consent(session, talent, deps, consent.id, "no more")
    assert service.list_for(session, talent, queue=True) == []
    listed = {o.id: o for o in service.list_for(session, s.world.actor(session, "brand"))}
    assert {listed[pending.id].status, listed[approved].status} == {OutputStatus.blocked}
    assert "license.revoked" in (listed[pending.id].blocked_reason or "")
    with pytest.raises(OutputNotReviewable):
        service.approve(session, talent, pending.id)
    [event] = events(session, "output.blocked", pending.id)
    assert event.actor == SYSTEM_ACTOR.label  # the platform blocked it, nobody pressed a button
    assert service.settle(session, [pending.id, approved]) == []  # idempotent


# --- review fixes: release decision, replay channel, agent queue, settle on reads ----------


def test_a_release_on_another_channel_carries_its_own_release_decision(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    output_id = _approved(session, deps, s)  # made for instagram
    result = service.require_released(
        service.release(
            session, s.world.actor(session, "brand"), deps, output_id, s.config, channel="web"
        )
    )
    asset, out = result.asset, result.output
    assert asset.channel == "web"
    [event] = events(session, "output.released", output_id)
    decision = event_data(event)["decision"]
    assert decision["allow"] and decision["use"]["action"] == "release"
    assert decision["use"]["channel"] == "web"
    assert (
        asset.decision_sha256 == canonical_sha256(decision) == event_data(event)["decision_sha256"]
    )
    assert asset.decision_sha256 != out.decision_sha256  # not the generate decision
    preview = session.get(Asset, out.preview_asset_id)
    assert preview is not None and preview.decision_sha256 == out.decision_sha256


def event_data(event: AuditEvent) -> dict[str, Any]:
    data = json.loads(event.payload)
    assert isinstance(data, dict)
    return data


def test_a_retry_with_the_same_key_on_another_channel_is_refused(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    output_id = _approved(session, deps, s)
    brand = s.world.actor(session, "brand")
    first = service.require_released(
        service.release(session, brand, deps, output_id, s.config, idempotency_key="k")
    )
    assert first.asset.channel == "instagram"
    with pytest.raises(IdempotencyKeyReused, match="instagram"):
        service.release(
            session, brand, deps, output_id, s.config, channel="web", idempotency_key="k"
        )
    again = service.require_released(  # the same channel, named or not, still replays
        service.release(
            session, brand, deps, output_id, s.config, channel="instagram", idempotency_key="k"
        )
    )
    assert again.replayed and again.asset.id == first.asset.id


def test_operators_may_release_and_the_refusal_says_so(
    session: Session, deps: StorageDeps, s: support.Setup
) -> None:
    output_id = _approved(session, deps, s)
    with pytest.raises(ReviewNotPermitted, match="operator"):
        service.release(session, s.world.actor(session, "talent"), deps, output_id, s.config)
    released = service.release(
        session, s.world.actor(session, "operator"), deps, output_id, s.config
    )
    assert isinstance(released, service.Released) and not released.replayed


def test_an_agent_queue_is_filtered_before_paging(
    session: Session, world: World, deps: StorageDeps, config: StampConfig, s: support.Setup
) -> None:
    delegating = to_status(
        session,
        world,
        "active",
        channels=["tiktok"],
        categories=["beauty"],
        per_use_fees_minor={},
        delegate_review=True,
    )
    theirs = support.Setup(world, s.twin, delegating, config)
    for seed in range(3):  # older, under the license that does not delegate review
        support.create(session, deps, s, seed=seed)
    delegated = [
        support.create(session, deps, theirs, seed=10 + n, channel="tiktok", category="beauty").id
        for n in range(2)
    ]
    agent = world.actor(session, "agent")
    page = service.list_for(session, agent, queue=True, limit=2)
    assert [o.id for o in page] == delegated
    assert service.list_for(session, agent, queue=True, limit=2, offset=2) == []
    talent = world.actor(session, "talent")
    assert len(service.list_for(session, talent, queue=True, limit=2)) == 2
    assert len(service.list_for(session, talent, queue=True)) == 5
    assert service.list_for(session, world.actor(session, "operator"), queue=True) == []


def test_reading_a_settled_output_runs_no_settle_query(
    session: Session, deps: StorageDeps, s: support.Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from likeness.output import repository as outputs

    released = _approved(session, deps, s, seed=1)
    service.require_released(
        service.release(session, s.world.actor(session, "brand"), deps, released, s.config)
    )
    rejected = support.create(session, deps, s, seed=2).id
    service.reject(session, s.world.actor(session, "talent"), rejected, reason="no")
    pending = support.create(session, deps, s, seed=3).id
    calls: list[list[str]] = []
    real = outputs.unreleased_with_rights

    def spy(session: Session, output_ids: list[str]) -> object:
        calls.append(list(output_ids))
        return real(session, output_ids)

    monkeypatch.setattr(outputs, "unreleased_with_rights", spy)
    for output_id in (released, rejected):
        service.get_for(session, s.world.actor(session, "brand"), output_id)
    assert calls == []
    service.get_for(session, s.world.actor(session, "brand"), pending)
    assert calls == [[pending]]
