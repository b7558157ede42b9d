"""`likeness demo`: set up the data home and walk the whole chain on real services.

creation consent → capture → QC → twin → license → decision → render → stamp →
verify → audit, on the embedded defaults (SQLite, local files, the CPU renderer).
The demo only orchestrates: every rule (who may sign, what a license covers, what a
release must carry) lives in the services it calls, and each step is one unit of
work acting as the party who would really do it (talent, agent, brand), so the role
rules apply exactly as they do through the CLI and the API.

Running it again reuses the parties, the talent's signed creation consent and twin
(a new capture becomes the twin's next version) and negotiates a new license, so
every run ends with a fresh, verifiable image under ``HOME/outputs/``.
"""

from __future__ import annotations

import hashlib
import shlex
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.markup import escape
from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.auth import service as auth_service
from likeness.capture import service as capture_service
from likeness.consent import service as consent_service
from likeness.consent.schemas import CreationConsentCreate
from likeness.consent.signing import AFFIRMATION, TalentKeyring, signing_payload
from likeness.errors import LikenessError
from likeness.identity.actor import SYSTEM_ACTOR, Actor
from likeness.imaging.faces import FaceAnalyzer
from likeness.kit.cli import console
from likeness.kit.clock import utcnow
from likeness.kit.files import write_private
from likeness.licensing import decision
from likeness.licensing import service as licensing
from likeness.licensing.facts import terms_of
from likeness.licensing.schemas import LicenseRequestIn, TermsChangeIn, TermsIn, TransitionIn, UseIn
from likeness.models.base import new_id
from likeness.models.party import Role, User
from likeness.models.twin import TwinStatus
from likeness.party import repository as parties
from likeness.party import service as party_service
from likeness.party.schemas import (
    AgencyCreate,
    BrandCreate,
    RepresentationCreate,
    TalentCreate,
    UserCreate,
)
from likeness.policy import Action, ApprovalMode, Decision
from likeness.runtime import Runtime
from likeness.settings import Settings, get_settings
from likeness.system.service import init_home
from likeness.twin import service as twin_service
from likeness.vault.deps import StorageDeps

DEMO_PASSWORD = "demo-password-123"
TALENT_NAME = "Ava Stone"
EMAILS = {
    "talent": "ava@demo.likeness",
    "agent": "max@demo.likeness",
    "brand": "lea@demo.likeness",
}

#: One synthetic person (same seed every run, so each capture is the same face), three
#: views 25° apart under the rig's default 64 lights, small enough to run in seconds.
CAPTURE_SEED = 7
CAPTURE_VIEWS = 3
CAPTURE_SIZE = 192

#: The campaign: licensed for Instagram in France and Belgium, fashion only.
CHANNEL = "instagram"
TERRITORY = "FR"
CATEGORY = "fashion"
UNLICENSED_CHANNEL = "tiktok"
UNLICENSED_CATEGORY = "lingerie"

#: Steps slower than this show how long they took.
SHOW_TIME_ABOVE_S = 1.0

SCENE = {
    "lights": [{"azimuth_deg": -35, "elevation_deg": 25, "color": [1.0, 0.95, 0.9]}],
    "environment": {"preset": "studio", "intensity": 0.4},
    "background": {"color": [0.18, 0.2, 0.22]},
    "framing": {"preset": "instagram-portrait"},
}


class DemoFailed(LikenessError):
    """A service answered in a way that makes the rest of the demo meaningless."""

    status_code = 500


@dataclass
class Demo:
    """What the steps share: the wiring, the ids made so far and a scratch folder."""

    settings: Settings
    runtime: Runtime
    scratch: Path
    ids: dict[str, str] = field(default_factory=dict)
    _analyzer: FaceAnalyzer | None = None

    @property
    def deps(self) -> StorageDeps:
        return self.runtime.storage

    @property
    def analyzer(self) -> FaceAnalyzer:
        # One analyzer for QC and the build: its models load once.
        if self._analyzer is None:
            self._analyzer = FaceAnalyzer()
        return self._analyzer

    @contextmanager
    def acting(self, who: str | None = None) -> Iterator[tuple[Session, Actor]]:
        """One unit of work as the local operator (None) or as the demo's talent/agent/brand."""
        with self.runtime.db.unit_of_work() as session:
            if who is None:
                yield session, SYSTEM_ACTOR
                return
            user = session.get(User, self.ids[f"{who}_user"])
            if user is None:
                raise DemoFailed(f"the demo's {who} user has gone; run `likeness demo` again")
            yield session, auth_service.actor_for_user(session, user, via="cli")


# --- parties ---------------------------------------------------------------------------


def _user(session: Session, email: str, name: str, role: Role) -> str:
    existing = parties.user_by_email(session, email)
    if existing:
        return existing.id
    return party_service.create_user(
        session,
        SYSTEM_ACTOR,
        UserCreate(email=email, display_name=name, role=role, password=DEMO_PASSWORD),
    ).id


def step_parties(demo: Demo) -> str:
    ids = demo.ids
    with demo.acting() as (session, _):
        ids["talent_user"] = _user(session, EMAILS["talent"], TALENT_NAME, Role.talent)
        ids["agent_user"] = _user(session, EMAILS["agent"], "Max Agent", Role.agent)
        ids["brand_user"] = _user(session, EMAILS["brand"], "Lea Brand", Role.brand)
        talent = parties.talent_for_user(session, ids["talent_user"])
        if talent is None:
            talent = party_service.create_talent(
                session,
                SYSTEM_ACTOR,
                TalentCreate(user_id=ids["talent_user"], legal_name=TALENT_NAME, stage_name="AVA"),
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
            brand = party_service.create_brand(
                session, SYSTEM_ACTOR, BrandCreate(name="Maison Aurel")
            )
            party_service.add_brand_member(session, SYSTEM_ACTOR, brand.id, ids["brand_user"])
            brands["Maison Aurel"] = brand.id
        ids["brand"] = brands["Maison Aurel"]
    return (
        f"talent {TALENT_NAME} [bold]{ids['talent']}[/] ({EMAILS['talent']}), agent "
        f"{EMAILS['agent']} at Northlight Models (15 %), brand Maison Aurel "
        f"[bold]{ids['brand']}[/] ({EMAILS['brand']}); password {DEMO_PASSWORD}"
    )


def step_token(demo: Demo) -> str:
    with demo.acting("brand") as (session, actor):
        _token, plaintext = auth_service.create_token(session, actor, "demo")
    return f"API token for {EMAILS['brand']}: {plaintext[:10]}… (shown once; GET /api/v1/auth/me)"


# --- capture and twin --------------------------------------------------------------------


def step_capture(demo: Demo) -> str:
    from likeness.capture.synthetic import RigConfig, default_yaws, write_capture

    folder = demo.scratch / "capture"
    config = RigConfig(yaws=default_yaws(CAPTURE_VIEWS), size=CAPTURE_SIZE)
    with console.status(
        f"rendering a synthetic OLAT capture ({CAPTURE_VIEWS} views × {config.lights} lights)…"
    ):
        write_capture(folder, seed=CAPTURE_SEED, config=config)
    with (
        console.status("ingesting: validating and sealing every frame…"),
        demo.acting("talent") as (session, actor),
    ):
        row = capture_service.ingest(session, actor, demo.deps, folder, demo.ids["talent"])
        demo.ids["capture"] = row.id
        return (
            f"session [bold]{row.id}[/]: {row.view_count} views × {row.light_count} lights, "
            f"{row.file_count} files sealed with the session's own key "
            f"(synthetic person #{CAPTURE_SEED}, {CAPTURE_SIZE} px)"
        )


def step_qc(demo: Demo) -> str:
    with (
        console.status("quality control: lights, exposure, face, identity, sharpness…"),
        demo.acting("talent") as (session, actor),
    ):
        report = capture_service.run_session_qc(
            session, actor, demo.deps, demo.ids["capture"], analyzer=demo.analyzer
        )
    checks = " ".join(
        f"{c.code}[green]✓[/]" if c.passed else f"{c.code}[red]✗[/]" for c in report.checks
    )
    if not report.passed:
        raise DemoFailed(f"the synthetic capture failed QC: {checks}")
    return f"passed {len(report.checks)}/{len(report.checks)}: {checks}"


def step_creation_consent(demo: Demo) -> str:
    talent_id = demo.ids["talent"]
    with demo.acting("talent") as (session, actor):
        existing = consent_service.active_creation_consent(session, talent_id, None)
        if existing is not None:
            demo.ids["creation_consent"] = existing.id
            return f"reusing the talent's signed consent [bold]{existing.id}[/]"
        drafted = twin_service.create_creation_consent(
            session,
            actor,
            CreationConsentCreate(
                talent_id=talent_id,
                purpose="Capture me and build my digital twin for licensed campaigns.",
                valid_until=utcnow() + timedelta(days=365 * 5),
            ),
        )
        consent_id = drafted.id
    # Signing is its own step of the talent's, as when they read the draft first.
    with demo.acting("talent") as (session, actor):
        signed = licensing.sign_consent(session, actor, consent_id, *_talent_signs(demo))
        demo.ids["creation_consent"] = signed.id
        return (
            f"[bold]{signed.id}[/] drafted and signed by {TALENT_NAME} (typed name + "
            f"statement + Ed25519), document sha256 {signed.document_sha256[:12]}…"
        )


def step_twin(demo: Demo) -> str:
    talent_id = demo.ids["talent"]
    with demo.acting("talent") as (session, actor):
        active = [
            t
            for t in twin_service.list_twins(session, actor, talent_id)
            if t.status == TwinStatus.active
        ]
    twin_id = active[-1].id if active else None
    with (
        console.status("building the twin: packing and sealing the OLAT basis…"),
        demo.acting("talent") as (session, actor),
    ):
        row = twin_service.build(
            session,
            actor,
            demo.deps,
            talent_id,
            demo.ids["capture"],
            twin_id=twin_id,
            analyzer=demo.analyzer,
        )
        demo.ids["twin"] = row.twin_id
        return (
            f"twin [bold]{row.twin_id}[/] version {row.version}: {row.view_count} views × "
            f"{row.light_count} lights, {row.width}×{row.height}, sealed with the twin's own key"
        )


# --- license and decisions ----------------------------------------------------------------


def _terms() -> TermsIn:
    now = utcnow()
    return TermsIn(
        channels=[CHANNEL],
        territories=[TERRITORY, "BE"],
        categories=[CATEGORY],
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=90),
        max_outputs=5,
        approval_mode=ApprovalMode.pre_approved,
        per_use_fees_minor={CHANNEL: 2000},
        purpose="Autumn campaign: AI-generated portraits for the brand's Instagram.",
    )


def step_license(demo: Demo) -> str:
    ids = demo.ids
    asked = _terms().model_copy(update={"per_use_fees_minor": {CHANNEL: 1500}})
    with demo.acting("brand") as (session, actor):
        request = LicenseRequestIn(
            talent_id=ids["talent"], twin_id=ids["twin"], brand_id=ids["brand"], terms=asked
        )
        license_id = licensing.request(session, actor, request).id
    with demo.acting("agent") as (session, actor):
        licensing.propose(session, actor, license_id, TermsChangeIn(terms=_terms()))
    with demo.acting("brand") as (session, actor):
        licensing.accept(session, actor, license_id, TransitionIn())
    with demo.acting("talent") as (session, actor):
        lic = licensing.approve(session, actor, license_id, *_talent_signs(demo))
        read = licensing.to_read(session, actor, lic)
    if read.use_consent_id is None:
        raise DemoFailed(f"license {license_id} is {read.status.value} without a use consent")
    ids["license"] = license_id
    ids["use_consent"] = read.use_consent_id
    return (
        f"[bold]{license_id}[/] {read.status.value}: brand requested (15.00 EUR/post) → "
        f"agent proposed (20.00 EUR/post, {CHANNEL} FR+BE, {CATEGORY}, 5 outputs) → "
        f"brand accepted → {TALENT_NAME} signed use consent [bold]{read.use_consent_id}[/]"
    )


def _decide(demo: Demo, action: Action, channel: str, category: str) -> Decision:
    with demo.acting("brand") as (session, actor):
        use = UseIn(
            twin=demo.ids["twin"],
            brand_id=demo.ids["brand"],
            action=action,
            channel=channel,
            territory=TERRITORY,
            category=category,
            license_id=demo.ids["license"],  # the license negotiated in this run, by name
        )
        return decision.decide_use(session, actor, use)


def _require_allow(verdict: Decision) -> None:
    if not verdict.allow:
        codes = ", ".join(r.code for r in verdict.reasons)
        raise DemoFailed(f"{verdict.use.action.value} was denied ({codes})")


def step_decide(demo: Demo) -> str:
    allowed = _decide(demo, Action.generate, CHANNEL, CATEGORY)
    _require_allow(allowed)
    denied = _decide(demo, Action.publish, UNLICENSED_CHANNEL, UNLICENSED_CATEGORY)
    if denied.allow:
        raise DemoFailed(f"{UNLICENSED_CHANNEL}/{UNLICENSED_CATEGORY} was allowed")
    codes = ", ".join(sorted(denied.codes))
    return (
        f"[green]ALLOW[/] generate on {CHANNEL}/{TERRITORY}/{CATEGORY} "
        f"(license {allowed.license_id}); [red]DENY[/] publish on "
        f"{UNLICENSED_CHANNEL}/{TERRITORY}/{UNLICENSED_CATEGORY}: {codes}"
    )


# --- generate, stamp, verify --------------------------------------------------------------


def step_render(demo: Demo) -> str:
    from likeness.studio import Basis, parse_scene, render_scene, save_image, scene_framing

    _require_allow(_decide(demo, Action.generate, CHANNEL, CATEGORY))
    with (
        console.status("rendering: relighting the twin for the scene…"),
        demo.acting("talent") as (session, actor),
    ):
        loaded = twin_service.load_basis(session, actor, demo.deps, demo.ids["twin"])
    basis = Basis.from_arrays(
        np.stack([v.basis for v in loaded.views]),
        loaded.light_dirs,
        view_yaws_deg=tuple(float(v.yaw) for v in loaded.views),
        alpha=np.stack([v.matte for v in loaded.views]),
    )
    scene = parse_scene(SCENE)
    with console.status("rendering: relighting the twin for the scene…"):
        image = render_scene(basis, scene)
    framing = scene_framing(scene)
    save_image(image, demo.scratch / "render.jpg", scene.output, dpi=framing.dpi)
    height, width = image.shape[:2]
    return (
        f"twin {loaded.twin_id} v{loaded.version} relit (key light + studio environment), "
        f"framed {framing.name} {width}×{height}; unreleased until stamped"
    )


def _talent_signs(demo: Demo) -> tuple[consent_service.Intent, TalentKeyring]:
    """The talent's signature: typed name, the affirmation, and their Ed25519 key."""
    intent = consent_service.Intent(TALENT_NAME, AFFIRMATION, sign_with_key=True)
    return intent, TalentKeyring(demo.settings.keys_dir)


def _approval_sha256(demo: Demo, consent_id: str) -> tuple[str, str]:
    """The use consent's digest, and the digest of the talent's signature on it (the
    approval: the license is pre-approved, so signing the use consent approved it)."""
    with demo.acting("brand") as (session, actor):
        read = consent_service.to_read(session, consent_service.get_for(session, actor, consent_id))
    if read.signature is None:
        raise DemoFailed(f"use consent {read.id} is not signed")
    sig = read.signature
    payload = signing_payload(
        read.id,
        sig.document_sha256,
        sig.signer_user_id,
        sig.typed_name,
        sig.statement,
        sig.signed_at,
    )
    return read.document_sha256, hashlib.sha256(payload).hexdigest()


def step_release(demo: Demo) -> str:
    from likeness.provenance import Channel, SourceKind, StampConfig, StampInfo, stamp

    verdict = _decide(demo, Action.release, CHANNEL, CATEGORY)
    _require_allow(verdict)
    # The policy names the license (and its use consent) that covers this release.
    if verdict.license_id is None or verdict.consent_id is None:
        raise DemoFailed("the release was allowed without a license and use consent")
    consent_sha256, approval_sha256 = _approval_sha256(demo, verdict.consent_id)
    asset_id = new_id()
    info = StampInfo(
        asset_id=asset_id,
        twin_id=demo.ids["twin"],
        license_id=verdict.license_id,
        consent_sha256=consent_sha256,
        approval_sha256=approval_sha256,
        channel=Channel(CHANNEL),
        kind=SourceKind.RELIT_COMPOSITE,
        title="Maison Aurel autumn campaign",
    )
    with console.status("stamping: label, watermark, XMP, signed C2PA…"):
        released = stamp(
            (demo.scratch / "render.jpg").read_bytes(),
            info,
            StampConfig.from_settings(demo.settings),
        )
    with demo.acting("brand") as (session, actor):
        lic = licensing.record_release(session, actor, verdict.license_id)
        count, maximum = lic.released_count, terms_of(lic).max_outputs
    path = demo.settings.home_path / "outputs" / f"{asset_id}.jpg"
    write_private(path, released)  # 0600 in a 0700 folder, like everything in the home
    demo.ids["asset"] = asset_id
    demo.ids["output"] = str(path)
    return (
        f"asset {asset_id} → [bold]{escape(str(path))}[/] "
        f"(output {count} of {maximum} on license {verdict.license_id})"
    )


def step_verify(demo: Demo) -> str:
    from likeness.provenance import VerifyConfig, verify

    report = verify(
        Path(demo.ids["output"]).read_bytes(), VerifyConfig.from_settings(demo.settings)
    )
    manifest = report.c2pa.manifest
    if not report.verified or manifest is None:
        raise DemoFailed(f"the released image did not verify: {', '.join(report.c2pa.errors)}")
    mark = report.watermark
    if mark.found:
        matches = " (matches the manifest)" if mark.matches_manifest else " (DIFFERS from manifest)"
        watermark = f"watermark {mark.payload_hex}{matches}"
    else:
        watermark = f"watermark not found ({mark.reason or 'no signal'})"
    source = (manifest.digital_source_type or "?").rsplit("/", 1)[-1]
    label = "label drawn" if report.label.present else f"no label ({CHANNEL} labels from C2PA)"
    return (
        f"C2PA {report.c2pa.state} (signed by {manifest.signer}), {source}, "
        f"XMP {(report.xmp.digital_source_type or '?').rsplit('/', 1)[-1]}, {watermark}, {label}"
    )


def step_audit(demo: Demo) -> str:
    with demo.acting() as (session, _):
        report = audit.verify(session)
    if not report.ok:
        raise DemoFailed(f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem}")
    return (
        f"intact: {report.events_checked} events, head {report.head_seq}:{report.head_hash[:12]}…"
    )


STEPS = [
    ("parties", step_parties),
    ("token", step_token),
    # The talent's creation consent comes first: capturing them is its first activity.
    ("consent", step_creation_consent),
    ("capture", step_capture),
    ("QC", step_qc),
    ("twin", step_twin),
    ("license", step_license),
    ("decide", step_decide),
    ("render", step_render),
    ("release", step_release),
    ("verify", step_verify),
    ("audit", step_audit),
]


def _next_steps(demo: Demo) -> list[str]:
    ids, talent, brand = demo.ids, EMAILS["talent"], EMAILS["brand"]
    return [
        f"likeness verify {shlex.quote(ids['output'])}",
        f"likeness twin show {ids['twin']} --as {talent}",
        f"likeness license show {ids['license']} --as {brand}",
        f"likeness consent render {ids['use_consent']} --as {talent}",
        "likeness audit log",
        "likeness serve   # then open http://127.0.0.1:8000/docs",
    ]


def demo() -> None:
    """Run the end-to-end demo on the embedded defaults (SQLite, local files, CPU)."""
    settings = get_settings()
    report = init_home(settings)
    console.print(f"[bold]Likeness demo[/] — data home {escape(str(settings.home_path))}")
    created = f"created {len(report.created)} item(s)" if report.changed else "already initialised"
    console.print(f" 1. init     {created}")
    runtime = Runtime.from_settings(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="likeness-demo-") as scratch:
            state = Demo(settings, runtime, Path(scratch))
            for number, (title, step) in enumerate(STEPS, start=2):
                started = time.perf_counter()
                line = step(state)
                took = time.perf_counter() - started
                timing = f" [dim]({took:.1f} s)[/]" if took >= SHOW_TIME_ABOVE_S else ""
                console.print(f"{number:>2}. {title:<8} {line}{timing}")
    finally:
        runtime.close()
    console.print("Follow up:")
    for command in _next_steps(state):
        console.print(f"  {command}", markup=False, highlight=False)
