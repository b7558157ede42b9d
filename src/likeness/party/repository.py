"""Every SQL query about parties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from likeness.kit.query import page
from likeness.models.party import (
    Agency,
    AgencyMember,
    Brand,
    BrandMember,
    Representation,
    RepresentationStatus,
    TalentProfile,
    User,
)


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def talent_for_user(session: Session, user_id: str) -> TalentProfile | None:
    return session.execute(
        select(TalentProfile).where(TalentProfile.user_id == user_id)
    ).scalar_one_or_none()


def agency_ids_for_user(session: Session, user_id: str) -> list[str]:
    return list(
        session.execute(select(AgencyMember.agency_id).where(AgencyMember.user_id == user_id))
        .scalars()
        .all()
    )


def brand_ids_for_user(session: Session, user_id: str) -> list[str]:
    return list(
        session.execute(select(BrandMember.brand_id).where(BrandMember.user_id == user_id))
        .scalars()
        .all()
    )


def representation_in_force(today: date) -> ColumnElement[bool]:
    """Filter: an active representation agreement whose term covers `today`.

    The one definition of "this agency represents this talent" for access and rights.
    """
    return and_(
        Representation.status == RepresentationStatus.active,
        Representation.starts_on <= today,
        Representation.ends_on > today,
    )


def talent_represented_by(agency_ids: frozenset[str], today: date) -> Select[str]:
    """Subquery: talent one of these agencies represents under an agreement in force today."""
    return select(Representation.talent_id).where(
        Representation.agency_id.in_(agency_ids), representation_in_force(today)
    )


def represented_talent_ids(agency_ids: frozenset[str], today: date) -> ColumnElement[bool]:
    """Filter: talent represented by one of these agencies under an agreement in force today."""
    return TalentProfile.id.in_(talent_represented_by(agency_ids, today))


def list_users(session: Session, *, limit: int, offset: int) -> Sequence[User]:
    query = select(User).order_by(User.created_at, User.id)
    return page(session, query, limit=limit, offset=offset)


def list_talents(
    session: Session, where: ColumnElement[bool] | None, *, limit: int, offset: int
) -> Sequence[TalentProfile]:
    stmt = select(TalentProfile).order_by(TalentProfile.created_at, TalentProfile.id)
    if where is not None:
        stmt = stmt.where(where)
    return page(session, stmt, limit=limit, offset=offset)


def list_agencies(session: Session, *, limit: int, offset: int) -> Sequence[Agency]:
    return page(session, select(Agency).order_by(Agency.name), limit=limit, offset=offset)


def list_brands(
    session: Session, ids: frozenset[str] | None, *, limit: int, offset: int
) -> Sequence[Brand]:
    stmt = select(Brand).order_by(Brand.name)
    if ids is not None:
        stmt = stmt.where(Brand.id.in_(ids))
    return page(session, stmt, limit=limit, offset=offset)


def list_representations(
    session: Session,
    *,
    talent_ids: frozenset[str] | None,
    agency_ids: frozenset[str] | None,
    limit: int,
    offset: int,
) -> Sequence[Representation]:
    stmt = select(Representation).order_by(Representation.created_at, Representation.id)
    if talent_ids is not None:
        stmt = stmt.where(Representation.talent_id.in_(talent_ids))
    if agency_ids is not None:
        stmt = stmt.where(Representation.agency_id.in_(agency_ids))
    return page(session, stmt, limit=limit, offset=offset)


def overlapping_representation(
    session: Session, talent_id: str, agency_id: str, starts_on: object, ends_on: object
) -> Representation | None:
    return (
        session.execute(
            select(Representation).where(
                Representation.talent_id == talent_id,
                Representation.agency_id == agency_id,
                Representation.status == RepresentationStatus.active,
                Representation.starts_on < ends_on,
                Representation.ends_on > starts_on,
            )
        )
        .scalars()
        .first()
    )


def representing_agency_ids(session: Session, talent_id: str, today: date) -> list[str]:
    """Agencies with a running representation agreement for this talent, longest-standing
    first (the one whose commission and name a new license or consent defaults to)."""
    return list(
        session.execute(
            select(Representation.agency_id)
            .where(Representation.talent_id == talent_id, representation_in_force(today))
            .order_by(Representation.starts_on, Representation.created_at, Representation.id)
        )
        .scalars()
        .all()
    )
