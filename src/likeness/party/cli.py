"""`likeness user|talent|agency|representation|brand …`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

import typer
from pydantic import BaseModel

from likeness.kit.bounds import MAX_PAGE
from likeness.kit.cli import (
    TERM_ALIASES,
    AgencyId,
    AsOption,
    BrandId,
    EndDateOption,
    JsonOption,
    StartDateOption,
    TalentOption,
    UserId,
    aliases,
    cli_session,
    console,
    id_option,
    print_json,
    print_table,
)
from likeness.models.party import Role
from likeness.party import service
from likeness.party.schemas import (
    AgencyCreate,
    AgencyRead,
    BrandCreate,
    BrandRead,
    RepresentationCreate,
    TalentCreate,
    TalentRead,
    UserCreate,
    UserRead,
)

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
talent_app = typer.Typer(help="Talent profiles.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies (commission capped at 20 %).", no_args_is_help=True)
representation_app = typer.Typer(
    help="Talent ↔ agency agreements (≤ 3 years).", no_args_is_help=True
)
brand_app = typer.Typer(help="Brands and their members.", no_args_is_help=True)

LimitOption = Annotated[int, typer.Option(min=1, max=MAX_PAGE)]


def _show(rows: Sequence[BaseModel], json_out: bool, columns: list[str]) -> None:
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    data: list[dict[str, Any]] = [row.model_dump(mode="json") for row in rows]
    print_table(
        [c.removesuffix("_id") for c in columns],
        [[d.get(c) for c in columns] for d in data],
        id_columns=[i for i, c in enumerate(columns) if c == "id" or c.endswith("_id")],
    )


def _list(
    as_email: str | None,
    json_out: bool,
    columns: list[str],
    rows: Callable[..., Iterable[Any]],
    read: Callable[[Any], BaseModel],
    limit: int,
) -> None:
    """Show the first ``limit`` of the ``rows`` the ``--as`` user may see, each as
    ``read`` makes it (a table, or JSON)."""
    with cli_session(as_email) as (session, actor):
        shown = [read(row) for row in rows(session, actor, limit=limit)]
    _show(shown, json_out, columns)


def _add_member(as_email: str | None, add: Callable[[Any, Any], None]) -> None:
    """Run ``add(session, actor)`` as the ``--as`` user and say so."""
    with cli_session(as_email) as (session, actor):
        add(session, actor)
    console.print("member added")


def _created(row: BaseModel, json_out: bool, what: str) -> None:
    if json_out:
        print_json(row.model_dump(mode="json"))
    else:
        console.print(f"{what} {getattr(row, 'id', '')} created")


@user_app.command("create")
def user_create(
    email: str,
    role: Annotated[Role, typer.Option(help="talent, agent, brand or operator")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    password: Annotated[
        str | None,
        typer.Option(envvar="LIKENESS_USER_PASSWORD", help="Login password (≥ 10 characters)."),
    ] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create a user (operator only)."""
    with cli_session(as_email) as (session, actor):
        user = service.create_user(
            session, actor, UserCreate(email=email, display_name=name, role=role, password=password)
        )
        row = UserRead.model_validate(user)
    _created(row, json_out, "user")


@user_app.command("list")
def user_list(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 100
) -> None:
    """List users (operators see all, others themselves)."""
    columns = ["id", "email", "role", "display_name", "is_active"]
    _list(as_email, json_out, columns, service.list_users, UserRead.model_validate, limit)


@talent_app.command("create")
def talent_create(
    user_id: Annotated[
        str, id_option("user", "users", name="--user", help="Id of a user with role talent.")
    ],
    legal_name: Annotated[str, typer.Option("--legal-name")],
    stage_name: Annotated[str | None, typer.Option("--stage-name")] = None,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create a talent profile for a talent user (operator only)."""
    with cli_session(as_email) as (session, actor):
        talent = service.create_talent(
            session,
            actor,
            TalentCreate(user_id=user_id, legal_name=legal_name, stage_name=stage_name),
        )
        row = TalentRead.model_validate(talent)
    _created(row, json_out, "talent")


@talent_app.command("list")
def talent_list(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 100
) -> None:
    """List the talent you may see."""
    columns = ["id", "legal_name", "stage_name", "user_id"]
    _list(as_email, json_out, columns, service.list_talents, TalentRead.model_validate, limit)


@agency_app.command("create")
def agency_create(
    name: str,
    commission: Annotated[float, typer.Option(help="Commission in percent (max 20).")],
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create an agency (operator only)."""
    with cli_session(as_email) as (session, actor):
        agency = service.create_agency(
            session, actor, AgencyCreate(name=name, commission_percent=commission)
        )
        row = AgencyRead.model_validate(agency)
    _created(row, json_out, "agency")


@agency_app.command("add-member")
def agency_add_member(agency_id: AgencyId, user_id: UserId, as_email: AsOption = None) -> None:
    """Add an agent user to an agency (operator only)."""
    _add_member(as_email, lambda s, a: service.add_agency_member(s, a, agency_id, user_id))


@agency_app.command("list")
def agency_list(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 100
) -> None:
    """List agencies."""
    columns = ["id", "name", "commission_bps"]
    _list(as_email, json_out, columns, service.list_agencies, AgencyRead.model_validate, limit)


@representation_app.command("create", cls=aliases(TERM_ALIASES))
def representation_create(
    talent_id: TalentOption,
    agency_id: Annotated[str, id_option("agency", "agencies", name="--agency")],
    starts_on: StartDateOption,
    ends_on: EndDateOption,
    as_email: AsOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a representation agreement: the operator, or the talent themself (--as).

    An agency cannot give itself access to a talent, so its agents cannot record one.
    A term already over is refused."""
    data = RepresentationCreate(
        talent_id=talent_id,
        agency_id=agency_id,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    with cli_session(as_email) as (session, actor):
        row = service.representation_read(service.create_representation(session, actor, data))
    _created(row, json_out, "representation")


@representation_app.command("list")
def representation_list(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 100
) -> None:
    """List representation agreements you may see."""
    columns = ["id", "talent_id", "agency_id", "starts_on", "ends_on", "status"]
    rows, read = service.list_representations, service.representation_read
    _list(as_email, json_out, columns, rows, read, limit)


@brand_app.command("create")
def brand_create(name: str, as_email: AsOption = None, json_out: JsonOption = False) -> None:
    """Create a brand organisation (operator only)."""
    with cli_session(as_email) as (session, actor):
        row = BrandRead.model_validate(service.create_brand(session, actor, BrandCreate(name=name)))
    _created(row, json_out, "brand")


@brand_app.command("add-member")
def brand_add_member(brand_id: BrandId, user_id: UserId, as_email: AsOption = None) -> None:
    """Add a brand user to a brand (operator only)."""
    _add_member(as_email, lambda s, a: service.add_brand_member(s, a, brand_id, user_id))


@brand_app.command("list")
def brand_list(
    as_email: AsOption = None, json_out: JsonOption = False, limit: LimitOption = 100
) -> None:
    """List brands you may see."""
    columns = ["id", "name"]
    _list(as_email, json_out, columns, service.list_brands, BrandRead.model_validate, limit)
