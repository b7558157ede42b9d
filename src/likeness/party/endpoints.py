"""Thin routes for users, talent, agencies, representation and brands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from likeness.errors import Conflict, NotFound
from likeness.kit.bounds import MAX_OFFSET
from likeness.party import access, service
from likeness.party.schemas import (
    AgencyCreate,
    AgencyRead,
    BrandCreate,
    BrandRead,
    MemberAdd,
    RepresentationCreate,
    RepresentationRead,
    TalentCreate,
    TalentRead,
    UserCreate,
    UserRead,
)
from likeness.web.actors import AnyActor, OperatorActor
from likeness.web.deps import SessionDep
from likeness.web.responses import error_responses

router = APIRouter(tags=["parties"], responses=error_responses(NotFound, Conflict))

Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, actor: OperatorActor, session: SessionDep) -> UserRead:
    return UserRead.model_validate(service.create_user(session, actor, body))


@router.get("/users", response_model=list[UserRead])
def list_users(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[UserRead]:
    return [
        UserRead.model_validate(u)
        for u in service.list_users(session, actor, limit=limit, offset=offset)
    ]


@router.post("/talents", response_model=TalentRead, status_code=status.HTTP_201_CREATED)
def create_talent(body: TalentCreate, actor: OperatorActor, session: SessionDep) -> TalentRead:
    return TalentRead.model_validate(service.create_talent(session, actor, body))


@router.get("/talents", response_model=list[TalentRead])
def list_talents(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[TalentRead]:
    return [
        TalentRead.model_validate(t)
        for t in service.list_talents(session, actor, limit=limit, offset=offset)
    ]


@router.get("/talents/{talent_id}", response_model=TalentRead)
def get_talent(talent_id: str, actor: AnyActor, session: SessionDep) -> TalentRead:
    return TalentRead.model_validate(access.get_talent_for(session, actor, talent_id))


@router.post("/agencies", response_model=AgencyRead, status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyCreate, actor: OperatorActor, session: SessionDep) -> AgencyRead:
    return AgencyRead.model_validate(service.create_agency(session, actor, body))


@router.get("/agencies", response_model=list[AgencyRead])
def list_agencies(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[AgencyRead]:
    return [
        AgencyRead.model_validate(a)
        for a in service.list_agencies(session, actor, limit=limit, offset=offset)
    ]


@router.post("/agencies/{agency_id}/members", status_code=status.HTTP_204_NO_CONTENT)
def add_agency_member(
    agency_id: str, body: MemberAdd, actor: OperatorActor, session: SessionDep
) -> None:
    service.add_agency_member(session, actor, agency_id, body.user_id)


@router.post(
    "/representations", response_model=RepresentationRead, status_code=status.HTTP_201_CREATED
)
def create_representation(
    body: RepresentationCreate, actor: AnyActor, session: SessionDep
) -> RepresentationRead:
    """Record a representation agreement: the operator, or the talent themself (an agency
    cannot give itself access to a talent). A term already over is refused."""
    return service.representation_read(service.create_representation(session, actor, body))


@router.get("/representations", response_model=list[RepresentationRead])
def list_representations(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[RepresentationRead]:
    return [
        service.representation_read(r)
        for r in service.list_representations(session, actor, limit=limit, offset=offset)
    ]


@router.post("/brands", response_model=BrandRead, status_code=status.HTTP_201_CREATED)
def create_brand(body: BrandCreate, actor: OperatorActor, session: SessionDep) -> BrandRead:
    return BrandRead.model_validate(service.create_brand(session, actor, body))


@router.get("/brands", response_model=list[BrandRead])
def list_brands(
    actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[BrandRead]:
    return [
        BrandRead.model_validate(b)
        for b in service.list_brands(session, actor, limit=limit, offset=offset)
    ]


@router.get("/brands/{brand_id}", response_model=BrandRead)
def get_brand(brand_id: str, actor: AnyActor, session: SessionDep) -> BrandRead:
    return BrandRead.model_validate(access.get_brand_for(session, actor, brand_id))


@router.post("/brands/{brand_id}/members", status_code=status.HTTP_204_NO_CONTENT)
def add_brand_member(
    brand_id: str, body: MemberAdd, actor: OperatorActor, session: SessionDep
) -> None:
    service.add_brand_member(session, actor, brand_id, body.user_id)
