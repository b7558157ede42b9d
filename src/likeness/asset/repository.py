"""Every SQL query of the asset registry, and nothing else."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from likeness.kit import versioned
from likeness.kit.query import page
from likeness.models.asset import Asset, AssetKind, AssetStatus, Publication
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.policy import RUNNING, ConsentKind, ConsentStatus


def get(session: Session, asset_id: str) -> Asset | None:
    return session.get(Asset, asset_id)


def with_rights(
    session: Session, *, asset_id: str | None = None, mark: str | None = None
) -> tuple[Asset, License, Consent] | None:
    """The asset with its license and use consent, in one query (the lookup path)."""
    query = (
        select(Asset, License, Consent)
        .join(License, License.id == Asset.license_id)
        .join(Consent, Consent.id == Asset.consent_id)
    )
    query = (
        query.where(Asset.id == asset_id)
        if asset_id is not None
        else query.where(Asset.mark == mark)
    )
    row = session.execute(query).one_or_none()
    return (row[0], row[1], row[2]) if row is not None else None


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
    return page(session, query, limit=limit, offset=offset)


# --- settling: license and consent state → asset status ---------------------------------


def ended_rights_with_active_assets(
    session: Session,
    now: datetime,
    license_ids: Collection[str] | None,
    scope: ColumnElement[bool] | None = None,
) -> Sequence[tuple[License, Consent | None]]:
    """Licenses with active assets whose license no longer runs (ended, or past its term)
    or whose use consent was revoked or ran out, each with that use consent (a license
    has one), in one query; only ``license_ids`` and those ``scope`` (a filter on
    licenses) admits. A superset: the caller applies the rule
    (:func:`likeness.licensing.rules.rights_ending`) to each."""
    consent_ended = or_(
        Consent.status == ConsentStatus.revoked,
        Consent.revoked_at.is_not(None),
        Consent.valid_until <= now,
    )
    query = (
        select(License, Consent)
        .outerjoin(Consent, and_(Consent.license_id == License.id, Consent.kind == ConsentKind.use))
        .where(
            or_(License.status.not_in(RUNNING), License.ends_at <= now, consent_ended),
            exists().where(Asset.status == AssetStatus.active, Asset.license_id == License.id),
        )
    )
    if license_ids is not None:
        query = query.where(License.id.in_(list(license_ids)))
    if scope is not None:
        query = query.where(scope)
    rows = session.execute(query.order_by(License.id)).all()
    return [(row[0], row[1]) for row in rows]


def active_assets(session: Session, license_id: str) -> Sequence[Asset]:
    query = select(Asset).where(Asset.status == AssetStatus.active, Asset.license_id == license_id)
    return session.execute(query.order_by(Asset.id)).scalars().all()


def set_status(
    session: Session, asset_id: str, expected: Collection[AssetStatus], values: dict[str, Any]
) -> bool:
    """One UPDATE guarded by the status the caller read: of two racers, one wins. The
    winner's loaded asset (if any) forgets only the columns written, so they are read
    again on next use; nothing else in the session is expired."""
    guard = Asset.status.in_(list(expected))
    return versioned.guarded_update(session, Asset, asset_id, guard, values, forget="written")


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


def publications_of_many(
    session: Session, asset_ids: Collection[str]
) -> dict[str, list[Publication]]:
    found: dict[str, list[Publication]] = {}
    if not asset_ids:
        return found
    rows = session.execute(
        select(Publication)
        .where(Publication.asset_id.in_(list(asset_ids)))
        .order_by(Publication.published_on, Publication.id)
    ).scalars()
    for row in rows:
        found.setdefault(row.asset_id, []).append(row)
    return found


def count_active_releases(session: Session, license_ids: Sequence[str]) -> int:
    """Released assets still active under these licenses."""
    if not license_ids:
        return 0
    query = select(func.count()).where(
        Asset.license_id.in_(license_ids),
        Asset.kind == AssetKind.release,
        Asset.status == AssetStatus.active,
    )
    return int(session.scalar(query) or 0)


def download_counts(session: Session, asset_ids: Sequence[str]) -> dict[str, int]:
    """How many times each asset's file was downloaded (its ``asset.downloaded`` events)."""
    if not asset_ids:
        return {}
    query = (
        select(AuditEvent.object_id, func.count())
        .where(
            AuditEvent.action == "asset.downloaded",
            AuditEvent.object_type == "asset",
            AuditEvent.object_id.in_(asset_ids),
        )
        .group_by(AuditEvent.object_id)
    )
    return {object_id: int(n) for object_id, n in session.execute(query).all()}
