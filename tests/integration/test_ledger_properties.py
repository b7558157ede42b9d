"""Property tests of the poster against a real database (decision 0022): any sequence of
source events, posting runs of any size, retries and crashes (a run rolled back after it
wrote some of its chunks) leaves balanced books, each source event posted exactly once,
no commission above its rate or the cap, and net + commission + platform fee = gross."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from likeness.audit import service as audit
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.canonical import canonical_json
from likeness.kit.clock import utcnow
from likeness.kit.db import Database
from likeness.ledger import service
from likeness.ledger.rules import MAX_COMMISSION_BPS
from likeness.models.ledger import LedgerAccount, LedgerTransaction
from likeness.models.license import License
from likeness.models.party import Role
from likeness.party import service as party
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)
from likeness.policy import FeeSchedule, LicenseStatus, LicenseTerms, terms_sha256


class Crash(Exception):
    """A poster dying before its commit."""


amounts = st.integers(min_value=0, max_value=10**9)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("activate"), st.none()),
        st.tuples(st.just("release"), st.none()),
        st.tuples(st.just("preview"), st.none()),
        st.tuples(st.just("publish"), st.sampled_from(["instagram", "web", "tiktok"])),
        st.tuples(st.just("post"), st.integers(min_value=1, max_value=5)),
        st.tuples(st.just("crash"), st.integers(min_value=1, max_value=5)),
    ),
    max_size=14,
)


def _world(db: Database, terms: LicenseTerms, represented: bool) -> tuple[str, str, str]:
    """A talent (with or without an agency), a brand, and one license row with ``terms``."""
    with db.unit_of_work() as session:
        n = utcnow().timestamp()
        user = party.create_user(
            session,
            SYSTEM_ACTOR,
            UserCreate(email=f"p{n}@example.com", display_name="P", role=Role.talent),
        )
        talent = party.create_talent(
            session, SYSTEM_ACTOR, TalentCreate(user_id=user.id, legal_name="Prop Erty")
        )
        agency = party.create_agency(
            session, SYSTEM_ACTOR, AgencyCreate(name=f"A {n}", commission_percent=20)
        )
        if represented:
            today = utcnow().date()
            party.create_representation(
                session,
                SYSTEM_ACTOR,
                RepresentationCreate(
                    talent_id=talent.id,
                    agency_id=agency.id,
                    starts_on=today - timedelta(days=400),
                    ends_on=today + timedelta(days=400),
                ),
            )
        brand = party.create_brand(session, SYSTEM_ACTOR, BrandCreate(name=f"B {n}"))
        lic = License(
            talent_id=talent.id,
            brand_id=brand.id,
            status=LicenseStatus.active,
            terms=canonical_json(terms.to_dict()),
            terms_sha256=terms_sha256(terms),
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
            commission_bps=terms.commission_bps,
        )
        session.add(lic)
        session.flush()
        return lic.id, talent.id, brand.id


def _event(db: Database, op: str, arg: Any, license_id: str) -> None:
    action, payload = {
        "activate": ("license.approved", {"to": "active"}),
        "release": ("asset.registered", {"kind": "release", "channel": "instagram"}),
        "preview": ("asset.registered", {"kind": "preview", "channel": None}),
        "publish": (
            "asset.publication_reported",
            {"channel": arg, "published_on": utcnow().date().isoformat()},
        ),
    }[op]
    obj = license_id if op == "activate" else "asset" + license_id[:10]
    with db.unit_of_work() as session:
        audit.record(session, SYSTEM_ACTOR, action, "x", obj, {"license_id": license_id, **payload})


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    creation=amounts,
    per_output=amounts,
    instagram=amounts,
    web=amounts,
    bps=st.integers(min_value=0, max_value=MAX_COMMISSION_BPS),
    platform_bps=st.integers(min_value=0, max_value=8000),
    represented=st.booleans(),
    steps=ops,
)
def test_any_events_retries_and_crashes_keep_the_books_exact(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    creation: int,
    per_output: int,
    instagram: int,
    web: int,
    bps: int,
    platform_bps: int,
    represented: bool,
    steps: list[tuple[str, Any]],
) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)  # several chunks per run: a crash falls between
    now = utcnow()
    terms = LicenseTerms(
        channels=frozenset({"instagram", "web", "tiktok"}),
        territories=frozenset({"FR"}),
        categories=frozenset({"fashion"}),
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=100),
        max_outputs=100,
        fees=FeeSchedule("EUR", creation, per_output, (("instagram", instagram), ("web", web))),
        commission_bps=bps,
    )
    license_id, talent_id, brand_id = _world(db, terms, represented)
    expected = 0
    sources = 0
    for op, arg in steps:
        if op in ("post", "crash"):
            try:
                with db.unit_of_work() as session:
                    service.post_pending(
                        session, SYSTEM_ACTOR, limit=arg, platform_fee_bps=platform_bps
                    )
                    if op == "crash":
                        raise Crash
            except Crash:
                pass
            continue
        _event(db, op, arg, license_id)
        if op != "preview":
            sources += 1
            expected += {
                "activate": creation,
                "release": per_output,
                "publish": {"instagram": instagram, "web": web}.get(arg or "", 0),
            }[op]
    with db.unit_of_work() as session:
        while service.post_pending(
            session, SYSTEM_ACTOR, limit=3, platform_fee_bps=platform_bps
        ).pending:
            pass
    with db.unit_of_work() as session:
        report = service.check(session)
        assert report.ok, report.problems
        rows = (
            session.execute(
                select(LedgerTransaction).where(LedgerTransaction.license_id == license_id)
            )
            .scalars()
            .all()
        )
        assert len(rows) == sources  # each source event once, previews never
        assert len({r.source_seq for r in rows}) == sources
        for r in rows:
            assert r.net + r.commission + r.platform_fee == r.gross
            assert r.commission * 10_000 <= r.gross * min(bps, MAX_COMMISSION_BPS)
            assert r.commission == 0 or represented
        assert sum(r.gross for r in rows) == expected
        receivable = session.execute(
            select(LedgerAccount.balance).where(
                LedgerAccount.party_id == brand_id, LedgerAccount.kind == "brand_receivable"
            )
        ).scalar()
        payable = session.execute(
            select(LedgerAccount.balance).where(
                LedgerAccount.party_id == talent_id, LedgerAccount.kind == "talent_payable"
            )
        ).scalar()
        assert (receivable or 0) == expected
        assert -(payable or 0) == sum(r.net for r in rows)
