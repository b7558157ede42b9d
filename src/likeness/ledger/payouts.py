"""Payees, payouts, collections, dues and payout files (issue 19, decision 0022).

* **Payees**: where a talent's or an agency's money goes (holder, IBAN, optional BIC),
  set by the party itself (a talent, a member of the agency) or the operator. The audit
  event carries the IBAN masked.
* **Payouts** (operator): money the bank paid to a talent or an agency, full or partial:
  Dr talent/agency payable, Cr cash. **Collections** (operator): money a brand paid: Dr
  cash, Cr brand receivable. Each is idempotent per party and bank reference
  (``payout:<kind>:<party>:<ref>``, ``collection:brand:<brand>:<ref>``): the same
  reference with the same amount returns the first, with another amount is a conflict.
  Neither may exceed what is owed in that currency (the account row is locked first, so
  two payouts at once cannot both pass). Each writes its audit event in the same
  transaction.
* **Dues**: per party and currency, the fee postings' due dates, covered oldest first by
  the party's payouts (:func:`likeness.ledger.banking.allocate`); open before ``as_of``
  means overdue (interest-free, but flagged).
* **Exports**: the payouts due by a date as CSV or ISO 20022 pain.001.001.09. A payee
  with money due and no bank details is reported as a problem. Exporting pays nothing:
  a payout is recorded when the bank confirms it.

Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from likeness.audit import service as audit
from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.ledger import access, repository
from likeness.ledger.banking import (
    MAX_HOLDER_NAME,
    MAX_REFERENCE,
    DueLine,
    allocate,
    clean_text,
    format_amount,
    mask_iban,
    normalise_bic,
    normalise_currency,
    normalise_iban,
)
from likeness.ledger.errors import (
    DebtorNotConfigured,
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerNotFound,
)
from likeness.ledger.pain001 import Debtor, PayoutItem, build_pain001, control_sum, to_csv
from likeness.ledger.payout_schemas import (
    DueRead,
    MovementRead,
    PayeeIn,
    PayeeRead,
    PayoutDueRead,
    PayoutProblem,
    PayoutsDueRead,
)
from likeness.models.base import new_id
from likeness.models.ledger import (
    PLATFORM,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payee,
    PayeeKind,
    TransactionKind,
)
from likeness.models.party import Agency, Brand, TalentProfile
from likeness.settings import LedgerSettings

#: The account a payee's money is owed on, by payee kind.
PAYABLE = {
    PayeeKind.talent: AccountKind.talent_payable,
    PayeeKind.agency: AccountKind.agency_payable,
}
#: Party kind (as dues and exports name it) of each party account kind.
PARTY_KIND = {
    AccountKind.talent_payable: "talent",
    AccountKind.agency_payable: "agency",
    AccountKind.brand_receivable: "brand",
}
_PAYMENT_KINDS = frozenset({TransactionKind.payout, TransactionKind.collection})


def _require_operator(actor: Actor, what: str) -> None:
    if not actor.is_operator:
        raise Forbidden(f"only an operator may {what}")


def _require_party(session: Session, party_kind: str, party_id: str) -> None:
    model = {"talent": TalentProfile, "agency": Agency, "brand": Brand}[party_kind]
    if session.get(model, party_id) is None:
        raise LedgerNotFound(f"no {party_kind} {party_id}")


def _today() -> date:
    return utcnow().date()


# --- payees ------------------------------------------------------------------------------


def _payee_read(payee: Payee, *, full: bool) -> PayeeRead:
    masked = mask_iban(payee.iban)
    return PayeeRead(
        party_kind=payee.party_kind,
        party_id=payee.party_id,
        holder_name=payee.holder_name,
        iban=payee.iban if full else masked,
        iban_masked=masked,
        bic=payee.bic,
        updated_at=payee.updated_at,
    )


def _payee(session: Session, party_kind: PayeeKind, party_id: str) -> Payee | None:
    query = select(Payee).where(Payee.party_kind == party_kind, Payee.party_id == party_id)
    return session.execute(query).scalars().first()


def set_payee(
    session: Session, actor: Actor, party_kind: PayeeKind, party_id: str, data: PayeeIn
) -> PayeeRead:
    """Set (or replace) where ``party_id``'s money goes: the party itself or an operator."""
    access.require_party_visible(actor, party_kind.value, party_id)
    _require_party(session, party_kind.value, party_id)
    holder = clean_text(data.holder_name, "account holder's name", MAX_HOLDER_NAME)
    iban = normalise_iban(data.iban)
    bic = normalise_bic(data.bic)
    payee = _payee(session, party_kind, party_id)
    previous = mask_iban(payee.iban) if payee is not None else None
    now = utcnow()
    if payee is None:
        payee = Payee(
            id=new_id(),
            party_kind=party_kind,
            party_id=party_id,
            holder_name=holder,
            iban=iban,
            bic=bic,
            updated_at=now,
        )
        session.add(payee)
    else:
        payee.holder_name, payee.iban, payee.bic, payee.updated_at = holder, iban, bic, now
    session.flush()
    audit.record(
        session,
        actor,
        "ledger.payee_set",
        "ledger_payee",
        payee.id,
        {
            "party_kind": party_kind.value,
            "party_id": party_id,
            "holder_name": holder,
            "iban": mask_iban(iban),
            "bic": bic,
            "previous_iban": previous,
        },
    )
    return _payee_read(payee, full=True)


def show_payee(session: Session, actor: Actor, party_kind: PayeeKind, party_id: str) -> PayeeRead:
    """The party's bank details, in full: only the party itself and the operator see them."""
    access.require_party_visible(actor, party_kind.value, party_id)
    payee = _payee(session, party_kind, party_id)
    if payee is None:
        raise LedgerNotFound(f"{party_kind.value} {party_id} has no bank details yet")
    return _payee_read(payee, full=True)


# --- payouts and collections ---------------------------------------------------------------


def _lock_account(
    session: Session, kind: AccountKind, party_id: str, currency: str
) -> LedgerAccount | None:
    query = (
        select(LedgerAccount)
        .where(
            LedgerAccount.kind == kind,
            LedgerAccount.party_id == party_id,
            LedgerAccount.currency == currency,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalars().first()


def _movement_read(
    txn: LedgerTransaction, party_kind: str, party_id: str, *, replayed: bool
) -> MovementRead:
    return MovementRead(
        id=txn.id,
        kind=txn.kind.value,
        party_kind=party_kind,
        party_id=party_id,
        amount=txn.gross,
        amount_decimal=format_amount(txn.gross, txn.currency),
        currency=txn.currency,
        reference=txn.external_ref or "",
        occurred_on=txn.occurred_on,
        source_key=txn.source_key,
        replayed=replayed,
    )


@dataclass(frozen=True, slots=True)
class _Movement:
    kind: TransactionKind
    party_kind: str
    party_id: str
    account: AccountKind
    #: +1: the party's account is credit-normal (a payable); -1: debit-normal (receivable)
    owed_sign: int


def _record(
    session: Session,
    actor: Actor,
    movement: _Movement,
    amount: int,
    currency: str,
    reference: str,
    on: date | None,
) -> MovementRead:
    _require_operator(actor, f"record a {movement.kind.value}")
    _require_party(session, movement.party_kind, movement.party_id)
    currency = normalise_currency(currency)
    reference = clean_text(reference, "bank reference", MAX_REFERENCE)
    if amount <= 0:
        raise InvalidLedgerRequest("the amount must be more than zero")
    occurred_on = on or _today()
    if occurred_on > _today():
        raise InvalidLedgerRequest(f"a {movement.kind.value} cannot be dated in the future")
    source_key = f"{movement.kind.value}:{movement.party_kind}:{movement.party_id}:{reference}"

    # Lock the party's account first: concurrent payouts to one party queue here, so the
    # second sees the first's transaction (same reference) and the first's balance.
    account = _lock_account(session, movement.account, movement.party_id, currency)
    existing = repository.transaction_by_source(session, source_key)
    if existing is not None:
        if existing.gross == amount and existing.currency == currency:
            return _movement_read(existing, movement.party_kind, movement.party_id, replayed=True)
        raise LedgerConflict(
            f"reference {reference!r} was already recorded as a {movement.kind.value} of "
            f"{existing.currency} {format_amount(existing.gross, existing.currency)} "
            f"for {movement.party_kind} {movement.party_id}; a different amount needs its "
            "own reference"
        )
    owed = movement.owed_sign * -(account.balance if account is not None else 0)
    if amount > owed:
        verb = "owed to" if movement.kind is TransactionKind.payout else "owed by"
        raise LedgerConflict(
            f"{currency} {format_amount(amount, currency)} is more than the "
            f"{currency} {format_amount(max(owed, 0), currency)} {verb} "
            f"{movement.party_kind} {movement.party_id}"
        )
    party_leg = movement.owed_sign * amount  # a payout debits a payable: +amount
    txn = LedgerTransaction(
        id=new_id(),
        kind=movement.kind,
        source_key=source_key,
        occurred_on=occurred_on,
        currency=currency,
        talent_id=movement.party_id if movement.party_kind == "talent" else None,
        agency_id=movement.party_id if movement.party_kind == "agency" else None,
        brand_id=movement.party_id if movement.party_kind == "brand" else None,
        # A movement of money has no split: gross = net = the amount moved.
        gross=amount,
        net=amount,
        commission=0,
        platform_fee=0,
        commission_bps=0,
        platform_fee_bps=0,
        external_ref=reference,
        posted_by_user_id=actor.user_id,
    )
    repository.post(
        session,
        txn,
        [
            repository.Leg(movement.account, movement.party_id, party_leg),
            repository.Leg(AccountKind.cash, PLATFORM, -party_leg),
        ],
    )
    audit.record(
        session,
        actor,
        f"ledger.{movement.kind.value}_recorded",
        "ledger_transaction",
        txn.id,
        {
            "party_kind": movement.party_kind,
            "party_id": movement.party_id,
            "amount": amount,
            "currency": currency,
            "reference": reference,
            "occurred_on": occurred_on.isoformat(),
            "source_key": source_key,
        },
    )
    return _movement_read(txn, movement.party_kind, movement.party_id, replayed=False)


def record_payout(
    session: Session,
    actor: Actor,
    party_kind: PayeeKind,
    party_id: str,
    amount: int,
    currency: str,
    reference: str,
    on: date | None = None,
) -> MovementRead:
    """Record money the bank paid to a talent or an agency (full or partial)."""
    movement = _Movement(TransactionKind.payout, party_kind.value, party_id, PAYABLE[party_kind], 1)
    return _record(session, actor, movement, amount, currency, reference, on)


def record_collection(
    session: Session,
    actor: Actor,
    brand_id: str,
    amount: int,
    currency: str,
    reference: str,
    on: date | None = None,
) -> MovementRead:
    """Record money a brand paid (full or partial)."""
    movement = _Movement(
        TransactionKind.collection, "brand", brand_id, AccountKind.brand_receivable, -1
    )
    return _record(session, actor, movement, amount, currency, reference, on)


# --- dues ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyDues:
    party_kind: str
    party_id: str
    currency: str
    lines: list[DueLine]


def _dues_query(
    actor: Actor, as_of: date, party_kind: str | None, party_id: str | None
) -> Select[AccountKind, str, str, bool, date, int]:
    """Per party account, currency and due date: the sum of its fee (and adjustment)
    entries, and apart from them the sum of its payments (a payment's own date as its
    day) — the database adds the entries up; a row per party, currency and day comes back.

    A fee's day is its due date; an adjustment without one takes the due date of the fee
    it reverses; anything else its own date."""
    reversed_txn = aliased(LedgerTransaction)
    due = func.coalesce(
        LedgerTransaction.due_on, reversed_txn.due_on, LedgerTransaction.occurred_on
    ).label("due")
    payment = LedgerTransaction.kind.in_(list(_PAYMENT_KINDS)).label("payment")
    kinds = [k for k, name in PARTY_KIND.items() if party_kind in (None, name)]
    # Grouped by the account's id (then named by a join), not by its kind, party and
    # currency: narrower keys make SQLite's grouping a fifth cheaper.
    sums = (
        select(LedgerEntry.account_id, payment, due, func.sum(LedgerEntry.amount).label("total"))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .outerjoin(reversed_txn, reversed_txn.id == LedgerTransaction.reverses_id)
        .where(LedgerAccount.kind.in_(kinds), LedgerTransaction.occurred_on <= as_of)
        .group_by(LedgerEntry.account_id, payment, due)
    )
    if party_id is not None:
        sums = sums.where(LedgerAccount.party_id == party_id)
    scope = access.account_filter(actor)
    grouped = (sums if scope is None else sums.where(scope)).subquery()
    return select(
        LedgerAccount.kind,
        LedgerAccount.party_id,
        LedgerAccount.currency,
        grouped.c.payment,
        grouped.c.due,
        grouped.c.total,
    ).join(grouped, grouped.c.account_id == LedgerAccount.id)


def party_dues(
    session: Session,
    actor: Actor,
    *,
    as_of: date | None = None,
    party_kind: str | None = None,
    party_id: str | None = None,
) -> list[PartyDues]:
    """Every visible party's dues per currency as of ``as_of`` (default today): what fell
    due on each date, what payments cover (oldest first) and what is open or overdue.
    Only postings and payments dated on or before ``as_of`` count.

    The sums per party, currency and due date come from the database
    (:func:`_dues_query`); only the FIFO cover of those few rows
    (:func:`likeness.ledger.banking.allocate`) runs here."""
    as_of = as_of or _today()
    if party_id is not None and party_kind is not None:
        access.require_party_visible(actor, party_kind, party_id)
    query = _dues_query(actor, as_of, party_kind, party_id)
    obligations: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    paid: dict[tuple[str, str, str], int] = defaultdict(int)
    for account_kind, pid, currency, is_payment, due_on, total in session.execute(query):
        kind = PARTY_KIND[AccountKind(account_kind)]
        key = (kind, pid, currency)
        # What the party is owed (payables: credits) or owes (receivable: debits).
        owed = -int(total) if kind != "brand" else int(total)
        if is_payment:
            paid[key] += -owed
        else:
            obligations[key].append((due_on, owed))
    result = []
    for key in sorted(set(obligations) | set(paid)):
        lines = allocate(obligations.get(key, []), paid.get(key, 0), as_of)
        result.append(PartyDues(key[0], key[1], key[2], lines))
    return result


def due_rows(
    session: Session,
    actor: Actor,
    *,
    as_of: date | None = None,
    party_kind: str | None = None,
    party_id: str | None = None,
    open_only: bool = True,
) -> list[DueRead]:
    """:func:`party_dues` flattened: one row per party, currency and due date (only the
    ones still open unless ``open_only`` is False), overdue ones first."""
    rows = []
    for dues in party_dues(session, actor, as_of=as_of, party_kind=party_kind, party_id=party_id):
        for line in dues.lines:
            if open_only and line.outstanding == 0:
                continue
            rows.append(
                DueRead(
                    party_kind=dues.party_kind,
                    party_id=dues.party_id,
                    currency=dues.currency,
                    due_on=line.due_on,
                    amount=line.amount,
                    covered=line.covered,
                    outstanding=line.outstanding,
                    outstanding_decimal=format_amount(line.outstanding, dues.currency),
                    overdue=line.overdue,
                    days_late=line.days_late,
                )
            )
    rows.sort(key=lambda r: (not r.overdue, r.due_on, r.party_kind, r.party_id, r.currency))
    return rows


# --- exports ---------------------------------------------------------------------------------


def debtor_from(settings: LedgerSettings) -> Debtor:
    """The platform's paying account from ``LIKENESS_LEDGER__DEBTOR_*``, checked."""
    if not settings.debtor_name or not settings.debtor_iban:
        raise DebtorNotConfigured(
            "set the platform's paying bank account first: LIKENESS_LEDGER__DEBTOR_NAME and "
            "LIKENESS_LEDGER__DEBTOR_IBAN (and LIKENESS_LEDGER__DEBTOR_BIC if your bank "
            "wants it)"
        )
    try:
        return Debtor(
            name=clean_text(settings.debtor_name, "debtor name", 70),
            iban=normalise_iban(settings.debtor_iban),
            bic=normalise_bic(settings.debtor_bic),
        )
    except InvalidLedgerRequest as exc:
        raise DebtorNotConfigured(f"LIKENESS_LEDGER__DEBTOR_*: {exc.message}") from None


def end_to_end_id(party_kind: str, party_id: str, currency: str, as_of: date) -> str:
    """The transfer's EndToEndId (≤ 35 characters): day, party and currency."""
    return f"LK{as_of:%Y%m%d}{party_kind[0].upper()}{party_id[:20]}{currency}"


def payouts_due(
    session: Session, actor: Actor, *, as_of: date | None = None, due_within: int = 0
) -> PayoutsDueRead:
    """The transfers to make: what each talent and agency is owed per currency, due on or
    before ``as_of + due_within`` days (overdue included); payees without bank details
    are problems."""
    _require_operator(actor, "export payouts")
    if not 0 <= due_within <= 366:
        raise InvalidLedgerRequest("due within must be between 0 and 366 days")
    as_of = as_of or _today()
    if as_of > date.max - timedelta(days=due_within):
        raise InvalidLedgerRequest("as of plus due within is past the last date there is")
    due_by = as_of + timedelta(days=due_within)
    totals: dict[tuple[str, str, str], tuple[int, date]] = {}
    for dues in party_dues(session, actor, as_of=as_of):
        if dues.party_kind == "brand":
            continue
        open_lines = [x for x in dues.lines if x.outstanding > 0 and x.due_on <= due_by]
        if open_lines:
            totals[(dues.party_kind, dues.party_id, dues.currency)] = (
                sum(x.outstanding for x in open_lines),
                min(x.due_on for x in open_lines),
            )
    payees = {(p.party_kind.value, p.party_id): p for p in session.execute(select(Payee)).scalars()}
    items: list[PayoutDueRead] = []
    problems: list[PayoutProblem] = []
    for (kind, pid, currency), (amount, due_on) in sorted(totals.items()):
        payee = payees.get((kind, pid))
        if payee is None:
            problems.append(
                PayoutProblem(
                    party_kind=kind,
                    party_id=pid,
                    currency=currency,
                    amount=amount,
                    amount_decimal=format_amount(amount, currency),
                    problem="no bank details (`likeness ledger payee set`)",
                )
            )
            continue
        items.append(
            PayoutDueRead(
                party_kind=kind,
                party_id=pid,
                holder_name=payee.holder_name,
                iban=payee.iban,
                bic=payee.bic,
                currency=currency,
                amount=amount,
                amount_decimal=format_amount(amount, currency),
                due_on=due_on,
                execution_on=max(due_on, as_of),
                reference=end_to_end_id(kind, pid, currency, as_of),
            )
        )
    return PayoutsDueRead(as_of=as_of, due_by=due_by, items=items, problems=problems)


@dataclass(frozen=True, slots=True)
class PayoutFile:
    content: bytes
    media_type: str
    filename: str
    due: PayoutsDueRead
    message_id: str


def _items(due: PayoutsDueRead) -> list[PayoutItem]:
    return [
        PayoutItem(
            party_kind=i.party_kind,
            party_id=i.party_id,
            holder_name=i.holder_name,
            iban=i.iban,
            bic=i.bic,
            currency=i.currency,
            amount=i.amount,
            due_on=i.due_on,
            execution_on=i.execution_on,
            reference=i.reference,
            remittance=f"Likeness {i.party_kind} pay due {i.due_on.isoformat()}, ref {i.reference}",
        )
        for i in due.items
    ]


def export_payouts(
    session: Session,
    actor: Actor,
    settings: LedgerSettings,
    *,
    file_format: str,
    as_of: date | None = None,
    due_within: int = 0,
    created_at: datetime | None = None,
) -> PayoutFile:
    """The payouts due as a ``csv`` or ``pain001`` file, and an audit event saying so.

    Nothing is marked paid: record each payout when the bank confirms it.
    """
    _require_operator(actor, "export payouts")
    if file_format not in ("csv", "pain001"):
        raise InvalidLedgerRequest("the format must be csv or pain001")
    debtor = debtor_from(settings) if file_format == "pain001" else None
    due = payouts_due(session, actor, as_of=as_of, due_within=due_within)
    created_at = created_at or utcnow()
    message_id = f"LIKENESS-{created_at:%Y%m%d%H%M%S}-{new_id()[:8]}"
    items = _items(due)
    if debtor is not None:
        if not items:
            raise LedgerConflict(
                "no payouts with bank details are due by "
                f"{due.due_by.isoformat()}: nothing to put in a pain.001 file"
            )
        content = build_pain001(items, debtor, message_id=message_id, created_at=created_at)
        media_type, suffix = "application/xml", "xml"
    else:
        content, media_type, suffix = to_csv(items).encode(), "text/csv", "csv"
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        totals[item.currency] += item.amount
    audit.record(
        session,
        actor,
        "ledger.payouts_exported",
        "ledger_export",
        message_id,
        {
            "format": file_format,
            "as_of": due.as_of.isoformat(),
            "due_by": due.due_by.isoformat(),
            "transfers": len(items),
            "totals": dict(sorted(totals.items())),
            "control_sum": str(control_sum(items)),
            "problems": len(due.problems),
        },
    )
    return PayoutFile(
        content=content,
        media_type=media_type,
        filename=f"payouts-{due.as_of.isoformat()}.{suffix}",
        due=due,
        message_id=message_id,
    )
