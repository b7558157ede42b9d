"""Thin routes of monitoring: scans (operators), cases (the talent, their agent,
operators), notices and rechecks. A scan runs as a job once the request commits."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from likeness.errors import Forbidden
from likeness.models.monitoring import CaseStatus
from likeness.monitoring import enrolment_endpoints, service
from likeness.monitoring.errors import (
    CaseNotFound,
    DismissReasonRequired,
    InvalidCaseStep,
    InvalidScanSource,
    ScanNotFound,
)
from likeness.monitoring.schemas import (
    CaseRead,
    DismissIn,
    FindingRead,
    RecheckRead,
    ScanIn,
    ScanRead,
    StepIn,
)
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["monitoring"],
    responses=error_responses(CaseNotFound, InvalidCaseStep, Forbidden),
)

Step = Literal["confirm", "sent", "acknowledged", "close"]

# enrolment (mindex): /monitoring/talents/{talent_id}/enrolment
router.include_router(enrolment_endpoints.router)


@router.post(
    "/monitoring/scans",
    response_model=ScanRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(InvalidScanSource),
)
def start_scan(body: ScanIn, actor: AnyActor, session: SessionDep, runtime: RuntimeDep) -> ScanRead:
    """Operators: scan a source (a folder on the server, an object-store prefix, or a
    file listing URLs). The job starts once this request commits; poll the scan."""
    from likeness.jobs.executors import executor_for, submit_on_commit

    scan = service.request_scan(session, actor, body.source)
    if scan.job_id is not None:
        submit_on_commit(session, executor_for(runtime), scan.job_id)
    return service.scan_read(scan)


@router.get("/monitoring/scans", response_model=list[ScanRead])
def list_scans(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[ScanRead]:
    """Operators: recent scans, newest first."""
    return [
        service.scan_read(s) for s in service.list_scans(session, actor, limit=limit, offset=offset)
    ]


@router.get(
    "/monitoring/scans/{scan_id}",
    response_model=ScanRead,
    responses=error_responses(ScanNotFound),
)
def show_scan(scan_id: str, actor: AnyActor, session: SessionDep) -> ScanRead:
    return service.scan_read(service.get_scan(session, actor, scan_id))


@router.get(
    "/monitoring/scans/{scan_id}/findings",
    response_model=list[FindingRead],
    responses=error_responses(ScanNotFound),
)
def scan_findings(scan_id: str, actor: AnyActor, session: SessionDep) -> list[FindingRead]:
    """Operators: one finding per image the scan looked at, with its verdict."""
    return service.finding_reads(session, service.get_scan(session, actor, scan_id))


@router.get("/monitoring/cases", response_model=list[CaseRead])
def list_cases(
    actor: AnyActor,
    session: SessionDep,
    case_status: Annotated[CaseStatus | None, Query(alias="status")] = None,
    talent_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CaseRead]:
    """The cases the caller may see: a talent their own, an agent their talents',
    operators all; most recently seen first."""
    rows = service.list_cases(
        session, actor, talent_id=talent_id, status=case_status, limit=limit, offset=offset
    )
    return [service.case_read(session, c) for c in rows]


@router.get("/monitoring/cases/{case_id}", response_model=CaseRead)
def show_case(case_id: str, actor: AnyActor, session: SessionDep) -> CaseRead:
    """One case with its evidence and history."""
    return service.case_read(session, service.get_case(session, actor, case_id), events=True)


@router.get(
    "/monitoring/cases/{case_id}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def case_thumbnail(case_id: str, actor: AnyActor, session: SessionDep) -> Response:
    """The small picture of what was found."""
    data = service.thumbnail_of(session, actor, case_id)
    if data is None:
        raise CaseNotFound(f"case {case_id} has no thumbnail")
    return Response(data, media_type="image/png", headers={"Cache-Control": "private"})


@router.post("/monitoring/cases/{case_id}/dismiss", response_model=CaseRead,
             responses=error_responses(DismissReasonRequired))  # fmt: skip
def dismiss_case(case_id: str, body: DismissIn, actor: AnyActor, session: SessionDep) -> CaseRead:
    """Dismiss a case with a reason (it stays dismissed when later scans see it again)."""
    case = service.advance(session, actor, case_id, "dismiss", body.reason)
    return service.case_read(session, case, events=True)


@router.post("/monitoring/cases/{case_id}/recheck", response_model=RecheckRead)
def recheck_case(
    case_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> RecheckRead:
    """Refetch the case's location (its notice was sent): gone → removed. Declared
    before ``/{step}``, which would otherwise take ``recheck`` for a step name."""
    [read] = service.recheck(session, actor, service.default_parts(runtime.settings), case_id)
    return read


@router.post("/monitoring/cases/{case_id}/{step}", response_model=CaseRead)
def step_case(
    case_id: str, step: Step, actor: AnyActor, session: SessionDep, body: StepIn | None = None
) -> CaseRead:
    """One step of the case: ``confirm`` (not licensed), ``sent`` (the notice went out;
    generate it first), ``acknowledged`` (the host answered), ``close``."""
    note = body.note if body is not None else None
    case = service.advance(session, actor, case_id, step, note)
    return service.case_read(session, case, events=True)


@router.get(
    "/monitoring/cases/{case_id}/notice",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "message/rfc822": {}}}},
)
def case_notice(
    case_id: str,
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Literal["pdf", "eml"] = "pdf",
    to: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    """The take-down notice of a confirmed case (``format``: pdf or eml)."""
    files = service.notice_for(session, actor, case_id, settings=runtime.settings, recipient=to)
    data, media, ext = (
        (files.pdf, "application/pdf", "pdf")
        if format == "pdf"
        else (files.eml, "message/rfc822", "eml")
    )
    name = f"takedown-{files.notice.case_id}.{ext}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
