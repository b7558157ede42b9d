"""Thin routes for money, role-scoped by :mod:`likeness.ledger.access`: a talent sees only
their own lines, an agency its commission, a brand its payables, an operator everything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from likeness.ledger import service
from likeness.ledger.errors import (
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerForbidden,
    LedgerNotFound,
)
from likeness.ledger.schemas import (
    AdjustIn,
    BalanceRead,
    CheckReport,
    PostingReport,
    TransactionRead,
)
from likeness.web.actors import AnyActor, OperatorActor
from likeness.web.deps import RuntimeDep, SessionDep
from likeness.web.responses import error_responses

router = APIRouter(
    prefix="/ledger",
    tags=["ledger"],
    responses=error_responses(LedgerNotFound, InvalidLedgerRequest),
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------

PartyId = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.post(
    "/post-pending", response_model=PostingReport, responses=error_responses(LedgerForbidden)
)
def post_pending(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = service.DEFAULT_LIMIT,
) -> PostingReport:
    """Post the fees of the audit events after the ledger's cursor (operators). The server
    also does this on its own every few seconds."""
    return service.post_pending(
        session, actor, limit=limit, platform_fee_bps=runtime.settings.ledger.platform_fee_bps
    )


@router.get("/balances", response_model=list[BalanceRead])
def get_balances(
    actor: AnyActor,
    session: SessionDep,
    runtime: RuntimeDep,
    talent: PartyId = None,
    agency: PartyId = None,
    brand: PartyId = None,
) -> list[BalanceRead]:
    """What a talent or agency is owed, what a brand owes: name one party (yours); an
    operator may name none and get every account."""
    named = [(k, v) for k, v in (("talent", talent), ("agency", agency), ("brand", brand)) if v]
    if len(named) > 1:
        raise InvalidLedgerRequest("name one of talent, agency, brand")
    kind, party = named[0] if named else (None, None)
    service.catch_up_inside(session, runtime.settings.ledger.platform_fee_bps)
    return service.balances(session, actor, kind, party)


@router.post(
    "/transactions/{transaction_id}/adjust",
    response_model=TransactionRead,
    status_code=201,
    responses=error_responses(LedgerForbidden, LedgerConflict),
)
def adjust(
    transaction_id: str, body: AdjustIn, actor: AnyActor, session: SessionDep
) -> TransactionRead:
    """Reverse one fee of a license revoked for cause, with a reason (operators)."""
    row = service.adjust(session, actor, transaction_id, body.reason)
    return TransactionRead.model_validate(row)


@router.get("/check", response_model=CheckReport)
def check(actor: OperatorActor, session: SessionDep, runtime: RuntimeDep) -> CheckReport:
    """Prove the books (operators): ``ok`` false lists every problem found."""
    service.catch_up_inside(session, runtime.settings.ledger.platform_fee_bps)
    return service.check(session)


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------


# --- statements (statements.py) ----------------------------------------------------------
