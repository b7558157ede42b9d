"""Optimistic concurrency: one guarded UPDATE, for every table with a ``version`` column
(:func:`compare_and_set`) or another guard, such as the status the caller read
(:func:`guarded_update`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key


def guarded_update(
    session: Session,
    model: type[Any],
    row_id: str,
    guard: ColumnElement[bool],
    values: Mapping[str, Any],
    *,
    forget: Literal["all", "written"] = "all",
) -> bool:
    """Set ``values`` on the row of ``model`` (a mapped class with an ``id`` column) only
    if ``guard`` still holds for it: what the caller read has not changed since.

    Of two racers, one wins: the loser's UPDATE matches no row (on PostgreSQL it waits for
    the winner's row lock first) and it gets ``False``. The winner's session forgets what
    it had loaded, so the next read sees the new row: everything (``forget="all"``), or
    only the written columns of that one row, if loaded (``forget="written"``: for a
    caller that updates many rows in a loop and must not read each one again).
    """
    statement = (
        update(model)
        .where(model.id == row_id, guard)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    won = result.rowcount == 1
    if won and forget == "all":
        session.expire_all()
    elif won:
        loaded = session.identity_map.get(identity_key(model, row_id))
        if loaded is not None:
            session.expire(loaded, list(values))
    return won


def compare_and_set(
    session: Session,
    model: type[Any],
    row_id: str,
    expected_version: int,
    values: Mapping[str, Any],
) -> bool:
    """Set ``values`` on the row of ``model`` (a mapped class with ``id`` and ``version``
    columns) only if it is still at the version the caller read, and bump the version
    (a :func:`guarded_update` on the version)."""
    return guarded_update(
        session,
        model,
        row_id,
        model.version == expected_version,
        {**values, "version": expected_version + 1},
    )
