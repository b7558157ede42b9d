"""Benchmark the portal's pages (issue 20): server time per page, and the verify upload.

* **pages** — every page in :data:`PAGES`, requested in-process (Starlette's TestClient:
  the app's whole request path, middleware and templates included, no network) as its
  role, over a data home with ``--talents`` talents (1,000; ``--quick``: 50) and
  ``--assets`` released assets (10,000; ``--quick``: 500) — most of them of the one
  talent and brand whose pages are measured, so lists must page rather than grow.
  Target: p95 ≤ 150 ms per page, on SQLite and on PostgreSQL (``--postgres URL``, or
  ``LIKENESS_TEST_POSTGRES_URL`` as ``.ci/run`` sets it; a scratch schema, dropped after).
* **verify upload** — ``POST /verify`` with a stamped 1080×1350 JPEG of a registered
  asset (the public verify page: C2PA, watermark, registry lookup, the page).
  Target: p95 ≤ 0.5 s.

Add your pages to :data:`PAGES` (``{placeholders}`` name ids from :func:`seed`).
Prints one table; exits 1 when a target is missed (not in ``--quick`` mode).

    python bench/portal.py                 # 1,000 talents, 10,000 assets, SQLite
    python bench/portal.py --postgres postgresql+psycopg://u@host/db
    python bench/portal.py --quick         # CI
    python bench/portal.py --only ledger   # the pages whose name holds "ledger"
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import exit_status, load_average, percentile, print_table

TARGET_PAGE_P95_MS = 150.0
TARGET_VERIFY_P95_MS = 500.0
BATCH = 5_000
LICENSES = 20


@dataclass(frozen=True)
class Page:
    """A page to time: its name, the role that opens it, its path (``{placeholders}``)."""

    name: str
    role: str
    path: str


PAGES: list[Page] = [
    Page("login", "anonymous", "/login"),
    Page("verify (form)", "anonymous", "/verify"),
    Page("verify by asset ID", "anonymous", "/verify?asset={asset}"),
    # --- talent ---
    Page("talent inbox", "talent", "/talent/inbox"),
    Page("talent my likeness", "talent", "/talent/likeness"),
    Page("talent my likeness, last page", "talent", "/talent/likeness?page={last_page}"),
    Page("talent twins and consents", "talent", "/talent/consents"),
    Page("talent consent", "talent", "/talent/consents/{consent}"),
    Page("talent output", "talent", "/talent/outputs/{output}"),
    Page("catalogue opt-in", "talent", "/talent/catalogue"),
    # --- agent ---
    Page("negotiations", "agent", "/agent/negotiations"),
    Page("negotiation", "agent", "/agent/negotiations/{license}"),
    Page("roster", "agent", "/agent/roster"),
    Page("updates", "agent", "/agent/updates"),
    # --- brand ---
    Page("catalogue", "brand", "/brand/catalogue"),
    Page("catalogue listing", "brand", "/brand/catalogue/{talent}"),
    Page("licenses", "brand", "/brand/licenses"),
    Page("license", "brand", "/brand/licenses/{license}"),
    Page("generations", "brand", "/brand/generations"),
    Page("assets", "brand", "/brand/assets"),
    Page("asset", "brand", "/brand/assets/{asset}"),
    Page("take-downs", "brand", "/brand/takedowns"),
    # --- operator ---
    Page("parties", "operator", "/operator/parties"),
    Page("captures and twins", "operator", "/operator/twins"),
    Page(
        "captures and twins, looked at with a reason",
        "operator",
        "/operator/twins?reason_kind=quality_check&reason=benchmark+look+at+every+twin",
    ),
    Page("jobs", "operator", "/operator/jobs"),
    Page("model registry", "operator", "/operator/models"),
    Page("audit chain", "operator", "/operator/audit"),
    # --- money (one use fee per asset, over the past year) ---
    Page("talent earnings", "talent", "/talent/earnings"),
    Page("talent earnings, a past month", "talent", "/talent/earnings?period={past_month}"),
    Page("agent commission", "agent", "/agent/commission"),
    Page("brand payables", "brand", "/brand/payables"),
    Page("operator ledger", "operator", "/operator/ledger"),
    Page("operator ledger check", "operator", "/operator/ledger/check"),
    Page("operator overdue report", "operator", "/operator/ledger/overdue"),
    # --- notifications ---
    Page("talent notifications", "talent", "/notifications"),
    Page("agent notifications", "agent", "/notifications"),
    Page("brand notifications", "brand", "/notifications"),
    # --- monitoring (one case per ten assets, most of them open) ---
    Page("talent monitoring", "talent", "/monitoring"),
    Page("agent monitoring", "agent", "/monitoring"),
    Page("operator monitoring", "operator", "/monitoring"),
    Page("monitoring case", "talent", "/monitoring/cases/{case}"),
]


@contextmanager
def scratch_database(postgres_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server (dropped after)."""
    if postgres_url is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(settings: Any, talents: int, assets: int) -> tuple[dict[str, str], dict[str, str]]:
    """Initialise the home, then write the rows directly (Core inserts for the bulk):
    one user per role, the measured talent with ``LICENSES`` active licenses (each with its
    use consent and one output), ``talents`` more talents, ``assets`` released assets.
    Returns (user id per role, ids for the page placeholders)."""
    from sqlalchemy import insert

    from likeness.kit.clock import utcnow
    from likeness.models.asset import Asset, AssetKind, AssetStatus
    from likeness.models.base import new_id
    from likeness.models.catalogue import CatalogueListing
    from likeness.models.consent import Consent
    from likeness.models.license import License
    from likeness.models.output import Output, OutputStatus
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
    from likeness.models.twin import Twin, TwinStatus
    from likeness.policy import ConsentKind, ConsentStatus, LicenseStatus
    from likeness.runtime import Runtime
    from likeness.system.service import init_home

    init_home(settings)
    runtime = Runtime.from_settings(settings)
    now = utcnow()
    start, end = now - timedelta(days=1), now + timedelta(days=365)
    terms = json.dumps(
        {
            "channels": ["instagram"], "territories": ["FR"], "categories": ["fashion"],
            "exclusive_categories": [], "starts_at": start.isoformat(),
            "ends_at": end.isoformat(), "max_outputs": 1000, "approval_mode": "every_output",
            "fees": {"currency": "EUR", "creation_fee": 0, "per_output_fee": 0,
                     "per_use_fees": {"instagram": 150000}},
            "commission_bps": 1500, "takedown_days": 30, "purpose": "Bench campaign",
        }
    )  # fmt: skip
    users: dict[str, str] = {}
    ids: dict[str, str] = {}
    outputs: list[tuple[str, str, str]] = []
    with runtime.db.unit_of_work() as session:
        for role in (Role.talent, Role.agent, Role.brand, Role.operator):
            user = User(email=f"{role.value}@bench.example", display_name=role.value, role=role)
            session.add(user)
            session.flush()
            users[role.value] = user.id
        talent = TalentProfile(
            user_id=users["talent"], legal_name="Bench Talent", stage_name="Bench"
        )
        brand = Brand(name="Bench Brand")
        agency = Agency(name="Bench Agency", commission_bps=1500)
        session.add_all([talent, brand, agency])
        session.flush()
        session.add_all(
            [
                BrandMember(brand_id=brand.id, user_id=users["brand"]),
                AgencyMember(agency_id=agency.id, user_id=users["agent"]),
                Representation(
                    talent_id=talent.id, agency_id=agency.id, status=RepresentationStatus.active,
                    starts_on=(now - timedelta(days=30)).date(),
                    ends_on=(now + timedelta(days=700)).date(),
                ),
            ]
        )  # fmt: skip
        twin = Twin(talent_id=talent.id, status=TwinStatus.active, latest_version=1)
        session.add(twin)
        session.flush()
        document, document_sha = _real_consents(session, users, talent.id, brand.id)
        for _ in range(LICENSES):
            lic = License(
                talent_id=talent.id, brand_id=brand.id, status=LicenseStatus.active,
                terms=terms, terms_sha256="0" * 64, starts_at=start, ends_at=end,
            )  # fmt: skip
            session.add(lic)
            session.flush()
            consent = Consent(
                kind=ConsentKind.use, status=ConsentStatus.signed, talent_id=talent.id,
                license_id=lic.id, document=document, document_sha256=document_sha,
                valid_from=start, valid_until=end, signed_at=start,
            )  # fmt: skip
            session.add(consent)
            session.flush()
            out = Output(
                license_id=lic.id, twin_id=twin.id, twin_version=1, talent_id=talent.id,
                brand_id=brand.id, status=OutputStatus.released, version=1, use_json="{}",
                decision_json="{}", decision_sha256="2" * 64, consent_id=consent.id,
                engine="bench", engine_params="{}", blob_key="3" * 64, image_sha256="4" * 64,
                media_type="image/jpeg", width=1080, height=1350, updated_at=now,
            )  # fmt: skip
            session.add(out)
            session.flush()
            outputs.append((out.id, lic.id, consent.id))
        ids.update(
            talent=talent.id, brand=brand.id, agency=agency.id, twin=twin.id,
            license=outputs[0][1], consent=outputs[0][2], output=outputs[0][0],
        )  # fmt: skip
        session.add(
            CatalogueListing(
                talent_id=talent.id, opted_in=True, public_name="Bench", bio="Bench talent.",
                channels='["instagram"]', categories='["fashion"]', currency="EUR",
                rates='{"instagram":150000}', updated_at=now,
            )
        )  # fmt: skip
    for first in range(0, talents, BATCH):
        n_rows = range(first, min(talents, first + BATCH))
        user_rows = [
            {"id": new_id(), "email": f"t{n}@bench.example", "display_name": f"Talent {n}",
             "role": Role.talent.value, "is_active": True, "session_epoch": 0, "created_at": now}
            for n in n_rows
        ]  # fmt: skip
        talent_rows = [
            {"id": new_id(), "user_id": u["id"], "legal_name": f"Talent {n}", "created_at": now}
            for n, u in zip(n_rows, user_rows, strict=True)
        ]
        listing_rows = [  # every talent in the catalogue: the brand's catalogue pages
            {"id": new_id(), "talent_id": t["id"], "opted_in": True, "created_at": now,
             "public_name": f"Talent {n}", "bio": "Runway and e-commerce.",
             "channels": '["instagram","web"]', "categories": '["fashion"]',
             "currency": "EUR", "rates": '{"instagram":150000}', "updated_at": now}
            for n, t in zip(n_rows, talent_rows, strict=True)
        ]  # fmt: skip
        with runtime.db.unit_of_work() as session:
            session.execute(insert(User.__table__), user_rows)
            session.execute(insert(TalentProfile.__table__), talent_rows)
            session.execute(insert(CatalogueListing.__table__), listing_rows)
    for first in range(0, assets, BATCH):
        rows = []
        for n in range(first, min(assets, first + BATCH)):
            asset_id = new_id()
            output_id, license_id, consent_id = outputs[n % LICENSES]
            rows.append(
                {
                    "id": asset_id, "mark": asset_id[:16], "kind": AssetKind.release.value,
                    "output_id": output_id, "twin_id": ids["twin"], "talent_id": ids["talent"],
                    "brand_id": ids["brand"], "license_id": license_id, "consent_id": consent_id,
                    "channel": "instagram", "consent_sha256": "5" * 64,
                    "approval_sha256": "6" * 64, "decision_sha256": "7" * 64,
                    "engine": "bench", "blob_key": "8" * 64, "file_sha256": "9" * 64,
                    "media_type": "image/jpeg", "size_bytes": 1000,
                    "status": AssetStatus.active.value, "released_at": now,
                    "valid_until": end, "created_at": now,
                }
            )  # fmt: skip
            ids.setdefault("asset", asset_id)
        with runtime.db.unit_of_work() as session:
            session.execute(insert(Asset.__table__), rows)
    ids["last_page"] = str(max(1, -(-assets // 50)))
    ids["past_month"] = _money(runtime, ids, assets, now)
    ids["case"] = _monitoring(runtime, ids["talent"], max(1, assets // 10), now)
    runtime.close()
    return users, ids


def _monitoring(runtime: Any, talent_id: str, cases: int, now: Any) -> str:
    """``cases`` monitoring cases of the talent (three in four open, the rest dismissed),
    each with its "opened" event; the id of the first."""
    from sqlalchemy import insert

    from likeness.models.base import new_id
    from likeness.models.monitoring import (
        CaseStatus,
        MonitoringCase,
        MonitoringCaseEvent,
        Verdict,
    )

    evidence = json.dumps({"reasons": ["face within 0.21 of an enrolled talent"], "faces": []})
    first = ""
    for start in range(0, cases, BATCH):
        rows, events = [], []
        for n in range(start, min(cases, start + BATCH)):
            case_id = new_id()
            first = first or case_id
            status = CaseStatus.open if n % 4 else CaseStatus.dismissed
            rows.append(
                {
                    "id": case_id, "talent_id": talent_id, "verdict": Verdict.unmarked_match.value,
                    "status": status.value, "location": f"https://fakes.example.com/{n}.jpg",
                    "location_key": f"{n:064x}", "content_sha256": f"{n:064x}",
                    "distance": 0.21, "evidence": evidence, "first_seen_at": now,
                    "last_seen_at": now, "times_seen": 1, "updated_at": now, "created_at": now,
                    "dismiss_reason": None if n % 4 else "our own test upload",
                }
            )  # fmt: skip
            events.append(
                {"id": new_id(), "case_id": case_id, "action": "opened", "from_status": None,
                 "to_status": CaseStatus.open.value, "created_at": now}
            )  # fmt: skip
        with runtime.db.unit_of_work() as session:
            session.execute(insert(MonitoringCase.__table__), rows)
            session.execute(insert(MonitoringCaseEvent.__table__), events)
    return first


def analyze(url: str) -> None:
    """PostgreSQL: refresh the planner's statistics after the bulk load, as autovacuum
    does within a minute on a live server (fresh tables without them get nested-loop
    plans sized for a few rows). SQLite keeps none unless asked: left as it runs."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def _money(runtime: Any, ids: dict[str, str], uses: int, now: Any) -> str:
    """One use fee per released asset (1,500.00 EUR, 15 % commission), spread over the
    past year, written in bulk as the poster writes them (a transaction and its balanced
    entries; each account's balance moved once); the poster's cursor moved to the head.
    Returns a past month to time (the fullest one)."""
    from sqlalchemy import insert

    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.ledger import repository, service
    from likeness.ledger.rules import due_on, split
    from likeness.models.base import new_id
    from likeness.models.ledger import AccountKind, LedgerEntry, LedgerTransaction

    parts = split(150_000, 1_500)
    legs = (
        (AccountKind.brand_receivable, ids["brand"], parts.gross),
        (AccountKind.talent_payable, ids["talent"], -parts.net),
        (AccountKind.agency_payable, ids["agency"], -parts.commission),
    )
    with runtime.db.unit_of_work() as session:
        accounts = {kind: repository.account(session, kind, party, "EUR").id
                    for kind, party, _ in legs}  # fmt: skip
    today = now.date()
    for first in range(0, uses, BATCH):
        txns, entries = [], []
        for n in range(first, min(uses, first + BATCH)):
            used_on = today - timedelta(days=n % 365)
            txn_id = new_id()
            txns.append(
                {
                    "id": txn_id, "created_at": now, "kind": "use_fee",
                    "source_key": f"bench:{txn_id}", "source_seq": None, "occurred_on": used_on,
                    "currency": "EUR", "license_id": ids["license"], "talent_id": ids["talent"],
                    "brand_id": ids["brand"], "agency_id": ids["agency"], "asset_id": None,
                    "channel": "instagram", "gross": parts.gross, "commission": parts.commission,
                    "platform_fee": 0, "net": parts.net, "commission_bps": 1_500,
                    "platform_fee_bps": 0, "due_on": due_on(used_on, 30), "reverses_id": None,
                    "reason": None, "external_ref": None, "posted_by_user_id": None,
                }
            )  # fmt: skip
            entries += [
                {"id": new_id(), "transaction_id": txn_id, "account_id": accounts[kind],
                 "amount": amount}
                for kind, _, amount in legs
            ]  # fmt: skip
        with runtime.db.unit_of_work() as session:
            session.execute(insert(LedgerTransaction.__table__), txns)
            session.execute(insert(LedgerEntry.__table__), entries)
    with runtime.db.unit_of_work() as session:
        repository.move_balances(
            session, {accounts[kind]: amount * uses for kind, _, amount in legs}
        )
        service.post_pending(session, SYSTEM_ACTOR)  # the real licenses' audit events
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _real_consents(
    session: Any, users: dict[str, str], talent_id: str, brand_id: str
) -> tuple[str, str]:
    """A creation consent and a license walked to active through the services (so the
    consent pages render real documents); returns the use consent's document and hash,
    which the bulk licenses' consents reuse."""
    from likeness.auth import service as auth_service
    from likeness.consent.schemas import CreationConsentCreate
    from likeness.consent.service import Intent
    from likeness.consent.signing import AFFIRMATION
    from likeness.kit.clock import utcnow
    from likeness.licensing import repository as licenses
    from likeness.licensing import service as licensing
    from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TermsIn, TransitionIn
    from likeness.models.party import User
    from likeness.twin import service as twins

    def actor(role: str) -> Any:
        user = session.get(User, users[role])
        return auth_service.actor_for_user(session, user, via="bench")

    sign = Intent("Bench Talent", AFFIRMATION)
    creation = twins.create_creation_consent(
        session,
        actor("agent"),
        CreationConsentCreate(
            talent_id=talent_id, purpose="Build my twin", activities=["capture", "build"],
            valid_until=utcnow() + timedelta(days=3650),
        ),
    )  # fmt: skip
    licensing.sign_consent(session, actor("talent"), creation.id, sign, None)
    now = utcnow()
    terms = TermsIn(
        channels=["instagram"], territories=["FR"], categories=["fashion"],
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=365),
        max_outputs=100, currency="EUR", per_output_fee_minor=5_000, purpose="Bench campaign",
    )  # fmt: skip
    lic = licensing.request(
        session,
        actor("brand"),
        LicenseRequestIn(talent_id=talent_id, brand_id=brand_id, terms=terms),
    )
    licensing.propose(session, actor("agent"), lic.id, TermsChangeIn(terms=terms))
    licensing.accept(session, actor("brand"), lic.id, TransitionIn())
    licensing.approve(session, actor("talent"), lic.id, sign, None)
    consent = licenses.use_consent_of(session, lic.id)
    assert consent is not None
    return consent.document, consent.document_sha256


def stamped_upload(settings: Any, asset_id: str) -> bytes:
    """A 1080×1350 JPEG stamped (label, watermark, signed C2PA) as the release of ``asset_id``."""
    import numpy as np
    from PIL import Image

    from likeness.provenance import Channel, StampConfig, StampInfo, stamp

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:1350, 0:1080]
    base = np.stack([60 + 120 * x / 1080, 70 + 100 * y / 1350, 120 + 40 * np.sin(x / 17)], -1)
    pixels = np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=92)
    info = StampInfo(
        asset_id=asset_id, twin_id=uuid.uuid4().hex, license_id=uuid.uuid4().hex,
        consent_sha256="c" * 64, approval_sha256="a" * 64, channel=Channel.INSTAGRAM,
    )  # fmt: skip
    return stamp(buf.getvalue(), info, StampConfig.from_settings(settings))


def clients(app: Any, settings: Any, users: dict[str, str]) -> dict[str, Any]:
    """A TestClient per role, signed in with a session cookie as a login leaves it."""
    from fastapi.testclient import TestClient

    from likeness.auth import cookies

    out = {"anonymous": TestClient(app)}
    for role, user_id in users.items():
        client = TestClient(app)
        cookie = cookies.issue(settings.platform_secret(), cookies.SessionClaims(user_id, 0))
        client.cookies.set(settings.session_cookie_name, cookie)
        out[role] = client
    return out


def time_request(call: Any, runs: int, expect: str | None = None) -> list[float]:
    first = call()  # warm: templates compiled, connections opened
    assert expect is None or expect in first.text, first.text[:2000]
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.text[:300])
    return timings


def bench(
    label: str,
    postgres_url: str | None,
    talents: int,
    assets: int,
    runs: int,
    pages: list[Page] | None = None,
) -> list[list[str]]:
    from likeness.api.app import create_app
    from likeness.settings import Settings

    rows = []
    with (
        tempfile.TemporaryDirectory() as folder,
        scratch_database(postgres_url, Path(folder)) as url,
    ):
        settings = Settings(
            home=Path(folder) / "home", database_url=url,
            secret_key="bench-portal-secret-" + "b" * 40,
        )  # fmt: skip
        started = time.perf_counter()
        users, ids = seed(settings, talents, assets)
        analyze(url)
        upload = stamped_upload(settings, ids["asset"])
        seeded = time.perf_counter() - started
        app = create_app(settings=settings)
        by_role = clients(app, settings, users)
        with by_role["anonymous"]:
            size = f"{talents:,} talents, {assets:,} assets"
            for page in PAGES if pages is None else pages:
                path = page.path.format(**ids)
                ms = time_request(lambda c=by_role[page.role], p=path: c.get(p), runs)
                p95 = percentile(ms, 95)
                rows.append(
                    [
                        f"{page.name} ({page.role}), {label}", size, f"{percentile(ms, 50):.1f} ms",
                        f"{p95:.1f} ms", f"p95 ≤ {TARGET_PAGE_P95_MS:g} ms",
                        "ok" if p95 <= TARGET_PAGE_P95_MS else "MISSED",
                    ]
                )  # fmt: skip
            if pages is None:  # --only: the pages named, not the verify upload
                files = {"image": ("release.jpg", upload, "image/jpeg")}
                ms = time_request(
                    lambda: by_role["anonymous"].post("/verify", files=files),
                    max(3, runs // 3),
                    expect="Authorised Likeness release",
                )
                p95 = percentile(ms, 95)
                rows.append(
                    [
                        f"verify upload 1080×1350 JPEG, {label}", f"{len(upload) // 1024} KiB",
                        f"{percentile(ms, 50):.0f} ms", f"{p95:.0f} ms",
                        f"p95 ≤ {TARGET_VERIFY_P95_MS:g} ms",
                        "ok" if p95 <= TARGET_VERIFY_P95_MS else "MISSED",
                    ]
                )  # fmt: skip
        print(f"  ({label}: seeded in {seeded:.1f} s)", file=sys.stderr)
    return rows


HEADER = ["case", "size", "median", "p95", "target", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 talents, 500 assets, 5 runs")
    parser.add_argument("--talents", type=int, help="talents (default 1,000)")
    parser.add_argument("--assets", type=int, help="released assets (default 10,000)")
    parser.add_argument("--runs", type=int, help="requests per page (default 30)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LIKENESS_TEST_POSTGRES_URL") or None,
        help="also run on this PostgreSQL server (a scratch schema)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="time only the pages whose name holds TEXT (repeatable; skips the verify upload)",
    )
    args = parser.parse_args(argv)
    pages = None
    if args.only:
        pages = [p for p in PAGES if any(t in p.name for t in args.only)]
        if not pages:
            parser.error(f"no page's name holds {' or '.join(map(repr, args.only))}")
    talents = args.talents or (50 if args.quick else 1_000)
    assets = args.assets or (500 if args.quick else 10_000)
    runs = args.runs or (5 if args.quick else 30)
    rows = bench("SQLite", None, talents, assets, runs, pages)
    if args.postgres:
        rows += bench("PostgreSQL", args.postgres, talents, assets, runs, pages)
    print(f"portal pages: {os.cpu_count()} CPUs, load {load_average()}")
    print_table(HEADER, rows)
    return exit_status(rows, args.quick)


if __name__ == "__main__":
    sys.exit(main())
