"""The ledger's queries and its one write primitive, :func:`post`.

Everything that moves money goes through :func:`post`: it refuses a transaction whose
entries do not sum to zero, finds (or creates) each account, adds the rows and moves
each account's stored balance by the same amount with an atomic ``UPDATE … SET balance =
balance + :amount``, so a balance always equals the sum of its entries.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from likeness.kit.clock import utcnow
from likeness.ledger.errors import UnbalancedTransaction
from likeness.ledger.posting import SOURCE_ACTIONS, is_source
from likeness.ledger.rules import BPS, MAX_COMMISSION_BPS
from likeness.models.audit import AuditEvent, AuditHead
from likeness.models.base import new_id
from likeness.models.ledger import (
    FEE_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerCursor,
    LedgerEntry,
    LedgerTransaction,
)
from likeness.models.license import License
from likeness.models.party import Representation


@dataclass(frozen=True, slots=True)
class Leg:
    """One entry to post: ``amount`` debits (positive) or credits (negative) an account."""

    kind: AccountKind
    party_id: str
    amount: int


def account(session: Session, kind: AccountKind, party_id: str, currency: str) -> LedgerAccount:
    """The account of this party, kind and currency, created at zero on first use.

    ``INSERT … ON CONFLICT DO NOTHING`` then a read: two transactions opening the same
    account at once both end with the one row.
    """
    found = _find(session, kind, party_id, currency)
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(LedgerAccount)
        .values(id=new_id(), kind=kind, party_id=party_id, currency=currency, balance=0)
        .on_conflict_do_nothing(index_elements=["kind", "party_id", "currency"])
    )
    found = _find(session, kind, party_id, currency)
    assert found is not None
    return found


def _find(
    session: Session, kind: AccountKind, party_id: str, currency: str
) -> LedgerAccount | None:
    query = select(LedgerAccount).where(
        LedgerAccount.kind == kind,
        LedgerAccount.party_id == party_id,
        LedgerAccount.currency == currency,
    )
    return session.execute(query).scalars().first()


def post(session: Session, txn: LedgerTransaction, legs: Sequence[Leg]) -> LedgerTransaction:
    """Add ``txn`` and its entries (zero legs are skipped), moving each account's balance.

    Raises :class:`UnbalancedTransaction` (nothing written) unless the legs sum to zero.
    The caller's unique ``source_key`` makes a second posting of one source fail with an
    IntegrityError at the flush.
    """
    if sum(leg.amount for leg in legs) != 0:
        raise UnbalancedTransaction(
            f"transaction {txn.source_key}: entries sum to {sum(leg.amount for leg in legs)}, "
            "not zero"
        )
    if txn.id is None:
        txn.id = new_id()
    session.add(txn)
    session.flush()
    for leg in legs:
        if leg.amount == 0:
            continue
        acct = account(session, leg.kind, leg.party_id, txn.currency)
        session.add(
            LedgerEntry(id=new_id(), transaction_id=txn.id, account_id=acct.id, amount=leg.amount)
        )
        session.execute(
            update(LedgerAccount)
            .where(LedgerAccount.id == acct.id)
            .values(balance=LedgerAccount.balance + leg.amount)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return txn


def transaction_by_source(session: Session, source_key: str) -> LedgerTransaction | None:
    query = select(LedgerTransaction).where(LedgerTransaction.source_key == source_key)
    return session.execute(query).scalars().first()


# --- posting in batches, balances, the check (service.post_pending, balances, check) -----

_CURSOR = cast(Table, LedgerCursor.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_TRANSACTIONS = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)

#: Largest ``IN (…)`` list one query is sent (SQLite allows 32,766 variables).
_IN_CHUNK = 900


def lock_cursor(session: Session) -> int:
    """The poster's position, its row locked for this transaction (created at 0 on first
    use). SQLite serialises writers with ``BEGIN IMMEDIATE``; PostgreSQL waits here."""
    stmt = select(LedgerCursor.seq).where(LedgerCursor.id == 1)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    seq = session.execute(stmt).scalar_one_or_none()
    if seq is not None:
        return seq
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(LedgerCursor)
        .values(id=1, seq=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return session.execute(stmt).scalar_one()


def cursor_seq(session: Session) -> int:
    """The poster's position, read without a lock (0 before the first run)."""
    seq = session.execute(select(LedgerCursor.seq).where(LedgerCursor.id == 1)).scalar()
    return seq or 0


def set_cursor(session: Session, seq: int) -> None:
    session.execute(update(_CURSOR).where(_CURSOR.c.id == 1).values(seq=seq, updated_at=utcnow()))


def head_seq(session: Session) -> int:
    """The audit chain's last position (every event up to it is committed)."""
    return session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar() or 0


def source_events(
    session: Session, after: int, upto: int, limit: int
) -> list[tuple[int, str, datetime, str, str]]:
    """(seq, action, at, object_id, payload) of the candidate events in ``(after, upto]``,
    in chain order, at most ``limit``."""
    rows = session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.action,
            AuditEvent.at,
            AuditEvent.object_id,
            AuditEvent.payload,
        )
        .where(
            AuditEvent.seq > after,
            AuditEvent.seq <= upto,
            AuditEvent.action.in_(SOURCE_ACTIONS),
        )
        .order_by(AuditEvent.seq)
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def license_rows(session: Session, ids: Iterable[str]) -> list[tuple[str, str, str, str, int]]:
    """(id, talent_id, brand_id, terms JSON, commission_bps) of these licenses."""
    out: list[tuple[str, str, str, str, int]] = []
    for part in _chunks(ids):
        rows = session.execute(
            select(
                License.id,
                License.talent_id,
                License.brand_id,
                License.terms,
                License.commission_bps,
            ).where(License.id.in_(part))
        ).all()
        out.extend((r[0], r[1], r[2], r[3], r[4]) for r in rows)
    return out


def agreement_rows(
    session: Session, talent_ids: Iterable[str]
) -> list[tuple[str, str, date, date, str, datetime | None]]:
    """(talent_id, agency_id, starts_on, ends_on, status, terminated_at) of every
    representation agreement of these talents, ended and terminated ones included."""
    out: list[tuple[str, str, date, date, str, datetime | None]] = []
    for part in _chunks(talent_ids):
        rows = session.execute(
            select(
                Representation.talent_id,
                Representation.agency_id,
                Representation.starts_on,
                Representation.ends_on,
                Representation.status,
                Representation.terminated_at,
            ).where(Representation.talent_id.in_(part))
        ).all()
        out.extend((r[0], r[1], r[2], r[3], str(r[4]), r[5]) for r in rows)
    return out


AccountKey = tuple[AccountKind, str, str]


def account_ids(session: Session, keys: Iterable[AccountKey]) -> dict[AccountKey, str]:
    """The id of each (kind, party, currency) account, creating the missing ones at zero
    (``INSERT … ON CONFLICT DO NOTHING``, one statement for all of them)."""
    wanted = set(keys)
    found = _account_ids(session, wanted)
    missing = wanted - found.keys()
    if missing:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        now = utcnow()
        session.execute(
            insert(_ACCOUNTS).on_conflict_do_nothing(
                index_elements=["kind", "party_id", "currency"]
            ),
            [
                {
                    "id": new_id(),
                    "kind": kind,
                    "party_id": party,
                    "currency": currency,
                    "balance": 0,
                    "created_at": now,
                }
                for kind, party, currency in sorted(missing)
            ],
        )
        found.update(_account_ids(session, missing))
    return found


def _account_ids(session: Session, keys: set[AccountKey]) -> dict[AccountKey, str]:
    found: dict[AccountKey, str] = {}
    table = _ACCOUNTS
    for part in _chunks(party for _kind, party, _currency in keys):
        rows = session.execute(
            select(table.c.id, table.c.kind, table.c.party_id, table.c.currency).where(
                table.c.party_id.in_(part)
            )
        ).all()
        for row in rows:
            key = (AccountKind(row[1]), row[2], row[3])
            if key in keys:
                found[key] = row[0]
    return found


def insert_transactions(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many transactions in one executemany (a duplicate ``source_key`` fails them all)."""
    _insert_many(session, _TRANSACTIONS, rows)


def insert_entries(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    _insert_many(session, _ENTRIES, rows)


def _insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many rows through the driver, in the session's own transaction.

    SQLite: one ``executemany`` of plain tuples (sqlite3 loops in C), each value through
    its column type's own bind processor computed once per column, not once per row.
    PostgreSQL: ``COPY … FROM STDIN``, where psycopg's executemany would send one
    statement per row (and a multi-row ``VALUES`` costs more to compile than to send).
    """
    if not rows:
        return
    columns = list(rows[0].keys())
    names = ", ".join(f'"{c}"' for c in columns)
    connection = session.connection()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    if dialect.name == "postgresql":
        statement = f'COPY "{table.name}" ({names}) FROM STDIN'
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_plain(row[c]) for c in columns])
        return
    if dialect.name != "sqlite":
        session.execute(table.insert(), list(rows))
        return
    processors = [table.c[c].type.bind_processor(dialect) for c in columns]
    marks = ", ".join("?" for _ in columns)
    tuples = [
        tuple(
            value if fn is None or value is None else fn(value)
            for value, fn in zip((_plain(row[c]) for c in columns), processors, strict=True)
        )
        for row in rows
    ]
    # The names come from the ORM table, never from input; the values are bound.
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608
    cursor = driver.cursor()
    try:
        cursor.executemany(statement, tuples)
    finally:
        cursor.close()


def _plain(value: object) -> object:
    """An enum member as its stored string (the columns are VARCHARs)."""
    return value.value if isinstance(value, enum.Enum) else value


def move_balances(session: Session, deltas: Mapping[str, int]) -> None:
    """Add each account's delta to its balance: one atomic ``UPDATE`` per account."""
    table = _ACCOUNTS
    params = [{"account": a, "delta": d} for a, d in sorted(deltas.items()) if d]
    if params:
        session.execute(
            table.update()
            .where(table.c.id == bindparam("account"))
            .values(balance=table.c.balance + bindparam("delta")),
            params,
        )


def accounts_of(session: Session, party_id: str | None = None) -> list[LedgerAccount]:
    stmt = select(LedgerAccount).order_by(
        LedgerAccount.kind, LedgerAccount.party_id, LedgerAccount.currency
    )
    if party_id is not None:
        stmt = stmt.where(LedgerAccount.party_id == party_id)
    return list(session.execute(stmt).scalars())


def next_due(session: Session, account_ids: Iterable[str]) -> dict[str, date]:
    """Per account, the earliest due date of the fee lines that moved it."""
    out: dict[str, date] = {}
    for part in _chunks(account_ids):
        rows = session.execute(
            select(LedgerEntry.account_id, func.min(LedgerTransaction.due_on))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.account_id.in_(part), LedgerTransaction.due_on.is_not(None))
            .group_by(LedgerEntry.account_id)
        ).all()
        out.update({r[0]: r[1] for r in rows if r[1] is not None})
    return out


def get_transaction(
    session: Session, transaction_id: str, *, lock: bool = False
) -> LedgerTransaction | None:
    stmt = select(LedgerTransaction).where(LedgerTransaction.id == transaction_id)
    if lock and session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalars().first()


def legs_of(session: Session, transaction_id: str) -> list[Leg]:
    rows = session.execute(
        select(LedgerAccount.kind, LedgerAccount.party_id, LedgerEntry.amount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == transaction_id)
        .order_by(LedgerEntry.id)
    ).all()
    return [Leg(AccountKind(r[0]), r[1], r[2]) for r in rows]


def reversal_of(session: Session, transaction_id: str) -> LedgerTransaction | None:
    stmt = select(LedgerTransaction).where(LedgerTransaction.reverses_id == transaction_id)
    return session.execute(stmt).scalars().first()


def license_status(session: Session, license_id: str) -> str | None:
    value = session.execute(select(License.status).where(License.id == license_id)).scalar()
    return None if value is None else str(value)


# --- the check's queries -------------------------------------------------------------


def counts(session: Session) -> tuple[int, int, int]:
    """(transactions, entries, accounts)."""
    return (
        session.execute(select(func.count()).select_from(LedgerTransaction)).scalar_one(),
        session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one(),
        session.execute(select(func.count()).select_from(LedgerAccount)).scalar_one(),
    )


def unbalanced(session: Session) -> list[tuple[str, str, str, int]]:
    """(transaction id, source key, currency, sum) where a transaction's entries in one
    currency do not sum to zero: the entries grouped by transaction and currency first,
    only the groups that do not sum to zero joined to their transaction."""
    sums = (
        select(
            LedgerEntry.transaction_id,
            LedgerAccount.currency,
            func.sum(LedgerEntry.amount).label("total"),
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .group_by(LedgerEntry.transaction_id, LedgerAccount.currency)
        .having(func.sum(LedgerEntry.amount) != 0)
        .subquery()
    )
    rows = session.execute(
        select(
            LedgerTransaction.id, LedgerTransaction.source_key, sums.c.currency, sums.c.total
        ).join(sums, sums.c.transaction_id == LedgerTransaction.id)
    ).all()
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


def foreign_currency_entries(session: Session) -> list[tuple[str, str, str]]:
    """(transaction id, its currency, the entry's account currency) where they differ."""
    rows = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.currency, LedgerAccount.currency)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.currency != LedgerAccount.currency)
        .distinct()
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def drifted_balances(session: Session) -> list[tuple[str, str, str, str, int, int]]:
    """(id, kind, party, currency, stored balance, sum of entries) where they differ."""
    sums = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    total = func.coalesce(sums.c.total, 0)
    rows = session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.kind,
            LedgerAccount.party_id,
            LedgerAccount.currency,
            LedgerAccount.balance,
            total,
        )
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.balance != total)
    ).all()
    return [(r[0], str(r[1]), r[2], r[3], int(r[4]), int(r[5])) for r in rows]


def bad_fee_lines(
    session: Session,
) -> list[tuple[str, str, int | None, int, int, int, int, int, int]]:
    """(id, source key, source seq, gross, commission, platform fee, net, commission bps,
    platform fee bps) of the transactions that break a rule of the split, by id: the
    database tests every row, only the broken ones come back (the check words them).

    ``|x| > |gross| * bps // 10000`` is tested as ``|x| * 10000 > |gross| * bps`` (the
    same for whole numbers, no division), in NUMERIC so no product overflows a BIGINT.
    """
    t = _TRANSACTIONS.c
    bps = literal(BPS, Numeric)

    def above(part: Any, rate: Any) -> ColumnElement[bool]:
        gross = sql_cast(func.abs(t.gross), Numeric) * sql_cast(rate, Numeric)
        return sql_cast(func.abs(part), Numeric) * bps > gross

    rows = session.execute(
        select(
            t.id,
            t.source_key,
            t.source_seq,
            t.gross,
            t.commission,
            t.platform_fee,
            t.net,
            t.commission_bps,
            t.platform_fee_bps,
        )
        .where(
            or_(
                t.net + t.commission + t.platform_fee != t.gross,
                t.commission_bps < 0,
                t.commission_bps > MAX_COMMISSION_BPS,
                above(t.commission, t.commission_bps),
                above(t.platform_fee, t.platform_fee_bps),
            )
        )
        .order_by(t.id)
    ).all()
    return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]


def _payload_text(session: Session, key: str) -> ColumnElement[Any]:
    """``payload[key]`` as text, in SQL (NULL where the payload has no such key).

    SQLite: ``json_extract``, guarded by ``json_valid`` (a payload that is not JSON has no
    keys). PostgreSQL: ``payload::jsonb ->> key`` (a payload that is not JSON fails the
    statement: :func:`source_problems` then reads the events as before)."""
    payload = AuditEvent.payload
    if session.get_bind().dialect.name == "postgresql":
        text: ColumnElement[Any] = sql_cast(payload, JSONB)[key].astext
        return text
    return case(
        (func.json_valid(payload) == 1, func.json_extract(payload, f"$.{key}")), else_=null()
    )


def _is_source(session: Session) -> ColumnElement[bool]:
    """:func:`likeness.ledger.posting.is_source` in SQL."""
    return or_(
        and_(
            AuditEvent.action == "license.approved",
            _payload_text(session, "to") == "active",
        ),
        and_(
            AuditEvent.action == "asset.registered",
            _payload_text(session, "kind") == "release",
        ),
        AuditEvent.action == "asset.publication_reported",
    )


@dataclass(frozen=True, slots=True)
class SourceProblems:
    """How the posted fees line up with the source events up to the cursor."""

    #: source events up to the cursor
    sources: int
    #: source events up to the cursor with no fee posted, in chain order
    never_posted: list[int]
    #: audit seq → fees posted for it, where more than one
    posted_twice: dict[int, int]
    #: audit seqs a fee was posted for that are not source events up to the cursor
    not_sources: list[int]


def source_problems(session: Session, upto: int) -> SourceProblems:
    """Each source event up to ``upto`` posted exactly once, and nothing else posted:
    counted and compared in the database (no event read into Python)."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        return _source_problems_read(session, upto)
    if session.get_bind().dialect.name == "postgresql":
        try:
            with session.begin_nested():
                return _source_problems_sql(session, upto)
        except DataError:  # a payload that is not JSON: read the events instead
            return _source_problems_read(session, upto)
    return _source_problems_sql(session, upto)


def _fees() -> Any:
    t = _TRANSACTIONS.c
    return and_(t.kind.in_(list(FEE_KINDS)), t.source_seq.is_not(None))


def _source_problems_sql(session: Session, upto: int) -> SourceProblems:
    t = _TRANSACTIONS.c
    is_source = and_(
        AuditEvent.seq <= upto, AuditEvent.action.in_(SOURCE_ACTIONS), _is_source(session)
    )
    sources = session.execute(
        select(func.count()).select_from(AuditEvent).where(is_source)
    ).scalar_one()
    posted = select(t.source_seq).where(_fees(), t.source_seq == AuditEvent.seq).exists()
    never = session.execute(
        select(AuditEvent.seq).where(is_source, ~posted).order_by(AuditEvent.seq)
    ).scalars()
    twice = session.execute(
        select(t.source_seq, func.count())
        .where(_fees())
        .group_by(t.source_seq)
        .having(func.count() > 1)
    ).all()
    source_seqs = select(AuditEvent.seq).where(is_source)
    others = session.execute(
        select(t.source_seq).where(_fees(), t.source_seq.not_in(source_seqs)).distinct()
    ).scalars()
    return SourceProblems(
        sources=int(sources),
        never_posted=[int(s) for s in never],
        posted_twice={int(r[0]): int(r[1]) for r in twice},
        not_sources=sorted(int(s) for s in others),
    )


def _source_problems_read(session: Session, upto: int) -> SourceProblems:
    """The same, reading every candidate event (and parsing its payload) in Python."""
    sources: list[int] = []
    for seq, action, text in candidate_events(session, upto):
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {}
        if is_source(action, payload if isinstance(payload, dict) else {}):
            sources.append(seq)
    t = _TRANSACTIONS.c
    posted: dict[int, int] = defaultdict(int)
    for seq in session.execute(select(t.source_seq).where(_fees())).scalars():
        posted[int(seq)] += 1
    source_set = set(sources)
    return SourceProblems(
        sources=len(sources),
        never_posted=[seq for seq in sources if seq not in posted],
        posted_twice={seq: n for seq, n in posted.items() if n > 1},
        not_sources=sorted(seq for seq in posted if seq not in source_set),
    )


def candidate_events(session: Session, upto: int) -> Iterator[tuple[int, str, str]]:
    """(seq, action, payload) of every candidate source event up to ``upto``, in batches."""
    last = 0
    while True:
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.action, AuditEvent.payload)
            .where(
                AuditEvent.seq > last,
                AuditEvent.seq <= upto,
                AuditEvent.action.in_(SOURCE_ACTIONS),
            )
            .order_by(AuditEvent.seq)
            .limit(5000)
        ).all()
        if not rows:
            return
        for r in rows:
            yield (r[0], r[1], r[2])
        last = rows[-1][0]
