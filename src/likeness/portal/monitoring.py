"""The monitoring pages: where a talent's face was found, and what she does about it.

A talent turns monitoring on or off and reviews the cases opened against images of her
face: confirm (this use is not licensed) or dismiss with a reason, download the take-down
notice, record that it was sent and answered, have the place checked again, close it.
Her agent does the same for the talent the agency represents today; an operator sees
every case. Every action calls the service the API and the CLI call
(:mod:`likeness.monitoring.service`, :mod:`likeness.monitoring.enrolment`) with the
viewer's Actor, so the access rules, the case life and the audit events are theirs.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from likeness.errors import LikenessError
from likeness.identity.actor import Actor
from likeness.models.monitoring import CaseStatus, MonitoringCase, Verdict
from likeness.models.party import Role, TalentProfile
from likeness.monitoring import enrolment, rules, service
from likeness.monitoring.errors import CaseNotFound
from likeness.portal.pages import Viewer, render, signed_in
from likeness.portal.paging import PageNo, cut, window
from likeness.web.deps import RuntimeDep, SessionDep

PATH = "/monitoring"
router = APIRouter(prefix=PATH)

#: Who has monitoring pages: the talent, her agent, operators (brands see no case).
ROLES = (Role.talent, Role.agent, Role.operator)
MonitorViewer = Annotated[Viewer, Depends(signed_in(*ROLES))]
TalentOnly = Annotated[Viewer, Depends(signed_in(Role.talent))]
Done = Annotated[str | None, Query(max_length=200)]
BADGE_LIMIT = 100

#: Each verdict that opens a case, in the words the case page uses.
VERDICTS: dict[Verdict, str] = {
    Verdict.unmarked_match: "A face match in an image with no Likeness mark: possibly made "
    "or used without a license.",
    Verdict.outside_channel: "A licensed image found where its license does not allow it "
    "(another channel or territory).",
    Verdict.past_takedown: "A licensed image whose rights have ended and whose take-down "
    "date has passed.",
    Verdict.leak: "A Likeness image that was never released (a preview or an image still "
    "under review), found in public.",
    Verdict.licensed: "A release in good standing, where its license allows it.",
    Verdict.no_match: "No face close enough to anyone monitored.",
    Verdict.unreadable: "The file could not be read.",
}
#: What each status means for the person reviewing, and what comes next.
NEXT: dict[CaseStatus, str] = {
    CaseStatus.open: "Waiting for your review: confirm it if this use is not licensed, "
    "or dismiss it with a reason.",
    CaseStatus.confirmed: "Confirmed. Download the take-down notice, send it to the site, "
    "then record that it was sent.",
    CaseStatus.notice_sent: "The notice was sent. Record the site's answer, or check "
    "whether the image is gone.",
    CaseStatus.acknowledged: "The site answered. Check whether the image is gone.",
    CaseStatus.removed: "The image is gone from that place. Close the case.",
    CaseStatus.dismissed: "Dismissed: later scans that see it again leave it dismissed.",
    CaseStatus.closed: "Closed. If the image comes back, the case opens again.",
}
#: The buttons of each step a person takes (``removed`` and ``reappeared`` come from
#: rechecks and scans), in the order the page shows them.
STEPS: dict[str, str] = {
    "confirm": "Confirm: this use is not licensed",
    "sent": "Record that the notice was sent",
    "acknowledged": "Record that the site answered",
    "close": "Close the case",
}
StepName = Literal["confirm", "dismiss", "sent", "acknowledged", "close"]


def open_count(session: Session, actor: Actor) -> int:
    """The header's count: cases waiting for a review (at most :data:`BADGE_LIMIT`)."""
    if actor.role not in ROLES:
        return 0
    # On every page of these roles: a COUNT, not the rows (capped as the badge shows it).
    return min(service.count_cases(session, actor, status=CaseStatus.open), BADGE_LIMIT)


def _done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={quote(message)}", status_code=303)


def _talent_names(session: Session, ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for talent_id in ids:
        talent = session.get(TalentProfile, talent_id)
        names[talent_id] = (
            (talent.stage_name or talent.legal_name) if talent is not None else talent_id[:8]
        )
    return names


def _steps_open(case: MonitoringCase) -> list[str]:
    """The steps a person may take on the case now (in :data:`STEPS` order)."""
    return [step for step in STEPS if rules.next_status(step, case.status) is not None]


# --- the list ----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def cases_page(
    viewer: MonitorViewer,
    session: SessionDep,
    status: CaseStatus | None = None,
    page: PageNo = 1,
    done: Done = None,
) -> HTMLResponse:
    actor = viewer.signed_in
    return _cases_page(viewer, session, actor, status=status, page=page, done=done)


def _cases_page(
    viewer: Viewer,
    session: Session,
    actor: Actor,
    *,
    status: CaseStatus | None = None,
    page: int = 1,
    done: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    limit, offset = window(page)
    found = service.list_cases(session, actor, status=status, limit=limit, offset=offset)
    rows, more = cut(list(found))
    mine = actor.talent_id if actor.role is Role.talent else None
    return render(
        viewer,
        "monitoring/cases.html",
        status_code=status_code,
        title="Monitoring",
        cases=rows,
        names=_talent_names(session, {c.talent_id for c in rows}),
        verdicts=VERDICTS,
        statuses=list(CaseStatus),
        status=status,
        enrolment=enrolment.enrolment_for(session, actor, mine) if mine else None,
        page=page,
        more=more,
        done=done,
        error=error,
    )


@router.post("/enrolment", response_class=HTMLResponse)
def change_enrolment(
    viewer: TalentOnly,
    session: SessionDep,
    runtime: RuntimeDep,
    action: Annotated[Literal["in", "out"], Form()],
) -> Response:
    """The talent turns monitoring of her own face on (or refreshes it) or off."""
    actor = viewer.signed_in
    talent_id = actor.talent_id
    if talent_id is None:
        raise CaseNotFound("this login is not a talent's")
    try:
        if action == "in":
            status = enrolment.opt_in(session, actor, talent_id, deps=runtime.storage)
        else:
            enrolment.opt_out(session, actor, talent_id)
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _cases_page(viewer, session, actor, error=exc.message, status_code=exc.status_code)
    if action == "in":
        return _done(PATH, f"Monitoring is on: {status.references} reference(s) of your face.")
    return _done(PATH, "Monitoring is off: the references of your face were deleted.")


# --- one case ----------------------------------------------------------------------------


def _case_page(
    viewer: Viewer,
    session: Session,
    case_id: str,
    *,
    status_code: int = 200,
    done: str | None = None,
    error: str | None = None,
    reason: str | None = None,
) -> HTMLResponse:
    """``reason``: a dismissal that failed (its text is kept, its error shown by it)."""
    actor = viewer.signed_in
    case = service.get_case(session, actor, case_id)
    read = service.case_read(session, case, events=True)
    return render(
        viewer,
        "monitoring/case.html",
        status_code=status_code,
        title=f"Case {case.id[:8]}",
        case=read,
        talent=_talent_names(session, {case.talent_id})[case.talent_id],
        verdict=VERDICTS.get(case.verdict, case.verdict.value),
        next_step=NEXT[case.status],
        evidence=service.evidence_lines(read.evidence),
        steps={step: STEPS[step] for step in _steps_open(case)},
        may_dismiss=rules.next_status("dismiss", case.status) is not None,
        may_notice=case.status in rules.NOTICE_STATUSES,
        may_recheck=case.status in rules.RECHECK_STATUSES,
        done=done,
        error=error,
        reason=reason or "",
        dismiss_error=error if reason is not None else None,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: str, viewer: MonitorViewer, session: SessionDep, done: Done = None
) -> HTMLResponse:
    return _case_page(viewer, session, case_id, done=done)


@router.get("/cases/{case_id}/thumbnail")
def case_thumbnail(case_id: str, viewer: MonitorViewer, session: SessionDep) -> Response:
    data = service.thumbnail_of(session, viewer.signed_in, case_id)
    if data is None:
        raise CaseNotFound(f"case {case_id} has no thumbnail")
    return Response(data, media_type="image/png", headers={"Cache-Control": "private"})


@router.post("/cases/{case_id}/steps/{step}", response_class=HTMLResponse)
def take_step(
    case_id: str,
    step: StepName,
    viewer: MonitorViewer,
    session: SessionDep,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """One step of the case (``dismiss`` needs its reason in ``note``)."""
    try:
        case = service.advance(session, viewer.signed_in, case_id, step, note or None)
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _case_page(
            viewer, session, case_id, status_code=exc.status_code, error=exc.message,
            reason=note if step == "dismiss" else None,
        )  # fmt: skip
    return _done(f"{PATH}/cases/{case_id}", f"Case {case.status.value.replace('_', ' ')}.")


@router.post("/cases/{case_id}/notice")
def download_notice(
    case_id: str,
    viewer: MonitorViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Annotated[Literal["pdf", "eml"], Form()] = "pdf",
    to: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """The take-down notice as a file (a POST: making it is audited and recorded on the
    case, which ``sent`` then needs)."""
    try:
        files = service.notice_for(
            session, viewer.signed_in, case_id, settings=runtime.settings, recipient=to or None
        )
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _case_page(viewer, session, case_id, status_code=exc.status_code, error=exc.message)
    data, media = (
        (files.pdf, "application/pdf") if format == "pdf" else (files.eml, "message/rfc822")
    )
    name = f"takedown-{files.notice.case_id}.{format}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/cases/{case_id}/recheck", response_class=HTMLResponse)
def recheck_case(
    case_id: str, viewer: MonitorViewer, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Fetch the case's place again: nothing there, or other bytes, is ``removed``."""
    try:
        [read] = service.recheck(
            session, viewer.signed_in, service.default_parts(runtime.settings), case_id
        )
    except LikenessError as exc:
        if exc.status_code == 404:
            raise
        session.rollback()
        return _case_page(viewer, session, case_id, status_code=exc.status_code, error=exc.message)
    message = "Gone: the case is removed." if read.gone else f"Still there ({read.detail})."
    return _done(f"{PATH}/cases/{case_id}", message)
