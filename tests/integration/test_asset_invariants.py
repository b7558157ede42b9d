"""Property: whatever happens to its license, its consent or the asset itself, a brand
can download an asset only while it is an active release (through the real services, on
SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration import asset_support as support
from integration.test_license_support import make_world
from likeness.asset import service as assets
from likeness.asset.errors import NotDownloadable
from likeness.consent import service as consent_service
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.licensing import repository as licenses
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.asset import AssetKind, AssetStatus
from likeness.vault.deps import StorageDeps

EVENTS = ("revoke_license", "suspend_license", "revoke_consent", "expire", "take_down", "nothing")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(list(AssetKind)), events=st.lists(st.sampled_from(EVENTS), max_size=3))
def test_a_brand_downloads_only_while_the_asset_is_an_active_release(
    db: Database, deps: StorageDeps, kind: AssetKind, events: list[str]
) -> None:
    session = db.sessionmaker()
    try:
        world = make_world(session)
        released = support.licensed(session, world, deps)
        asset = support.register(session, SYSTEM_ACTOR, deps, released, kind=kind)
        brand = world.actor(session, "brand")
        ended = False
        for event in events:
            lic = licenses.get(session, released.license.id)
            assert lic is not None
            running = lic.status.value in ("active", "suspended")
            if event == "revoke_license" and running:
                licensing.revoke(session, SYSTEM_ACTOR, lic.id, TransitionIn(reason="p"))
                ended = True
            elif event == "suspend_license" and lic.status.value == "active":
                licensing.suspend(session, world.actor(session, "agent"), lic.id, TransitionIn())
            elif event == "revoke_consent":
                consent = licenses.use_consent_of(session, lic.id)
                if consent is not None and consent.revoked_at is None:
                    consent_service.mark_revoked(
                        session, world.actor(session, "talent"), consent, utcnow(), "p"
                    )
                    ended = True
            elif event == "expire" and running:
                licensing.expire_due(session, SYSTEM_ACTOR, lic.ends_at + timedelta(seconds=1))
                ended = True
            elif event == "take_down" and kind is AssetKind.release:
                if assets.get_for(session, brand, asset.id).status is not AssetStatus.taken_down:
                    assets.mark_taken_down(session, brand, asset.id, None)
                ended = True
        allowed = kind is AssetKind.release and not ended
        if allowed:
            assert assets.read_file(session, brand, deps, asset.id)[1] == support.png()
        else:
            try:
                assets.read_file(session, brand, deps, asset.id)
            except NotDownloadable:
                pass
            else:
                raise AssertionError(f"a brand downloaded a {kind} asset after {events}")
        shown = assets.get_for(session, brand, asset.id)
        assert (shown.status is AssetStatus.active) == (not ended)
    finally:
        session.rollback()
        session.close()
