"""Thin routes for money, role-scoped by :mod:`likeness.ledger.access`: a talent sees only
their own lines, an agency its commission, a brand its payables, an operator everything."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from likeness.errors import Forbidden
from likeness.ledger import banking, payouts, service, statement_render, statements
from likeness.ledger.errors import (
    DebtorNotConfigured,
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerForbidden,
    LedgerNotFound,
)
from likeness.ledger.payout_schemas import (
    CollectionIn,
    DueRead,
    MovementRead,
    PayeeIn,
    PayeeRead,
    PayoutIn,
    PayoutsDueRead,
)
from likeness.ledger.schemas import (
    AdjustIn,
    BalanceRead,
    CheckReport,
    PostingReport,
    TransactionRead,
)
from likeness.ledger.statement_render import FORMATS as STATEMENT_FORMATS
from likeness.models.ledger import PayeeKind
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


def _amount(text: str, currency: str) -> tuple[int, str]:
    code = banking.normalise_currency(currency)
    return banking.parse_amount(text, code), code


@router.put(
    "/payees/{party_kind}/{party_id}",
    response_model=PayeeRead,
    responses=error_responses(Forbidden),
)
def put_payee(
    party_kind: PayeeKind, party_id: str, body: PayeeIn, actor: AnyActor, session: SessionDep
) -> PayeeRead:
    """Set where a talent's or an agency's money goes: the party itself, or an operator.
    The IBAN is checked (country length, mod-97) and masked in the audit log."""
    return payouts.set_payee(session, actor, party_kind, party_id, body)


@router.get("/payees/{party_kind}/{party_id}", response_model=PayeeRead)
def get_payee(
    party_kind: PayeeKind, party_id: str, actor: AnyActor, session: SessionDep
) -> PayeeRead:
    """A talent's or an agency's bank details: their own, or any for an operator."""
    return payouts.show_payee(session, actor, party_kind, party_id)


@router.post(
    "/payouts",
    response_model=MovementRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Forbidden, LedgerConflict),
)
def post_payout(body: PayoutIn, actor: OperatorActor, session: SessionDep) -> MovementRead:
    """Record a payout the bank made (full or partial). The same reference with the same
    amount returns the first (``replayed``); with another amount it is a 409."""
    minor, code = _amount(body.amount, body.currency)
    return payouts.record_payout(
        session, actor, body.party_kind, body.party_id, minor, code, body.reference, body.on
    )


@router.post(
    "/collections",
    response_model=MovementRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Forbidden, LedgerConflict),
)
def post_collection(body: CollectionIn, actor: OperatorActor, session: SessionDep) -> MovementRead:
    """Record money a brand paid (full or partial; idempotent per reference)."""
    minor, code = _amount(body.amount, body.currency)
    return payouts.record_collection(
        session, actor, body.brand_id, minor, code, body.reference, body.on
    )


@router.get("/overdue", response_model=list[DueRead])
def get_dues(
    actor: AnyActor,
    session: SessionDep,
    as_of: date | None = None,
    party_kind: Literal["talent", "agency", "brand"] | None = None,
    party_id: str | None = None,
    overdue_only: bool = False,
) -> list[DueRead]:
    """What is due and overdue (``overdue``, ``days_late``) per party, currency and due
    date: a talent their own pay, an agent their agencies' commission, a brand what it
    owes, an operator everything."""
    rows = payouts.due_rows(session, actor, as_of=as_of, party_kind=party_kind, party_id=party_id)
    return [r for r in rows if r.overdue] if overdue_only else rows


@router.get("/payouts/due", response_model=PayoutsDueRead, responses=error_responses(Forbidden))
def get_payouts_due(
    actor: OperatorActor,
    session: SessionDep,
    as_of: date | None = None,
    due_within: Annotated[int, Query(ge=0, le=366)] = 0,
) -> PayoutsDueRead:
    """The transfers an export would hold, and the payees left out (no bank details)."""
    return payouts.payouts_due(session, actor, as_of=as_of, due_within=due_within)


@router.post(
    "/payouts/export",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, "application/xml": {}},
            "description": "The payout file; X-Payout-Problems counts payees left out.",
        },
        **error_responses(Forbidden, LedgerConflict, DebtorNotConfigured),
    },
)
def post_payouts_export(
    actor: OperatorActor,
    session: SessionDep,
    runtime: RuntimeDep,
    format: Literal["csv", "pain001"] = "csv",
    as_of: date | None = None,
    due_within: Annotated[int, Query(ge=0, le=366)] = 0,
) -> Response:
    """The payouts due as CSV or ISO 20022 pain.001.001.09. It marks nothing paid:
    record each payout when the bank confirms it."""
    exported = payouts.export_payouts(
        session,
        actor,
        runtime.settings.ledger,
        file_format=format,
        as_of=as_of,
        due_within=due_within,
    )
    return Response(
        content=exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "X-Payout-Problems": str(len(exported.due.problems)),
            "X-Message-Id": exported.message_id,
        },
    )


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
