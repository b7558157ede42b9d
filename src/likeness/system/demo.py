"""`likeness demo`: the main job. Sets up the data home and walks the whole chain.

For now the tour covers what has landed: init, parties, an API token, the audit
chain. Each later feature adds its step (capture → twin → consent → license →
generate → approve → stamp → release → ledger).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from rich.panel import Panel
from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.auth import service as auth_service
from likeness.auth.actor import SYSTEM_ACTOR, Actor
from likeness.kit.cli import console
from likeness.models.party import Role, User
from likeness.party import repository as parties
from likeness.party import service as party_service
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)
from likeness.runtime import Runtime
from likeness.settings import get_settings
from likeness.system.service import init_home

DEMO_PASSWORD = "demo-password-123"

Step = Callable[[Session, dict[str, str]], str]


def _user(session: Session, email: str, name: str, role: Role) -> str:
    existing = parties.user_by_email(session, email)
    if existing:
        return existing.id
    return party_service.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(email=email, display_name=name, role=role, password=DEMO_PASSWORD),
    ).id


def step_parties(session: Session, ids: dict[str, str]) -> str:
    ids["talent_user"] = _user(session, "ava@demo.likeness", "Ava Stone", Role.talent)
    ids["agent_user"] = _user(session, "max@demo.likeness", "Max Agent", Role.agent)
    ids["brand_user"] = _user(session, "lea@demo.likeness", "Lea Brand", Role.brand)
    talent = parties.talent_for_user(session, ids["talent_user"])
    if talent is None:
        talent = party_service.create_talent(
            session,
            SYSTEM_ACTOR,
            TalentCreate(user_id=ids["talent_user"], legal_name="Ava Stone", stage_name="AVA"),
        )
    ids["talent"] = talent.id
    agencies = {a.name: a.id for a in party_service.list_agencies(session, SYSTEM_ACTOR)}
    if "Northlight Models" not in agencies:
        agency = party_service.create_agency(
            session, SYSTEM_ACTOR, AgencyCreate(name="Northlight Models", commission_percent=15)
        )
        party_service.add_agency_member(session, SYSTEM_ACTOR, agency.id, ids["agent_user"])
        start = date.today()
        party_service.create_representation(
            session,
            SYSTEM_ACTOR,
            RepresentationCreate(
                talent_id=talent.id,
                agency_id=agency.id,
                starts_on=start,
                ends_on=start + timedelta(days=365 * 2),
            ),
        )
        agencies["Northlight Models"] = agency.id
    ids["agency"] = agencies["Northlight Models"]
    brands = {b.name: b.id for b in party_service.list_brands(session, SYSTEM_ACTOR)}
    if "Maison Aurel" not in brands:
        brand = party_service.create_brand(session, SYSTEM_ACTOR, BrandCreate(name="Maison Aurel"))
        party_service.add_brand_member(session, SYSTEM_ACTOR, brand.id, ids["brand_user"])
        brands["Maison Aurel"] = brand.id
    ids["brand"] = brands["Maison Aurel"]
    return (
        "talent Ava Stone (AVA), agency Northlight Models (15 %, 2-year term), "
        "brand Maison Aurel; logins use the demo password"
    )


def step_token(session: Session, ids: dict[str, str]) -> str:
    brand_user = session.get(User, ids["brand_user"])
    assert brand_user is not None
    actor: Actor = auth_service.actor_for_user(session, brand_user, via="cli")
    _token, plaintext = auth_service.create_token(session, actor, "demo")
    return (
        f"API token for lea@demo.likeness: {plaintext[:10]}… (shown once; try GET /api/v1/auth/me)"
    )


def step_audit(session: Session, ids: dict[str, str]) -> str:
    report = audit.verify(session)
    state = "intact" if report.ok else f"BROKEN at {report.first_bad_seq}: {report.problem}"
    return f"audit chain {state}: {report.events_checked} events"


STEPS: list[tuple[str, Step]] = [
    ("Parties: talent, agency, representation, brand", step_parties),
    ("Credentials: a brand API token", step_token),
    ("Audit chain check", step_audit),
]


def demo() -> None:
    """Run the end-to-end demo on the embedded defaults (SQLite, local files, CPU)."""
    settings = get_settings()
    report = init_home(settings)
    console.print(Panel.fit(f"Likeness demo — data home {settings.home_path}"))
    console.print(
        "1. init: "
        + ("created " + ", ".join(report.created) if report.changed else "already initialised")
    )
    runtime = Runtime.from_settings(settings)
    ids: dict[str, str] = {}
    try:
        for number, (title, step) in enumerate(STEPS, start=2):
            with runtime.db.unit_of_work() as session:
                console.print(f"{number}. {title}: {step(session, ids)}")
    finally:
        runtime.close()
    console.print("Next: `likeness serve`, then open http://127.0.0.1:8000/docs")
