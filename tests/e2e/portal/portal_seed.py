"""A demo-like data home for the portal's browser tests and bench (no tests in here).

:func:`seed_home` initialises an installation (as ``likeness init`` does) and fills it
through the services: people who log in with :data:`PASSWORD`, a talent represented by
an agency, a brand with an active license, outputs in each state and a released
asset with its file (and a copy stripped of its metadata). Add what your pages need
to :func:`seed_home` and its ids to ``Seed.ids``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from integration.output_support import image, twin_with_version
from integration.test_license_support import LEGAL_NAME, World, to_status
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.clock import utcnow
from likeness.licensing import repository as licenses
from likeness.models.party import Agency, Brand, Role, TalentProfile, User
from likeness.output import service as outputs
from likeness.output.schemas import OutputCreate, UseSpec
from likeness.party import service as party
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)
from likeness.provenance import StampConfig
from likeness.runtime import Runtime
from likeness.settings import Settings
from likeness.system.service import init_home

PASSWORD = "portal-password-1"
STAGE_NAME = "Ada O."
EMAILS = {
    "talent": "ada@portal.example",
    "agent": "max@portal.example",
    "brand": "lea@portal.example",
    "operator": "olivia@portal.example",
    "other_brand": "otto@portal.example",
    "other_talent": "tess@portal.example",
    "stranger_agent": "sam@portal.example",
}


@dataclass
class Seed:
    """What :func:`seed_home` made: each role's login email, ids and files the tests use."""

    logins: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def _user(session: Session, who: str, role: Role, name: str) -> User:
    return party.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(email=EMAILS[who], display_name=name, role=role, password=PASSWORD),
    )


def _talent(
    session: Session, who: str, legal: str, stage: str | None
) -> tuple[TalentProfile, User]:
    user = _user(session, who, Role.talent, legal)
    talent = party.create_talent(
        session,
        SYSTEM_ACTOR,
        TalentCreate(user_id=user.id, legal_name=legal, stage_name=stage),
    )
    return talent, user


def _agency(session: Session, who: str, name: str) -> tuple[Agency, User]:
    agency = party.create_agency(
        session, SYSTEM_ACTOR, AgencyCreate(name=name, commission_percent=15)
    )
    agent = _user(session, who, Role.agent, f"{name} agent")
    party.add_agency_member(session, SYSTEM_ACTOR, agency.id, agent.id)
    return agency, agent


def _brand(session: Session, who: str, name: str) -> tuple[Brand, User]:
    brand = party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=name))
    member = _user(session, who, Role.brand, f"{name} buyer")
    party.add_brand_member(session, SYSTEM_ACTOR, brand.id, member.id)
    return brand, member


def people(session: Session) -> tuple[World, User]:
    """The rights world of the integration tests, with passwords and readable names."""
    talent, talent_user = _talent(session, "talent", LEGAL_NAME, STAGE_NAME)
    agency, agent = _agency(session, "agent", "Northlight Models")
    today = utcnow().date()
    party.create_representation(
        session,
        SYSTEM_ACTOR,
        RepresentationCreate(
            talent_id=talent.id,
            agency_id=agency.id,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=700),
        ),
    )
    brand, brand_user = _brand(session, "brand", "Maison Aurel")
    other_brand, other_user = _brand(session, "other_brand", "Otto Outfitters")
    _, stranger = _agency(session, "stranger_agent", "Elsewhere Agency")
    _, other_talent_user = _talent(session, "other_talent", "Tess Other", None)
    operator = _user(session, "operator", Role.operator, "Olivia Operator")
    world = World(
        talent,
        talent_user,
        agency,
        agent,
        brand,
        brand_user,
        other_brand,
        other_user,
        stranger,
        other_talent_user,
    )
    return world, operator


def stripped(data: bytes) -> bytes:
    """The file re-encoded without any metadata (what a re-upload to a social site does)."""
    with Image.open(io.BytesIO(data)) as img:
        out = io.BytesIO()
        img.convert("RGB").save(out, format="JPEG", quality=92)
        return out.getvalue()


def seed_home(settings: Settings) -> Seed:
    """Initialise ``settings.home`` and fill it; returns the logins, ids and files."""
    init_home(settings)
    runtime = Runtime.from_settings(settings)
    seed = Seed(logins=dict(EMAILS))
    config = StampConfig.from_settings(settings)
    try:
        with runtime.db.unit_of_work() as session:
            world, operator = people(session)
            twin = twin_with_version(session, world, runtime.storage)
            lic = to_status(session, world, "active")
            seed.ids.update(
                talent=world.talent.id,
                brand=world.brand.id,
                agency=world.agency.id,
                twin=twin.id,
                license=lic.id,
                operator_user=operator.id,
            )
            brand = world.actor(session, "brand")
            talent = world.actor(session, "talent")

            def make(seed_no: int) -> str:
                out = outputs.create(
                    session,
                    brand,
                    runtime.storage,
                    OutputCreate(
                        license_id=lic.id,
                        twin_id=twin.id,
                        use=UseSpec(channel="instagram", territory="FR", category="fashion"),
                        engine="studio",
                        engine_params={"scene": {"framing": {"preset": "instagram-portrait"}}},
                    ),
                    image(seed_no, size=(1080, 1350)),
                    config,
                )
                return out.id

            released_id = make(1)
            outputs.approve(session, talent, released_id)
            result = outputs.require_released(
                outputs.release(session, brand, runtime.storage, released_id, config)
            )
            data = outputs.released_file(session, brand, runtime.storage, result)
            seed.ids.update(released_output=released_id, asset=result.asset.id)
            seed.ids["pending_output"] = make(2)
            # A second license whose terms the brand accepted: its use consent waits for
            # the talent's signature (the inbox shows it).
            waiting = to_status(session, world, "accepted")
            consent = licenses.use_consent_of(session, waiting.id)
            assert consent is not None
            seed.ids.update(waiting_license=waiting.id, consent_to_sign=consent.id)
            # the roles' pages: the talent in the catalogue, a request for the agent
            seed_roles(session, world, runtime, config, seed)
            # the money pages: the fees of all this, posted, and an older use overdue
            seed_money(session, world, operator, settings, seed)
            # the monitoring pages: the talent enrolled, a look-alike found without a mark
            seed_monitoring(session, world, seed)
        release = settings.home_path / "release.jpg"
        release.write_bytes(data)
        copy = settings.home_path / "stripped.jpg"
        copy.write_bytes(stripped(data))
        seed.files.update(release=release, stripped=copy)
    finally:
        runtime.close()
    return seed


def seed_roles(
    session: Session, world: World, runtime: Runtime, config: StampConfig, seed: Seed
) -> None:
    """What the brand's and the agent's pages show: the talent opted in to the catalogue
    with a stamped picture, and a brand's license request waiting for the agent."""
    from likeness.catalogue import service as catalogue
    from likeness.catalogue.schemas import ListingIn

    talent = world.actor(session, "talent")
    listing = ListingIn(
        public_name=STAGE_NAME,
        bio="Runway and e-commerce, based in Paris. Knitwear and tailoring.",
        channels=["instagram", "web", "print"],
        categories=["fashion", "beauty"],
        currency="EUR",
        rates_minor={"instagram": 150_000, "web": 80_000},
    )
    catalogue.save(session, talent, world.talent.id, listing)
    catalogue.set_preview(session, talent, world.talent.id, image(3, size=(640, 800)), config)
    seed.ids["requested_license"] = to_status(session, world, "requested").id


def seed_money(
    session: Session, world: World, operator: User, settings: Settings, seed: Seed
) -> None:
    """What the money pages show: the fees of the seeded licenses and release posted by
    the ledger's own poster (``post_pending``), an older use whose payment date has passed
    (overdue: the poster dates fees by their audit events, all of today here) and a
    partial payout to the talent."""
    import factories
    from integration import pay_support
    from likeness.ledger import payouts
    from likeness.ledger import service as ledger
    from likeness.models.ledger import PayeeKind

    op = factories.actor(session, operator)
    report = ledger.post_pending(session, op, platform_fee_bps=settings.ledger.platform_fee_bps)
    seed.ids["posted"] = str(report.posted)
    today = utcnow().date()
    pay_support.post_fee(
        session,
        talent_id=world.talent.id,
        brand_id=world.brand.id,
        agency_id=world.agency.id,
        commission_bps=1_500,
        gross=120_000,
        used_on=today - timedelta(days=60),
        payment_days=30,
    )
    payouts.record_payout(
        session, op, PayeeKind.talent, world.talent.id, 40_000, "EUR", "SEPA-PORTAL-1"
    )


def seed_monitoring(session: Session, world: World, seed: Seed) -> None:
    """What the monitoring pages show: the talent enrolled, and a scan that found an
    unmarked look-alike of her (an open case, with a real thumbnail) and a stranger."""
    from dataclasses import replace

    from integration import monitoring_scan_support as support
    from likeness.monitoring import service as monitoring

    me = support.person(1)
    support.enrol(session, world.talent.id, me)
    thumb = io.BytesIO()
    Image.open(io.BytesIO(image(4, size=(160, 200)))).save(thumb, format="PNG")
    parts = support.FakeParts()
    for location, face in (
        ("https://fakes.example.com/look-alike.jpg", support.near(me)),
        ("https://news.example.com/crowd.jpg", support.person(2)),
    ):
        source, found = support.image(location, faces=(face,))
        parts.add((source, replace(found, thumbnail_png=thumb.getvalue())))
    scan = monitoring.request_scan(session, SYSTEM_ACTOR, "s3://crawl/today/")
    for item in parts.items:
        done = monitoring.record_image(
            session, scan.id, parts.findings[item.location], parts.parts()
        )
        for case in done.opened:
            seed.ids["case"] = case.id
