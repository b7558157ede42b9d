"""Scans end to end, with the scan's image parts replaced by plain values: every
verdict, cases opened once however often a place is scanned, the case life (confirm,
dismiss, notice, sent, acknowledged, recheck → removed, close, reappeared), role scoping,
audit. Runs on SQLite and, with ``LIKENESS_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import email
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from integration import asset_support
from integration import monitoring_scan_support as support
from integration.test_license_support import World
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.models.asset import Asset, AssetKind, AssetStatus
from likeness.models.audit import AuditEvent
from likeness.models.monitoring import (
    CaseStatus,
    MonitoringCase,
    MonitoringFinding,
    MonitoringScan,
    ScanStatus,
    Verdict,
)
from likeness.models.output import OutputStatus
from likeness.monitoring import service, verdicts
from likeness.monitoring.errors import (
    CaseNotFound,
    DismissReasonRequired,
    InvalidCaseStep,
    InvalidScanSource,
)
from likeness.monitoring.findings import Unfetchable
from likeness.runtime import Runtime
from likeness.vault.deps import StorageDeps

TALENT = support.person(1)
STRANGER = support.person(2)


def actions(session: Session, prefix: str = "monitoring.") -> list[str]:
    rows = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like(prefix + "%")))
    return list(rows)


@pytest.fixture
def scene(session: Session, world: World, deps: StorageDeps) -> dict[str, str]:
    """The talent enrolled; a release (instagram), an expired release past its take-down
    date, and a preview that was never released."""
    support.enrol(session, world.talent.id, TALENT)
    released = asset_support.licensed(session, world, deps)
    release = asset_support.register(session, SYSTEM_ACTOR, deps, released)
    ended = asset_support.register(session, SYSTEM_ACTOR, deps, released)
    out = asset_support.output(session, released, OutputStatus.pending)
    preview = asset_support.register(
        session, SYSTEM_ACTOR, deps, released, kind=AssetKind.preview, out=out
    )
    # Released outputs: the registry's rows say so (the release use case would).
    for asset in (release, ended):
        session.execute(
            update(type(out))
            .where(type(out).id == asset.output_id)
            .values(status=OutputStatus.released)
        )
    session.execute(
        update(Asset)
        .where(Asset.id == ended.id)
        .values(status=AssetStatus.expired, takedown_by=utcnow() - timedelta(days=1))
    )
    session.commit()
    return {"release": release.mark, "ended": ended.mark, "preview": preview.mark}


def the_parts(scene: dict[str, str]) -> support.FakeParts:
    parts = support.FakeParts()
    parts.add(support.image("https://www.instagram.com/p/ok.jpg", mark=scene["release"]))
    parts.add(support.image("https://www.tiktok.com/@x/copy.jpg", mark=scene["release"]))
    parts.add(support.image("https://shop.example.it/copy.jpg", mark=scene["release"]))
    parts.add(support.image("https://blog.example.com/old.jpg", mark=scene["ended"]))
    parts.add(support.image("https://forum.example.com/leak.png", mark=scene["preview"]))
    parts.add(support.image("https://fakes.example.com/a.jpg", faces=(support.near(TALENT),)))
    parts.add(support.image("https://news.example.com/crowd.jpg", faces=(STRANGER,)))
    parts.add(support.image("https://news.example.com/broken.jpg", readable=False))
    parts.items.append(
        Unfetchable("https://gone.example.com/x.jpg", "http.404", "not found", support.NOW)
    )
    return parts


EXPECTED = {
    "https://www.instagram.com/p/ok.jpg": Verdict.licensed,
    "https://www.tiktok.com/@x/copy.jpg": Verdict.outside_channel,
    "https://shop.example.it/copy.jpg": Verdict.outside_channel,
    "https://blog.example.com/old.jpg": Verdict.past_takedown,
    "https://forum.example.com/leak.png": Verdict.leak,
    "https://fakes.example.com/a.jpg": Verdict.unmarked_match,
    "https://news.example.com/crowd.jpg": Verdict.no_match,
    "https://news.example.com/broken.jpg": Verdict.unreadable,
    "https://gone.example.com/x.jpg": Verdict.unreadable,
}
HITS = {loc for loc, v in EXPECTED.items() if v in verdicts.HITS}


def test_a_scan_gives_every_verdict_and_opens_a_case_per_hit(
    session: Session, world: World, runtime: Runtime, scene: dict[str, str]
) -> None:
    scan_id = support.run_scan(runtime, the_parts(scene))
    session.expire_all()
    findings = session.scalars(select(MonitoringFinding)).all()
    assert {f.location: f.verdict for f in findings} == EXPECTED
    cases = session.scalars(select(MonitoringCase)).all()
    assert {c.location for c in cases} == HITS
    assert {c.talent_id for c in cases} == {world.talent.id}
    assert all(c.status is CaseStatus.open and c.thumbnail_sha256 for c in cases)
    scan = session.get(MonitoringScan, scan_id)
    assert scan is not None and scan.status is ScanStatus.succeeded
    assert (scan.images, scan.unreadable, scan.cases_opened) == (9, 2, len(HITS))
    unmarked = next(c for c in cases if c.verdict is Verdict.unmarked_match)
    assert unmarked.distance is not None and unmarked.distance < 0.4
    audit = actions(session)
    assert audit.count("monitoring.verdict") == 9
    assert audit.count("monitoring.case_opened") == len(HITS)
    assert "monitoring.scan_finished" in audit


def test_a_screened_scan_asks_the_index_once_per_face_and_gives_the_same_verdicts(
    session: Session, runtime: Runtime, scene: dict[str, str]
) -> None:
    from likeness.monitoring.index import MATCH_THRESHOLD
    from likeness.monitoring.inspect import SCREEN_MARGIN

    plain = the_parts(scene)
    plain.add(
        support.image(
            "https://news.example.com/two.jpg", faces=(support.near(TALENT, 3), support.person(4))
        )
    )
    first = support.run_scan(runtime, plain)
    assert plain.queries == [None] * 4  # the verdict's own query, one per face
    screened = the_parts(scene)
    screened.items, screened.findings = plain.items, plain.findings
    screened.screen = True
    second = support.run_scan(runtime, screened)
    # Asked twice per face by the inspection, once answered: one query per face, as
    # wide as the screen needs; the verdict reused it.
    assert screened.queries == [pytest.approx(MATCH_THRESHOLD + SCREEN_MARGIN)] * 4
    session.expire_all()

    def seen(scan_id: str) -> dict[str, tuple[Verdict, str | None, float | None]]:
        rows = session.scalars(
            select(MonitoringFinding).where(MonitoringFinding.scan_id == scan_id)
        )
        return {f.location: (f.verdict, f.talent_id, f.distance) for f in rows}

    assert seen(first) == seen(second)
    assert seen(second)["https://news.example.com/two.jpg"][0] is Verdict.unmarked_match


def test_the_screens_answer_serves_the_verdict_only_while_the_references_are_unchanged(
    session: Session, world: World, scene: dict[str, str]
) -> None:
    from likeness.monitoring.findings import FaceMatch
    from likeness.monitoring.index import MATCH_THRESHOLD, current_revision

    location = "https://fakes.example.com/z.jpg"
    _, found = support.image(location, faces=(STRANGER,))
    parts = support.FakeParts()
    scan = service.request_scan(session, SYSTEM_ACTOR, "s3://crawl/today/")
    key = service.embedding_key(STRANGER)
    # An answer the index would not give (a stranger) shows which one the verdict used.
    claimed = [FaceMatch(world.talent.id, 0.2), FaceMatch("someone-else", 0.35)]

    def screened(revision: str) -> service.Screened:
        return service.Screened(revision, MATCH_THRESHOLD + 0.16, {key: list(claimed)})

    now = current_revision(session)
    reused = service.record_image(session, scan.id, found, parts.parts(), screened=screened(now))
    assert parts.queries == []
    assert reused.outcome.talent_ids == (world.talent.id,)  # 0.35 is past the threshold
    stale = dataclasses.replace(found, location=location + "?v2", sha256="b" * 64)
    again = service.record_image(
        session, scan.id, stale, parts.parts(), screened=screened("an older revision")
    )
    assert parts.queries == [None]  # asked the index itself
    assert again.outcome.verdict is Verdict.no_match


def test_scanning_again_never_duplicates_a_case(
    session: Session, runtime: Runtime, scene: dict[str, str]
) -> None:
    support.run_scan(runtime, the_parts(scene))
    second = support.run_scan(runtime, the_parts(scene))
    session.expire_all()
    cases = session.scalars(select(MonitoringCase)).all()
    assert len(cases) == len(HITS)
    assert {c.times_seen for c in cases} == {2}
    scan = session.get(MonitoringScan, second)
    assert scan is not None and (scan.cases_opened, scan.cases_updated) == (0, len(HITS))
    # Other bytes at the same place are another case.
    parts = support.FakeParts()
    parts.add(
        support.image(
            "https://fakes.example.com/a.jpg", faces=(support.near(TALENT, 5),), content=b"v2"
        )
    )
    session.commit()
    support.run_scan(runtime, parts)
    session.expire_all()
    assert len(session.scalars(select(MonitoringCase)).all()) == len(HITS) + 1


def _case(session: Session, verdict: Verdict) -> MonitoringCase:
    return session.scalars(select(MonitoringCase).where(MonitoringCase.verdict == verdict)).one()


def test_the_life_of_a_case_from_open_to_closed_and_back(
    session: Session, world: World, runtime: Runtime, scene: dict[str, str]
) -> None:
    parts = the_parts(scene)
    support.run_scan(runtime, parts)
    session.expire_all()
    talent = world.actor(session, "talent")
    case = _case(session, Verdict.unmarked_match)
    with pytest.raises(InvalidCaseStep, match="needs a case that is confirmed"):
        service.advance(session, talent, case.id, "sent")
    with pytest.raises(InvalidCaseStep, match="needs a confirmed case"):
        service.notice_for(session, talent, case.id)
    service.advance(session, talent, case.id, "confirm", "it is me, I never agreed")
    with pytest.raises(InvalidCaseStep, match="is confirmed"):
        service.advance(session, talent, case.id, "confirm")
    with pytest.raises(InvalidCaseStep, match="no notice yet"):
        service.advance(session, talent, case.id, "sent")
    files = service.notice_for(session, talent, case.id)
    assert files.pdf.startswith(b"%PDF")
    message = email.message_from_bytes(files.eml, policy=default_policy)
    assert message["To"] == "abuse@fakes.example.com"
    assert "Take-down notice" in message["Subject"] and message["Date"]
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    for needle in (
        world.talent.legal_name,
        "https://fakes.example.com/a.jpg",
        case.content_sha256,
        "good-faith belief",
        "under penalty of perjury",
        world.talent_user.email,
        "/s/ ",
    ):
        assert needle in text
    attachments = [p.get_filename() for p in message.iter_attachments()]
    assert attachments == [f"takedown-{case.id}.pdf"]
    service.advance(session, talent, case.id, "sent")
    service.advance(session, world.actor(session, "agent"), case.id, "acknowledged")
    # Still there: a recheck leaves it be.
    parts.refetched[case.location] = parts.items[5]  # type: ignore[assignment]
    [still] = service.recheck(session, talent, parts.parts(), case.id)
    assert not still.gone and case.status is CaseStatus.acknowledged
    # Gone (404): removed.
    del parts.refetched[case.location]
    [gone] = service.recheck(session, talent, parts.parts(), case.id)
    assert gone.gone and case.status is CaseStatus.removed
    service.advance(session, talent, case.id, "close")
    assert case.status is CaseStatus.closed
    session.commit()
    # It comes back: the next scan opens the case again.
    support.run_scan(runtime, parts)
    session.expire_all()
    case = _case(session, Verdict.unmarked_match)
    assert case.status is CaseStatus.open
    steps = [e.action for e in service.case_read(session, case, events=True).events]
    assert steps == [
        "opened",
        "confirm",
        "notice",
        "sent",
        "acknowledged",
        "removed",
        "close",
        "reappeared",
    ]
    audit = actions(session, "monitoring.case_")
    for step in ("confirm", "sent", "acknowledged", "removed", "close", "reappeared"):
        assert f"monitoring.case_{step}" in audit
    assert "monitoring.notice_generated" in actions(session)


def test_dismissing_needs_a_reason_and_a_dismissed_case_stays_dismissed(
    session: Session, world: World, runtime: Runtime, scene: dict[str, str]
) -> None:
    support.run_scan(runtime, the_parts(scene))
    session.expire_all()
    agent = world.actor(session, "agent")
    case = _case(session, Verdict.leak)
    with pytest.raises(DismissReasonRequired):
        service.advance(session, agent, case.id, "dismiss", "  ")
    service.advance(session, agent, case.id, "dismiss", "our own test upload")
    assert case.dismiss_reason == "our own test upload"
    with pytest.raises(InvalidCaseStep):
        service.advance(session, agent, case.id, "confirm")
    session.commit()
    support.run_scan(runtime, the_parts(scene))
    session.expire_all()
    case = _case(session, Verdict.leak)
    assert case.status is CaseStatus.dismissed and case.times_seen == 2


def test_cases_are_scoped_to_the_talent_their_agent_and_operators(
    session: Session, world: World, runtime: Runtime, scene: dict[str, str]
) -> None:
    support.run_scan(runtime, the_parts(scene))
    session.expire_all()
    case = _case(session, Verdict.unmarked_match)
    for who in ("talent", "agent", "operator"):
        actor = world.actor(session, who)
        assert len(service.list_cases(session, actor)) == len(HITS)
        assert service.get_case(session, actor, case.id).id == case.id
    for who in ("brand", "stranger_agent", "other_talent"):
        actor = world.actor(session, who)
        assert service.list_cases(session, actor) == []
        with pytest.raises(CaseNotFound):
            service.get_case(session, actor, case.id)
        with pytest.raises(CaseNotFound):
            service.advance(session, actor, case.id, "confirm")


def test_only_operators_scan_and_a_bad_source_is_refused(
    session: Session, world: World, tmp_path: object
) -> None:
    from likeness.errors import Forbidden

    with pytest.raises(Forbidden):
        service.request_scan(session, world.actor(session, "talent"), "s3://x/")
    for bad in ("", "   ", "a\nb", "/no/such/folder/here", "x" * 3000, "0" * 2000):
        with pytest.raises(InvalidScanSource):
            service.request_scan(session, SYSTEM_ACTOR, bad)


def test_a_scan_that_crashes_midway_is_retried_from_where_it_stopped(
    session: Session, world: World, runtime: Runtime, scene: dict[str, str]
) -> None:
    from likeness.jobs import worker
    from likeness.models.job import Job, JobStatus

    parts = the_parts(scene)
    calls: list[str] = []
    inspect = parts.parts().inspect

    def flaky(image: object) -> object:
        calls.append(image.location)  # type: ignore[attr-defined]
        if len(calls) == 4:
            raise RuntimeError("the worker fell over")
        return inspect(image)  # type: ignore[arg-type]

    class Flaky(support.FakeParts):
        def parts(self) -> service.ScanParts:
            real = super().parts()
            return service.ScanParts(real.open_source, flaky, real.index_for, real.refetch)  # type: ignore[arg-type]

    flaky_parts = Flaky(parts.items, parts.findings)
    with runtime.db.unit_of_work() as s:
        scan = service.request_scan(s, SYSTEM_ACTOR, "s3://crawl/today/")
        scan_id, job_id = scan.id, str(scan.job_id)
    support.CURRENT.append(flaky_parts)
    try:
        first = worker.run_next(
            runtime, "w", [service.JOB_KIND], handlers=support.HANDLERS, only=[job_id]
        )
        assert first is not None and first.status is JobStatus.queued  # retried later
        second = worker.run_next(
            runtime, "w", [service.JOB_KIND], handlers=support.HANDLERS, only=[job_id]
        )
        assert second is not None and second.status is JobStatus.succeeded, second
    finally:
        support.CURRENT.pop()
    session.expire_all()
    assert session.get(Job, job_id).attempts == 2  # type: ignore[union-attr]
    # Each image inspected once, but the one in hand when it fell over: twice.
    fetched = {i.location for i in parts.items if not isinstance(i, Unfetchable)}
    assert len(calls) == len(fetched) + 1 and set(calls) == fetched
    findings = session.scalars(select(MonitoringFinding)).all()
    assert sorted(f.location for f in findings) == sorted(EXPECTED)
    assert len(session.scalars(select(MonitoringCase)).all()) == len(HITS)
    scan = session.get(MonitoringScan, scan_id)
    assert scan is not None and scan.status is ScanStatus.succeeded
    assert (scan.images, scan.cases_opened) == (len(EXPECTED), len(HITS))
