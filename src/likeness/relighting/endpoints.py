"""Thin routes of the relighting priors (operators only)."""

from __future__ import annotations

from fastapi import APIRouter

from likeness.errors import Forbidden
from likeness.relighting import service
from likeness.relighting.errors import NoTrainingData, PriorNotFound
from likeness.relighting.schemas import PriorDetail, PriorRead, TrainIn
from likeness.web.actors import OperatorActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(
    tags=["relighting"], responses=error_responses(PriorNotFound, Forbidden, NoTrainingData)
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


@router.post("/relight/priors", response_model=PriorRead, status_code=201)
def train_prior(
    body: TrainIn, actor: OperatorActor, session: SessionDep, runtime: RuntimeDep
) -> PriorRead:
    """Operators: train a prior from every twin whose creation consent names ``train``
    (plus synthetic seeds), register it and make it the active one. Seconds for a few
    twins; run ``likeness relight train-prior`` for large casts."""
    row = service.train(
        session,
        actor,
        runtime.storage,
        synthetic=body.synthetic,
        synthetic_size=body.synthetic_size,
    )
    return service.to_read(session, row)
