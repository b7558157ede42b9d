"""One page of a long list in the roles' pages: ``?page=N``, :data:`PAGE_SIZE` rows each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query

#: Rows per page: a page stays fast however long the list grows.
PAGE_SIZE = 50

PageNo = Annotated[int, Query(ge=1, le=100_000)]

T = TypeVar("T")


def window(page: int) -> tuple[int, int]:
    """(limit, offset) for ``page``: one row more than shown, to know whether more follow."""
    return PAGE_SIZE + 1, (page - 1) * PAGE_SIZE


def cut(rows: Sequence[T]) -> tuple[list[T], bool]:
    """The rows to show and whether a next page exists."""
    return list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE
