"""The PostgreSQL engine plans every statement for its own parameters (issue 20)."""

from __future__ import annotations

import pytest

from likeness.kit.db import create_db_engine


def test_postgresql_connections_prepare_nothing(database_url: str, is_postgres: bool) -> None:
    """psycopg prepares a statement on its fifth run, and PostgreSQL may then keep one
    generic plan for every parameter: measured twice as slow on a statement's months."""
    if not is_postgres:
        pytest.skip("PostgreSQL only (LIKENESS_TEST_DATABASE_URL=postgresql+psycopg://…)")
    engine = create_db_engine(database_url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            assert driver.prepare_threshold is None
            for _ in range(8):
                connection.exec_driver_sql("SELECT 1").all()
            prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
            assert prepared.scalar_one() == 0
    finally:
        engine.dispose()
