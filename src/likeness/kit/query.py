"""The WHERE clause of a filtered list, built one way for every feature.

A list route takes a few optional filters (``status``, ``talent_id``…) and shows only
what the caller may see: :func:`conditions` turns both into the conditions a
repository's list query ANDs together, and :func:`page` reads one page of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

_Row = TypeVar("_Row")


def conditions(
    visible: ColumnElement[bool] | None,
    *equal: tuple[InstrumentedAttribute[Any], object | None],
) -> list[ColumnElement[bool]]:
    """``visible`` (what the actor may see; ``None``: everything), then ``column == value``
    for each ``(column, value)`` filter whose value is given (``None``: not filtered)."""
    where = [] if visible is None else [visible]
    where.extend(column == value for column, value in equal if value is not None)
    return where


def page(session: Session, query: Select[_Row], *, limit: int, offset: int) -> Sequence[_Row]:
    """The ``limit`` rows of an ordered one-entity ``query`` after the first ``offset``."""
    return session.execute(query.limit(limit).offset(offset)).scalars().all()
