"""Optimistic concurrency: one guarded UPDATE, for every table with a ``version`` column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session


def compare_and_set(
    session: Session,
    model: type[Any],
    row_id: str,
    expected_version: int,
    values: Mapping[str, Any],
) -> bool:
    """Set ``values`` on the row of ``model`` (a mapped class with ``id`` and ``version``
    columns) only if it is still at the version the caller read, and bump the version.

    Of two racers, one wins: the loser's UPDATE matches no row (its version is gone) and
    it gets ``False``. The winner's session forgets what it had loaded, so the next read
    sees the new row.
    """
    statement = (
        update(model)
        .where(model.id == row_id, model.version == expected_version)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    won = result.rowcount == 1
    if won:
        session.expire_all()
    return won
