"""The money pages: the talent's earnings, the agent's commission, the brand's payables
and the operator's ledger.

Every number comes from the ledger's own service functions, called with the viewer's
Actor exactly as the API (``/api/v1/ledger/...``) and ``likeness ledger`` call them:
:func:`likeness.ledger.statements.statement` (a party's statement: lines, totals, the
year-to-date earnings by month the chart draws), :func:`likeness.ledger.payouts.due_rows`
(what is due, by date, overdue flagged), :func:`likeness.ledger.service.check` and
:func:`likeness.ledger.service.post_pending`. The access rules are theirs: a party the
viewer may not see raises ``LedgerNotFound`` and the page answers 404, as the API does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from likeness.errors import LikenessError
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.ledger import payouts, service, statement_render, statements
from likeness.ledger.errors import InvalidLedgerRequest
from likeness.models.party import Agency, Brand
from likeness.portal.pages import (
    AgentViewer,
    BrandViewer,
    OperatorViewer,
    TalentViewer,
    Viewer,
    render,
)
from likeness.web.deps import RuntimeDep, SessionDep

router = APIRouter()

Month = Annotated[str | None, Query(max_length=7)]
Currency = Annotated[str | None, Query(max_length=3)]
PartyId = Annotated[str | None, Query(max_length=64)]
Format = Annotated[Literal["csv", "pdf"], Query()]
Done = Annotated[str | None, Query(max_length=200)]
#: Rows of the operator's overdue report shown at most (the CLI/API give them all).
OVERDUE_ROWS = 100
#: Statement lines a page lists at most (the CSV and PDF hold them all).
LINES_SHOWN = 100

#: The chart's drawing box (SVG user units); bars are scaled to its plot height.
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 600, 240, 28, 30


@dataclass(frozen=True)
class Bar:
    """One month of the earnings chart, placed in the SVG's user units."""

    label: str
    month: str
    amount: int
    x: float
    y: float
    width: float
    height: float
    in_period: bool


def chart(statement: statements.Statement) -> list[Bar]:
    """The statement's year-to-date earnings by month as bars (the same numbers the PDF's
    month chart draws); a month with nothing (or a net reversal) has a zero-height bar."""
    months = statement.by_month
    if not months:
        return []
    top = max([amount for _, amount in months] + [1])
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / 12
    first, last = statement.period.start.isoformat()[:7], statement.period.end.isoformat()[:7]
    bars = []
    for index, (month, amount) in enumerate(months):
        height = round(plot * max(amount, 0) / top, 1)
        bars.append(
            Bar(
                label=date.fromisoformat(month + "-01").strftime("%b"),
                month=month,
                amount=amount,
                x=round(index * slot + slot * 0.15, 1),
                y=round(CHART_TOP + plot - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                in_period=first <= month <= last,
            )
        )
    return bars


def _month(period: str | None) -> str:
    return (period or "").strip() or utcnow().strftime("%Y-%m")


def _currencies(session: Session, actor: Actor, kind: str, party_id: str) -> list[str]:
    """The currencies the party holds money in (the ledger's balances, its access rule)."""
    return sorted({b.currency for b in service.balances(session, actor, kind, party_id)})


@dataclass(frozen=True)
class MoneyView:
    """What a statement page shows for one party and month."""

    statement: statements.Statement | None
    currencies: list[str]
    currency: str | None
    period: str
    error: str | None

    @property
    def bars(self) -> list[Bar]:
        return chart(self.statement) if self.statement is not None else []

    @property
    def chart_max(self) -> int:
        """The amount the chart's top line stands for (its tallest month)."""
        return max([amount for _, amount in self.statement.by_month] + [0]) if self.statement else 0

    @property
    def lines(self) -> tuple[statements.StatementLine, ...]:
        """The lines the page lists (the downloads hold them all)."""
        return self.statement.lines[:LINES_SHOWN] if self.statement else ()


def _view(
    session: Session,
    runtime: RuntimeDep,
    actor: Actor,
    kind: str,
    party_id: str,
    period: str | None,
    currency: str | None,
) -> MoneyView:
    """The statement of ``kind`` ``party_id`` for the month (its amounts due by date, as of
    the month's end or today): the ledger posts what is pending first (as
    ``GET /ledger/balances`` does)."""
    service.catch_up_inside(session, runtime.settings.ledger.platform_fee_bps)
    month = _month(period)
    chosen = (currency or "").strip().upper() or None
    try:
        found = statements.statement(
            session, actor, kind, party_id, statements.parse_period(month), chosen
        )
    except InvalidLedgerRequest as exc:
        # e.g. money in two currencies and none chosen yet: offer them
        held = _currencies(session, actor, kind, party_id)
        return MoneyView(None, held, chosen or (held[0] if held else None), month, exc.message)
    # the currency picker only where the party holds more than one (a read of its accounts)
    held = _currencies(session, actor, kind, party_id) if chosen else [found.currency]
    return MoneyView(found, held, found.currency, month, None)


def _download(
    session: Session,
    actor: Actor,
    kind: str,
    party_id: str,
    period: str | None,
    currency: str | None,
    format: str,
) -> Response:
    """The statement file, exactly as ``GET /api/v1/ledger/statements/...`` serves it."""
    result = statements.statement(
        session, actor, kind, party_id, statements.parse_period(_month(period)), currency or None
    )
    body, media_type = statement_render.render(result, format)
    name = f"statement-{kind}-{party_id[:8]}-{result.period.label}.{format}"
    return Response(
        content=body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _statement_page(
    viewer: Viewer,
    view: MoneyView,
    template: str,
    title: str,
    base: str,
    **context: object,
) -> HTMLResponse:
    return render(
        viewer,
        template,
        status_code=422 if view.error else 200,
        title=title,
        view=view,
        base=base,
        chart_width=CHART_WIDTH,
        chart_height=CHART_HEIGHT,
        chart_baseline=CHART_HEIGHT - CHART_BOTTOM,
        chart_top=CHART_TOP,
        **context,
    )


# --- talent: earnings ------------------------------------------------------------------------


def _own_talent(actor: Actor) -> str:
    # A talent user without a profile has no account: the ledger's rule answers 404.
    return actor.talent_id or "-"


@router.get("/talent/earnings", response_class=HTMLResponse)
def earnings_page(
    viewer: TalentViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    period: Month = None,
    currency: Currency = None,
) -> HTMLResponse:
    """What she is owed, was paid and when it is due; the month's lines; the chart."""
    actor = viewer.signed_in
    view = _view(session, runtime, actor, "talent", _own_talent(actor), period, currency)
    return _statement_page(viewer, view, "talent/earnings.html", "Earnings", "/talent/earnings")


@router.get("/talent/earnings/statement")
def earnings_statement(
    viewer: TalentViewer,
    session: SessionDep,
    format: Format = "pdf",
    period: Month = None,
    currency: Currency = None,
) -> Response:
    actor = viewer.signed_in
    return _download(session, actor, "talent", _own_talent(actor), period, currency, format)


# --- agent: commission -----------------------------------------------------------------------


def _agencies(session: Session, actor: Actor) -> dict[str, str]:
    """The viewer's agencies (id → name), in name order."""
    names = {}
    for agency_id in actor.agency_ids:
        agency = session.get(Agency, agency_id)
        names[agency_id] = agency.name if agency is not None else agency_id[:8]
    return dict(sorted(names.items(), key=lambda item: item[1]))


@router.get("/agent/commission", response_class=HTMLResponse)
def commission_page(
    viewer: AgentViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    agency: PartyId = None,
    period: Month = None,
    currency: Currency = None,
) -> HTMLResponse:
    """The agency's commission statement for a month (``likeness ledger statement
    --agency``), what is due and when, downloads."""
    actor = viewer.signed_in
    agencies = _agencies(session, actor)
    chosen = agency or next(iter(agencies), None)
    if chosen is None:
        return render(viewer, "agent/commission.html", title="Commission", view=None)
    view = _view(session, runtime, actor, "agency", chosen, period, currency)
    return _statement_page(
        viewer,
        view,
        "agent/commission.html",
        "Commission",
        "/agent/commission",
        agencies=agencies,
        party=chosen,
    )


@router.get("/agent/commission/statement")
def commission_statement(
    viewer: AgentViewer,
    session: SessionDep,
    agency: PartyId = None,
    format: Format = "pdf",
    period: Month = None,
    currency: Currency = None,
) -> Response:
    actor = viewer.signed_in
    chosen = agency or next(iter(sorted(actor.agency_ids)), "-")
    return _download(session, actor, "agency", chosen, period, currency, format)


# --- brand: payables -------------------------------------------------------------------------


def _brands(session: Session, actor: Actor) -> dict[str, str]:
    names = {}
    for brand_id in actor.brand_ids:
        brand = session.get(Brand, brand_id)
        names[brand_id] = brand.name if brand is not None else brand_id[:8]
    return dict(sorted(names.items(), key=lambda item: item[1]))


@router.get("/brand/payables", response_class=HTMLResponse)
def payables_page(
    viewer: BrandViewer,
    session: SessionDep,
    runtime: RuntimeDep,
    brand: PartyId = None,
    period: Month = None,
    currency: Currency = None,
) -> HTMLResponse:
    """What the brand owes, by due date (overdue flagged), and its statement."""
    actor = viewer.signed_in
    brands = _brands(session, actor)
    chosen = brand or next(iter(brands), None)
    if chosen is None:
        return render(viewer, "brand/payables.html", title="Payables", view=None)
    view = _view(session, runtime, actor, "brand", chosen, period, currency)
    return _statement_page(
        viewer,
        view,
        "brand/payables.html",
        "Payables",
        "/brand/payables",
        brands=brands,
        party=chosen,
    )


@router.get("/brand/payables/statement")
def payables_statement(
    viewer: BrandViewer,
    session: SessionDep,
    brand: PartyId = None,
    format: Format = "pdf",
    period: Month = None,
    currency: Currency = None,
) -> Response:
    actor = viewer.signed_in
    chosen = brand or next(iter(sorted(actor.brand_ids)), "-")
    return _download(session, actor, "brand", chosen, period, currency, format)


# --- operator: the ledger --------------------------------------------------------------------


@router.get("/operator/ledger", response_class=HTMLResponse)
def ledger_page(
    viewer: OperatorViewer,
    session: SessionDep,
    done: Done = None,
    error: Done = None,
) -> HTMLResponse:
    """Whether fees wait to be posted, with the button that posts them; links to the
    books' check and the overdue report (each reads the whole ledger: their own pages)."""
    return render(
        viewer,
        "operator/ledger.html",
        title="Ledger",
        caught_up=service.caught_up(session),
        done=done,
        error=error,
    )


@router.get("/operator/ledger/check", response_class=HTMLResponse)
def ledger_check_page(viewer: OperatorViewer, session: SessionDep) -> HTMLResponse:
    """The books' check, run now (``likeness ledger check``): OK, or each problem."""
    return render(
        viewer, "operator/ledger_check.html", title="Ledger check", report=service.check(session)
    )


@router.get("/operator/ledger/overdue", response_class=HTMLResponse)
def ledger_overdue_page(viewer: OperatorViewer, session: SessionDep) -> HTMLResponse:
    """Every party's overdue amounts (``likeness ledger overdue``), oldest first."""
    overdue = [row for row in payouts.due_rows(session, viewer.signed_in) if row.overdue]
    return render(
        viewer,
        "operator/ledger_overdue.html",
        title="Overdue",
        overdue=overdue[:OVERDUE_ROWS],
        more=len(overdue) > OVERDUE_ROWS,
        total=len(overdue),
    )


@router.post("/operator/ledger/post-pending", response_class=HTMLResponse)
def post_pending(viewer: OperatorViewer, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Post the fees of the audit events after the cursor (``likeness ledger post-pending``)."""
    try:
        report = service.post_pending(
            session, viewer.signed_in, platform_fee_bps=runtime.settings.ledger.platform_fee_bps
        )
    except LikenessError as exc:
        session.rollback()
        said = quote(exc.message[:180])
        return RedirectResponse(f"/operator/ledger?error={said}", status_code=303)
    said = f"posted {report.posted} fee" + ("" if report.posted == 1 else "s")
    if report.pending:
        said += "; more are waiting"
    return RedirectResponse(f"/operator/ledger?done={quote(said)}", status_code=303)
