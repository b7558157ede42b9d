"""Posting fees from the audit chain, balances, adjustments and the books' check.

* :func:`post_pending` is the poster (decision 0022): it reads the audit events after its
  cursor in chain order, posts one ledger transaction per source event (even a zero fee:
  a transaction without entries) with the unique key ``audit:<seq>``, moves the cursor in
  the same transaction and records one ``ledger.posted`` event per run. It works in
  chunks: the events, their licenses and their talents' agreements are read in a few
  queries, the money is computed in pure Python (:mod:`likeness.ledger.posting`), and the
  rows go in with executemany, each account's balance moved once per chunk.
* :func:`adjust` reverses one fee transaction of a license revoked for cause, with a
  reason: an operator's documented correction. Nothing is ever deleted.
* :func:`balances` and :func:`check` read the books.

Services never commit; the caller's unit of work does.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.identity.actor import Actor
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.ledger import access, repository
from likeness.ledger.errors import (
    InvalidLedgerRequest,
    LedgerConflict,
    LedgerForbidden,
    LedgerNotFound,
)
from likeness.ledger.posting import (
    Agreement,
    LicenseFees,
    Posting,
    SourceEvent,
    is_source,
    license_of,
    plan,
)
from likeness.ledger.repository import Leg
from likeness.ledger.rules import BPS, MAX_COMMISSION_BPS
from likeness.ledger.schemas import BalanceRead, CheckReport, PostingReport
from likeness.models.base import new_id
from likeness.models.ledger import (
    FEE_KINDS,
    PLATFORM,
    AccountKind,
    LedgerTransaction,
    TransactionKind,
)
from likeness.models.party import Role
from likeness.policy import LicenseStatus, LicenseTerms

logger = logging.getLogger(__name__)

#: The actor the server's background poster records its batches as.
POSTER_ACTOR = Actor(user_id=None, email="ledger@localhost", role=Role.operator, via="system")
#: Source events read per query (and rows per executemany).
CHUNK = 2_000
#: Source events one call posts at most, by default.
DEFAULT_LIMIT = 100_000

#: Which account kind a party kind has, and its sign seen from the party.
PARTY_ACCOUNTS: dict[str, tuple[AccountKind, int]] = {
    "talent": (AccountKind.talent_payable, -1),
    "agency": (AccountKind.agency_payable, -1),
    "brand": (AccountKind.brand_receivable, 1),
}


# --- posting ---------------------------------------------------------------------------


def caught_up(session: Session) -> bool:
    """Whether the poster has read the whole chain (a cheap read, no lock)."""
    return repository.cursor_seq(session) >= repository.head_seq(session)


def post_pending(
    session: Session,
    actor: Actor,
    *,
    limit: int = DEFAULT_LIMIT,
    platform_fee_bps: int = 0,
) -> PostingReport:
    """Post up to ``limit`` source events after the cursor (operators only).

    Two posters at once queue on the cursor row; the second finds the cursor moved and
    posts only what is left. A crash before the commit leaves the cursor where it was.
    """
    if not actor.is_operator:
        raise LedgerForbidden("only an operator posts the ledger")
    if limit < 1:
        raise InvalidLedgerRequest(f"limit must be at least 1; got {limit}")
    cursor = repository.lock_cursor(session)
    head = repository.head_seq(session)
    posted = 0
    first: int | None = None
    last: int | None = None
    totals: dict[str, int] = defaultdict(int)
    licenses: dict[str, LicenseFees] = {}
    agreements: dict[str, list[Agreement]] = {}
    position = cursor
    pending = False
    while position < head:
        want = min(CHUNK, limit - posted)
        if want <= 0:
            pending = True
            break
        rows = repository.source_events(session, position, head, want)
        events = [
            SourceEvent(seq, action, at, object_id, _payload(text))
            for seq, action, at, object_id, text in rows
        ]
        sources = [e for e in events if is_source(e.action, e.payload)]
        _load(session, sources, licenses, agreements)
        plans = [
            plan(
                e,
                licenses[license_of(e)],
                agreements.get(licenses[license_of(e)].talent_id, []),
                platform_fee_bps,
            )
            for e in sources
        ]
        _write(session, plans, actor)
        posted += len(plans)
        for p in plans:
            totals[p.license.currency] += p.split.gross
        if plans:
            first = plans[0].seq if first is None else first
            last = plans[-1].seq
        # A short read means nothing else is there up to the head: jump to it.
        position = rows[-1][0] if len(rows) == want else head
    if posted:
        event = audit.record(
            session,
            actor,
            "ledger.posted",
            "ledger",
            "cursor",
            {
                "from_seq": first,
                "to_seq": last,
                "count": posted,
                "cursor": position,
                "gross": dict(sorted(totals.items())),
            },
        )
        if event.seq == position + 1:
            # Nothing came between: step over our own event, so the next look finds the
            # ledger caught up instead of writing again only to pass it.
            position = event.seq
    if position != cursor:
        repository.set_cursor(session, position)
    return PostingReport(
        posted=posted,
        from_seq=first,
        to_seq=last,
        cursor=position,
        pending=pending,
        gross_by_currency=dict(sorted(totals.items())),
    )


def catch_up(session: Session, platform_fee_bps: int = 0) -> PostingReport | None:
    """Post what is pending, as the poster; None when already caught up (no write)."""
    if caught_up(session):
        return None
    return post_pending(session, POSTER_ACTOR, platform_fee_bps=platform_fee_bps)


def catch_up_now(db: Database, platform_fee_bps: int = 0) -> PostingReport | None:
    """:func:`catch_up` in a unit of work of its own, committed here: for the edges (a
    read command or route before it reads the books, the server's waker), so a failing
    poster never spoils, nor is spoilt by, the caller's own transaction. Errors are
    logged and swallowed (the read goes on; ``post-pending`` shows them)."""
    try:
        with db.unit_of_work() as session:
            return catch_up(session, platform_fee_bps)
    except Exception:
        logger.exception("posting the ledger failed")
        return None


def catch_up_inside(session: Session, platform_fee_bps: int = 0) -> PostingReport | None:
    """:func:`catch_up` inside the caller's transaction, behind a savepoint: a route that
    reads the books posts first; if posting fails, the savepoint is rolled back (nothing
    half-posted stays) and the read goes on. Used where the caller already holds the
    database (a request: on SQLite a second transaction would wait for it)."""
    try:
        with session.begin_nested():
            return catch_up(session, platform_fee_bps)
    except Exception:
        logger.exception("posting the ledger failed")
        return None


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _load(
    session: Session,
    events: Sequence[SourceEvent],
    licenses: dict[str, LicenseFees],
    agreements: dict[str, list[Agreement]],
) -> None:
    """Read the licenses and agreements these events need and the caches lack."""
    missing = {license_of(e) for e in events} - licenses.keys()
    new_talents: set[str] = set()
    for lid, talent_id, brand_id, terms_text, commission_bps in repository.license_rows(
        session, missing
    ):
        terms = LicenseTerms.from_dict(json.loads(terms_text))
        licenses[lid] = LicenseFees(
            license_id=lid,
            talent_id=talent_id,
            brand_id=brand_id,
            currency=terms.fees.currency,
            creation_fee=terms.fees.creation_fee,
            per_output_fee=terms.fees.per_output_fee,
            per_use_fees=dict(terms.fees.per_use_fees),
            commission_bps=commission_bps,
            payment_days=terms.payment_days,
        )
        if talent_id not in agreements:
            new_talents.add(talent_id)
    gone = missing - licenses.keys()
    if gone:
        raise LedgerConflict(
            "audit events name licenses that do not exist: " + ", ".join(sorted(gone))
        )
    for talent_id in new_talents:
        agreements[talent_id] = []
    for talent_id, agency_id, starts_on, ends_on, status, ended in repository.agreement_rows(
        session, new_talents
    ):
        agreements[talent_id].append(
            Agreement(
                agency_id=agency_id,
                starts_on=starts_on,
                ends_on=ends_on,
                terminated=status == "terminated",
                terminated_on=ended.date() if ended is not None else None,
            )
        )


def _write(session: Session, plans: Sequence[Posting], actor: Actor) -> None:
    """Insert the transactions and entries of one chunk; move each balance once."""
    if not plans:
        return
    keys = {(kind, party, p.license.currency) for p in plans for kind, party, _ in p.legs()}
    ids = repository.account_ids(session, keys)
    now = utcnow()
    fresh = _ids(len(plans) * 5)
    txns: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    deltas: dict[str, int] = defaultdict(int)
    for p in plans:
        txn_id = next(fresh)
        s = p.split
        txns.append(
            {
                "id": txn_id,
                "created_at": now,
                "kind": p.kind,
                "source_key": p.source_key,
                "source_seq": p.seq,
                "occurred_on": p.occurred_on,
                "currency": p.license.currency,
                "license_id": p.license.license_id,
                "talent_id": p.license.talent_id,
                "brand_id": p.license.brand_id,
                "agency_id": p.agency_id,
                "asset_id": p.asset_id,
                "channel": p.channel,
                "gross": s.gross,
                "commission": s.commission,
                "platform_fee": s.platform_fee,
                "net": s.net,
                "commission_bps": p.commission_bps,
                "platform_fee_bps": p.platform_fee_bps,
                "due_on": p.due_on,
                "reverses_id": None,
                "reason": None,
                "external_ref": None,
                "posted_by_user_id": actor.user_id,
            }
        )
        for kind, party, amount in p.legs():
            account_id = ids[(kind, party, p.license.currency)]
            entries.append(
                {
                    "id": next(fresh),
                    "transaction_id": txn_id,
                    "account_id": account_id,
                    "amount": amount,
                }
            )
            deltas[account_id] += amount
    repository.insert_transactions(session, txns)
    repository.insert_entries(session, entries)
    repository.move_balances(session, deltas)


def _ids(count: int) -> Iterator[str]:
    """``count`` fresh random ids (128 bits, 32 hex digits, like :func:`new_id`) from one
    read of the system's random source: a uuid4 per row cost more than the row itself."""
    pool = os.urandom(16 * count).hex()
    for start in range(0, len(pool), 32):
        yield pool[start : start + 32]


# --- adjustments -----------------------------------------------------------------------


def adjust(session: Session, actor: Actor, transaction_id: str, reason: str) -> LedgerTransaction:
    """Reverse one fee transaction of a license revoked for cause (operators only).

    The adjustment carries the negated amounts and entries, names the transaction it
    reverses and the reason; it is posted once (its key is ``adjust:<id>``).
    """
    if not actor.is_operator:
        raise LedgerForbidden("only an operator adjusts the ledger")
    why = (reason or "").strip()
    if not why:
        raise InvalidLedgerRequest("an adjustment needs a reason")
    if len(why) > 500:
        raise InvalidLedgerRequest("the reason must be at most 500 characters")
    original = repository.get_transaction(session, transaction_id, lock=True)
    if original is None:
        raise LedgerNotFound(f"no ledger transaction {transaction_id}")
    if original.kind not in FEE_KINDS:
        raise LedgerConflict(
            f"transaction {original.id} is a {original.kind.value}: only fees can be adjusted"
        )
    status = repository.license_status(session, original.license_id or "")
    if status != LicenseStatus.revoked.value:
        raise LedgerConflict(
            f"transaction {original.id} is under license {original.license_id}, which is "
            f"{status or 'unknown'}: only a license revoked for cause can carry an adjustment"
        )
    key = f"adjust:{original.id}"
    if repository.reversal_of(session, original.id) or repository.transaction_by_source(
        session, key
    ):
        raise LedgerConflict(f"transaction {original.id} was already adjusted")
    legs = [
        Leg(leg.kind, leg.party_id, -leg.amount) for leg in repository.legs_of(session, original.id)
    ]
    reversal = LedgerTransaction(
        id=new_id(),
        kind=TransactionKind.adjustment,
        source_key=key,
        source_seq=None,
        occurred_on=utcnow().date(),
        currency=original.currency,
        license_id=original.license_id,
        talent_id=original.talent_id,
        brand_id=original.brand_id,
        agency_id=original.agency_id,
        asset_id=original.asset_id,
        channel=original.channel,
        gross=-original.gross,
        commission=-original.commission,
        platform_fee=-original.platform_fee,
        net=-original.net,
        commission_bps=original.commission_bps,
        platform_fee_bps=original.platform_fee_bps,
        due_on=original.due_on,
        reverses_id=original.id,
        reason=why,
        posted_by_user_id=actor.user_id,
    )
    repository.post(session, reversal, legs)
    audit.record(
        session,
        actor,
        "ledger.adjusted",
        "ledger_transaction",
        reversal.id,
        {
            "reverses_id": original.id,
            "license_id": original.license_id,
            "currency": original.currency,
            "gross": -original.gross,
            "reason": why,
        },
    )
    return reversal


# --- balances --------------------------------------------------------------------------


def balances(
    session: Session, actor: Actor, party_kind: str | None = None, party_id: str | None = None
) -> list[BalanceRead]:
    """The accounts of one party (talent, agency or brand) the actor may see, or every
    account for an operator who names none."""
    if party_kind is None or party_id is None:
        if not actor.is_operator:
            raise InvalidLedgerRequest("name the talent, agency or brand whose balance you want")
        accounts = repository.accounts_of(session)
    else:
        if party_kind not in PARTY_ACCOUNTS:
            raise InvalidLedgerRequest(
                f"party kind must be talent, agency or brand; got {party_kind}"
            )
        access.require_party_visible(actor, party_kind, party_id)
        kind, _sign = PARTY_ACCOUNTS[party_kind]
        accounts = [a for a in repository.accounts_of(session, party_id) if a.kind is kind]
    due = repository.next_due(session, [a.id for a in accounts])
    return [
        BalanceRead(
            party_kind=_party_kind(a.kind),
            party_id=a.party_id,
            account=a.kind,
            currency=a.currency,
            balance=a.balance,
            amount=a.balance * _sign_of(a.kind),
            next_due_on=due.get(a.id) if a.kind is not AccountKind.cash else None,
        )
        for a in accounts
    ]


def _party_kind(kind: AccountKind) -> str:
    for party, (account, _sign) in PARTY_ACCOUNTS.items():
        if account is kind:
            return party
    return PLATFORM


def _sign_of(kind: AccountKind) -> int:
    """+1 for debit-balance accounts (receivable, cash), −1 for credit-balance ones."""
    return 1 if kind in (AccountKind.brand_receivable, AccountKind.cash) else -1


# --- the check -------------------------------------------------------------------------


def check(session: Session) -> CheckReport:
    """Prove the books: each named problem is one line of the report.

    The database does the adding up and the comparing (sums per transaction and account,
    the split's rules, source events against posted fees); only the rows that break a
    rule come back to be worded."""
    problems: list[str] = []
    for txn_id, key, currency, total in repository.unbalanced(session):
        problems.append(
            f"transaction {txn_id} ({key}): entries in {currency} sum to {total}, not zero"
        )
    for txn_id, currency, other in repository.foreign_currency_entries(session):
        problems.append(f"transaction {txn_id} in {currency} has an entry on a {other} account")
    for acct, kind, party, currency, stored, total in repository.drifted_balances(session):
        problems.append(
            f"account {acct} ({kind} {party} {currency}): balance {stored} but its entries "
            f"sum to {total}"
        )
    for line in repository.bad_fee_lines(session):
        problems.extend(_line_problems(*line))
    cursor = repository.cursor_seq(session)
    sources = repository.source_problems(session, cursor)
    for seq in sources.never_posted:
        problems.append(f"audit event {seq} is behind the cursor but was never posted")
    not_sources = set(sources.not_sources)
    for seq in sorted(set(sources.posted_twice) | not_sources):
        n = sources.posted_twice.get(seq, 1)
        if n > 1:
            problems.append(f"audit event {seq} was posted {n} times")
        if seq in not_sources:
            where = "after the cursor" if seq > cursor else "not a source event"
            problems.append(f"a fee was posted for audit event {seq}, which is {where}")
    txns, entries, accounts = repository.counts(session)
    return CheckReport(
        ok=not problems,
        transactions=txns,
        entries=entries,
        accounts=accounts,
        source_events=sources.sources,
        cursor=cursor,
        problems=problems,
    )


def _line_problems(
    txn_id: str,
    key: str,
    _seq: int | None,
    gross: int,
    commission: int,
    fee: int,
    net: int,
    commission_bps: int,
    fee_bps: int,
) -> list[str]:
    problems: list[str] = []
    name = f"transaction {txn_id} ({key})"
    if net + commission + fee != gross:
        problems.append(
            f"{name}: net {net} + commission {commission} + platform fee {fee} "
            f"is not the gross {gross}"
        )
    if not 0 <= commission_bps <= MAX_COMMISSION_BPS:
        problems.append(f"{name}: commission rate {commission_bps} bps is above the 20 % cap")
    if abs(commission) > abs(gross) * commission_bps // BPS:
        problems.append(
            f"{name}: commission {commission} is above its rate ({commission_bps} bps of {gross})"
        )
    if abs(fee) > abs(gross) * fee_bps // BPS:
        problems.append(f"{name}: platform fee {fee} is above its rate ({fee_bps} bps of {gross})")
    return problems
