"""Thin routes for money, role-scoped by :mod:`likeness.ledger.access`: a talent sees only
their own lines, an agency its commission, a brand its payables, an operator everything."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from likeness.ledger import statement_render, statements
from likeness.ledger.errors import InvalidLedgerRequest, LedgerNotFound
from likeness.ledger.statement_render import FORMATS as STATEMENT_FORMATS
from likeness.web.actors import AnyActor
from likeness.web.deps import SessionDep
from likeness.web.responses import error_responses

router = APIRouter(
    prefix="/ledger",
    tags=["ledger"],
    responses=error_responses(LedgerNotFound, InvalidLedgerRequest),
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------


# --- statements (statements.py) ----------------------------------------------------------


@router.get(
    "/statements/{party_kind}/{party_id}",
    responses={200: {"content": {m: {} for m in STATEMENT_FORMATS.values()}}},
)
def get_statement(
    party_kind: Literal["talent", "agency", "brand"],
    party_id: str,
    actor: AnyActor,
    session: SessionDep,
    period: Annotated[str | None, Query(description="YYYY-MM (a month) or YYYY (a year).")] = None,
    start: Annotated[date | None, Query(alias="from", description="First day.")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day.")] = None,
    currency: Annotated[
        str | None, Query(description="ISO 4217; default: the party's only currency.")
    ] = None,
    format: Literal["csv", "json", "pdf"] = "json",
) -> Response:
    """A statement for a period: opening balance, lines, payments, closing balance and the
    amounts due by date. Yours only (a talent's own, an agent's agency, a brand member's
    brand; an operator any): any other party answers 404."""
    result = statements.statement(
        session, actor, party_kind, party_id, statements.parse_period(period, start, end), currency
    )
    body, media_type = statement_render.render(result, format)
    name = f"statement-{party_kind}-{party_id[:8]}-{result.period.label}.{format}"
    return Response(
        content=body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
