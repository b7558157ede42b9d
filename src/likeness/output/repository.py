"""Every SQL query of the output feature, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from likeness.kit import versioned
from likeness.kit.query import page
from likeness.models.asset import Asset, AssetKind
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.models.output import Output, OutputStatus

#: Outputs that a release could still take: what an ended license or consent blocks.
UNRELEASED = (OutputStatus.pending, OutputStatus.approved)


def get(session: Session, output_id: str) -> Output | None:
    return session.get(Output, output_id)


def compare_and_set(
    session: Session, output_id: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """One UPDATE guarded by the version the caller read: of two racers, one wins.

    On PostgreSQL the loser's UPDATE waits for the winner's row lock, then matches no row
    (its version is gone) and gets ``False``.
    """
    return versioned.compare_and_set(session, Output, output_id, expected_version, values)


def list_outputs(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[Output]:
    query = select(Output).where(*where).order_by(Output.created_at, Output.id)
    return page(session, query, limit=limit, offset=offset)


def release_asset_of(session: Session, output_id: str) -> Asset | None:
    """The release asset of an output (there is at most one: a release is counted once)."""
    return session.execute(
        select(Asset)
        .where(Asset.output_id == output_id, Asset.kind == AssetKind.release)
        .order_by(Asset.created_at)
        .limit(1)
    ).scalar_one_or_none()


def release_assets_of(session: Session, output_ids: Sequence[str]) -> dict[str, str]:
    """output id → release asset id, for a page of outputs."""
    if not output_ids:
        return {}
    rows = session.execute(
        select(Asset.output_id, Asset.id).where(
            Asset.output_id.in_(list(output_ids)), Asset.kind == AssetKind.release
        )
    )
    return {str(row[0]): str(row[1]) for row in rows}


def unreleased_with_rights(
    session: Session, output_ids: Sequence[str]
) -> Sequence[tuple[Output, License, Consent]]:
    """Pending and approved outputs among ``output_ids``, with their license and consent."""
    if not output_ids:
        return []
    rows = session.execute(
        select(Output, License, Consent)
        .join(License, License.id == Output.license_id)
        .join(Consent, Consent.id == Output.consent_id)
        .where(Output.id.in_(list(output_ids)), Output.status.in_(UNRELEASED))
        .order_by(Output.id)
    )
    return [(row[0], row[1], row[2]) for row in rows]
