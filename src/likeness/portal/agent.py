"""The agent's pages: the roster of talent represented today, the negotiations to answer
(propose with the same terms form as the CLI), and the latest changes to the licenses of
the talent they represent. Each route calls the service the API calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from likeness.errors import LikenessError
from likeness.licensing import service as licensing
from likeness.licensing.schemas import LicenseRead
from likeness.models.party import TalentProfile
from likeness.party import access as party_access
from likeness.party import service as party
from likeness.policy import LicenseStatus
from likeness.portal.forms import FormData
from likeness.portal.negotiation import TERMS_ACTIONS, act, brand_name, license_page
from likeness.portal.pages import AgentViewer, Viewer, render
from likeness.web.deps import SessionDep

router = APIRouter()

#: Where the brand moved last and the agent answers with terms.
ANSWERABLE = (LicenseStatus.requested, LicenseStatus.countered)

Done = Annotated[str | None, Query(max_length=200)]


def _talent_names(session: SessionDep, viewer: Viewer, ids: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for talent_id in set(ids):
        try:
            talent: TalentProfile = party_access.get_talent_for(
                session, viewer.signed_in, talent_id
            )
        except LikenessError:
            continue
        names[talent_id] = talent.stage_name or talent.legal_name
    return names


def _brand_names(session: SessionDep, viewer: Viewer, rows: list[LicenseRead]) -> dict[str, str]:
    """Each brand named once, however many of the rows are its licenses."""
    return {b: brand_name(session, viewer, b) for b in {r.brand_id for r in rows}}


@router.get("/agent/roster", response_class=HTMLResponse)
def roster_page(viewer: AgentViewer, session: SessionDep) -> HTMLResponse:
    """The talent the viewer's agencies represent under an agreement in force today."""
    actor = viewer.signed_in
    reps = [
        party.representation_read(r) for r in party.list_representations(session, actor, limit=500)
    ]
    in_force = [r for r in reps if r.status.value == "active"]
    names = _talent_names(session, viewer, [r.talent_id for r in in_force])
    agencies = {a.id: a.name for a in party.list_agencies(session, actor, limit=500)}
    return render(
        viewer,
        "agent/roster.html",
        title="Roster",
        rows=in_force,
        names=names,
        agencies=agencies,
    )


def _licenses(
    viewer: Viewer, session: SessionDep, status: LicenseStatus | None = None, limit: int = 50
) -> list[LicenseRead]:
    """The viewer's talent's licenses (in ``status``), the most recently changed first."""
    actor = viewer.signed_in
    found = licensing.list_for(session, actor, status=status, limit=limit, latest_first=True)
    return licensing.to_reads(session, actor, found)


@router.get("/agent/negotiations", response_class=HTMLResponse)
def negotiations_page(viewer: AgentViewer, session: SessionDep, done: Done = None) -> HTMLResponse:
    # The brand's moves the agent answers with terms: a request, a counter-offer.
    rows = [r for status in ANSWERABLE for r in _licenses(viewer, session, status)]
    to_answer = [r for r in rows if any(a in TERMS_ACTIONS for a in r.available_actions)]
    to_answer.sort(key=lambda r: r.updated_at, reverse=True)
    return render(
        viewer,
        "agent/negotiations.html",
        title="Negotiations",
        to_answer=to_answer,
        names=_talent_names(session, viewer, [r.talent_id for r in rows]),
        brands=_brand_names(session, viewer, rows),
        done=done,
    )


@router.get("/agent/negotiations/{license_id}", response_class=HTMLResponse)
def negotiation_page(
    viewer: AgentViewer, session: SessionDep, license_id: str, done: Done = None
) -> HTMLResponse:
    return license_page(viewer, session, license_id, "agent/negotiation.html", done=done)


@router.post("/agent/negotiations/{license_id}", response_class=HTMLResponse)
def negotiation_action(
    viewer: AgentViewer, session: SessionDep, license_id: str, fields: FormData
) -> Response:
    return act(
        viewer,
        session,
        license_id,
        fields,
        "agent/negotiation.html",
        f"/agent/negotiations/{license_id}",
    )


@router.get("/agent/updates", response_class=HTMLResponse)
def updates_page(viewer: AgentViewer, session: SessionDep) -> HTMLResponse:
    """What changed lately in the licenses of the talent the viewer represents."""
    rows = _licenses(viewer, session, limit=30)
    return render(
        viewer,
        "agent/updates.html",
        title="Updates",
        rows=rows,
        names=_talent_names(session, viewer, [r.talent_id for r in rows]),
        brands=_brand_names(session, viewer, rows),
    )
