"""Statements: what a talent, an agency or a brand earned, was paid and is owed in a period.

A statement is read from the party's own account (``talent_payable``, ``agency_payable``
or ``brand_receivable`` in one currency), so every number on it is a sum of ledger
entries and ties to ``likeness ledger balance``:

* **opening balance**: the entries dated before the period;
* **lines**: each entry in the period with its transaction's facts (date, kind, asset,
  channel, license, gross, commission, platform fee, net, due date). The line's
  ``amount`` is the party's share, signed so that positive means *owed to the talent or
  agency* (their net, or the agency's commission) or *owed by the brand* (the gross);
  payouts and collections are negative lines;
* **closing balance** = opening + the sum of the lines' amounts;
* **amounts due**: what makes up the closing balance, by due date. Payments cover the
  oldest due dates first (FIFO); a due date before the statement's as-of day (the period's
  end, or today for a current period) that is not covered is **overdue**.

:func:`assemble` is pure: it builds a :class:`Statement` from rows (one iterable per
part), so the service runs one query per part and streams the lines. The renderers are
in :mod:`likeness.ledger.statement_render`.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.ledger import statement_repository as repo
from likeness.ledger.access import require_party_visible
from likeness.ledger.amounts import format_units
from likeness.ledger.errors import InvalidLedgerRequest, LedgerNotFound
from likeness.models.ledger import AccountKind, TransactionKind
from likeness.policy import ISO_4217_MINOR_UNITS

#: The kinds that move money in or out of the platform's bank account.
PAYMENT_KINDS = frozenset({TransactionKind.payout.value, TransactionKind.collection.value})


class PartyKind(enum.StrEnum):
    talent = "talent"
    agency = "agency"
    brand = "brand"

    @property
    def account_kind(self) -> AccountKind:
        return _ACCOUNT[self]

    @property
    def sign(self) -> int:
        """Turns an entry (debit +) into the statement's sign: payables are credits."""
        return 1 if self is PartyKind.brand else -1


_ACCOUNT = {
    PartyKind.talent: AccountKind.talent_payable,
    PartyKind.agency: AccountKind.agency_payable,
    PartyKind.brand: AccountKind.brand_receivable,
}


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive days ``start`` to ``end``; ``label`` as the user wrote it."""

    start: date
    end: date
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "from": self.start.isoformat(), "to": self.end.isoformat()}


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(
    period: str | None = None, start: date | None = None, end: date | None = None
) -> Period:
    """``YYYY-MM`` (a month), ``YYYY`` (a year), or ``start``/``end`` dates (inclusive)."""
    if period is not None and (start is not None or end is not None):
        raise InvalidLedgerRequest("give either a period (YYYY-MM or YYYY) or from/to dates")
    if period is not None:
        text = period.strip()
        if month := _MONTH.match(text):
            year, number = int(month[1]), int(month[2])
            if not 1 <= number <= 12 or year < 1:
                raise InvalidLedgerRequest(f"no such month {text!r}")
            last = calendar.monthrange(year, number)[1]
            return Period(date(year, number, 1), date(year, number, last), text)
        if whole := _YEAR.match(text):
            year = int(whole[1])
            if year < 1:
                raise InvalidLedgerRequest(f"no such year {text!r}")
            return Period(date(year, 1, 1), date(year, 12, 31), text)
        raise InvalidLedgerRequest(f"period {text!r}: write YYYY-MM (a month) or YYYY (a year)")
    if start is None or end is None:
        raise InvalidLedgerRequest("give a period (YYYY-MM or YYYY) or both from and to dates")
    if end < start:
        raise InvalidLedgerRequest(f"the period ends ({end}) before it starts ({start})")
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


@dataclass(frozen=True, slots=True)
class StatementParty:
    kind: PartyKind
    id: str
    #: what the header shows: a talent's stage name, else the legal name; an agency or brand
    name: str
    #: a talent's legal name (None for an agency or brand)
    legal_name: str | None = None


class StatementLine(NamedTuple):
    """One line (a named tuple: a year's statement holds 100,000 of them)."""

    occurred_on: date
    kind: str
    transaction_id: str
    license_id: str | None
    asset_id: str | None
    channel: str | None
    #: the transaction's split (None on a payout or collection line)
    gross: int | None
    commission: int | None
    platform_fee: int | None
    net: int | None
    due_on: date | None
    #: the party's amount: positive owed to a talent/agency or by a brand, negative paid
    amount: int
    #: the bank reference of a payment, or an adjustment's reason
    reference: str | None
    overdue: bool = False

    @property
    def is_payment(self) -> bool:
        return self.kind in PAYMENT_KINDS


@dataclass(frozen=True, slots=True)
class Due:
    due_on: date
    amount: int
    overdue: bool


@dataclass(frozen=True, slots=True)
class Totals:
    #: sums over the period's fee and adjustment lines (the transactions' own columns)
    gross: int
    commission: int
    platform_fee: int
    net: int
    #: the party's share of those lines
    earned: int
    #: payouts (talent, agency) or collections (brand) in the period, as a positive amount
    paid: int
    #: the part of the closing balance past its due date
    overdue: int
    lines: int


@dataclass(frozen=True, slots=True)
class Statement:
    party: StatementParty
    currency: str
    period: Period
    generated_at: datetime
    #: overdue means due before this day (the period's end, or the generation day if sooner)
    as_of: date
    opening: int
    lines: tuple[StatementLine, ...]
    closing: int
    totals: Totals
    dues: tuple[Due, ...]
    #: the party's earnings by month, January to the period's last month (year to date)
    by_month: tuple[tuple[str, int], ...]
    #: the party's earnings in the period by channel (creation and output fees by kind)
    by_channel: tuple[tuple[str, int], ...]

    @property
    def digits(self) -> int:
        return ISO_4217_MINOR_UNITS.get(self.currency, 2)

    @property
    def due_next(self) -> Due | None:
        """The earliest amount due that is not overdue yet."""
        return next((due for due in self.dues if not due.overdue), None)


class LineRow(NamedTuple):
    """One entry of the party's account in the period, with its transaction's columns
    (the order of :func:`assemble`'s ``lines``; a database row in that order will do)."""

    transaction_id: str
    occurred_on: date
    kind: str
    license_id: str | None
    asset_id: str | None
    channel: str | None
    gross: int
    commission: int
    platform_fee: int
    net: int
    due_on: date | None
    external_ref: str | None
    reason: str | None
    entry_amount: int


class DueRow(NamedTuple):
    """The account's entries before the period, by due date (a payment's own date): the
    sum of its debits (positive) and of its credits (negative), kept apart."""

    due_on: date
    debits: int
    credits: int


#: Channel-chart labels of the fees that belong to no channel.
_KIND_LABELS = {
    TransactionKind.creation_fee.value: "creation fee",
    TransactionKind.output_fee.value: "per-output fee",
    TransactionKind.adjustment.value: "adjustments",
}


def assemble(
    party: StatementParty,
    currency: str,
    period: Period,
    generated_at: datetime,
    *,
    opening_entries: int,
    lines: Iterable[LineRow | Sequence[Any]],
    dues_before: Iterable[DueRow | Sequence[Any]] = (),
    months_before: Iterable[tuple[int, int]] = (),
) -> Statement:
    """Build the statement from rows, in one pass over the lines.

    * ``opening_entries``: the sum of the account's entries before the period (debit +);
    * ``lines``: the account's entries in the period, in date order (:class:`LineRow`;
      the dates may be ISO text, as SQLite returns them untyped);
    * ``dues_before``: the entries before the period by due date (:class:`DueRow`): the
      period's own lines are added to them for the amounts due;
    * ``months_before``: ``(month, sum of fee and adjustment entries)`` from January of
      the period's last year to the day before the period (the chart's year to date).
    """
    sign = party.kind.sign
    as_of = min(period.end, generated_at.date())
    year = period.end.year
    days: dict[date, list[int]] = {}
    for due_day, debits, credits in dues_before:
        days[due_day] = [debits, credits]
    months = dict.fromkeys(range(1, period.end.month + 1), 0)
    for month, entries in months_before:
        if month in months:
            months[month] += sign * entries
    built: list[StatementLine] = []
    gross = commission = platform_fee = net = earned = paid = 0
    channels: dict[str, int] = {}
    day_of = _Days()
    for (
        transaction_id,
        occurred_on,
        kind,
        license_id,
        asset_id,
        channel,
        row_gross,
        row_commission,
        row_fee,
        row_net,
        due_on,
        external_ref,
        reason,
        entry_amount,
    ) in lines:
        occurred_on = day_of[occurred_on]
        if due_on is not None:
            due_on = day_of[due_on]
        amount = sign * entry_amount
        due = due_on or occurred_on
        slot = days.get(due)
        if slot is None:
            slot = days[due] = [0, 0]
        slot[0 if entry_amount > 0 else 1] += entry_amount
        if kind in PAYMENT_KINDS:
            paid -= amount
            built.append(
                StatementLine(
                    occurred_on,
                    kind,
                    transaction_id,
                    license_id,
                    asset_id,
                    channel,
                    None,
                    None,
                    None,
                    None,
                    due_on,
                    amount,
                    external_ref,
                    False,
                )
            )
            continue
        gross += row_gross
        commission += row_commission
        platform_fee += row_fee
        net += row_net
        earned += amount
        label = channel or _KIND_LABELS.get(kind, kind)
        channels[label] = channels.get(label, 0) + amount
        if occurred_on.year == year:
            months[occurred_on.month] += amount
        built.append(
            StatementLine(
                occurred_on,
                kind,
                transaction_id,
                license_id,
                asset_id,
                channel,
                row_gross,
                row_commission,
                row_fee,
                row_net,
                due_on,
                amount,
                reason or external_ref,
                False,
            )
        )
    covered_through, dues_out = _fifo(
        (DueRow(day, debits, credits) for day, (debits, credits) in days.items()), sign, as_of
    )
    # a line is overdue when its due date passed and the payments did not reach it
    for index, line in enumerate(built):
        due = line.due_on or line.occurred_on
        if (
            due < as_of
            and line.amount > 0
            and not line.is_payment
            and (covered_through is None or due > covered_through)
        ):
            built[index] = line._replace(overdue=True)
    opening = sign * opening_entries
    return Statement(
        party=party,
        currency=currency,
        period=period,
        generated_at=generated_at,
        as_of=as_of,
        opening=opening,
        lines=tuple(built),
        closing=opening + earned - paid,
        totals=Totals(
            gross=gross,
            commission=commission,
            platform_fee=platform_fee,
            net=net,
            earned=earned,
            paid=paid,
            overdue=sum(due.amount for due in dues_out if due.overdue),
            lines=len(built),
        ),
        dues=dues_out,
        by_month=tuple((f"{year:04d}-{m:02d}", v) for m, v in months.items()),
        by_channel=tuple(sorted(channels.items(), key=lambda item: (-item[1], item[0]))),
    )


class _Days(dict[date | str, date]):
    """A line's date as a :class:`date`, from a date or its ISO text (each day parsed once:
    the lines query reads dates untyped, which saves a fifth of its time on SQLite)."""

    def __missing__(self, value: date | str) -> date:
        day = self[value] = value if isinstance(value, date) else date.fromisoformat(value)
        return day


def _fifo(rows: Iterable[DueRow], sign: int, as_of: date) -> tuple[date | None, tuple[Due, ...]]:
    """Cover the oldest amounts owed with everything paid (or reversed), oldest first.

    Returns the last due date that is fully covered (None if none is) and what is left
    owed, by due date. ``rows`` are in the entries' sign; ``owed`` and ``paid`` are split
    by sign so that a payment made on a due date does not net against that date only.
    """
    owed: list[tuple[date, int]] = []
    cover = 0
    for row in sorted(rows, key=lambda r: r.due_on):
        # what became owed (positive) and what was paid or reversed, in the party's sign
        positive, negative = (row.debits, row.credits) if sign > 0 else (-row.credits, -row.debits)
        if positive:
            owed.append((row.due_on, positive))
        cover -= negative
    covered_through: date | None = None
    left: list[Due] = []
    for due_on, amount in owed:
        taken = min(cover, amount)
        cover -= taken
        if taken == amount:
            covered_through = due_on
            continue
        left.append(Due(due_on, amount - taken, due_on < as_of))
    return covered_through, tuple(left)


# --- the service ------------------------------------------------------------------------


def statement(
    session: Session,
    actor: Actor,
    party_kind: str,
    party_id: str,
    period: Period,
    currency: str | None = None,
    *,
    now: datetime | None = None,
) -> Statement:
    """The statement of ``party_kind`` ``party_id`` for ``period``, if ``actor`` may see it
    (their own; an operator any): one query per part, the lines streamed."""
    try:
        kind = PartyKind(party_kind)
    except ValueError:
        raise InvalidLedgerRequest(
            f"statements are for a talent, an agency or a brand, not {party_kind!r}"
        ) from None
    require_party_visible(actor, kind.value, party_id)
    party = _party(session, kind, party_id)
    chosen = _currency(session, kind, party_id, currency)
    generated_at = now or utcnow()
    account = kind.account_kind
    before = repo.due_rows(session, account, party_id, chosen, period.start)
    return assemble(
        party,
        chosen,
        period,
        generated_at,
        # the opening balance is the sum of what came before, by due date: one scan
        opening_entries=sum(debits + credits for _, debits, credits in before),
        lines=repo.lines(session, account, party_id, chosen, period.start, period.end),
        dues_before=before,
        months_before=repo.earnings_by_month(
            session, account, party_id, chosen, date(period.end.year, 1, 1), period.start
        ),
    )


def _party(session: Session, kind: PartyKind, party_id: str) -> StatementParty:
    found = repo.party_names(session, kind.value, party_id)
    if found is None:
        raise LedgerNotFound(f"no {kind.value} {party_id}")
    name, legal = found
    return StatementParty(kind, party_id, name, legal)


def _currency(session: Session, kind: PartyKind, party_id: str, currency: str | None) -> str:
    if currency is not None:
        code = currency.strip().upper()
        if code not in ISO_4217_MINOR_UNITS:
            raise InvalidLedgerRequest(f"currency {currency!r} is not an ISO 4217 code")
        return code
    held: Sequence[str] = repo.currencies(session, kind.account_kind, party_id)
    if len(held) > 1:
        raise InvalidLedgerRequest(
            f"this {kind.value} has money in {', '.join(held)}: choose one with currency"
        )
    return held[0] if held else "EUR"


# --- amounts as text ----------------------------------------------------------------------


def decimal_string(amount: int, digits: int) -> str:
    """Integer minor units as an exact decimal string: ``-1234, 2`` → ``"-12.34"``."""
    return decimal_formatter(digits)(amount)


def decimal_formatter(digits: int) -> Callable[[int], str]:
    """:func:`decimal_string` for one currency's ``digits``, fast (integer arithmetic and
    one ``%`` format per amount: a statement formats hundreds of thousands)."""
    if digits == 0:
        return str
    scale = 10**digits
    pattern = f"%d.%0{digits}d"

    def format(amount: int) -> str:
        text: str = pattern % divmod(amount if amount >= 0 else -amount, scale)
        return text if amount >= 0 else "-" + text

    return format


def money(amount: int, digits: int, *, grouped: bool = True) -> str:
    """``123456, 2`` → ``"1,234.56"`` (grouped thousands, minus sign for negatives)."""
    return format_units(amount, digits, grouped=grouped)
