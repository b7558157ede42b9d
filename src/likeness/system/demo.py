"""`likeness demo`: set up the data home and walk the whole chain on real services.

creation consent → capture → QC → twin → license (every output reviewed) → decision →
three generation requests of the brand's (one per look of the campaign: a procedurally
made garment packshot and scene plate, the ``composite`` engine at 1080 × 1350) → their
jobs, run here → every image through the automated identity checks → three outputs in
quarantine → the talent's review (two approved, one rejected) → release (stamp, asset
registry, quota) → a publication report → the fees posted to the ledger → verify (the
released file and a copy stripped of its metadata) → audit, and two summary tables (the
outputs; the money: what the brand owes, the agency earned and the talent is owed, by
when), on the embedded defaults (SQLite, local files, inline jobs, the CPU engine).
The demo only orchestrates: every rule (who may sign, what a license covers, what a
release must carry) lives in the services it calls, and each step is one unit of
work acting as the party who would really do it (talent, agent, brand), so the role
rules apply exactly as they do through the CLI and the API.

Running it again reuses the parties, the talent's signed creation consent and twin
(a new capture becomes the twin's next version) and negotiates a new license, so
every run ends with fresh, verifiable images under ``HOME/outputs/``, released under
that run's license (each request names its license).
"""

from __future__ import annotations

import shlex
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.markup import escape
from sqlalchemy.orm import Session

from likeness.audit import service as audit
from likeness.auth import service as auth_service
from likeness.capture import service as capture_service
from likeness.consent import service as consent_service
from likeness.consent.schemas import CreationConsentCreate
from likeness.consent.signing import AFFIRMATION, TalentKeyring
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

#: One synthetic person (same seed every run, so each capture is the same face), captured
#: as the composite engine needs for a 1080 × 1350 campaign at native resolution (one
#: frontal view of 736 px under 24 lights: ≤ 1.5× enlargement; see ``DEMO_CAPTURE``).
CAPTURE_SEED = 7

#: The campaign: licensed for Instagram in France and Belgium, fashion only.
CHANNEL = "instagram"
TERRITORY = "FR"
CATEGORY = "fashion"
UNLICENSED_CHANNEL = "tiktok"
UNLICENSED_CATEGORY = "lingerie"

#: Steps slower than this show how long they took.
SHOW_TIME_ABOVE_S = 1.0


class DemoFailed(LikenessError, status=500):
    """A service answered in a way that makes the rest of the demo meaningless."""


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
    from likeness.capture.synthetic import write_capture
    from likeness.engines.composite import DEMO_CAPTURE

    config = DEMO_CAPTURE
    folder = demo.scratch / "capture"
    views = f"{len(config.yaws)} view" + ("s" if len(config.yaws) > 1 else "")
    with console.status(
        f"rendering a synthetic OLAT capture ({views} × {config.lights} lights, {config.size} px)…"
    ):
        write_capture(folder, seed=CAPTURE_SEED, config=config)
    with (
        console.status("ingesting: validating and sealing every frame…"),
        demo.acting("talent") as (session, actor),
    ):
        row = capture_service.ingest(session, actor, demo.deps, folder, demo.ids["talent"])
        demo.ids["capture"] = row.id
        return (
            f"session [bold]{row.id}[/]: {views} × {row.light_count} lights, "
            f"{row.file_count} files sealed with the session's own key "
            f"(synthetic person #{CAPTURE_SEED}, {config.size} px)"
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
            f"twin [bold]{row.twin_id}[/] version {row.version}: {row.view_count} "
            f"view{'s' if row.view_count != 1 else ''} × "
            f"{row.light_count} lights, {row.width}×{row.height}, sealed with the twin's own key"
        )


# --- license and decisions ----------------------------------------------------------------


#: How many outputs the demo's license lets the brand release.
MAX_OUTPUTS = 5


def _terms(max_outputs: int = MAX_OUTPUTS) -> TermsIn:
    now = utcnow()
    return TermsIn(
        channels=[CHANNEL],
        territories=[TERRITORY, "BE"],
        categories=[CATEGORY],
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=90),
        max_outputs=max_outputs,
        approval_mode=ApprovalMode.every_output,
        creation_fee_minor=150_000,
        per_output_fee_minor=25_000,
        per_use_fees_minor={CHANNEL: 2000},
        payment_days=30,
        purpose="Autumn campaign: AI-generated portraits for the brand's Instagram.",
    )


def step_license(demo: Demo, max_outputs: int = MAX_OUTPUTS) -> str:
    """Brand requests, agent proposes, brand accepts, talent signs; ``max_outputs``
    releases (``bench/generation.py`` asks for more than the demo's 5)."""
    ids = demo.ids
    asked = _terms(max_outputs).model_copy(update={"per_use_fees_minor": {CHANNEL: 1500}})
    with demo.acting("brand") as (session, actor):
        request = LicenseRequestIn(
            talent_id=ids["talent"], twin_id=ids["twin"], brand_id=ids["brand"], terms=asked
        )
        license_id = licensing.request(session, actor, request).id
    with demo.acting("agent") as (session, actor):
        licensing.propose(session, actor, license_id, TermsChangeIn(terms=_terms(max_outputs)))
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
        f"agent proposed (20.00 EUR/post, {CHANNEL} FR+BE, {CATEGORY}, {max_outputs} outputs) → "
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


# --- outputs, review, release, verify ------------------------------------------------------

#: The campaign's three looks (``campaign_brief(seed)``: a procedurally made garment
#: packshot and scene plate), one generation request each. The talent approves the first
#: two and rejects the third (the demo's review).
LOOKS = (0, 1, 2)
REJECT_REASON = "the beach light washes out my face; please keep the other looks"
PUBLISHED_URL = "https://www.instagram.com/p/likeness-demo/"
#: The engine the brand asks for, and the name the jobs record for the worker that ran them.
ENGINE = "composite"
WORKER_ID = "demo"


def _submit_look(demo: Demo, seed: int) -> tuple[str, str]:
    """The brand asks for one image of a look; (request id, job id)."""
    from likeness.engines import registry
    from likeness.engines.composite import CAMPAIGN_SIZE, campaign_brief
    from likeness.generation import service as generation
    from likeness.generation.schemas import BriefIn, GenerationCreate
    from likeness.output.schemas import UseSpec

    brief, inputs = campaign_brief(seed)
    width, height = CAMPAIGN_SIZE
    data = GenerationCreate(
        license_id=demo.ids["license"],  # the license negotiated in this run, by name
        twin_id=demo.ids["twin"],
        use=UseSpec(channel=CHANNEL, territory=TERRITORY, category=CATEGORY),
        engine=ENGINE,
        task=brief.task,
        brief=BriefIn(prompt=brief.prompt, framing=brief.framing, options=dict(brief.options)),
        width=width,
        height=height,
        count=1,
        seed=seed,
        idempotency_key=f"demo-{demo.ids['license']}-{seed}",
    )
    with demo.acting("brand") as (session, actor):
        done = generation.submit(
            session,
            actor,
            demo.deps,
            data,
            inputs,
            lambda name: registry.build(name, demo.settings),
        )
        if done.job is None:
            raise DemoFailed(f"generation request {done.request.id} queued no job")
        return done.request.id, done.job.id


def _run_jobs(demo: Demo, job_ids: list[str], say: Any) -> None:
    """Run the queued generation jobs here, one after another, as `likeness generate`
    does (the jobs worker; the real identity checks, with the demo's loaded analyzer)."""
    from likeness.generation import service as generation
    from likeness.generation.checks import IdentityChecks
    from likeness.jobs import worker
    from likeness.models.job import FINISHED, Job

    cache: dict[str, Any] = {
        generation.CACHE_CHECKS: IdentityChecks(analyzer=demo.analyzer),
    }

    def observe(job_id: str, _kind: str, fraction: float | None, message: str | None) -> None:
        number = job_ids.index(job_id) + 1 if job_id in job_ids else "?"
        percent = f" {fraction:.0%}" if fraction is not None else ""
        say(f"generating look {number} of {len(job_ids)}{percent}: {message or '…'}")

    def waiting() -> bool:
        with demo.acting() as (session, _):
            return any(
                (job := session.get(Job, job_id)) is not None and job.status not in FINISHED
                for job_id in job_ids
            )

    while waiting():
        outcome = worker.run_next(
            demo.runtime,
            WORKER_ID,
            [generation.JOB_KIND],
            cache=cache,
            handlers=generation.HANDLERS,
            observer=observe,
            only=job_ids,
        )
        if outcome is None:
            raise DemoFailed("the demo's generation jobs are leased by another worker")


def step_generate(demo: Demo) -> str:
    """The brand asks for one image of each look through the generation gate (decision,
    engine rules); the jobs run here; each image passes the automated identity checks
    and waits in quarantine, with a marked, registered preview."""
    from likeness.generation import service as generation
    from likeness.models.generation import GenerationStatus
    from likeness.output import service as outputs

    with console.status("asking for the campaign's looks…") as status:
        submitted = [_submit_look(demo, seed) for seed in LOOKS]
        _run_jobs(demo, [job for _, job in submitted], status.update)
    made: list[str] = []
    distances: list[str] = []
    enlarged: list[float] = []
    with demo.acting("brand") as (session, actor):
        for request_id, _job in submitted:
            row = generation.to_read(session, actor, generation.get_for(session, actor, request_id))
            if row.status != GenerationStatus.succeeded or len(row.output_ids) != 1:
                raise DemoFailed(
                    f"generation request {request_id} {row.status.value}: "
                    f"{row.status_reason or 'no image passed the identity checks'}"
                )
            output = outputs.to_read(session, outputs.get_for(session, actor, row.output_ids[0]))
            check = output.check or {}
            if not check.get("passed"):
                raise DemoFailed(f"output {output.id} did not pass the identity checks")
            distance = check.get("details", {}).get("distance")
            distances.append(f"{distance:.2f}" if isinstance(distance, float) else "?")
            made.append(output.id)
            size = f"{output.width}×{output.height}"
            upscale = output.engine_params.get("params", {}).get("upscale", {}).get("max")
            enlarged.append(float(upscale) if isinstance(upscale, int | float) else float("nan"))
    demo.ids["requests"] = ",".join(request_id for request_id, _ in submitted)
    demo.ids["outputs"] = ",".join(made)
    first = demo.ids["requests"].split(",")[0]
    return (
        f"{len(made)} generation requests (engine {ENGINE}, tryon, {size} at native "
        f"resolution: ≤ {max(enlarged):.2f}× enlargement; first [bold]{first}[/]) → jobs "
        "run here → identity checks passed (distance "
        f"{', '.join(distances)}) → {len(made)} outputs in quarantine, pending review, "
        "each with a preview marked PREVIEW — not for publication"
    )


def step_review(demo: Demo) -> str:
    """The talent reviews every output: approves the first two, rejects the third."""
    from likeness.output import service as outputs

    first, second, third = demo.ids["outputs"].split(",")
    with demo.acting("talent") as (session, actor):
        queue = [o.id for o in outputs.list_for(session, actor, queue=True)]
        if not {first, second, third} <= set(queue):
            raise DemoFailed("the talent's review queue does not show the new outputs")
        outputs.approve(session, actor, first)
        outputs.approve(session, actor, second, reason="great light")
        outputs.reject(session, actor, third, reason=REJECT_REASON)
    return f'{TALENT_NAME} approved 2 outputs and rejected 1 ("{REJECT_REASON}")'


def step_release(demo: Demo) -> str:
    """The brand releases the approved outputs and downloads each asset into the home."""
    from likeness.asset import service as assets
    from likeness.output import service as outputs
    from likeness.provenance import StampConfig

    config = StampConfig.from_settings(demo.settings)
    released: list[str] = []
    with console.status("releasing: label, watermark, XMP, signed C2PA, registry…"):
        for output_id in demo.ids["outputs"].split(",")[:2]:
            with demo.acting("brand") as (session, actor):
                result = outputs.require_released(
                    outputs.release(
                        session,
                        actor,
                        demo.deps,
                        output_id,
                        config,
                        channel=CHANNEL,
                        idempotency_key=f"demo-{output_id}",
                    )
                )
                asset_id = result.asset.id
                count, maximum = result.license.released_count, terms_of(result.license).max_outputs
            with demo.acting("brand") as (session, actor):
                asset, data = assets.read_file(session, actor, demo.deps, asset_id)
                name = f"{asset_id}.{assets.EXTENSIONS[asset.media_type]}"
            path = demo.settings.home_path / "outputs" / name
            write_private(path, data)  # 0600 in a 0700 folder, like everything in the home
            released.append(str(path))
    demo.ids["asset"] = Path(released[0]).stem
    demo.ids["output"] = released[0]
    demo.ids["assets"] = ",".join(Path(path).stem for path in released)
    return (
        f"{len(released)} assets → [bold]{escape(demo.ids['output'])}[/] and 1 more "
        f"(output {count} of {maximum} on license {demo.ids['license']}); "
        "the rejected output can never be released"
    )


def step_publish(demo: Demo) -> str:
    """The brand reports where it published the first asset: checked by the decision point."""
    from likeness.asset import service as assets
    from likeness.asset.schemas import PublicationIn

    report = PublicationIn(
        channel=CHANNEL, territory=TERRITORY, published_on=utcnow().date(), url=PUBLISHED_URL
    )
    with demo.acting("brand") as (session, actor):
        assets.report_publication(session, actor, demo.ids["asset"], report)
    return f"asset {demo.ids['asset']} published on {CHANNEL}/{TERRITORY} ({PUBLISHED_URL})"


def step_ledger(demo: Demo) -> str:
    """Post the fees of this run's events from the audit chain, then check the books."""
    from likeness.ledger import service as ledger
    from likeness.ledger.amounts import format_minor

    with demo.acting() as (session, actor):
        report = ledger.post_pending(
            session, actor, platform_fee_bps=demo.settings.ledger.platform_fee_bps
        )
        books = ledger.check(session)
    if not books.ok:
        raise DemoFailed("the books do not balance: " + "; ".join(books.problems))
    gross = ", ".join(format_minor(v, c) for c, v in report.gross_by_currency.items()) or "0"
    return (
        f"{report.posted} fees posted from the audit chain (license active, 2 releases, "
        f"1 publication: gross {gross}); books checked: {books.transactions} transactions balance"
    )


def print_money(demo: Demo) -> None:
    """What the brand owes, what the agency earned and what the talent is owed, by when:
    each as that party sees it (the ledger's role scoping), over every run so far."""
    from rich.table import Table

    from likeness.ledger import service as ledger
    from likeness.ledger.amounts import format_minor

    table = Table(title="Money so far (every run), as each party sees it", title_justify="left")
    for column in ("party", "", "amount", "due by"):
        table.add_column(column, no_wrap=True)
    rows = (
        ("brand", "brand", "Maison Aurel", "owes"),
        ("agent", "agency", "Northlight Models", "earned"),
        ("talent", "talent", TALENT_NAME, "is owed"),
    )
    for who, kind, name, verb in rows:
        with demo.acting(who) as (session, actor):
            lines = ledger.balances(session, actor, kind, demo.ids[kind])
        for line in lines:
            due = line.next_due_on.isoformat() if line.next_due_on else "—"
            table.add_row(name, verb, format_minor(line.amount, line.currency), due)
    console.print(table)


def _stripped_copy(data: bytes) -> bytes:
    """What a re-post usually is: decoded and re-encoded, every metadata block gone."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def step_verify(demo: Demo) -> str:
    from likeness.asset import service as assets
    from likeness.provenance import VerifyConfig, verify

    data = Path(demo.ids["output"]).read_bytes()
    config = VerifyConfig.from_settings(demo.settings)
    report = verify(data, config)
    manifest = report.c2pa.manifest
    if not report.verified or manifest is None:
        raise DemoFailed(f"the released image did not verify: {', '.join(report.c2pa.errors)}")
    stripped = verify(_stripped_copy(data), config)
    mark = stripped.watermark
    if not mark.found or mark.payload_hex is None:
        raise DemoFailed(f"the stripped copy lost its watermark ({mark.reason or 'no signal'})")
    with demo.acting() as (session, _):
        found, _problem = assets.verify_block(
            session, None, mark.payload_hex, manifest_trusted=False
        )
    if found is None or found.id != demo.ids["asset"]:
        raise DemoFailed("the stripped copy's watermark does not find its asset")
    source = (manifest.digital_source_type or "?").rsplit("/", 1)[-1]
    return (
        f"released file: {report.verdict}, C2PA {report.c2pa.state} (signed by "
        f"{manifest.signer}), {source}, watermark {report.watermark.payload_hex}; "
        f"stripped + re-encoded copy: no C2PA, watermark → asset {found.id} ({found.status.value})"
    )


def step_monitor(demo: Demo) -> str:
    """Monitoring: the talent opts in; a scan of a folder holding the released asset (on
    Instagram, as licensed), a stripped copy re-posted on TikTok, an unmarked look-alike
    and two strangers (folders named by host, as a crawler saves them) opens the cases."""
    import cv2

    from likeness.capture.qc import to_preview
    from likeness.capture.synthetic import RigConfig, render_capture
    from likeness.jobs import worker
    from likeness.monitoring import enrolment
    from likeness.monitoring import service as monitoring

    def portrait(seed: int) -> bytes:
        view = render_capture(seed, RigConfig(size=320, lights=8, yaws=(0.0,))).views[0]
        rgb = to_preview(view.full, view.alpha)
        return bytes(cv2.imencode(".png", rgb[..., ::-1].copy())[1].tobytes())

    folder = demo.scratch / "monitor"
    released = Path(demo.ids["output"])
    with console.status("monitoring: rendering the look-alike and the strangers…"):
        files = {
            f"www.instagram.com/ava-campaign{released.suffix}": released.read_bytes(),
            "www.tiktok.com/ava-repost.jpg": _stripped_copy(released.read_bytes()),
            "fan-edits.example.com/ava-lookalike.png": portrait(CAPTURE_SEED),
            "news.example.com/crowd-1.png": portrait(CAPTURE_SEED + 4),
            "news.example.com/crowd-2.png": portrait(CAPTURE_SEED + 5),
        }
        for name, data in files.items():
            write_private(folder / name, data)
    with demo.acting("talent") as (session, actor):
        enrolment.opt_in(session, actor, demo.ids["talent"], deps=demo.deps, analyzer=demo.analyzer)
    with demo.acting() as (session, actor):
        scan = monitoring.request_scan(session, actor, str(folder))
        scan_id, job_id = scan.id, str(scan.job_id)
    with console.status(f"monitoring: scanning {len(files)} images…"):
        worker.run_next(
            demo.runtime, worker.default_worker_id("demo"), [monitoring.JOB_KIND], only=[job_id]
        )
    with demo.acting("talent") as (session, actor):
        scan = monitoring.get_scan(session, SYSTEM_ACTOR, scan_id)
        findings = monitoring.finding_reads(session, scan)
        lines = [
            f"   {f.verdict.value:<15} {Path(f.location).parent.name}/{Path(f.location).name}"
            + (f" → case {f.case_ids[0]}" if f.case_ids else "")
            for f in findings
        ]
        opened = scan.cases_opened
    demo.ids["monitor_scan"] = scan_id
    return f"scan {scan_id}: {len(findings)} images, {opened} case(s) opened\n" + "\n".join(lines)


def print_summary(demo: Demo) -> None:
    """One table: every output of this run, its automated checks, its review, its asset
    and where it went, as the talent sees them; review reasons follow the table, so its
    rows stay one line at 80 columns (the requests are in `likeness generate list`)."""
    from rich.table import Table

    from likeness.asset import service as assets
    from likeness.output import service as outputs

    table = Table(title="This run's outputs", title_justify="left")
    for column in ("output", "checks", "review", "asset", "status", "published"):
        table.add_column(column, no_wrap=True)
    reasons: list[str] = []
    with demo.acting("talent") as (session, actor):
        for output_id in demo.ids["outputs"].split(","):
            row = outputs.to_read(session, outputs.get_for(session, actor, output_id))
            checks = "passed" if (row.check or {}).get("passed") else "—"
            review = row.status.value
            if row.review_reason and row.status.value == "rejected":
                reasons.append(f"{output_id[:8]} rejected: {row.review_reason}")
                review += f" ({len(reasons)})"
            asset = row.asset_id or "—"
            status = published = "—"
            if row.asset_id:
                read = assets.to_read(session, assets.get_for(session, actor, row.asset_id))
                status = read.status.value
                published = (
                    ", ".join(f"{p.channel}/{p.territory}" for p in read.publications) or "—"
                )
            table.add_row(output_id[:8], checks, review, asset[:8], status, published)
    console.print(table)
    for number, reason in enumerate(reasons, start=1):
        console.print(f"  ({number}) {reason}", markup=False, highlight=False)


def _talent_signs(demo: Demo) -> tuple[consent_service.Intent, TalentKeyring]:
    """The talent's signature: typed name, the affirmation, and their Ed25519 key."""
    intent = consent_service.Intent(TALENT_NAME, AFFIRMATION, sign_with_key=True)
    return intent, TalentKeyring(demo.settings.keys_dir)


def step_audit(demo: Demo) -> str:
    with demo.acting() as (session, _):
        report = audit.verify(session)
    if not report.ok:
        raise DemoFailed(f"audit chain BROKEN at event {report.first_bad_seq}: {report.problem}")
    return (
        f"intact: {report.events_checked} events, head {report.head_seq}:{report.head_hash[:12]}…"
    )


def step_prove(demo: Demo) -> str:
    """The brand proves its first release; the bundle is checked the way a third party
    would, offline (`likeness prove --check`)."""
    from likeness.compliance import service as compliance
    from likeness.compliance.proof_check import check_bundle

    with demo.acting("brand") as (session, actor):
        made = compliance.prove(
            session, actor, demo.deps, demo.settings.keys_dir, demo.ids["asset"]
        )
    path = demo.settings.home_path / "proofs" / f"proof-{made.asset_id}.zip"
    write_private(path, made.data, overwrite=True)
    checked = check_bundle(made.data)
    if not checked.ok:
        broken = ", ".join(f"{f.piece}: {f.says}" for f in checked.broken)
        raise DemoFailed(f"the proof bundle does not verify: {broken}")
    return (
        f"[bold]{escape(str(path))}[/]: {len(checked.findings)} checks pass "
        f"({made.events} audit events against a signed head of {made.tree_size}); "
        f"check it: likeness prove --check {escape(str(path))}"
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
    ("generate", step_generate),
    ("review", step_review),
    ("release", step_release),
    ("publish", step_publish),
    ("ledger", step_ledger),
    ("verify", step_verify),
    ("monitor", step_monitor),
    ("audit", step_audit),
    ("prove", step_prove),
]


def _next_steps(demo: Demo) -> list[str]:
    ids, talent, brand = demo.ids, EMAILS["talent"], EMAILS["brand"]
    return [
        f"likeness verify {shlex.quote(ids['output'])}",
        f"likeness generate status {ids['requests'].split(',')[0]} --as {brand}",
        f"likeness generate list --license {ids['license']} --as {brand}",
        f"likeness job list --kind generation --as {brand}",
        f"likeness output list --as {talent}",
        f"likeness asset list --as {brand}",
        f"likeness ledger balance --talent {ids['talent']} --as {talent}",
        "likeness ledger check",
        f"likeness twin show {ids['twin']} --as {talent}",
        f"likeness license show {ids['license']} --as {brand}",
        f"likeness consent render {ids['use_consent']} --as {talent}",
        "likeness audit log",
        "likeness serve   # the portal at http://127.0.0.1:8000/ (logins below), API at /docs",
    ]


def _portal_logins() -> list[str]:
    """Who to sign in as on the portal: each demo role, with the one demo password."""
    people = " · ".join(f"{role} {email}" for role, email in EMAILS.items())
    return [
        "Portal: likeness serve, then open http://127.0.0.1:8000/ and sign in as",
        f"  {people}",
        f"  password {DEMO_PASSWORD}",
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
        print_summary(state)
        print_money(state)
    finally:
        runtime.close()
    console.print("Follow up:")
    for command in _next_steps(state):
        console.print(f"  {command}", markup=False, highlight=False)
    for line in _portal_logins():
        console.print(line, markup=False, highlight=False)
