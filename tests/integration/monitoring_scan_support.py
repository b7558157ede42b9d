"""Shared helpers for the monitoring scan tests (no tests in here).

A scan's parts are replaced by plain values: the source is a list of
:class:`SourceImage`/:class:`Unfetchable`, the inspection a table location → findings
(faces with embeddings chosen by the test, a watermark naming a registered asset), the
refetch of a recheck a table too. The face index is the real one (mindex's exact index
over enrolled talents' reference embeddings).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.jobs import worker
from likeness.models.monitoring_index import MonitoringEnrolment
from likeness.monitoring import index, service
from likeness.monitoring.enrolment import replace_references
from likeness.monitoring.findings import (
    FaceFinding,
    FaceMatch,
    ImageFindings,
    SourceImage,
    Unfetchable,
    WatermarkFinding,
)
from likeness.runtime import Runtime

DIMS = 128
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
THUMB = b"\x89PNG\r\n\x1a\nthumbnail"


def person(seed: int) -> NDArray[np.float32]:
    """A face embedding about 0.9 from any other seed's (like two people)."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 0.9 / np.sqrt(2 * DIMS), DIMS).astype(np.float32)


def near(embedding: NDArray[np.float32], seed: int = 99) -> NDArray[np.float32]:
    """Another photo of the same person: about 0.2 away."""
    rng = np.random.default_rng(seed)
    return (embedding + rng.normal(0.0, 0.2 / np.sqrt(DIMS), DIMS)).astype(np.float32)


def enrol(session: Session, talent_id: str, embedding: NDArray[np.float32]) -> None:
    session.add(MonitoringEnrolment(talent_id=talent_id, enrolled=True))
    session.flush()
    replace_references(session, talent_id, [("test:0", embedding)])
    index.forget_cached()


def face(embedding: NDArray[np.float32]) -> FaceFinding:
    return FaceFinding(left=10, top=10, right=60, bottom=70, embedding=embedding)


def image(
    location: str,
    *,
    faces: tuple[NDArray[np.float32], ...] = (),
    mark: str | None = None,
    readable: bool = True,
    content: bytes | None = None,
) -> tuple[SourceImage, ImageFindings]:
    data = content if content is not None else location.encode()
    digest = hashlib.sha256(data).hexdigest()
    found = ImageFindings(
        location=location,
        sha256=digest,
        readable=readable,
        problem=None if readable else "truncated",
        width=640 if readable else 0,
        height=480 if readable else 0,
        faces=tuple(face(e) for e in faces) if readable else (),
        watermark=WatermarkFinding(mark, 0.99 if mark else 0.0) if readable else None,
        thumbnail_png=THUMB + digest.encode() if readable else None,
        fetched_at=NOW,
    )
    return SourceImage(location, data, NOW, "image/jpeg"), found


@dataclass
class FakeParts:
    items: list[SourceImage | Unfetchable] = field(default_factory=list)
    findings: dict[str, ImageFindings] = field(default_factory=dict)
    refetched: dict[str, SourceImage | Unfetchable] = field(default_factory=dict)
    #: Screen each face against the index as the real inspection does (asked twice per
    #: face: the mirror decision, the thorough watermark read).
    screen: bool = False
    #: The thresholds of every query the index answered, in order.
    queries: list[float | None] = field(default_factory=list)

    def counted(self, session: Session) -> index.FaceIndex:
        real = index.index_for(session)
        queries = self.queries

        class Counting:
            needs_session = getattr(real, "needs_session", True)

            def match(
                self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
            ) -> list[FaceMatch]:
                queries.append(threshold)
                return real.match(embedding, threshold=threshold, k=k)

        return Counting()

    def screened(
        self, img: SourceImage, face_index: index.FaceIndex, answers: service.Screened
    ) -> ImageFindings:
        found = self.findings[img.location]
        screen = service.screen_with(face_index, answers)
        for f in found.faces:
            screen(f.embedding)
            screen(f.embedding)
        return found

    def add(self, pair: tuple[SourceImage, ImageFindings]) -> None:
        self.items.append(pair[0])
        self.findings[pair[0].location] = pair[1]

    def parts(self) -> service.ScanParts:
        items = self.items

        class Source:
            description = f"test source ({len(items)} images)"

            def images(self) -> Iterator[SourceImage | Unfetchable]:
                yield from list(items)

        def refetch(location: str) -> SourceImage | Unfetchable:
            return self.refetched.get(location, Unfetchable(location, "http.404", "not found", NOW))

        return service.ScanParts(
            open_source=lambda spec: Source(),
            inspect=lambda img: self.findings[img.location],
            index_for=self.counted,
            refetch=refetch,
            screened=self.screened if self.screen else None,
        )


#: The parts the test job handler uses (set by the test).
CURRENT: list[FakeParts] = []


def scan_handler(ctx: worker.JobContext) -> dict[str, object]:
    return service.run_scan(ctx, CURRENT[-1].parts())


HANDLERS = {service.JOB_KIND: "integration.monitoring_scan_support:scan_handler"}


def run_scan(runtime: Runtime, parts: FakeParts, source: str = "s3://crawl/today/") -> str:
    """Request a scan as an operator, run its job here with ``parts``; the scan id."""
    from likeness.identity.actor import SYSTEM_ACTOR

    with runtime.db.unit_of_work() as session:
        scan = service.request_scan(session, SYSTEM_ACTOR, source)
        scan_id, job_id = scan.id, scan.job_id
    assert job_id is not None
    CURRENT.append(parts)
    try:
        outcome = worker.run_next(
            runtime, "test", [service.JOB_KIND], handlers=HANDLERS, only=[job_id]
        )
    finally:
        CURRENT.pop()
    assert outcome is not None and outcome.status is not None
    assert outcome.status.value == "succeeded", outcome.error
    return scan_id


def seed(db: object, talent_id: str) -> tuple[str, dict[str, str]]:
    """Enrol the talent and record a scan (without running its job) that saw an unmarked
    look-alike and a stranger: the scan id and {location: case id}."""
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.kit.db import Database

    assert isinstance(db, Database)
    me = person(1)
    parts = FakeParts()
    parts.add(image("https://fakes.example.com/a.jpg", faces=(near(me),)))
    parts.add(image("https://fakes.example.com/b.jpg", faces=(near(me, 7),)))
    parts.add(image("https://news.example.com/crowd.jpg", faces=(person(2),)))
    with db.unit_of_work() as session:
        enrol(session, talent_id, me)
        scan = service.request_scan(session, SYSTEM_ACTOR, "s3://crawl/today/")
        cases = {}
        for item in parts.items:
            done = service.record_image(
                session, scan.id, parts.findings[item.location], parts.parts()
            )
            for case in done.opened:
                cases[case.location] = case.id
        return scan.id, cases
