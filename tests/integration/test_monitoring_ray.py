"""A monitoring scan on the Ray executor: the real scan job (default parts: the folder
source, the face model, the in-process index, screened) runs in a Ray actor's own
process against the same database, and opens the case for the talent's picture only.
One local Ray for the module (slow: Ray takes a few seconds to start)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration import monitoring_scan_support as support
from integration.test_license_support import World
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs.executors import RayExecutor, start_ray
from likeness.kit.db import Database
from likeness.models.job import JobStatus
from likeness.models.monitoring import MonitoringCase, MonitoringFinding, MonitoringScan, Verdict
from likeness.monitoring import service
from likeness.provenance import ensure_signing_material
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.system.keys import ensure_key, platform_key_specs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def _ray() -> Iterator[None]:
    start_ray(None, 1)
    yield
    ray.shutdown()


def test_a_scan_runs_on_the_ray_executor_and_opens_the_talents_case(
    settings: Settings, db: Database, session: Session, world: World, tmp_path: Path
) -> None:
    from integration.capture_support import ANALYZER
    from reference_photos import portrait_png, portrait_rgb

    keys = settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True)
    ensure_key(keys, next(s for s in platform_key_specs() if s.filename == "watermark.key"))
    ensure_signing_material(keys)
    rgb = portrait_rgb(0)
    face = ANALYZER.largest_face(rgb)
    assert face is not None
    folder = tmp_path / "scan"
    folder.mkdir()
    (folder / "me.png").write_bytes(portrait_png(0))
    (folder / "stranger.png").write_bytes(portrait_png(7))
    support.enrol(session, world.talent.id, ANALYZER.embed_aligned(rgb, face))
    scan = service.request_scan(session, SYSTEM_ACTOR, str(folder))
    scan_id, job_id = scan.id, scan.job_id
    session.commit()  # the actor's process reads it (and SQLite's write lock is let go)
    assert job_id is not None
    with RayExecutor(Runtime(settings, db), workers=1) as executor:
        executor.submit(job_id)
        assert executor.wait([job_id], timeout=300) == {job_id: JobStatus.succeeded}
    session.expire_all()
    done = session.get(MonitoringScan, scan_id)
    assert done is not None and (done.images, done.cases_opened) == (2, 1)
    findings = session.scalars(select(MonitoringFinding)).all()
    verdicts = {Path(f.location).name: f.verdict for f in findings}
    assert verdicts == {"me.png": Verdict.unmarked_match, "stranger.png": Verdict.no_match}
    [case] = session.scalars(select(MonitoringCase)).all()
    assert case.talent_id == world.talent.id and case.location.endswith("me.png")
