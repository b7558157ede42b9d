"""Property: whatever the talent, the brand and the clock do, in any order, no output is
released or downloadable by a brand unless the talent (or an automatic pre-approval)
approved it; every release asset has exactly one approval, one decision, one consent
digest and one audit trail; the license counts exactly its release assets.

Hypothesis draws sequences of review, release, retry and revocation steps over three
outputs; each example runs in a fresh unit of work that is rolled back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import output_support as support
from integration.test_license_support import make_world
from likeness.asset import service as assets
from likeness.errors import LikenessError
from likeness.kit.db import Database
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.asset import Asset, AssetKind
from likeness.models.audit import AuditEvent
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus
from likeness.output import service
from likeness.provenance import StampConfig
from likeness.storage import MemoryBlobStore
from likeness.storage.intents import IntentJournal
from likeness.vault.crypto import InMemoryMasterKey, MemoryKeyVault, TwinCipher
from likeness.vault.deps import StorageDeps

OUTPUTS = 3
STEP = st.one_of(
    st.tuples(
        st.sampled_from(["approve", "reject", "release", "retry", "peek"]), st.integers(0, 2)
    ),
    st.just(("revoke", 0)),
)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StampConfig:
    return support.stamp_config(tmp_path_factory.mktemp("keys"))


class _Rollback(Exception):
    pass


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=10), pre_approved=st.booleans())
def test_nothing_unapproved_is_ever_released_or_downloadable(
    db: Database,
    config: StampConfig,
    tmp_path: Path,
    steps: list[tuple[str, int]],
    pre_approved: bool,
) -> None:
    deps = StorageDeps(
        MemoryBlobStore(),
        TwinCipher(InMemoryMasterKey(), MemoryKeyVault()),
        IntentJournal(tmp_path / "intents"),
    )
    terms = {"approval_mode": "pre_approved"} if pre_approved else {}
    try:
        with db.unit_of_work() as session:
            world = make_world(session)
            s = support.setup(session, world, deps, config, max_outputs=2, **terms)
            ids = [support.create(session, deps, s, seed=i).id for i in range(OUTPUTS)]
            talent, brand = world.actor(session, "talent"), world.actor(session, "brand")
            for action, index in steps:
                output_id = ids[index]
                try:
                    with session.begin_nested():
                        if action == "approve":
                            service.approve(session, talent, output_id)
                        elif action == "reject":
                            service.reject(session, talent, output_id, reason="not me")
                        elif action in ("release", "retry"):
                            key = f"k-{index}" if action == "retry" else None
                            service.release(
                                session, brand, deps, output_id, config, idempotency_key=key
                            )
                        elif action == "peek":
                            service.preview(session, brand, deps, output_id)
                            raise AssertionError("a brand saw a preview")
                        else:
                            licensing.revoke(session, talent, s.license.id, TransitionIn())
                except LikenessError:
                    pass
                _check(session, brand, deps, s.license.id, ids)
            raise _Rollback
    except _Rollback:
        pass


def _check(
    session: Session, brand: object, deps: StorageDeps, license_id: str, ids: list[str]
) -> None:
    releases = {
        a.output_id: a
        for a in session.scalars(
            select(Asset).where(Asset.license_id == license_id, Asset.kind == AssetKind.release)
        )
    }
    for output_id in ids:
        out = session.get(Output, output_id)
        assert out is not None
        asset = releases.get(output_id)
        if out.status is not OutputStatus.released:
            assert asset is None, f"{out.status} output {output_id} has a release asset"
        else:
            assert asset is not None
            assert out.approval_sha256 is not None and out.reviewed_at is not None
            assert asset.approval_sha256 == out.approval_sha256
            assert asset.decision_sha256 and asset.consent_sha256
            trail = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "output.released", AuditEvent.object_id == output_id
                )
            ).all()
            assert len(trail) == 1
            assert json.loads(trail[0].payload)["asset_id"] == asset.id
        # A brand never downloads a preview, whatever the output's state.
        assert out.preview_asset_id is not None
        with pytest.raises(LikenessError), session.begin_nested():
            assets.read_file(session, brand, deps, out.preview_asset_id)  # type: ignore[arg-type]
    lic = session.get(License, license_id)
    assert lic is not None and lic.released_count == len(releases) <= 2
