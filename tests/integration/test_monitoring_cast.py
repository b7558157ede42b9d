"""A scan through the real parts (folder source, inspection, face index) on the
synthetic cast: the talent's own face, re-encoded and resized as social media does,
opens a case against them; a *different* person never opens one, at the threshold."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER
from integration.test_license_support import World
from likeness.capture import service as captures
from likeness.models.monitoring import MonitoringCase, MonitoringFinding, Verdict
from likeness.monitoring import enrolment, index, inspect, service, sources
from likeness.monitoring.findings import ImageFindings, SourceImage
from likeness.runtime import Runtime
from likeness.vault.deps import StorageDeps
from reference_photos import portrait_png

TALENT_SEED = 0
#: People of the cast (picked to be different people) who are not the talent.
STRANGERS = (1, 2, 3, 4, 5, 6)


def social(png: bytes, side: int, quality: int) -> bytes:
    """A re-post: resized, re-encoded as JPEG, metadata gone."""
    with Image.open(io.BytesIO(png)) as image:
        image = image.convert("RGB")
        image.thumbnail((side, side))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def real_parts(*, screened: bool = False) -> service.ScanParts:
    config = inspect.InspectConfig(verify=None, analyzer=ANALYZER)

    def with_screen(
        image: SourceImage, face_index: index.FaceIndex, screened: service.Screened
    ) -> ImageFindings:
        on = dataclasses.replace(
            config,
            screen=service.screen_with(face_index, screened),
            screen_threshold=index.MATCH_THRESHOLD,
            screen_margin=screened.threshold - index.MATCH_THRESHOLD,
        )
        return inspect.inspect_image(image, config=on)

    return service.ScanParts(
        open_source=lambda spec: sources.open_source(spec),
        inspect=lambda image: inspect.inspect_image(image, config=config),
        index_for=index.index_for,
        refetch=lambda location: sources.refetch(location),
        screened=with_screen if screened else None,
    )


@pytest.mark.slow
@pytest.mark.parametrize("handler", ["real_scan", "real_screened_scan"])
def test_only_the_talent_opens_a_case(
    session: Session,
    world: World,
    deps: StorageDeps,
    runtime: Runtime,
    tmp_path: Path,
    handler: str,
) -> None:
    talent = world.actor(session, "talent")
    captures.set_reference(
        session, talent, deps, world.talent.id, portrait_png(TALENT_SEED), analyzer=ANALYZER
    )
    enrolment.opt_in(session, talent, world.talent.id, deps=deps, analyzer=ANALYZER)
    index.forget_cached()
    session.commit()
    folder = tmp_path / "scan"
    (folder / "fan.example.com").mkdir(parents=True)
    (folder / "news.example.com").mkdir()
    (folder / "fan.example.com" / "talent.jpg").write_bytes(
        social(portrait_png(TALENT_SEED), 200, 80)
    )
    for seed in STRANGERS:
        for side, quality in ((256, 90), (180, 70)):
            name = f"person-{seed}-{side}.jpg"
            (folder / "news.example.com" / name).write_bytes(
                social(portrait_png(seed), side, quality)
            )
    scan_id = _run(runtime, str(folder), handler)
    session.expire_all()
    findings = session.scalars(
        select(MonitoringFinding).where(MonitoringFinding.scan_id == scan_id)
    ).all()
    verdicts = {Path(f.location).name: f.verdict for f in findings}
    assert len(verdicts) == 1 + 2 * len(STRANGERS)
    assert verdicts.pop("talent.jpg") is Verdict.unmarked_match
    assert set(verdicts.values()) == {Verdict.no_match}, verdicts
    cases = session.scalars(select(MonitoringCase)).all()
    assert [(c.talent_id, Path(c.location).name) for c in cases] == [
        (world.talent.id, "talent.jpg")
    ]
    assert cases[0].distance is not None and cases[0].distance <= index.MATCH_THRESHOLD


def _run(runtime: Runtime, source: str, handler: str) -> str:
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.jobs import worker

    with runtime.db.unit_of_work() as session:
        scan = service.request_scan(session, SYSTEM_ACTOR, source)
        scan_id, job_id = scan.id, str(scan.job_id)
    outcome = worker.run_next(
        runtime,
        "test",
        [service.JOB_KIND],
        handlers={service.JOB_KIND: f"integration.test_monitoring_cast:{handler}"},
        only=[job_id],
    )
    assert outcome is not None and outcome.error is None, outcome
    return scan_id


def real_scan(ctx: object) -> dict[str, object]:
    return service.run_scan(ctx, real_parts())  # type: ignore[arg-type]


def real_screened_scan(ctx: object) -> dict[str, object]:
    """As a scan job runs by default: each face screened against the index first."""
    return service.run_scan(ctx, real_parts(screened=True))  # type: ignore[arg-type]
