"""The operator's pages: parties, captures and twins (each look at a talent's data goes on
the audit record, and the page shows that record), jobs (with cancel), the model registry
and the audit chain's status. Each route calls the service the API or the CLI calls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from likeness.audit import service as audit
from likeness.audit.schemas import EventFilter
from likeness.capture import service as captures
from likeness.capture.access import LOOK_REASON_LABELS, look_reason
from likeness.errors import LikenessError
from likeness.jobs import service as jobs
from likeness.models.job import JobStatus
from likeness.party import service as party
from likeness.portal.forms import FormData
from likeness.portal.pages import OperatorViewer, render
from likeness.portal.paging import PageNo, cut, window
from likeness.twin import service as twins
from likeness.web.deps import SessionDep

router = APIRouter()

Done = Annotated[str | None, Query(max_length=200)]
#: The audit actions that record an operator's look at a talent's captures or twins.
LOOKS = ("twin.operator_access", "twin.operator_list", "capture.operator_access")


@router.get("/operator/parties", response_class=HTMLResponse)
def parties_page(viewer: OperatorViewer, session: SessionDep, page: PageNo = 1) -> HTMLResponse:
    """Each kind of party, :data:`PAGE_SIZE` of each per page."""
    actor = viewer.signed_in
    limit, offset = window(page)
    users, more_users = cut(party.list_users(session, actor, limit=limit, offset=offset))
    talents, more_talents = cut(party.list_talents(session, actor, limit=limit, offset=offset))
    agencies, more_agencies = cut(party.list_agencies(session, actor, limit=limit, offset=offset))
    brands, more_brands = cut(party.list_brands(session, actor, limit=limit, offset=offset))
    reps, more_reps = cut(party.list_representations(session, actor, limit=limit, offset=offset))
    return render(
        viewer,
        "operator/parties.html",
        title="Parties",
        users=users,
        talents=talents,
        agencies=agencies,
        brands=brands,
        representations=[party.representation_read(r) for r in reps],
        page=page,
        more=more_users or more_talents or more_agencies or more_brands or more_reps,
    )


@router.get("/operator/twins", response_class=HTMLResponse)
def twins_page(
    viewer: OperatorViewer,
    session: SessionDep,
    talent: Annotated[str | None, Query(max_length=64)] = None,
    reason_kind: Annotated[str | None, Query(max_length=40)] = None,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    """Twins (and, for one talent, their captures), as `likeness twin list|show` and
    `likeness capture list` show them, once the operator gave a reason to look (issue 20).
    Each look goes on the record with its reason; the record is shown below."""
    actor = viewer.signed_in
    rows: list[Any] = []
    sessions: list[Any] = []
    errors: dict[str, str] = {}
    shown = False
    asked = bool((reason_kind or "").strip() or (reason or "").strip())
    status_code = 200
    if asked:
        try:
            why = look_reason(reason_kind, reason)
            rows = [
                twins.describe(session, t)
                for t in twins.look_twins(session, actor, talent or None, why)
            ]
            if talent:
                sessions = list(captures.look_sessions(session, actor, talent, why))
            shown = True
        except LikenessError as exc:  # the reason is checked before anything is shown
            text = str(exc)
            errors["reason_kind" if "kind" in text else "reason"] = text
            status_code = exc.status_code
    looks = [
        event
        for action in LOOKS
        for event in audit.list_events(session, EventFilter(action=action), limit=20)
    ]
    looks.sort(key=lambda e: e.seq, reverse=True)
    return render(
        viewer,
        "operator/twins.html",
        status_code=status_code,
        title="Captures and twins",
        twins=rows,
        sessions=sessions,
        talent=talent or "",
        reason_kind=reason_kind or "",
        reason=reason or "",
        reason_kinds=LOOK_REASON_LABELS,
        errors=errors,
        shown=shown,
        looks=looks[:30],
    )


@router.get("/operator/jobs", response_class=HTMLResponse)
def jobs_page(
    viewer: OperatorViewer,
    session: SessionDep,
    status: JobStatus | None = None,
    done: Done = None,
    error: Done = None,
    page: PageNo = 1,
) -> HTMLResponse:
    actor = viewer.signed_in
    limit, offset = window(page)
    found, more = cut(jobs.list_for(session, actor, status=status, limit=limit, offset=offset))
    rows = [jobs.to_read(j) for j in found]
    return render(
        viewer,
        "operator/jobs.html",
        title="Jobs",
        rows=rows,
        status=status.value if status else "",
        statuses=[s.value for s in JobStatus],
        done=done,
        error=error,
        page=page,
        more=more,
        query=f"status={status.value}&" if status else "",
    )


@router.post("/operator/jobs/{job_id}/cancel", response_class=HTMLResponse)
def cancel_job(
    viewer: OperatorViewer, session: SessionDep, job_id: str, fields: FormData
) -> Response:
    reason = fields.get("reason", "").strip() or "cancelled by an operator in the portal"
    try:
        jobs.cancel(session, viewer.signed_in, job_id, reason[:500])
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return RedirectResponse(f"/operator/jobs?error={exc.message[:180]}", status_code=303)
    return RedirectResponse("/operator/jobs?done=cancelled", status_code=303)


@router.get("/operator/models", response_class=HTMLResponse)
def models_page(viewer: OperatorViewer) -> HTMLResponse:
    """The model registry as `likeness models` shows it: every model file the code may
    load, its SHA-256, licence, commercial use and whether it checks out here."""
    from likeness.modelreg import inventory, noncommercial_allowed

    rows = [status.to_dict() for status in inventory()]
    return render(
        viewer,
        "operator/models.html",
        title="Model registry",
        rows=rows,
        noncommercial=noncommercial_allowed(),
    )


@router.get("/operator/audit", response_class=HTMLResponse)
def audit_page(viewer: OperatorViewer, session: SessionDep) -> HTMLResponse:
    """The audit chain verified now (as `likeness audit verify`), and its latest events."""
    report = audit.verify(session)
    events = audit.list_events(session, limit=25)
    return render(viewer, "operator/audit.html", title="Audit chain", report=report, events=events)
