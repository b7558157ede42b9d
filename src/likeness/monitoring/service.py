"""Monitoring's use cases: run a scan, keep its findings and cases, review, notice, recheck.

A scan is a durable job (kind :data:`JOB_KIND`, run by the job executors, inline or
Ray). :func:`run_scan` takes the source's images one at a time: inspect (faces,
embeddings, watermark, C2PA, thumbnail), match each face against the enrolled talents'
reference embeddings, look up the Likeness mark in the asset registry, weigh it all into
a verdict (:func:`likeness.monitoring.verdicts.verdict_for`), and in one transaction per
image write the finding, open or update a case per talent the verdict names, and the
audit events. A finding is keyed by ``(scan, location)``, so a retried job skips the
images it already did; a case by ``(talent, location, content SHA-256)``, so a second
scan of the same place never opens a second case (decision 0023).

The parts that read images and search faces (``sources``, ``inspect``, ``index``) come
in a :class:`ScanParts`, so tests and benches can give their own. Services never commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from likeness.asset import service as assets
from likeness.asset.errors import AssetNotFound
from likeness.audit import service as audit
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.jobs import service as jobs
from likeness.jobs.errors import JobCancelled
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json
from likeness.kit.clock import utcnow
from likeness.licensing.facts import terms_of
from likeness.models.license import License
from likeness.models.monitoring import (
    CaseStatus,
    MonitoringCase,
    MonitoringCaseEvent,
    MonitoringFinding,
    MonitoringScan,
    MonitoringThumbnail,
    ScanStatus,
)
from likeness.models.output import Output, OutputStatus
from likeness.models.party import Agency, Role, TalentProfile, User
from likeness.monitoring import access, repository, rules
from likeness.monitoring.errors import (
    DismissReasonRequired,
    InvalidCaseStep,
    InvalidScanSource,
    ScanNotFound,
)
from likeness.monitoring.findings import (
    FaceMatch,
    ImageFindings,
    SourceImage,
    Unfetchable,
)
from likeness.monitoring.notice import Notice, default_recipient, to_eml, to_pdf
from likeness.monitoring.schemas import (
    MAX_REASON,
    MAX_SOURCE,
    CaseEventRead,
    CaseRead,
    FindingRead,
    RecheckRead,
    ScanRead,
)
from likeness.monitoring.verdicts import AssetFacts, Outcome, Place, claimed_asset, place_of
from likeness.monitoring.verdicts import verdict_for as weigh

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from likeness.jobs.worker import JobContext
    from likeness.runtime import Runtime
    from likeness.settings import Settings

#: The job kind of a scan; its handler is listed in ``likeness.jobs.worker.KNOWN_HANDLERS``.
JOB_KIND = "monitoring.scan"
JOB_HANDLER = "likeness.monitoring.service:run_scan_job"
REF_TYPE = "monitoring_scan"
#: How many matches per face a scan keeps (closest first).
MATCHES_PER_FACE = 5


class ImageSource(Protocol):
    description: str

    def images(self) -> Iterator[SourceImage | Unfetchable]: ...


class FaceIndex(Protocol):
    def match(
        self, embedding: NDArray[Any], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]: ...


@dataclass(frozen=True)
class Screened:
    """What the index answered while an image was screened, kept for its verdict: per
    embedding (its bytes) the talents within :attr:`threshold` (the match threshold
    plus the screen's margin), closest first, at most :data:`MATCHES_PER_FACE`; and the
    references' ``revision`` they were read at. Those within the match threshold are
    exactly what ``match(embedding, k=MATCHES_PER_FACE)`` answers (they come first, in
    the same order), so a face whose embedding was screened costs one query."""

    revision: str
    threshold: float
    answers: dict[bytes, list[FaceMatch]] = field(default_factory=dict)


def embedding_key(embedding: NDArray[Any]) -> bytes:
    """How :class:`Screened` knows an embedding again (its float32 bytes)."""
    import numpy as np

    return np.ascontiguousarray(embedding, dtype=np.float32).tobytes()


@dataclass(frozen=True)
class ScanParts:
    """What reads images and searches faces: msrc's sources and inspection, mindex's index."""

    open_source: Callable[[str], ImageSource]
    inspect: Callable[[SourceImage], ImageFindings]
    index_for: Callable[[Session], FaceIndex]
    refetch: Callable[[str], SourceImage | Unfetchable]
    channel_hosts: dict[str, str] | None = None
    #: Inspection screened against the face index (a stranger's face costs one embedding
    #: pass and no thorough watermark read: docs/guide/monitoring-sources.md), filling
    #: the :class:`Screened` it is given; ``None``: :attr:`inspect` alone.
    screened: Callable[[SourceImage, FaceIndex, Screened], ImageFindings] | None = None


def screen_with(
    face_index: FaceIndex, screened: Screened
) -> Callable[[NDArray[Any]], float | None]:
    """``InspectConfig.screen`` over ``face_index`` that asks once per embedding (the
    inspection asks again for the thorough watermark read) and keeps each answer in
    ``screened`` for the verdict."""

    def screen(embedding: NDArray[Any]) -> float | None:
        key = embedding_key(embedding)
        found = screened.answers.get(key)
        if found is None:
            found = face_index.match(embedding, threshold=screened.threshold, k=MATCHES_PER_FACE)
            screened.answers[key] = found
        return float(found[0].distance) if found else None

    return screen


def default_parts(settings: Settings | None = None) -> ScanParts:
    """The real parts (imported on first use: numpy, the face model, httpx), with the
    installation's fetch limits, watermark key and C2PA trust anchors."""
    from likeness.monitoring import index, inspect, sources
    from likeness.monitoring.verdicts import DEFAULT_CHANNEL_HOSTS

    limits = sources.FetchLimits.from_settings(settings)
    config = inspect.InspectConfig.from_settings(settings) if settings is not None else None
    hosts = None
    if settings is not None and settings.monitoring.channel_hosts:
        hosts = {**DEFAULT_CHANNEL_HOSTS, **settings.monitoring.channel_hosts}

    def screened(image: SourceImage, face_index: FaceIndex, answers: Screened) -> ImageFindings:
        base = config or inspect.InspectConfig.from_settings()
        with_screen = dataclasses.replace(
            base,
            screen=screen_with(face_index, answers),
            screen_threshold=index.MATCH_THRESHOLD,
            screen_margin=answers.threshold - index.MATCH_THRESHOLD,
        )
        return inspect.inspect_image(image, config=with_screen)

    return ScanParts(
        open_source=lambda spec: sources.open_source(spec, limits=limits),
        inspect=lambda image: inspect.inspect_image(image, config=config),
        index_for=index.index_for,
        refetch=lambda location: sources.refetch(location, limits=limits),
        channel_hosts=hosts,
        screened=screened,
    )


def _inspect(
    runtime: Runtime, parts: ScanParts, image: SourceImage
) -> tuple[ImageFindings, Screened | None]:
    """One image's findings, screened against the index when the parts can, with what
    the index answered. The in-process index needs the database only to be current (one
    read), so the image is inspected after that unit of work ends: on SQLite every
    transaction takes the write lock (``BEGIN IMMEDIATE``), and another worker would
    wait for this image's inspection. pgvector answers through the session, so it stays
    open then (a read-only transaction on PostgreSQL holds no lock)."""
    if parts.screened is None:
        return parts.inspect(image), None
    from likeness.monitoring.index import MATCH_THRESHOLD, current_revision
    from likeness.monitoring.inspect import SCREEN_MARGIN

    with runtime.db.unit_of_work() as session:
        face_index = parts.index_for(session)
        screened = Screened(current_revision(session), MATCH_THRESHOLD + SCREEN_MARGIN)
        if getattr(face_index, "needs_session", True):
            return parts.screened(image, face_index, screened), screened
    return parts.screened(image, face_index, screened), screened


def location_key(location: str) -> str:
    return hashlib.sha256(location.encode("utf-8", "surrogatepass")).hexdigest()


def _evidence(row_json: str) -> dict[str, Any]:
    value = json.loads(row_json)
    return value if isinstance(value, dict) else {}


# --- scans -------------------------------------------------------------------------------


def check_source(spec: str) -> str:
    """A source a scan can be asked for: not empty, one line, at most 2048 characters;
    a plain path must exist on this machine (the readers check the rest)."""
    text = spec.strip() if isinstance(spec, str) else ""
    if not text or len(text) > MAX_SOURCE or any(ord(c) < 32 for c in text):
        raise InvalidScanSource(f"a scan source is one line of 1 to {MAX_SOURCE} characters")
    if "://" not in text and not text.startswith("urls:") and not _exists(text):
        raise InvalidScanSource(f"no folder or file {text}")
    return text


def _exists(path: str) -> bool:
    try:
        return Path(path).exists()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def request_scan(session: Session, actor: Actor, source: str) -> MonitoringScan:
    """Record a scan and queue its job (both exist once the caller commits)."""
    access.require_scanner(actor)
    spec = check_source(source)
    now = utcnow()
    scan = MonitoringScan(
        source=spec,
        status=ScanStatus.queued,
        images=0,
        unreadable=0,
        faces=0,
        matches=0,
        cases_opened=0,
        cases_updated=0,
        requested_by_user_id=actor.user_id,
        created_at=now,
    )
    repository.add(session, scan)
    job = jobs.enqueue(
        session, actor, JOB_KIND, {"scan_id": scan.id}, ref_type=REF_TYPE, ref_id=scan.id
    )
    scan.job_id = job.id
    session.flush()
    audit.record(
        session,
        actor,
        "monitoring.scan_requested",
        "monitoring_scan",
        scan.id,
        {"source": spec, "job_id": job.id},
    )
    return scan


def get_scan(session: Session, actor: Actor, scan_id: str) -> MonitoringScan:
    access.require_scanner(actor)
    scan = repository.get_scan(session, scan_id)
    if scan is None:
        raise ScanNotFound(f"no monitoring scan {scan_id}")
    return scan


def list_scans(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[MonitoringScan]:
    access.require_scanner(actor)
    require_page(limit, offset, MAX_PAGE)
    return repository.list_scans(session, limit, offset)


def run_scan_job(ctx: JobContext) -> dict[str, Any]:
    """The ``monitoring.scan`` job with the real parts."""
    return run_scan(ctx, default_parts(ctx.runtime.settings))


def run_scan(ctx: JobContext, parts: ScanParts) -> dict[str, Any]:
    """Look at every image of the scan's source (see the module); the job's result
    counts what it found. Each image commits on its own, so a retry goes on from there."""
    runtime = ctx.runtime
    scan_id = str(ctx.payload["scan_id"])
    with runtime.db.unit_of_work() as session:
        scan = repository.get_scan(session, scan_id)
        if scan is None:
            raise ScanNotFound(f"no monitoring scan {scan_id}")
        spec = scan.source
        repository.set_scan(
            session,
            scan_id,
            {"status": ScanStatus.running, "started_at": utcnow(), "error": None},
        )
    try:
        source = parts.open_source(spec)
        with runtime.db.unit_of_work() as session:
            repository.set_scan(session, scan_id, {"description": source.description[:500]})
        seen = 0
        for item in source.images():
            if not ctx.progress(None, f"{seen} images looked at"):
                raise JobCancelled(f"job {ctx.job_id} was cancelled")
            with runtime.db.unit_of_work() as session:
                if repository.finding_at(session, scan_id, location_key(item.location)):
                    seen += 1
                    continue
            screened: Screened | None = None
            if isinstance(item, SourceImage):
                findings, screened = _inspect(runtime, parts, item)
            else:
                findings = ImageFindings(
                    location=item.location,
                    sha256="",
                    readable=False,
                    problem=f"unfetchable:{item.reason}",
                    fetched_at=item.fetched_at,
                )
            with runtime.db.unit_of_work() as session:
                record_image(
                    session, scan_id, findings, parts, detail=_detail(item), screened=screened
                )
            seen += 1
    except BaseException as exc:
        with runtime.db.unit_of_work() as session:
            repository.set_scan(
                session,
                scan_id,
                {"status": ScanStatus.failed, "finished_at": utcnow(), "error": str(exc)[:2000]},
            )
        raise
    with runtime.db.unit_of_work() as session:
        repository.set_scan(
            session, scan_id, {"status": ScanStatus.succeeded, "finished_at": utcnow()}
        )
        scan = repository.get_scan(session, scan_id)
        assert scan is not None
        result = {
            "scan_id": scan_id,
            "images": scan.images,
            "unreadable": scan.unreadable,
            "cases_opened": scan.cases_opened,
            "cases_updated": scan.cases_updated,
        }
        audit.record(
            session, SYSTEM_ACTOR, "monitoring.scan_finished", "monitoring_scan", scan_id, result
        )
    ctx.progress(1.0, f"{seen} images looked at")
    return result


def _detail(item: SourceImage | Unfetchable) -> str | None:
    return item.detail if isinstance(item, Unfetchable) else None


def asset_facts(session: Session, ref: str | None) -> AssetFacts | None:
    """What the registry knows of the asset a mark names (settled first), or None."""
    if not ref:
        return None
    try:
        asset = assets.lookup(session, ref)
    except AssetNotFound:
        return None
    if asset is None:
        return None
    lic = session.get(License, asset.license_id)
    output = session.get(Output, asset.output_id)
    terms = terms_of(lic) if lic is not None else None
    return AssetFacts(
        asset_id=asset.id,
        talent_id=asset.talent_id,
        kind=asset.kind.value,
        status=asset.status.value,
        channel=asset.channel,
        license_channels=frozenset(terms.channels) if terms else frozenset(),
        license_territories=frozenset(terms.territories) if terms else frozenset(),
        takedown_by=asset.takedown_by,
        output_released=output is not None and output.status is OutputStatus.released,
    )


def match_faces(
    session: Session,
    parts: ScanParts,
    findings: ImageFindings,
    screened: Screened | None = None,
) -> list[list[FaceMatch]]:
    """Each face's matches (closest first, at most :data:`MATCHES_PER_FACE`): from the
    screen's answer where the face's embedding was screened and the references have not
    changed since (one query per face, not two), else from the index."""
    if not findings.faces:
        return []
    from likeness.monitoring.index import MATCH_THRESHOLD, best_per_talent, current_revision

    if (
        screened is not None
        and screened.answers
        and (screened.threshold < MATCH_THRESHOLD or current_revision(session) != screened.revision)
    ):
        screened = None  # the references changed since (an opt-out): ask again
    found: list[list[FaceMatch]] = []
    face_index: FaceIndex | None = None
    for face in findings.faces:
        known = screened.answers.get(embedding_key(face.embedding)) if screened else None
        if known is not None:
            pairs = ((m.talent_id, m.distance) for m in known)
            found.append(best_per_talent(pairs, MATCH_THRESHOLD, MATCHES_PER_FACE))
            continue
        face_index = face_index or parts.index_for(session)
        found.append(face_index.match(face.embedding, k=MATCHES_PER_FACE))
    return found


def _evidence_of(
    findings: ImageFindings,
    matches: Sequence[Sequence[FaceMatch]],
    place: Place,
    outcome: Outcome,
    detail: str | None,
    only_talent: str | None = None,
) -> dict[str, Any]:
    faces = []
    for face, face_matches in zip(findings.faces, matches, strict=False):
        faces.append(
            {
                "box": [face.left, face.top, face.right, face.bottom],
                "matches": [
                    {"talent_id": m.talent_id, "distance": round(float(m.distance), 4)}
                    for m in face_matches
                    if only_talent is None or m.talent_id == only_talent
                ],
            }
        )
    wm = findings.watermark
    c2pa = findings.c2pa
    return {
        "verdict": outcome.verdict.value,
        "reasons": list(outcome.reasons),
        "place": {"host": place.host, "channel": place.channel, "territory": place.territory},
        "size": [findings.width, findings.height],
        "fetched_at": findings.fetched_at.isoformat() if findings.fetched_at else None,
        "problem": findings.problem,
        "detail": detail,
        "faces": faces,
        "watermark": (
            {
                "asset_id": wm.asset_id,
                "confidence": round(float(wm.confidence), 4),
                "box": list(wm.box) if wm.box else None,
            }
            if wm
            else None
        ),
        "c2pa": (
            {
                "present": c2pa.present,
                "valid": c2pa.valid,
                "asset_id": c2pa.asset_id,
                "digital_source_type": c2pa.digital_source_type,
                "problems": list(c2pa.problems),
            }
            if c2pa
            else None
        ),
    }


def _thumbnail(session: Session, png: bytes | None) -> str | None:
    if not png:
        return None
    digest = hashlib.sha256(png).hexdigest()
    if repository.thumbnail(session, digest) is None:
        try:
            with session.begin_nested():
                repository.add(session, MonitoringThumbnail(sha256=digest, image=png))
        except IntegrityError:
            pass  # a concurrent scan stored the same picture first
    return digest


@dataclass(frozen=True)
class Recorded:
    finding: MonitoringFinding
    outcome: Outcome
    opened: list[MonitoringCase]
    updated: list[MonitoringCase]


def record_image(
    session: Session,
    scan_id: str,
    findings: ImageFindings,
    parts: ScanParts,
    *,
    detail: str | None = None,
    now: datetime | None = None,
    screened: Screened | None = None,
) -> Recorded:
    """Match, weigh and remember one image: its finding, its cases, the audit events.
    ``screened``: what the index answered while the image was inspected (reused)."""
    now = now or utcnow()
    matches = match_faces(session, parts, findings, screened) if findings.readable else []
    facts = asset_facts(session, claimed_asset(findings)) if findings.readable else None
    place = place_of(findings.location, parts.channel_hosts)
    outcome = weigh(findings, matches, facts, place, now)
    thumb = _thumbnail(session, findings.thumbnail_png) if outcome.is_hit else None
    finding = MonitoringFinding(
        scan_id=scan_id,
        location=findings.location[:MAX_SOURCE],
        location_key=location_key(findings.location),
        sha256=findings.sha256 or None,
        verdict=outcome.verdict,
        talent_id=outcome.talent_ids[0] if outcome.talent_ids else None,
        asset_id=outcome.asset_id,
        distance=outcome.distance,
        evidence=canonical_json(_evidence_of(findings, matches, place, outcome, detail)),
        thumbnail_sha256=thumb,
        created_at=now,
    )
    repository.add(session, finding)
    audit.record(
        session,
        SYSTEM_ACTOR,
        "monitoring.verdict",
        "monitoring_finding",
        finding.id,
        {
            "scan_id": scan_id,
            "location": finding.location,
            "sha256": finding.sha256,
            "verdict": outcome.verdict.value,
            "talent_ids": list(outcome.talent_ids),
            "asset_id": outcome.asset_id,
        },
    )
    opened: list[MonitoringCase] = []
    updated: list[MonitoringCase] = []
    if outcome.is_hit and findings.sha256:
        for talent_id in outcome.talent_ids:
            evidence = _evidence_of(findings, matches, place, outcome, detail, talent_id)
            case, new = _open_or_update(
                session, scan_id, talent_id, findings, outcome, evidence, thumb, now
            )
            (opened if new else updated).append(case)
    faces = len(findings.faces)
    repository.set_scan(
        session,
        scan_id,
        {
            "images": MonitoringScan.images + 1,
            "unreadable": MonitoringScan.unreadable + (0 if findings.readable else 1),
            "faces": MonitoringScan.faces + faces,
            "matches": MonitoringScan.matches + (1 if outcome.talent_ids else 0),
            "cases_opened": MonitoringScan.cases_opened + len(opened),
            "cases_updated": MonitoringScan.cases_updated + len(updated),
        },
    )
    return Recorded(finding, outcome, opened, updated)


def _distance_for(evidence: dict[str, Any]) -> float | None:
    found = [m["distance"] for f in evidence["faces"] for m in f["matches"]]
    return min(found) if found else None


def _open_or_update(
    session: Session,
    scan_id: str,
    talent_id: str,
    findings: ImageFindings,
    outcome: Outcome,
    evidence: dict[str, Any],
    thumb: str | None,
    now: datetime,
) -> tuple[MonitoringCase, bool]:
    key = location_key(findings.location)
    case = repository.case_by_key(session, talent_id, key, findings.sha256)
    distance = _distance_for(evidence)
    if case is None:
        case = MonitoringCase(
            talent_id=talent_id,
            verdict=outcome.verdict,
            status=CaseStatus.open,
            location=findings.location[:MAX_SOURCE],
            location_key=key,
            content_sha256=findings.sha256,
            asset_id=outcome.asset_id,
            distance=distance,
            evidence=canonical_json(evidence),
            thumbnail_sha256=thumb,
            first_seen_at=now,
            last_seen_at=now,
            times_seen=1,
            last_scan_id=scan_id,
            updated_at=now,
            created_at=now,
        )
        try:
            with session.begin_nested():
                repository.add(session, case)
        except IntegrityError:
            # A concurrent scan opened it first: update that one.
            found = repository.case_by_key(session, talent_id, key, findings.sha256)
            assert found is not None
            return _update(session, found, scan_id, outcome, evidence, distance, thumb, now), False
        _event(session, SYSTEM_ACTOR, case, "opened", None, CaseStatus.open, None, scan_id)
        audit.record(
            session,
            SYSTEM_ACTOR,
            "monitoring.case_opened",
            "monitoring_case",
            case.id,
            {
                "talent_id": talent_id,
                "verdict": outcome.verdict.value,
                "location": case.location,
                "content_sha256": case.content_sha256,
                "asset_id": outcome.asset_id,
                "scan_id": scan_id,
            },
        )
        return case, True
    return _update(session, case, scan_id, outcome, evidence, distance, thumb, now), False


def _update(
    session: Session,
    case: MonitoringCase,
    scan_id: str,
    outcome: Outcome,
    evidence: dict[str, Any],
    distance: float | None,
    thumb: str | None,
    now: datetime,
) -> MonitoringCase:
    case.last_seen_at = now
    case.times_seen += 1
    case.verdict = outcome.verdict
    case.evidence = canonical_json(evidence)
    case.distance = distance
    case.thumbnail_sha256 = thumb or case.thumbnail_sha256
    case.last_scan_id = scan_id
    case.updated_at = now
    back = rules.next_status("reappeared", case.status)
    if back is not None:
        _step(session, SYSTEM_ACTOR, case, "reappeared", back, "seen again by a scan", scan_id)
    else:
        _event(session, SYSTEM_ACTOR, case, "seen", case.status, case.status, None, scan_id)
        audit.record(
            session,
            SYSTEM_ACTOR,
            "monitoring.case_seen",
            "monitoring_case",
            case.id,
            {"scan_id": scan_id, "verdict": outcome.verdict.value, "status": case.status.value},
        )
    session.flush()
    return case


# --- cases -------------------------------------------------------------------------------


def _event(
    session: Session,
    actor: Actor,
    case: MonitoringCase,
    action: str,
    before: CaseStatus | None,
    after: CaseStatus,
    note: str | None,
    scan_id: str | None = None,
) -> None:
    repository.add(
        session,
        MonitoringCaseEvent(
            case_id=case.id,
            action=action,
            from_status=before.value if before is not None else None,
            to_status=after.value,
            actor_user_id=actor.user_id,
            note=note,
            scan_id=scan_id,
            created_at=utcnow(),
        ),
    )


def _step(
    session: Session,
    actor: Actor,
    case: MonitoringCase,
    step: str,
    target: CaseStatus,
    note: str | None,
    scan_id: str | None = None,
) -> MonitoringCase:
    before = case.status
    case.status = target
    case.updated_at = utcnow()
    if step == "dismiss":
        case.dismiss_reason = note
    _event(session, actor, case, step, before, target, note, scan_id)
    audit.record(
        session,
        actor,
        f"monitoring.case_{step}",
        "monitoring_case",
        case.id,
        {"from": before.value, "to": target.value, "note": note, "talent_id": case.talent_id},
    )
    session.flush()
    return case


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    text = " ".join(note.split())
    if len(text) > MAX_REASON:
        raise InvalidCaseStep(f"a note has at most {MAX_REASON} characters")
    return text or None


def advance(
    session: Session, actor: Actor, case_id: str, step: str, note: str | None = None
) -> MonitoringCase:
    """Take one step of the case's life (:mod:`likeness.monitoring.rules`): ``confirm``,
    ``dismiss`` (a reason is required), ``sent`` (a notice must have been generated),
    ``acknowledged``, ``close``. The talent, their agent, or an operator."""
    if step not in rules.STEPS or step in ("removed", "reappeared"):
        raise InvalidCaseStep(f"no case step {step!r}")
    case = access.get_case_for(session, actor, case_id)
    text = _clean_note(note)
    if step == "dismiss" and not text:
        raise DismissReasonRequired("dismissing a case needs a reason")
    target = rules.next_status(step, case.status)
    if target is None:
        raise InvalidCaseStep(
            f"case {case.id} is {case.status.value}: '{step}' needs a case that is "
            + " or ".join(rules.allowed_from(step))
        )
    if step == "sent" and case.notice_sha256 is None:
        raise InvalidCaseStep(f"case {case.id} has no notice yet: generate it first")
    return _step(session, actor, case, step, target, text)


def list_cases(
    session: Session,
    actor: Actor,
    *,
    talent_id: str | None = None,
    status: CaseStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[MonitoringCase]:
    require_page(limit, offset, MAX_PAGE)
    return repository.list_cases(
        session,
        access.case_filter(actor),
        talent_id=talent_id,
        status=status.value if status is not None else None,
        limit=limit,
        offset=offset,
    )


def count_cases(session: Session, actor: Actor, *, status: CaseStatus | None = None) -> int:
    """How many cases the caller may see (in ``status``): one COUNT, no rows loaded."""
    return repository.count_cases(
        session, access.case_filter(actor), status=status.value if status is not None else None
    )


def get_case(session: Session, actor: Actor, case_id: str) -> MonitoringCase:
    return access.get_case_for(session, actor, case_id)


def thumbnail_of(session: Session, actor: Actor, case_id: str) -> bytes | None:
    case = access.get_case_for(session, actor, case_id)
    if case.thumbnail_sha256 is None:
        return None
    row = repository.thumbnail(session, case.thumbnail_sha256)
    return row.image if row is not None else None


# --- notices -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeFiles:
    notice: Notice
    pdf: bytes
    eml: bytes


def _contact(session: Session, actor: Actor, settings: Settings | None) -> tuple[str, str]:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is not None:
        return user.display_name, user.email
    if settings is not None:
        return settings.monitoring.notice_contact_name, settings.monitoring.notice_contact_email
    return "Likeness rights desk", "rights@likeness.invalid"


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """A case's evidence in words (the notice's and the portal's list)."""
    lines = list(evidence.get("reasons") or [])
    distances = [m["distance"] for f in evidence.get("faces", []) for m in f["matches"]]
    if distances:
        lines.append(f"Face match distance: {min(distances):.3f} (smaller is closer)")
    wm = evidence.get("watermark")
    if wm and wm.get("asset_id"):
        box = wm.get("box")
        where = f" (read at pixels {box[0]},{box[1]} to {box[2]},{box[3]})" if box else ""
        lines.append(f"Likeness watermark: asset {wm['asset_id']}{where}")
    c2pa = evidence.get("c2pa")
    if c2pa and c2pa.get("present"):
        lines.append(
            f"C2PA manifest: {'valid' if c2pa.get('valid') else 'invalid'} signature"
            + (f", asset {c2pa['asset_id']}" if c2pa.get("asset_id") else "")
        )
    return lines


def notice_for(
    session: Session,
    actor: Actor,
    case_id: str,
    *,
    settings: Settings | None = None,
    recipient: str | None = None,
) -> NoticeFiles:
    """The take-down notice of a confirmed case, as PDF and .eml; audited, and its
    PDF's SHA-256 kept on the case (``sent`` needs one)."""
    case = access.get_case_for(session, actor, case_id)
    if case.status not in rules.NOTICE_STATUSES:
        raise InvalidCaseStep(
            f"case {case.id} is {case.status.value}: a notice needs a confirmed case"
        )
    talent = session.get(TalentProfile, case.talent_id)
    assert talent is not None
    acting_for = None
    if actor.role is Role.agent and actor.agency_ids:
        agency = session.get(Agency, sorted(actor.agency_ids)[0])
        acting_for = agency.name if agency is not None else None
    name, email = _contact(session, actor, settings)
    notice = Notice(
        case_id=case.id,
        right_holder=talent.legal_name,
        acting_for=acting_for,
        location=case.location,
        content_sha256=case.content_sha256,
        verdict=case.verdict.value,
        evidence_lines=tuple(evidence_lines(_evidence(case.evidence))),
        first_seen=case.first_seen_at,
        last_seen=case.last_seen_at,
        contact_name=name,
        contact_email=email,
        signer=name,
        issued_at=utcnow(),
        recipient=recipient or default_recipient(case.location),
    )
    pdf = to_pdf(notice)
    eml = to_eml(notice, pdf)
    case.notice_sha256 = hashlib.sha256(pdf).hexdigest()
    case.updated_at = utcnow()
    _event(session, actor, case, "notice", case.status, case.status, None)
    audit.record(
        session,
        actor,
        "monitoring.notice_generated",
        "monitoring_case",
        case.id,
        {"pdf_sha256": case.notice_sha256, "recipient": notice.recipient},
    )
    session.flush()
    return NoticeFiles(notice, pdf, eml)


# --- rechecks ----------------------------------------------------------------------------


def recheck(
    session: Session, actor: Actor, parts: ScanParts, case_id: str | None = None
) -> list[RecheckRead]:
    """Refetch the location of each case waiting for its removal (one case, or every
    one the actor may see): gone — nothing there, or other bytes — is ``removed``."""
    if case_id is not None:
        cases: Sequence[MonitoringCase] = [access.get_case_for(session, actor, case_id)]
        if cases[0].status not in rules.RECHECK_STATUSES:
            raise InvalidCaseStep(
                f"case {case_id} is {cases[0].status.value}: only a case whose notice was "
                "sent is rechecked"
            )
    else:
        cases = []
        for status in sorted(rules.RECHECK_STATUSES):
            offset = 0
            while page := list_cases(session, actor, status=status, limit=MAX_PAGE, offset=offset):
                cases.extend(page)
                offset += len(page)
    out: list[RecheckRead] = []
    for case in cases:
        got = parts.refetch(case.location)
        if isinstance(got, Unfetchable):
            gone, detail = True, f"{got.reason}: {got.detail}"
        else:
            digest = hashlib.sha256(got.data).hexdigest()
            gone = digest != case.content_sha256
            detail = "other content at the location" if gone else "still there"
        audit.record(
            session,
            actor,
            "monitoring.case_rechecked",
            "monitoring_case",
            case.id,
            {"gone": gone, "detail": detail},
        )
        if gone:
            _step(session, actor, case, "removed", CaseStatus.removed, detail)
        out.append(RecheckRead(case_id=case.id, status=case.status, gone=gone, detail=detail))
    return out


# --- reads -------------------------------------------------------------------------------


def scan_read(scan: MonitoringScan) -> ScanRead:
    return ScanRead.model_validate(scan, from_attributes=True)


def finding_reads(session: Session, scan: MonitoringScan) -> list[FindingRead]:
    rows = repository.findings_of(session, scan.id)
    out = []
    for row in rows:
        cases = []
        if row.sha256 and row.talent_id:
            evidence = _evidence(row.evidence)
            talents = {m["talent_id"] for f in evidence["faces"] for m in f["matches"]}
            talents.add(row.talent_id)
            for talent in sorted(talents):
                case = repository.case_by_key(session, talent, row.location_key, row.sha256)
                if case is not None:
                    cases.append(case.id)
        out.append(
            FindingRead(
                id=row.id,
                location=row.location,
                sha256=row.sha256,
                verdict=row.verdict,
                talent_id=row.talent_id,
                asset_id=row.asset_id,
                distance=row.distance,
                case_ids=cases,
                evidence=_evidence(row.evidence),
            )
        )
    return out


def case_read(session: Session, case: MonitoringCase, *, events: bool = False) -> CaseRead:
    return CaseRead(
        id=case.id,
        talent_id=case.talent_id,
        verdict=case.verdict,
        status=case.status,
        location=case.location,
        content_sha256=case.content_sha256,
        asset_id=case.asset_id,
        distance=case.distance,
        first_seen_at=case.first_seen_at,
        last_seen_at=case.last_seen_at,
        times_seen=case.times_seen,
        dismiss_reason=case.dismiss_reason,
        notice_sha256=case.notice_sha256,
        has_thumbnail=case.thumbnail_sha256 is not None,
        evidence=_evidence(case.evidence),
        events=(
            [
                CaseEventRead.model_validate(e, from_attributes=True)
                for e in repository.events_of(session, case.id)
            ]
            if events
            else []
        ),
    )
