"""The paging query parameters every list route takes, declared once.

``limit`` is bounded by :data:`likeness.kit.bounds.MAX_PAGE` (the services refuse a
longer page the same way), ``offset`` by :data:`~likeness.kit.bounds.MAX_OFFSET`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from likeness.kit.bounds import MAX_OFFSET, MAX_PAGE

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
