"""A database migrated to head (monitoring's tables included) is empty, so `likeness
init` can seal its audit chain: a migration that seeds a row makes init refuse the
database as one whose audit log was erased."""

from __future__ import annotations

from conftest import TEST_AUDIT_KEY
from likeness import migrations
from likeness.audit import repository
from likeness.audit.service import seal_genesis
from likeness.kit.db import Database


def test_a_fresh_database_at_head_holds_no_rows_and_can_be_sealed(
    scratch_database_url: str,
) -> None:
    migrations.upgrade(scratch_database_url)
    db = Database(scratch_database_url, audit_key=TEST_AUDIT_KEY)
    try:
        with db.unit_of_work() as session:
            assert not repository.holds_other_data(session)
            seal_genesis(session)
    finally:
        db.dispose()
