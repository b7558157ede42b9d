"""Two workers releasing at once on PostgreSQL (threads, each with its own session):
exactly one counted release per output, the quota never exceeded, and a retry with the
same idempotency key returns the asset the winner made.

SQLite serialises whole write transactions (``BEGIN IMMEDIATE``), so there is no race to
test there; the compare-and-set on ``Output.version`` and ``License.version`` is what
PostgreSQL's row locks make matter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from integration import output_support as support
from integration.test_license_support import make_world
from likeness.errors import LikenessError
from likeness.kit.db import Database
from likeness.models.asset import Asset, AssetKind
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus
from likeness.output import service
from likeness.output.errors import IdempotencyKeyReused
from likeness.provenance import StampConfig
from likeness.vault.deps import StorageDeps


@pytest.fixture(autouse=True)
def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "SQLite serialises write transactions (BEGIN IMMEDIATE): the race needs "
            "PostgreSQL (set LIKENESS_TEST_DATABASE_URL)"
        )


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StampConfig:
    return support.stamp_config(tmp_path_factory.mktemp("keys"))


def _prepare(
    db: Database, deps: StorageDeps, config: StampConfig, outputs: int, **terms: object
) -> tuple[str, str, list[str]]:
    """(brand member email, license id, approved output ids), committed."""
    with db.unit_of_work() as session:
        world = make_world(session)
        s = support.setup(session, world, deps, config, **terms)
        ids = []
        for seed in range(outputs):
            out = support.create(session, deps, s, seed=seed)
            service.approve(session, world.actor(session, "talent"), out.id)
            ids.append(out.id)
        return world.brand_user.id, s.license.id, ids


def _race(db: Database, jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs at once; each result is the return value or the LikenessError."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except LikenessError as exc:
            results[index] = exc
        except BaseException as exc:  # pragma: no cover - reported by the assertion
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _release(
    db: Database,
    deps: StorageDeps,
    config: StampConfig,
    user_id: str,
    output_id: str,
    key: str | None,
) -> Callable[[], str]:
    def job() -> str:
        from likeness.auth.service import actor_for_user
        from likeness.models.party import User

        with db.unit_of_work() as session:
            user = session.get(User, user_id)
            assert user is not None
            actor = actor_for_user(session, user, via="test")
            result = service.require_released(
                service.release(session, actor, deps, output_id, config, idempotency_key=key)
            )
            return result.asset.id

    return job


def _counts(db: Database, license_id: str) -> tuple[int, int]:
    with db.unit_of_work() as session:
        lic = session.get(License, license_id)
        assert lic is not None
        assets = session.scalar(
            select(func.count())
            .select_from(Asset)
            .where(Asset.license_id == license_id, Asset.kind == AssetKind.release)
        )
        return lic.released_count, int(assets or 0)


def test_two_workers_release_one_output_once(
    db: Database, deps: StorageDeps, config: StampConfig, tmp_path: Path
) -> None:
    user, license_id, [output_id] = _prepare(db, deps, config, 1)
    results = _race(
        db,
        [_release(db, deps, config, user, output_id, "same-key") for _ in range(2)],
    )
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if not isinstance(r, str)]
    assert len(won) == 1, results
    assert all(isinstance(r, LikenessError) and r.status_code == 409 for r in lost), results
    assert _counts(db, license_id) == (1, 1)
    # The loser retries with the same key and gets the winner's asset, still counted once.
    assert _release(db, deps, config, user, output_id, "same-key")() == won[0]
    assert _counts(db, license_id) == (1, 1)
    with db.unit_of_work() as session:
        out = session.get(Output, output_id)
        assert out is not None and out.status is OutputStatus.released
    assert not list((tmp_path / "intents").glob("*.intent"))  # the loser's file was undone


def test_two_workers_never_exceed_the_quota(
    db: Database, deps: StorageDeps, config: StampConfig
) -> None:
    user, license_id, outputs = _prepare(db, deps, config, 2, max_outputs=1)
    results = _race(db, [_release(db, deps, config, user, o, None) for o in outputs])
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    assert all(isinstance(r, LikenessError) for r in results if not isinstance(r, str)), results
    assert _counts(db, license_id) == (1, 1)
    with db.unit_of_work() as session:
        statuses = sorted(
            o.status.value for o in session.scalars(select(Output).where(Output.id.in_(outputs)))
        )
    assert statuses == ["approved", "released"]


def test_two_workers_releasing_two_outputs_both_count(
    db: Database, deps: StorageDeps, config: StampConfig
) -> None:
    user, license_id, outputs = _prepare(db, deps, config, 2, max_outputs=5)
    results = _race(db, [_release(db, deps, config, user, o, None) for o in outputs])
    assert all(isinstance(r, str) for r in results), results
    assert _counts(db, license_id) == (2, 2)


def test_three_workers_fill_a_quota_of_two_exactly(
    db: Database, deps: StorageDeps, config: StampConfig
) -> None:
    user, license_id, outputs = _prepare(db, deps, config, 3, max_outputs=2)
    results = _race(db, [_release(db, deps, config, user, o, None) for o in outputs])
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 2, results
    lost = [r for r in results if not isinstance(r, str)]
    assert all(isinstance(r, LikenessError) and r.status_code in (403, 409) for r in lost), results
    assert _counts(db, license_id) == (2, 2)


def test_one_key_on_two_outputs_at_once_is_a_conflict_not_a_crash(
    db: Database, deps: StorageDeps, config: StampConfig, tmp_path: Path
) -> None:
    user, license_id, outputs = _prepare(db, deps, config, 2, max_outputs=5)
    results = _race(db, [_release(db, deps, config, user, o, "shared-key") for o in outputs])
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1, results
    [lost] = [r for r in results if not isinstance(r, str)]
    assert isinstance(lost, IdempotencyKeyReused) and lost.status_code == 409, results
    assert _counts(db, license_id) == (1, 1)
    assert not list((tmp_path / "intents").glob("*.intent"))  # the loser's file was undone
