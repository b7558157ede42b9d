"""Rules for creating and listing parties. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.identity.actor import Actor
from likeness.identity.passwords import hash_password
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.clock import utcnow
from likeness.models.party import (
    Agency,
    AgencyMember,
    Brand,
    BrandMember,
    Representation,
    RepresentationStatus,
    Role,
    TalentProfile,
    User,
)
from likeness.party import access, repository, rules
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    RepresentationRead,
    RepresentationState,
    TalentCreate,
    UserCreate,
)


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("only an operator may do this")


def _page(limit: int, offset: int) -> None:
    require_page(limit, offset, MAX_PAGE)


def _flush_unique(session: Session, what: str) -> None:
    # A savepoint turns a unique-constraint race into a clean Conflict without
    # discarding the rest of the caller's unit of work.
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists") from exc


def create_user(session: Session, actor: Actor, data: UserCreate) -> User:
    require_operator(actor)
    email = rules.normalise_email(data.email)
    if repository.user_by_email(session, email):
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        display_name=rules.check_name(data.display_name, "display name"),
        role=data.role,
        # An empty password is a weak password, not "no password": it must be refused.
        password_hash=hash_password(data.password) if data.password is not None else None,
    )
    session.add(user)
    _flush_unique(session, f"user {email}")
    audit.record(
        session, actor, "user.created", "user", user.id, {"email": email, "role": data.role.value}
    )
    return user


def list_users(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[User]:
    _page(limit, offset)
    if actor.is_operator:
        return repository.list_users(session, limit=limit, offset=offset)
    user = session.get(User, actor.user_id) if actor.user_id else None
    return [user] if user else []


def create_talent(session: Session, actor: Actor, data: TalentCreate) -> TalentProfile:
    require_operator(actor)
    user = _user_with_role(session, data.user_id, Role.talent)
    if repository.talent_for_user(session, user.id):
        raise Conflict(f"user {user.email} already has a talent profile")
    talent = TalentProfile(
        user_id=user.id,
        legal_name=rules.check_name(data.legal_name, "legal name"),
        stage_name=rules.check_name(data.stage_name, "stage name") if data.stage_name else None,
    )
    session.add(talent)
    _flush_unique(session, "talent profile")
    audit.record(session, actor, "talent.created", "talent", talent.id, {"user_id": user.id})
    return talent


def list_talents(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[TalentProfile]:
    _page(limit, offset)
    return repository.list_talents(session, access.talent_filter(actor), limit=limit, offset=offset)


def create_agency(session: Session, actor: Actor, data: AgencyCreate) -> Agency:
    require_operator(actor)
    bps = rules.check_commission(rules.percent_to_bps(data.commission_percent))
    agency = Agency(name=rules.check_name(data.name, "agency name"), commission_bps=bps)
    session.add(agency)
    _flush_unique(session, f"agency {data.name!r}")
    audit.record(
        session,
        actor,
        "agency.created",
        "agency",
        agency.id,
        {"name": agency.name, "commission_bps": bps},
    )
    return agency


def _user_with_role(session: Session, user_id: str, role: Role) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.role is not role:
        raise InvalidInput(f"user {user.email} has role {user.role.value}, not {role.value}")
    return user


def _add_member(
    session: Session,
    actor: Actor,
    find: Callable[[Session, Actor, str], object],
    member: AgencyMember | BrandMember,
    org: str,
    org_id: str,
    role: Role,
) -> None:
    """Add ``member`` (an agency's agent or a brand's brand user): operator only; the
    organisation must exist (``find`` it), the user exist with ``role``, and not be a
    member yet."""
    require_operator(actor)
    find(session, actor, org_id)
    _user_with_role(session, member.user_id, role)
    if session.get(type(member), (org_id, member.user_id)):
        raise Conflict(f"already a member of this {org}")
    session.add(member)
    session.flush()
    audit.record(session, actor, f"{org}.member_added", org, org_id, {"user_id": member.user_id})


def add_agency_member(session: Session, actor: Actor, agency_id: str, user_id: str) -> None:
    member = AgencyMember(agency_id=agency_id, user_id=user_id)
    _add_member(session, actor, access.get_agency_for, member, "agency", agency_id, Role.agent)


def list_agencies(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[Agency]:
    _page(limit, offset)
    return repository.list_agencies(session, limit=limit, offset=offset)


def create_representation(
    session: Session, actor: Actor, data: RepresentationCreate
) -> Representation:
    # The talent is a party to the agreement: an agency must never be able to give
    # itself access to a talent by recording a representation on its own.
    if not actor.is_operator:
        access.require_self_talent(actor, data.talent_id)
    access.get_agency_for(session, actor, data.agency_id)
    if session.get(TalentProfile, data.talent_id) is None:
        raise NotFound(f"no talent {data.talent_id}")
    rules.check_representation_term(
        data.starts_on, data.ends_on, data.auto_renew, today=utcnow().date()
    )
    if repository.overlapping_representation(
        session, data.talent_id, data.agency_id, data.starts_on, data.ends_on
    ):
        raise Conflict("an active representation between them already covers these dates")
    rep = Representation(
        talent_id=data.talent_id,
        agency_id=data.agency_id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        status=RepresentationStatus.active,
    )
    session.add(rep)
    session.flush()
    audit.record(
        session,
        actor,
        "representation.created",
        "representation",
        rep.id,
        {
            "talent_id": data.talent_id,
            "agency_id": data.agency_id,
            "starts_on": data.starts_on.isoformat(),
            "ends_on": data.ends_on.isoformat(),
        },
    )
    return rep


def representation_read(rep: Representation) -> RepresentationRead:
    """The agreement as shown: ``ended`` once its term is over."""
    state = rules.representation_state(rep.status, rep.ends_on, utcnow().date())
    return RepresentationRead(
        id=rep.id,
        talent_id=rep.talent_id,
        agency_id=rep.agency_id,
        starts_on=rep.starts_on,
        ends_on=rep.ends_on,
        status=RepresentationState(state),
        created_at=rep.created_at,
    )


def list_representations(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[Representation]:
    _page(limit, offset)
    if actor.is_operator:
        return repository.list_representations(
            session, talent_ids=None, agency_ids=None, limit=limit, offset=offset
        )
    if actor.role is Role.talent:
        own = frozenset({actor.talent_id}) if actor.talent_id else frozenset()
        return repository.list_representations(
            session, talent_ids=own, agency_ids=None, limit=limit, offset=offset
        )
    if actor.role is Role.agent:
        return repository.list_representations(
            session, talent_ids=None, agency_ids=actor.agency_ids, limit=limit, offset=offset
        )
    return []


def create_brand(session: Session, actor: Actor, data: BrandCreate) -> Brand:
    require_operator(actor)
    brand = Brand(name=rules.check_name(data.name, "brand name"))
    session.add(brand)
    _flush_unique(session, f"brand {data.name!r}")
    audit.record(session, actor, "brand.created", "brand", brand.id, {"name": brand.name})
    return brand


def add_brand_member(session: Session, actor: Actor, brand_id: str, user_id: str) -> None:
    member = BrandMember(brand_id=brand_id, user_id=user_id)
    _add_member(session, actor, access.get_brand_for, member, "brand", brand_id, Role.brand)


def list_brands(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> Sequence[Brand]:
    _page(limit, offset)
    return repository.list_brands(
        session, access.brand_ids_visible(actor), limit=limit, offset=offset
    )
