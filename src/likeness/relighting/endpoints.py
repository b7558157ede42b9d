"""Thin routes of the relighting priors (operators only)."""

from __future__ import annotations

from fastapi import APIRouter

from likeness.errors import Forbidden
from likeness.jobs import service as jobs
from likeness.jobs.schemas import JobRead
from likeness.relighting import service
from likeness.relighting.errors import InvalidTrainingSource, NoTrainingData, PriorNotFound
from likeness.relighting.schemas import PriorDetail, PriorRead, TrainIn
from likeness.web.actors import OperatorActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["relighting"],
    responses=error_responses(PriorNotFound, Forbidden, NoTrainingData, InvalidTrainingSource),
)


@router.get("/relight/priors", response_model=list[PriorRead])
def list_priors(
    actor: OperatorActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[PriorRead]:
    """Operators: every relighting prior, newest first (status, sources, licence)."""
    rows = service.list_priors(session, actor, limit=limit, offset=offset)
    return service.prior_reads(session, rows)


@router.get("/relight/priors/{prior_id}", response_model=PriorDetail)
def get_prior(prior_id: str, actor: OperatorActor, session: SessionDep) -> PriorDetail:
    """Operators: one prior with its training manifest and sources."""
    return service.to_detail(session, service.get(session, actor, prior_id))


@router.post("/relight/priors", response_model=JobRead, status_code=202)
def train_prior(
    body: TrainIn, actor: OperatorActor, session: SessionDep, runtime: RuntimeDep
) -> JobRead:
    """Operators: queue the training of a prior from every twin whose creation consent
    names ``train`` (plus synthetic seeds); the job registers it and makes it the active
    one. Follow it at ``/api/v1/jobs/{id}``; the prior then shows in the list."""
    job = service.queue_training(
        session,
        actor,
        runtime.storage,
        synthetic=body.synthetic,
        synthetic_size=body.synthetic_size,
    )
    return jobs.to_read(job)
