"""The books' check and the dues add up in the database (issue 20's performance): on any
generated ledger — several parties and currencies, fees, adjustments (with and without a
due date of their own), payouts and collections, unbalanced transactions, entries on an
account of another currency, drifted balances, splits above their rates, source events
posted never, twice or for no source, payloads that are not JSON objects — they answer
exactly what a straightforward Python reference computes from every row."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.engine import cursor
from sqlalchemy.orm import Session

from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.ledger import payouts, service
from likeness.ledger.banking import allocate
from likeness.ledger.posting import SOURCE_ACTIONS, is_source
from likeness.ledger.rules import MAX_COMMISSION_BPS
from likeness.ledger.service import _line_problems, _payload
from likeness.models.audit import AuditEvent
from likeness.models.ledger import (
    FEE_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerCursor,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)

DAY0 = date(2026, 1, 1)
PARTIES = ("p1", "p2")
CURRENCIES = ("EUR", "JPY")
KINDS = (
    AccountKind.talent_payable,
    AccountKind.agency_payable,
    AccountKind.brand_receivable,
    AccountKind.cash,
)
PAYLOADS = (
    '{"to":"active"}',
    '{"to":"draft"}',
    '{"kind":"release"}',
    '{"kind":"preview"}',
    '{"kind":"release","license_id":"x"}',
    "{}",
    "[1]",
    '"text"',
    "not json",
)


@contextmanager
def rolled_back(db: Database) -> Iterator[Session]:
    """A session whose rows go away after the example."""
    session = db.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


amounts = st.integers(min_value=-(10**12), max_value=10**12)


@st.composite
def transactions(draw: st.DrawFn, index: int, earlier: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(TransactionKind)))
    gross = draw(amounts)
    bps = draw(st.integers(min_value=0, max_value=MAX_COMMISSION_BPS))
    fee_bps = draw(st.integers(min_value=0, max_value=10_000))
    # around the rate's edge: |part| * 10000 just below, on, or above |gross| * bps
    sign = -1 if gross < 0 else 1
    commission = sign * max(0, abs(gross) * bps // 10_000 + draw(st.integers(-1, 2)))
    fee = sign * max(0, abs(gross) * fee_bps // 10_000 + draw(st.integers(-1, 1)))
    fee_kind = kind in FEE_KINDS
    reverses = draw(st.none() | st.integers(0, earlier - 1)) if earlier else None
    return {
        "id": f"t{index:04d}",
        "kind": kind.value,
        "source_key": f"k{index}",
        "source_seq": draw(st.integers(1, 9)) if fee_kind and draw(st.booleans()) else None,
        "occurred_on": DAY0 + timedelta(days=draw(st.integers(0, 40))),
        "due_on": (
            DAY0 + timedelta(days=draw(st.integers(0, 60))) if draw(st.booleans()) else None
        ),
        "currency": draw(st.sampled_from(CURRENCIES)),
        "gross": gross,
        "commission": commission,
        "platform_fee": fee,
        "net": gross - commission - fee,
        "commission_bps": bps,
        "platform_fee_bps": fee_bps,
        "reverses_id": None if reverses is None else f"t{reverses:04d}",
        "created_at": utcnow(),
    }


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(KINDS), st.sampled_from(PARTIES), st.sampled_from(CURRENCIES)
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    accounts = [
        {"id": f"a{n}", "kind": k.value, "party_id": p, "currency": c, "created_at": utcnow()}
        for n, (k, p, c) in enumerate(keys)
    ]
    txns: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 12))):
        txns.append(draw(transactions(n, n)))
    entries = []
    for txn in txns:
        same = [a for a in accounts if a["currency"] == txn["currency"]] or accounts
        legs = draw(st.lists(st.sampled_from(range(len(same))), max_size=3))
        parts = [draw(amounts) for _ in legs]
        if draw(st.integers(0, 3)) > 0 and parts:  # mostly balanced
            parts[-1] = -sum(parts[:-1])
        pool = accounts if draw(st.integers(0, 5)) == 0 else same  # now and then foreign
        for leg, amount in zip(legs, parts, strict=True):
            account = pool[leg % len(pool)]
            entries.append(
                {
                    "id": f"e{len(entries):04d}",
                    "transaction_id": txn["id"],
                    "account_id": account["id"],
                    "amount": amount,
                }
            )
    for account in accounts:
        total = sum(e["amount"] for e in entries if e["account_id"] == account["id"])
        account["balance"] = total + (draw(st.integers(-2, 2)) if draw(st.booleans()) else 0)
    events = [
        {
            "seq": seq,
            "at": utcnow(),
            "actor": "test",
            "action": draw(st.sampled_from((*SOURCE_ACTIONS, "license.proposed"))),
            "object_type": "x",
            "object_id": f"o{seq}",
            "payload": draw(st.sampled_from(PAYLOADS)),
            "prev_hash": f"{seq - 1:064d}",
            "hash": f"{seq:064d}",
            "mac": "0" * 64,
        }
        for seq in range(1, draw(st.integers(0, 8)) + 1)
    ]
    return {
        "accounts": accounts,
        "txns": txns,
        "entries": entries,
        "events": events,
        "cursor": draw(st.integers(0, 10)),
    }


def _load(session: Session, ledger: dict[str, Any], *, json_only: bool) -> None:
    events = ledger["events"]
    if json_only:  # PostgreSQL reads the payloads as jsonb: keep one run on the fast path
        events = [e for e in events if e["payload"] != "not json"]
    for model, rows in (
        (LedgerAccount, ledger["accounts"]),
        (LedgerTransaction, ledger["txns"]),
        (LedgerEntry, ledger["entries"]),
        (AuditEvent, events),
    ):
        if rows:
            session.execute(insert(model), rows)
    session.execute(insert(LedgerCursor).values(id=1, seq=ledger["cursor"], updated_at=utcnow()))
    session.flush()


# --- the references: every row read, everything added up in Python ---------------------


def _rows(session: Session) -> list[Any]:
    return list(
        session.execute(
            select(
                LedgerEntry.amount,
                LedgerAccount.id,
                LedgerAccount.kind,
                LedgerAccount.party_id,
                LedgerAccount.currency,
                LedgerAccount.balance,
                LedgerTransaction.id,
                LedgerTransaction.source_key,
                LedgerTransaction.currency,
                LedgerTransaction.kind,
                LedgerTransaction.occurred_on,
                LedgerTransaction.due_on,
                LedgerTransaction.reverses_id,
            )
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        )
    )


def check_reference(session: Session) -> tuple[Counter[str], int]:
    problems: list[str] = []
    rows = _rows(session)
    per_txn: dict[tuple[str, str, str], int] = defaultdict(int)
    foreign = set()
    per_account: dict[str, int] = defaultdict(int)
    for amount, acct, _k, _p, acur, _b, tid, key, tcur, *_ in rows:
        per_txn[(tid, key, acur)] += amount
        if tcur != acur:
            foreign.add((tid, tcur, acur))
        per_account[acct] += amount
    for (tid, key, cur), total in per_txn.items():
        if total:
            problems.append(f"transaction {tid} ({key}): entries in {cur} sum to {total}, not zero")
    for tid, cur, other in foreign:
        problems.append(f"transaction {tid} in {cur} has an entry on a {other} account")
    for a in session.execute(select(LedgerAccount)).scalars():
        total = per_account.get(a.id, 0)
        if a.balance != total:
            problems.append(
                f"account {a.id} ({a.kind} {a.party_id} {a.currency}): balance {a.balance} "
                f"but its entries sum to {total}"
            )
    txns = session.execute(select(LedgerTransaction)).scalars().all()
    for t in txns:
        problems.extend(
            _line_problems(
                t.id, t.source_key, t.source_seq, t.gross, t.commission, t.platform_fee,
                t.net, t.commission_bps, t.platform_fee_bps,
            )
        )  # fmt: skip
    cursor = session.execute(select(LedgerCursor.seq)).scalar() or 0
    sources = {
        e.seq
        for e in session.execute(select(AuditEvent)).scalars()
        if e.seq <= cursor and is_source(e.action, _payload(e.payload))
    }
    posted = Counter(t.source_seq for t in txns if t.kind in FEE_KINDS and t.source_seq)
    for seq in sources - posted.keys():
        problems.append(f"audit event {seq} is behind the cursor but was never posted")
    for seq, n in posted.items():
        if n > 1:
            problems.append(f"audit event {seq} was posted {n} times")
        if seq not in sources:
            where = "after the cursor" if seq > cursor else "not a source event"
            problems.append(f"a fee was posted for audit event {seq}, which is {where}")
    return Counter(problems), len(sources)


def dues_reference(
    session: Session, as_of: date, party_kind: str | None
) -> list[payouts.PartyDues]:
    due_of = {t.id: t.due_on for t in session.execute(select(LedgerTransaction)).scalars()}
    obligations: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    paid: dict[tuple[str, str, str], int] = defaultdict(int)
    for amount, _a, akind, party, cur, _b, _t, _k, _tc, tkind, on, due, reverses in _rows(session):
        kind = payouts.PARTY_KIND.get(AccountKind(akind))
        if kind is None or on > as_of or party_kind not in (None, kind):
            continue
        owed = amount if kind == "brand" else -amount
        if tkind in (TransactionKind.payout, TransactionKind.collection):
            paid[(kind, party, cur)] += -owed
        else:
            day = due or (due_of.get(reverses) if reverses else None) or on
            obligations[(kind, party, cur)].append((day, owed))
    return [
        payouts.PartyDues(*key, allocate(obligations.get(key, []), paid.get(key, 0), as_of))
        for key in sorted(set(obligations) | set(paid))
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=ledgers())
def test_the_check_in_sql_names_what_the_reference_names(
    db: Database, ledger: dict[str, Any]
) -> None:
    with rolled_back(db) as session:
        _load(session, ledger, json_only=False)
        report = service.check(session)
        expected, sources = check_reference(session)
        event(f"problems: {min(len(expected), 3)}")
        assert Counter(report.problems) == expected
        assert report.ok == (not expected)
        assert report.source_events == sources
        assert report.cursor == ledger["cursor"]
        assert (report.transactions, report.entries, report.accounts) == (
            len(ledger["txns"]),
            len(ledger["entries"]),
            len(ledger["accounts"]),
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ledger=ledgers(),
    as_of=st.integers(0, 70).map(lambda d: DAY0 + timedelta(days=d)),
    party_kind=st.sampled_from([None, "talent", "agency", "brand"]),
)
def test_dues_summed_in_sql_are_the_references_dues(
    db: Database, ledger: dict[str, Any], as_of: date, party_kind: str | None
) -> None:
    with rolled_back(db) as session:
        _load(session, ledger, json_only=True)
        got = payouts.party_dues(session, SYSTEM_ACTOR, as_of=as_of, party_kind=party_kind)
        assert got == dues_reference(session, as_of, party_kind)
        rows = payouts.due_rows(session, SYSTEM_ACTOR, as_of=as_of, party_kind=party_kind)
        assert sum(r.outstanding for r in rows) == sum(
            line.outstanding for dues in got for line in dues.lines
        )


def test_a_payload_that_is_not_json_is_no_source_event(db: Database) -> None:
    """PostgreSQL reads payloads as jsonb, which refuses this one: the check then reads
    the events in Python (SQLite's json_valid guard answers the same in SQL)."""
    ledger: dict[str, Any] = {
        "accounts": [],
        "txns": [],
        "entries": [],
        "events": [
            {
                "seq": seq,
                "at": utcnow(),
                "actor": "test",
                "action": action,
                "object_type": "x",
                "object_id": "o",
                "payload": payload,
                "prev_hash": f"{seq - 1:064d}",
                "hash": f"{seq:064d}",
                "mac": "0" * 64,
            }
            for seq, action, payload in (
                (1, "license.approved", "not json"),
                (2, "asset.registered", '{"kind":"release"}'),
                (3, "asset.publication_reported", "not json"),
            )
        ],
        "cursor": 3,
    }
    with rolled_back(db) as session:
        _load(session, ledger, json_only=False)
        report = service.check(session)
        assert report.source_events == 2
        assert report.problems == [
            "audit event 2 is behind the cursor but was never posted",
            "audit event 3 is behind the cursor but was never posted",
        ]


# --- what comes back: sums, not every entry (the point of doing it in SQL) ---------------


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the rows every query hands back to Python (each fetch's length)."""
    counts: list[int] = []
    for strategy in (cursor.CursorFetchStrategy, cursor.BufferedRowCursorFetchStrategy):
        for name in ("fetchone", "fetchmany", "fetchall"):
            if name not in vars(strategy):
                continue
            original = vars(strategy)[name]

            def counted(self: Any, *args: Any, _original: Any = original, **kw: Any) -> Any:
                got = _original(self, *args, **kw)
                counts.append(len(got) if isinstance(got, list) else int(got is not None))
                return got

            monkeypatch.setattr(strategy, name, counted)
    return counts


def _busy_ledger(fees: int) -> dict[str, Any]:
    """One talent, agency and brand, ``fees`` balanced use fees over four due dates, all
    posted from source events behind the cursor."""
    accounts = [
        {"id": f"a{n}", "kind": k.value, "party_id": "p1", "currency": "EUR",
         "created_at": utcnow(), "balance": 0}
        for n, k in enumerate(KINDS[:3])
    ]  # fmt: skip
    txns, entries, events = [], [], []
    for n in range(fees):
        txns.append(
            {
                "id": f"t{n:05d}", "kind": "use_fee", "source_key": f"audit:{n + 1}",
                "source_seq": n + 1, "occurred_on": DAY0, "currency": "EUR",
                "due_on": DAY0 + timedelta(days=n % 4), "gross": 1_000, "commission": 150,
                "platform_fee": 0, "net": 850, "commission_bps": 1_500, "platform_fee_bps": 0,
                "reverses_id": None, "created_at": utcnow(),
            }
        )  # fmt: skip
        for account, amount in zip(accounts, (-850, -150, 1_000), strict=True):
            entries.append(
                {"id": f"e{len(entries):05d}", "transaction_id": f"t{n:05d}",
                 "account_id": account["id"], "amount": amount}
            )  # fmt: skip
            account["balance"] += amount
        events.append(
            {
                "seq": n + 1, "at": utcnow(), "actor": "test",
                "action": "asset.publication_reported", "object_type": "x",
                "object_id": "o", "payload": "{}", "prev_hash": f"{n:064d}",
                "hash": f"{n + 1:064d}", "mac": "0" * 64,
            }
        )  # fmt: skip
    return {"accounts": accounts, "txns": txns, "entries": entries, "events": events,
            "cursor": fees}  # fmt: skip


def test_the_check_and_the_dues_read_sums_not_every_entry(
    db: Database, rows_read: list[int]
) -> None:
    with rolled_back(db) as session:
        _load(session, _busy_ledger(300), json_only=True)
        rows_read.clear()
        report = service.check(session)
        assert report.ok and report.entries == 900 and report.source_events == 300
        assert sum(rows_read) < 20, rows_read  # counts and problems only
        rows_read.clear()
        dues = payouts.party_dues(session, SYSTEM_ACTOR, as_of=DAY0 + timedelta(days=9))
        assert [len(d.lines) for d in dues] == [4, 4, 4]
        assert sum(rows_read) <= 12, rows_read  # one row per account and due date
