"""Engines and the unit of work.

One request or command is one transaction: :meth:`Database.unit_of_work` yields a
session, commits when the block ends normally and rolls back on any error. Services
``flush()`` when they need ids and never commit.

SQLite (the embedded default) runs with WAL, foreign keys on and ``BEGIN IMMEDIATE``
transactions: SQLite has one writer at a time anyway, and taking the write lock up
front turns a would-be conflict into a short wait instead of a failed commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from likeness.errors import ConfigurationError, LikenessError
from likeness.kit.files import private_dir, private_file
from likeness.kit.signals import deferred

SQLITE_BUSY_TIMEOUT_MS = 30_000

_log = logging.getLogger(__name__)
_ON_COMMIT = "likeness.on_commit"
_ON_ROLLBACK = "likeness.on_rollback"


def on_commit(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once the session's current transaction has committed, never if it
    rolls back: for effects outside the database that must follow a durable change
    (shredding the key of a row just deleted)."""
    session.info.setdefault(_ON_COMMIT, []).append(action)


def on_rollback(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` if the session's current transaction rolls back (undo an outside
    effect made for it, such as a key created for a row that will not exist)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


def _run(actions: list[Callable[[], object]]) -> None:
    for action in actions:
        try:
            action()
        except Exception:  # the transaction's outcome is settled; report, don't undo it
            _log.exception("post-transaction action failed")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_ON_COMMIT, []))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)
    _run(session.info.pop(_ON_ROLLBACK, []))


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"invalid database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, parsed.database, **kwargs)
    if parsed.get_driver_name() == "psycopg":
        # No server-side prepared statements: after five runs of one a prepared statement
        # may get PostgreSQL's generic plan, sized for no particular parameter — on one
        # account's year of entries (a statement's months) a nested loop twice as slow
        # as the plan for the actual values (issue 20). Planning each time costs less.
        connect_args = {"prepare_threshold": None, **kwargs.pop("connect_args", {})}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _create_sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        _private_database_file(Path(database))
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the driver so BEGIN IMMEDIATE is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_database_file(path: Path) -> None:
    """The database file is 0600 before SQLite opens it: SQLite gives its ``-wal``,
    ``-shm`` and ``-journal`` files the database file's mode, whatever the umask."""
    if not path.parent.is_dir():
        private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        leftover = path.with_name(path.name + suffix)
        if leftover.is_file():  # from an older install or a crash: tighten it too
            private_file(leftover)


class Database:
    """An engine plus its session factory; one per process."""

    def __init__(self, url: str, *, audit_key: object = None, **engine_kwargs: Any) -> None:
        self.url = url
        #: What sessions seal audit events with (kept so another process can open the same
        #: database the same way: a Ray worker of ``likeness.jobs.executors``).
        self.audit_key = audit_key
        self.engine = create_db_engine(url, **engine_kwargs)
        # Every session carries the audit key (bytes, or where to read it: the keys folder
        # or a likeness.audit.key.AuditKeys) so the audit chain can seal its events.
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, info={"audit_key": audit_key}
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        session = self.sessionmaker()
        try:
            yield session
        except LikenessError as exc:
            # Some refusals must still keep what they recorded (a failed login's
            # counter); they say so with `keep_changes`.
            if getattr(exc, "keep_changes", False):
                with deferred():
                    session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        else:
            # A stop signal waits for the commit: the change is wholly saved or undone.
            with deferred():
                session.commit()
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
