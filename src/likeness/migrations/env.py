"""Alembic environment: runs migrations online against the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import likeness.models
from likeness.kit.db import create_db_engine
from likeness.migrations import include_object

target_metadata = likeness.models.Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _foreign_keys(connection, on=False)
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _require_intact_references(connection)
            if sqlite:
                _foreign_keys(connection, on=True)
    finally:
        engine.dispose()


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite's batch mode rebuilds a table (copy, drop, rename): with foreign keys on,
    dropping a table other rows point at fails, so they are off while migrations run.
    The pragma is a no-op inside a transaction, so it goes to the driver before one."""
    connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def _require_intact_references(connection: Connection) -> None:
    """Every reference still resolves after the rebuilds, or the migration rolls back."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left broken references: {broken[:5]}")


run_migrations_online()
