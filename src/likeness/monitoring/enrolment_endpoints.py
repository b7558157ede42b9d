"""Routes of monitoring enrolment: ``/monitoring/talents/{talent_id}/enrolment``.

``GET`` the status, ``PUT`` to opt in (again: refresh the references), ``DELETE`` to opt
out. The talent, their agent in force and operators; anyone else gets 404. Kept apart
from ``monitoring/endpoints.py`` so two branches merge cleanly: that module includes
this ``router`` (``router.include_router(enrolment_endpoints.router)``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from likeness.errors import Conflict, NotFound
from likeness.monitoring import enrolment
from likeness.monitoring.enrolment import Enrolment, NothingToEnrol
from likeness.web.actors import AnyActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["monitoring"], responses=error_responses(NotFound))


class EnrolmentRead(BaseModel):
    """A talent's monitoring status (never the embeddings themselves)."""

    talent_id: str
    enrolled: bool
    references: int
    opted_in_at: datetime | None
    opted_in_by_user_id: str | None
    opted_out_at: datetime | None
    opted_out_by_user_id: str | None


def enrolment_read(status: Enrolment) -> EnrolmentRead:
    return EnrolmentRead(
        talent_id=status.talent_id,
        enrolled=status.enrolled,
        references=status.references,
        opted_in_at=status.opted_in_at,
        opted_in_by_user_id=status.opted_in_by_user_id,
        opted_out_at=status.opted_out_at,
        opted_out_by_user_id=status.opted_out_by_user_id,
    )


PATH = "/monitoring/talents/{talent_id}/enrolment"


@router.get(PATH, response_model=EnrolmentRead)
def show_enrolment(talent_id: str, actor: AnyActor, session: SessionDep) -> EnrolmentRead:
    """Whether the talent is enrolled in monitoring."""
    return enrolment_read(enrolment.enrolment_for(session, actor, talent_id))


@router.put(PATH, response_model=EnrolmentRead, responses=error_responses(NothingToEnrol))
def opt_in(
    talent_id: str, actor: AnyActor, session: SessionDep, runtime: RuntimeDep
) -> EnrolmentRead:
    """Opt the talent in (or refresh their reference embeddings)."""
    return enrolment_read(enrolment.opt_in(session, actor, talent_id, deps=runtime.storage))


@router.delete(PATH, response_model=EnrolmentRead, responses=error_responses(Conflict))
def opt_out(talent_id: str, actor: AnyActor, session: SessionDep) -> EnrolmentRead:
    """Opt the talent out: their reference embeddings are deleted at once."""
    return enrolment_read(enrolment.opt_out(session, actor, talent_id))
