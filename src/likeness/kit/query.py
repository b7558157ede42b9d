"""The WHERE clause of a filtered list, built one way for every feature.

A list route takes a few optional filters (``status``, ``talent_id``…) and shows only
what the caller may see: :func:`conditions` turns both into the conditions a
repository's list query ANDs together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute


def conditions(
    visible: ColumnElement[bool] | None,
    *equal: tuple[InstrumentedAttribute[Any], object | None],
) -> list[ColumnElement[bool]]:
    """``visible`` (what the actor may see; ``None``: everything), then ``column == value``
    for each ``(column, value)`` filter whose value is given (``None``: not filtered)."""
    where = [] if visible is None else [visible]
    where.extend(column == value for column, value in equal if value is not None)
    return where
