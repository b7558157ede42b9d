"""Every SQL query of the generation feature, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from likeness.kit.query import page
from likeness.models.generation import GenerationRequest
from likeness.models.output import Output


def get(session: Session, request_id: str) -> GenerationRequest | None:
    return session.get(GenerationRequest, request_id)


def by_idempotency_key(session: Session, brand_id: str, key: str) -> GenerationRequest | None:
    return session.execute(
        select(GenerationRequest).where(
            GenerationRequest.brand_id == brand_id, GenerationRequest.idempotency_key == key
        )
    ).scalar_one_or_none()


def list_requests(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[GenerationRequest]:
    query = (
        select(GenerationRequest)
        .where(*where)
        .order_by(GenerationRequest.created_at.desc(), GenerationRequest.id)
    )
    return page(session, query, limit=limit, offset=offset)


def made_indices(session: Session, request_id: str) -> set[int]:
    """The indices of the request's images already stored (whatever their status)."""
    rows = session.execute(
        select(Output.generation_index).where(Output.generation_request_id == request_id)
    )
    return {int(row[0]) for row in rows if row[0] is not None}


def outputs_of(session: Session, request_id: str, visible: ColumnElement[bool] | None) -> list[str]:
    """The ids of the request's outputs, in index order, that pass ``visible``."""
    query = select(Output.id).where(Output.generation_request_id == request_id)
    if visible is not None:
        query = query.where(visible)
    return [str(r[0]) for r in session.execute(query.order_by(Output.generation_index))]


def set_values(session: Session, request_id: str, values: dict[str, Any]) -> None:
    session.execute(
        update(GenerationRequest).where(GenerationRequest.id == request_id).values(**values)
    )
