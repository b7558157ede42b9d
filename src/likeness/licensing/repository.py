"""Every SQL query of the licensing feature, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Select, select, update
from sqlalchemy.orm import Session

from likeness.kit import versioned
from likeness.kit.query import page
from likeness.models.consent import Consent, RightsNotification
from likeness.models.license import License
from likeness.models.party import Brand, TalentProfile
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.policy import ConsentKind, LicenseStatus


def get(session: Session, license_id: str) -> License | None:
    return session.get(License, license_id)


def compare_and_set(
    session: Session, license_id: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """One UPDATE guarded by the version the caller read: of two racers, one wins."""
    return versioned.compare_and_set(session, License, license_id, expected_version, values)


def count_release(session: Session, license_id: str, maximum: int) -> bool:
    """Count one release: one conditional increment, only while the license is active and
    under ``maximum``. No version is compared, so two releases of *different* outputs both
    count (on PostgreSQL the second waits for the first's row lock, then re-checks the
    condition on the new row); ``False`` when the license is not active or is full."""
    statement = (
        update(License)
        .where(
            License.id == license_id,
            License.status == LicenseStatus.active,
            License.released_count < maximum,
        )
        .values(released_count=License.released_count + 1, version=License.version + 1)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def list_licenses(
    session: Session,
    where: Iterable[ColumnElement[bool]],
    *,
    limit: int,
    offset: int,
    latest_first: bool = False,
) -> Sequence[License]:
    """Oldest first; ``latest_first``: the most recently changed first."""
    order = (
        (License.updated_at.desc(), License.id)
        if latest_first
        else (License.created_at, License.id)
    )
    query = select(License).where(*where).order_by(*order)
    return page(session, query, limit=limit, offset=offset)


def licenses_of_talent(
    session: Session, talent_id: str, statuses: Iterable[LicenseStatus] | None = None
) -> Sequence[License]:
    query = select(License).where(License.talent_id == talent_id)
    if statuses is not None:
        query = query.where(License.status.in_(list(statuses)))
    return session.execute(query.order_by(License.id)).scalars().all()


def licenses_of_talents(session: Session, talent_ids: Select[str]) -> Sequence[License]:
    """Every license of the talent the subquery names, in one query."""
    query = select(License).where(License.talent_id.in_(talent_ids)).order_by(License.id)
    return session.execute(query).scalars().all()


def licenses_with_use_consents(
    session: Session, talent_id: str
) -> Sequence[tuple[License, Consent | None]]:
    """Every license of a talent with its use consent, in one query (the decision path)."""
    rows = session.execute(
        select(License, Consent)
        .outerjoin(Consent, (Consent.license_id == License.id) & (Consent.kind == ConsentKind.use))
        .where(License.talent_id == talent_id)
        .order_by(License.id)
    )
    return [(lic, consent) for lic, consent in rows]


def live_due_for_expiry(session: Session, now: datetime) -> Sequence[License]:
    return (
        session.execute(
            select(License)
            .where(
                License.status.in_([LicenseStatus.active, LicenseStatus.suspended]),
                License.ends_at <= now,
            )
            .order_by(License.ends_at, License.id)
        )
        .scalars()
        .all()
    )


def twin_owner(session: Session, twin_id: str) -> str | None:
    """The talent behind a twin id: the twin itself, else licenses and consents naming it."""
    twin = session.get(Twin, twin_id)
    if twin is not None:
        return twin.talent_id
    for model in (License, Consent):
        found = session.execute(
            select(model.talent_id).where(model.twin_id == twin_id).limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return found
    return None


def unusable_twins(session: Session, talent_id: str) -> tuple[frozenset[str], frozenset[str]]:
    """(deleted twins, live twins with no active version) of a talent, for the decision."""
    usable_version = (
        select(TwinVersion.id)
        .where(TwinVersion.twin_id == Twin.id, TwinVersion.status == TwinVersionStatus.active)
        .exists()
    )
    rows = session.execute(
        select(Twin.id, Twin.status, usable_version).where(Twin.talent_id == talent_id)
    ).all()
    deleted = frozenset(twin_id for twin_id, status, _ in rows if status != TwinStatus.active)
    versionless = frozenset(
        twin_id
        for twin_id, status, has_version in rows
        if status == TwinStatus.active and not has_version
    )
    return deleted, versionless


def brand_exists(session: Session, brand_id: str) -> bool:
    return session.get(Brand, brand_id) is not None


def talent_exists(session: Session, talent_id: str) -> bool:
    return session.get(TalentProfile, talent_id) is not None


def use_consent_of(session: Session, license_id: str) -> Consent | None:
    return session.execute(
        select(Consent).where(Consent.license_id == license_id, Consent.kind == ConsentKind.use)
    ).scalar_one_or_none()


def use_consent_ids(session: Session, license_ids: Sequence[str]) -> dict[str, str]:
    """License id → its use consent's id, for those that have one (one query)."""
    if not license_ids:
        return {}
    rows = session.execute(
        select(Consent.license_id, Consent.id).where(
            Consent.license_id.in_(license_ids), Consent.kind == ConsentKind.use
        )
    )
    return {license_id: consent_id for license_id, consent_id in rows if license_id}


def use_consents_of_talent(session: Session, talent_id: str) -> Sequence[Consent]:
    return (
        session.execute(
            select(Consent).where(Consent.talent_id == talent_id, Consent.kind == ConsentKind.use)
        )
        .scalars()
        .all()
    )


def add_notification(session: Session, notification: RightsNotification) -> None:
    session.add(notification)


def list_notifications(
    session: Session,
    brand_ids: frozenset[str] | None,
    *,
    unread_only: bool,
    limit: int,
    offset: int,
) -> Sequence[RightsNotification]:
    query = select(RightsNotification)
    if brand_ids is not None:
        query = query.where(RightsNotification.brand_id.in_(brand_ids))
    if unread_only:
        query = query.where(RightsNotification.read_at.is_(None))
    query = query.order_by(RightsNotification.created_at.desc(), RightsNotification.id)
    return page(session, query, limit=limit, offset=offset)


def mark_notifications_read(
    session: Session, brand_ids: frozenset[str] | None, at: datetime
) -> int:
    """Mark the unread notifications of these brands (``None``: every brand) read in one
    statement; how many were."""
    statement = (
        update(RightsNotification).where(RightsNotification.read_at.is_(None)).values(read_at=at)
    )
    if brand_ids is not None:
        statement = statement.where(RightsNotification.brand_id.in_(brand_ids))
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount
