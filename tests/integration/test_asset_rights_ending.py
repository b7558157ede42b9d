"""The asset registry and the output workflow agree on when a license's rights end: for
each cause, an active asset and a pending output of the same license and use consent
change together (one rule, ``licensing.rules.rights_ending``). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from integration import asset_support as support
from integration.test_license_support import World
from likeness.asset import service as assets
from likeness.consent import service as consent_service
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.licensing import repository as licenses
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.asset import AssetStatus
from likeness.models.output import OutputStatus
from likeness.output import service as outputs
from likeness.policy import reasons as R  # noqa: N812
from likeness.vault.deps import StorageDeps

#: What happens to the rights, returning the moment to settle at.
Cause = Callable[[Session, World, support.Released], datetime]


def consent_revoked(session: Session, world: World, released: support.Released) -> datetime:
    consent = licenses.use_consent_of(session, released.license.id)
    assert consent is not None
    moment = utcnow() - timedelta(minutes=5)
    consent_service.mark_revoked(session, world.actor(session, "talent"), consent, moment, "stop")
    return utcnow()


def consent_expired(session: Session, world: World, released: support.Released) -> datetime:
    # A use consent that runs out while its license still runs. Signed consents are
    # immutable and one is signed to the license's term, so the license's term is moved
    # on instead (as an extension would): the consent then ends first.
    consent = licenses.use_consent_of(session, released.license.id)
    assert consent is not None
    lic = released.license
    lic.ends_at = consent.valid_until + timedelta(days=30)
    session.flush()
    return consent.valid_until + timedelta(days=1)


def license_revoked(session: Session, world: World, released: support.Released) -> datetime:
    licensing.revoke(session, SYSTEM_ACTOR, released.license.id, TransitionIn(reason="breach"))
    return utcnow()


def license_expired(session: Session, world: World, released: support.Released) -> datetime:
    later = released.license.ends_at + timedelta(seconds=1)
    licensing.expire_due(session, SYSTEM_ACTOR, later)
    return later


def license_past_term(session: Session, world: World, released: support.Released) -> datetime:
    return released.license.ends_at + timedelta(days=1)  # not swept yet


def license_suspended(session: Session, world: World, released: support.Released) -> datetime:
    licensing.suspend(session, world.actor(session, "agent"), released.license.id, TransitionIn())
    return utcnow()


@pytest.mark.parametrize(
    ("cause", "asset_status", "code"),
    [
        (consent_revoked, AssetStatus.revoked, R.CONSENT_REVOKED),
        (consent_expired, AssetStatus.expired, R.CONSENT_EXPIRED),
        (license_revoked, AssetStatus.revoked, R.LICENSE_REVOKED),
        (license_expired, AssetStatus.expired, R.LICENSE_EXPIRED),
        (license_past_term, AssetStatus.expired, R.LICENSE_EXPIRED),
        (license_suspended, AssetStatus.active, None),
    ],
    ids=lambda v: getattr(v, "__name__", None) or str(v),
)
def test_an_asset_and_a_pending_output_of_the_same_rights_end_together(
    session: Session,
    world: World,
    deps: StorageDeps,
    cause: Cause,
    asset_status: AssetStatus,
    code: str | None,
) -> None:
    released = support.licensed(session, world, deps)
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    pending = support.output(session, released, OutputStatus.pending)
    now = cause(session, world, released)

    assets.settle(session, now)
    outputs.settle(session, [pending.id], now)
    session.refresh(asset)
    session.refresh(pending)

    assert asset.status is asset_status
    if code is None:  # a suspension ends nothing: both wait for it to be lifted
        assert pending.status is OutputStatus.pending and pending.blocked_reason is None
        assert asset.takedown_by is None
        return
    assert pending.status is OutputStatus.blocked
    # the same cause, in the same words (the asset's reason may add the one given)
    reason = pending.blocked_reason or ""
    assert reason.startswith(f"{code}: ")
    sentence = reason.removeprefix(f"{code}: ").split(" (license ")[0]
    assert asset.status_reason is not None and asset.status_reason.startswith(sentence)
    assert asset.takedown_by is not None


def test_a_single_asset_read_settles_a_consent_that_ran_out(
    session: Session, world: World, deps: StorageDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = support.licensed(session, world, deps, takedown_days=0)
    asset = support.register(session, SYSTEM_ACTOR, deps, released)
    now = consent_expired(session, world, released)
    monkeypatch.setattr(assets, "utcnow", lambda: now)
    found = assets.lookup(session, asset.mark)
    assert found is not None and found.status is AssetStatus.expired
    consent = licenses.use_consent_of(session, released.license.id)
    assert consent is not None and found.takedown_by == consent.valid_until
    assert assets.public_lookup(session, asset.id).authorised_release is False
