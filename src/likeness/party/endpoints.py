"""Thin routes for users, talent, agencies, representation and brands.

Most parties have the same two routes: an operator creates one (``POST /<parties>``) and
anyone lists those they may see (``GET /<parties>``). :func:`_create_and_list` declares
that pair once; what differs (the body, the read model, the service calls) is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from likeness.errors import Conflict, NotFound
from likeness.identity.actor import Actor
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
from likeness.web.paging import Limit, Offset
from likeness.web.responses import error_responses

router = APIRouter(tags=["parties"], responses=error_responses(NotFound, Conflict))


def _create_and_list(
    noun: str,
    plural: str,
    read_model: type[BaseModel],
    list_rows: Callable[..., Sequence[object]],
    create: tuple[type[BaseModel], Callable[[Session, Actor, Any], object]] | None = None,
    *,
    read: Callable[[Any], BaseModel] | None = None,
) -> None:
    """``GET /<plural>`` (``list_<plural>``, paged) and, given ``create`` (the body and the
    service call), ``POST /<plural>`` (``create_<noun>``, operators only). ``read`` makes
    the read model of a row (default: ``read_model.model_validate``)."""
    shown = read or read_model.model_validate
    if create is not None:
        body_model, make = create

        def create_route(body: Any, actor: OperatorActor, session: SessionDep) -> Any:
            return shown(make(session, actor, body))

        create_route.__annotations__ = {**create_route.__annotations__, "body": body_model}
        create_route.__name__ = f"create_{noun}"
        router.add_api_route(
            f"/{plural}",
            create_route,
            methods=["POST"],
            response_model=read_model,
            status_code=status.HTTP_201_CREATED,
            name=create_route.__name__,
        )

    def list_route(
        actor: AnyActor, session: SessionDep, limit: Limit = 100, offset: Offset = 0
    ) -> Any:
        return [shown(row) for row in list_rows(session, actor, limit=limit, offset=offset)]

    list_route.__name__ = f"list_{plural}"
    router.add_api_route(
        f"/{plural}",
        list_route,
        methods=["GET"],
        response_model=list[read_model],  # type: ignore[valid-type]
        name=list_route.__name__,
    )


_create_and_list("user", "users", UserRead, service.list_users, (UserCreate, service.create_user))
_create_and_list(
    "talent", "talents", TalentRead, service.list_talents, (TalentCreate, service.create_talent)
)


@router.get("/talents/{talent_id}", response_model=TalentRead)
def get_talent(talent_id: str, actor: AnyActor, session: SessionDep) -> TalentRead:
    return TalentRead.model_validate(access.get_talent_for(session, actor, talent_id))


_create_and_list(
    "agency", "agencies", AgencyRead, service.list_agencies, (AgencyCreate, service.create_agency)
)


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


_create_and_list(
    "representation",
    "representations",
    RepresentationRead,
    service.list_representations,
    read=service.representation_read,
)
_create_and_list(
    "brand", "brands", BrandRead, service.list_brands, (BrandCreate, service.create_brand)
)


@router.get("/brands/{brand_id}", response_model=BrandRead)
def get_brand(brand_id: str, actor: AnyActor, session: SessionDep) -> BrandRead:
    return BrandRead.model_validate(access.get_brand_for(session, actor, brand_id))


@router.post("/brands/{brand_id}/members", status_code=status.HTTP_204_NO_CONTENT)
def add_brand_member(
    brand_id: str, body: MemberAdd, actor: OperatorActor, session: SessionDep
) -> None:
    service.add_brand_member(session, actor, brand_id, body.user_id)
