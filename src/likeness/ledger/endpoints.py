"""Thin routes for money, role-scoped by :mod:`likeness.ledger.access`: a talent sees only
their own lines, an agency its commission, a brand its payables, an operator everything."""

from __future__ import annotations

from fastapi import APIRouter

from likeness.ledger.errors import InvalidLedgerRequest, LedgerNotFound
from likeness.web.responses import error_responses

router = APIRouter(
    prefix="/ledger",
    tags=["ledger"],
    responses=error_responses(LedgerNotFound, InvalidLedgerRequest),
)

# --- posting, balances, adjustments, check (service.py) ----------------------------------


# --- payouts, collections, overdue, exports (payouts.py) ---------------------------------


# --- statements (statements.py) ----------------------------------------------------------
