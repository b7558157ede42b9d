"""Every SQL query of the asset registry, and nothing else."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, exists, or_, select, update
from sqlalchemy.orm import Session

from likeness.models.asset import Asset, AssetKind, AssetStatus, Publication
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.policy import ConsentKind, ConsentStatus, LicenseStatus

#: A license in one of these states, inside its term, keeps its assets active.
RUNNING = (LicenseStatus.active, LicenseStatus.suspended)


def get(session: Session, asset_id: str) -> Asset | None:
    return session.get(Asset, asset_id)


def get_by_mark(session: Session, mark: str) -> Asset | None:
    return session.execute(select(Asset).where(Asset.mark == mark)).scalar_one_or_none()


def mark_taken(session: Session, mark: str) -> bool:
    """Whether an asset already carries this mark (or an id that starts with it)."""
    return session.execute(select(exists().where(Asset.mark == mark))).scalar_one()


def by_idempotency(session: Session, brand_id: str, key: str) -> Asset | None:
    return session.execute(
        select(Asset).where(Asset.brand_id == brand_id, Asset.idempotency_key == key)
    ).scalar_one_or_none()


def add(session: Session, asset: Asset) -> None:
    session.add(asset)
    session.flush()


def list_assets(
    session: Session, where: Iterable[ColumnElement[bool]], *, limit: int, offset: int
) -> Sequence[Asset]:
    query = select(Asset).where(*where).order_by(Asset.released_at, Asset.id)
    return session.execute(query.limit(limit).offset(offset)).scalars().all()


# --- settling: license and consent state → asset status ---------------------------------


def _has_active_asset(column: Any) -> ColumnElement[bool]:
    return exists().where(Asset.status == AssetStatus.active, column)


def ended_licenses_with_active_assets(
    session: Session, now: datetime, license_ids: Collection[str] | None
) -> Sequence[License]:
    """Licenses that no longer run (ended, or past their term) yet still have active assets."""
    query = select(License).where(
        or_(License.status.not_in(RUNNING), License.ends_at <= now),
        _has_active_asset(Asset.license_id == License.id),
    )
    if license_ids is not None:
        query = query.where(License.id.in_(list(license_ids)))
    return session.execute(query.order_by(License.id)).scalars().all()


def revoked_consents_with_active_assets(
    session: Session, license_ids: Collection[str] | None
) -> Sequence[Consent]:
    """Revoked use consents whose license still has active assets."""
    query = select(Consent).where(
        Consent.kind == ConsentKind.use,
        or_(Consent.status == ConsentStatus.revoked, Consent.revoked_at.is_not(None)),
        _has_active_asset(Asset.consent_id == Consent.id),
    )
    if license_ids is not None:
        query = query.where(Consent.license_id.in_(list(license_ids)))
    return session.execute(query.order_by(Consent.id)).scalars().all()


def active_assets(
    session: Session, *, license_id: str | None = None, consent_id: str | None = None
) -> Sequence[Asset]:
    query = select(Asset).where(Asset.status == AssetStatus.active)
    if license_id is not None:
        query = query.where(Asset.license_id == license_id)
    if consent_id is not None:
        query = query.where(Asset.consent_id == consent_id)
    return session.execute(query.order_by(Asset.id)).scalars().all()


def set_status(
    session: Session, asset_id: str, expected: Collection[AssetStatus], values: dict[str, Any]
) -> bool:
    """One UPDATE guarded by the status the caller read: of two racers, one wins."""
    statement = (
        update(Asset)
        .where(Asset.id == asset_id, Asset.status.in_(list(expected)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    won = result.rowcount == 1
    if won:
        session.expire_all()
    return won


def takedowns(session: Session, where: Iterable[ColumnElement[bool]]) -> Sequence[Asset]:
    """Released assets that must come down (expired or revoked, not yet confirmed)."""
    query = select(Asset).where(
        Asset.kind == AssetKind.release,
        Asset.status.in_([AssetStatus.expired, AssetStatus.revoked]),
        *where,
    )
    return session.execute(query.order_by(Asset.takedown_by, Asset.id)).scalars().all()


# --- publications ----------------------------------------------------------------------


def add_publication(session: Session, publication: Publication) -> None:
    session.add(publication)
    session.flush()


def publications_of(session: Session, asset_id: str) -> Sequence[Publication]:
    return (
        session.execute(
            select(Publication)
            .where(Publication.asset_id == asset_id)
            .order_by(Publication.published_on, Publication.id)
        )
        .scalars()
        .all()
    )
