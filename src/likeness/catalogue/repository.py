"""Every SQL query of the catalogue, nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from likeness.models.catalogue import CatalogueListing, CataloguePreview
from likeness.models.license import License
from likeness.models.party import TalentProfile
from likeness.policy import LicenseStatus


def talent_exists(session: Session, talent_id: str) -> bool:
    return session.get(TalentProfile, talent_id) is not None


def listing_of(session: Session, talent_id: str) -> CatalogueListing | None:
    return session.scalars(
        select(CatalogueListing).where(CatalogueListing.talent_id == talent_id)
    ).one_or_none()


def list_listings(
    session: Session, where: ColumnElement[bool] | None, *, limit: int, offset: int
) -> Sequence[CatalogueListing]:
    query = select(CatalogueListing)
    if where is not None:
        query = query.where(where)
    query = query.order_by(CatalogueListing.public_name, CatalogueListing.talent_id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def preview_digests(session: Session, talent_ids: Sequence[str]) -> dict[str, str]:
    """talent id → the SHA-256 of their catalogue picture (the image itself stays unread)."""
    if not talent_ids:
        return {}
    rows = session.execute(
        select(CataloguePreview.talent_id, CataloguePreview.sha256).where(
            CataloguePreview.talent_id.in_(talent_ids)
        )
    )
    return {str(talent_id): str(digest) for talent_id, digest in rows}


def preview_of(session: Session, talent_id: str) -> CataloguePreview | None:
    return session.get(CataloguePreview, talent_id)


def delete_preview(session: Session, talent_id: str) -> bool:
    result = session.execute(
        delete(CataloguePreview).where(CataloguePreview.talent_id == talent_id)
    )
    return bool(getattr(result, "rowcount", 0))


def stage_names_licensed_by(
    session: Session,
    brand_ids: Sequence[str],
    talent_ids: Sequence[str],
    statuses: Sequence[LicenseStatus],
) -> dict[str, str]:
    """talent id → stage name, for the talents among ``talent_ids`` one of ``brand_ids``
    holds a license with in one of ``statuses`` (talents without a stage name are left out)."""
    if not brand_ids or not talent_ids:
        return {}
    licensed = (
        select(License.talent_id)
        .where(
            License.brand_id.in_(brand_ids),
            License.talent_id.in_(talent_ids),
            License.status.in_(statuses),
        )
        .distinct()
    )
    rows = session.execute(
        select(TalentProfile.id, TalentProfile.stage_name).where(
            TalentProfile.id.in_(licensed), TalentProfile.stage_name.is_not(None)
        )
    ).all()
    return {talent_id: name for talent_id, name in rows if name}


def listings_of(session: Session, talent_ids: Sequence[str]) -> Sequence[CatalogueListing]:
    if not talent_ids:
        return []
    return session.scalars(
        select(CatalogueListing).where(CatalogueListing.talent_id.in_(talent_ids))
    ).all()
