"""Generation through the service and the job worker, with the memory engine: submit →
job → engine → checks → outputs in quarantine; retries, revocation, check rejection and
the refusals that come before any job (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from integration import generation_support as gs
from likeness.engines import EngineImage, InputRole, ModelUse, Task
from likeness.engines.memory import MemoryEngine
from likeness.engines.registry import UnknownEngine
from likeness.engines.studio import StudioEngine
from likeness.generation import service
from likeness.generation.errors import (
    GenerationNotAllowed,
    GenerationNotFound,
    GenerationNotPermitted,
    IdempotencyKeyConflict,
    InvalidGenerationRequest,
    ModelNotLicensed,
    ProcessorNotAllowed,
    TaskNotSupported,
)
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.kit.db import Database
from likeness.licensing import service as licensing
from likeness.licensing.schemas import TransitionIn
from likeness.models.audit import AuditEvent
from likeness.models.generation import GenerationRequest, GenerationStatus
from likeness.models.job import Job, JobStatus
from likeness.models.output import Output, OutputStatus
from likeness.output import service as outputs
from likeness.output.errors import OutputNotFound, OutputNotReleasable, OutputNotReviewable
from likeness.provenance import SourceKind
from likeness.runtime import Runtime
from likeness.vault.keys import twin_key_name

NC_MODEL = ModelUse("sd-nc", "ab" * 32, "cc-by-nc-4.0", commercial_use=False)


@pytest.fixture
def s(db: Database, runtime: Runtime, tmp_path: Path) -> gs.Setup:
    return gs.setup(db, runtime, tmp_path / "keys")


def _outputs(db: Database, request_id: str) -> list[Output]:
    with db.unit_of_work() as session:
        return list(
            session.scalars(
                select(Output)
                .where(Output.generation_request_id == request_id)
                .order_by(Output.generation_index)
            )
        )


def _png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _count(db: Database, model: Any) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- the happy path ----------------------------------------------------------------------


def test_a_request_runs_to_outputs_in_quarantine(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine()
    garment = _png()
    done = gs.submit(s, s.create(idempotency_key="k1"), engine, {InputRole.garment: garment})
    assert done.job is not None and done.request.status is GenerationStatus.queued
    with db.unit_of_work() as session:
        job = session.get(Job, done.job.id)
        assert job is not None and job.license_id == s.license_id
        assert job.ref_id == done.request.id and job.kind == "generation"
    outcome = gs.run(s, gs.cache(s, engine))
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    made = _outputs(db, done.request.id)
    assert [o.generation_index for o in made] == [0, 1]
    assert all(o.status is OutputStatus.pending and o.preview_asset_id for o in made)
    assert made[0].image_sha256 != made[1].image_sha256
    params = json.loads(made[1].engine_params)
    assert params["provenance"] == {
        "engine": "memory",
        "generative": True,
        "models": [],
        "seed": 8,
    }
    assert params["inputs"] == {"garment": service.sha256_hex(garment)}
    assert json.loads(made[0].check_json or "{}")["passed"] is True
    assert made[0].requested_by_user_id == s.brand_user_id
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        row = service.get_for(session, brand, done.request.id)
        read = service.to_read(session, brand, row)
        assert read.status is GenerationStatus.succeeded and read.percentage == 100
        assert read.output_ids == [o.id for o in made]
        queue = outputs.list_for(session, s.world.actor(session, "talent"), queue=True)
        assert {o.id for o in made} <= {o.id for o in queue}
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == done.request.id)
        ).all()
        assert "generation.requested" in events


def test_the_source_type_follows_the_engine(s: gs.Setup, db: Database) -> None:
    generative, composite = MemoryEngine(), MemoryEngine(name="flat", generative=False)
    for engine in (generative, composite):
        done = gs.submit(s, s.create(engine=engine.info.name, count=1), engine)
        gs.run(s, gs.cache(s, engine))
        (made,) = _outputs(db, done.request.id)
        expected = SourceKind.GENERATED if engine is generative else SourceKind.RELIT_COMPOSITE
        assert outputs._source_kind(made) is expected


def test_the_studio_engine_relights_the_real_twin(s: gs.Setup, db: Database) -> None:
    engine = StudioEngine()
    done = gs.submit(s, s.create(engine="studio", task=Task.studio, count=1), engine)
    outcome = gs.run(s, gs.cache(s, engine))
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    (made,) = _outputs(db, done.request.id)
    assert (made.width, made.height) == (240, 300) and made.engine == "studio"
    assert outputs._source_kind(made) is SourceKind.RELIT_COMPOSITE


def test_an_idempotency_key_replays_the_same_request(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine()
    first = gs.submit(s, s.create(idempotency_key="same"), engine)
    again = gs.submit(s, s.create(idempotency_key="same"), engine)
    assert again.replayed and again.request.id == first.request.id
    assert _count(db, GenerationRequest) == 1 and _count(db, Job) == 1
    with pytest.raises(IdempotencyKeyConflict):
        gs.submit(s, s.create(idempotency_key="same", seed=8), engine)


# --- retries never duplicate ------------------------------------------------------------


class CrashAfterFirst:
    """Store the first image, then die (like a worker killed between two outputs)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any) -> gs.Outcome:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("worker died between outputs")
        return gs.Outcome(True)


def test_a_retry_after_a_crash_between_outputs_makes_no_duplicate(
    s: gs.Setup, db: Database
) -> None:
    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=3), engine)
    first = gs.run(s, gs.cache(s, engine, CrashAfterFirst()))
    assert first is not None and first.status is JobStatus.queued  # will be retried
    assert [o.generation_index for o in _outputs(db, done.request.id)] == [0]
    kept = _outputs(db, done.request.id)[0].id
    second = gs.run(s, gs.cache(s, engine))
    assert second is not None and second.status is JobStatus.succeeded and second.attempt == 2
    made = _outputs(db, done.request.id)
    assert [o.generation_index for o in made] == [0, 1, 2] and made[0].id == kept
    # A late duplicate attempt (a lease taken over) stores nothing new.
    again = service.run_job(_Ctx(done.request.id, gs.cache(s, engine)))
    assert again["made"] == [] and len(_outputs(db, done.request.id)) == 3


class _Ctx:
    def __init__(self, request_id: str, cache: dict[str, Any]) -> None:
        self.job_id = "direct"
        self.payload = {"generation_request_id": request_id}
        self.attempt = 1
        self.cache = cache

    def progress(self, fraction: float | None = None, message: str | None = None) -> bool:
        return True


# --- revocation, cancel --------------------------------------------------------------------


def test_revoking_the_license_cancels_the_queued_job(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine()
    done = gs.submit(s, s.create(), engine)
    with db.unit_of_work() as session:
        licensing.revoke(
            session, s.world.actor(session, "talent"), s.license_id, TransitionIn(reason="no")
        )
    assert gs.run(s, gs.cache(s, engine)) is None  # nothing left to run
    assert _outputs(db, done.request.id) == []
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        row = service.get_for(session, brand, done.request.id)
        assert row.status is GenerationStatus.cancelled and "revoked" in (row.status_reason or "")


def test_the_brand_cancels_its_request(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine()
    done = gs.submit(s, s.create(), engine)
    with db.unit_of_work() as session, pytest.raises(GenerationNotPermitted):
        service.cancel(session, s.world.actor(session, "talent"), done.request.id, "x")
    with db.unit_of_work() as session:
        row = service.cancel(session, s.world.actor(session, "brand"), done.request.id, "later")
        assert row.status is GenerationStatus.cancelled
    assert gs.run(s, gs.cache(s, engine)) is None


# --- automated checks ---------------------------------------------------------------------


def test_check_rejected_outputs_never_reach_the_queue_or_the_brand(
    s: gs.Setup, db: Database
) -> None:
    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=2), engine)
    gs.run(s, gs.cache(s, engine, gs.FakeChecks(reject=frozenset({1}))))
    good, bad = _outputs(db, done.request.id)
    assert good.status is OutputStatus.pending
    assert bad.status is OutputStatus.check_rejected and bad.preview_asset_id is None
    assert json.loads(bad.check_json or "{}")["reason"] == "another registered twin is closer"
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        talent = s.world.actor(session, "talent")
        assert bad.id not in {o.id for o in outputs.list_for(session, brand)}
        with pytest.raises(OutputNotFound):
            outputs.get_for(session, brand, bad.id)
        read = service.to_read(session, brand, service.get_for(session, brand, done.request.id))
        assert read.output_ids == [good.id]
        assert bad.id not in {o.id for o in outputs.list_for(session, talent, queue=True)}
        assert outputs.get_for(session, talent, bad.id).status is OutputStatus.check_rejected
        with pytest.raises(OutputNotReviewable):
            outputs.approve(session, talent, bad.id)
    with db.unit_of_work() as session, pytest.raises(OutputNotReleasable, match="automated checks"):
        outputs.release(session, SYSTEM_ACTOR, s.runtime.storage, bad.id, s.config)


# --- refusals before any job ----------------------------------------------------------------


def test_a_processor_the_terms_do_not_name_is_refused(
    db: Database, runtime: Runtime, tmp_path: Path
) -> None:
    s = gs.setup(db, runtime, tmp_path / "keys", processors=["acme"])
    hosted = MemoryEngine(name="hosted", processor="fashn")
    with pytest.raises(ProcessorNotAllowed, match=r"'fashn'.*they name: acme"):
        gs.submit(s, s.create(engine="hosted"), hosted)
    assert _count(db, Job) == 0 and _count(db, GenerationRequest) == 0
    allowed = MemoryEngine(name="hosted", processor="acme")
    assert gs.submit(s, s.create(engine="hosted"), allowed).job is not None


def test_a_non_commercial_model_is_refused_without_the_opt_in(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine(models=(NC_MODEL,))
    with pytest.raises(ModelNotLicensed, match=r"sd-nc.*cc-by-nc-4\.0"):
        gs.submit(s, s.create(), engine)
    assert _count(db, Job) == 0
    assert gs.submit(s, s.create(), engine, allow_noncommercial=True).job is not None


def test_other_refusals_come_before_any_job(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine(tasks=frozenset({Task.tryon}))
    with pytest.raises(TaskNotSupported, match="cannot do 'scene'"):
        gs.submit(s, s.create(task=Task.scene), engine)
    with pytest.raises(UnknownEngine):
        gs.submit(s, s.create(engine="nope"), engine)
    use = s.create().use.model_copy(update={"channel": "tiktok"})
    with pytest.raises(GenerationNotAllowed, match="channel"):
        gs.submit(s, s.create(use=use), engine)
    with pytest.raises(InvalidGenerationRequest, match="not a readable image"):
        gs.submit(s, s.create(), engine, {InputRole.garment: b"not an image"})
    with pytest.raises(GenerationNotPermitted):
        gs.submit(s, s.create(), engine, who="talent")
    with pytest.raises(GenerationNotFound), db.unit_of_work() as session:
        service.get_for(session, s.world.actor(session, "brand"), "nope")
    assert _count(db, Job) == 0 and _count(db, GenerationRequest) == 0


def test_an_engine_returning_fewer_pixels_still_stores_what_it_made(
    s: gs.Setup, db: Database
) -> None:
    class One(MemoryEngine):
        def generate(self, request: Any) -> list[EngineImage]:
            image = np.full((request.height, request.width, 3), 128, np.uint8)
            return [EngineImage(pixels=image, seed=request.seed)]

    engine = One(name="one")
    done = gs.submit(s, s.create(engine="one", count=1), engine)
    outcome = gs.run(s, gs.cache(s, engine))
    assert outcome is not None and outcome.status is JobStatus.succeeded
    assert len(_outputs(db, done.request.id)) == 1


def test_models_seed_and_an_imported_ingredient_are_recorded_for_the_manifest(
    s: gs.Setup, db: Database
) -> None:
    original = _png((10, 200, 10))

    class Importer(MemoryEngine):
        def generate(self, request: Any) -> list[EngineImage]:
            made = super().generate(request)
            return [
                EngineImage(
                    pixels=i.pixels, seed=i.seed, ingredient=request.inputs[InputRole.image]
                )
                for i in made
            ]

    engine = Importer(name="importer", models=(NC_MODEL,))
    done = gs.submit(
        s,
        s.create(engine="importer", count=1),
        engine,
        {InputRole.image: original},
        allow_noncommercial=True,
    )
    gs.run(s, gs.cache(s, engine))
    (made,) = _outputs(db, done.request.id)
    provenance = json.loads(made.engine_params)["provenance"]
    assert provenance["models"] == [{"name": "sd-nc", "sha256": NC_MODEL.sha256}]
    assert provenance["seed"] == 7
    ingredient = provenance["ingredient"]
    assert ingredient["sha256"] == service.sha256_hex(original)
    deps = s.runtime.storage
    sealed = deps.blobs.get(ingredient["blob_key"])
    assert (
        deps.cipher.decrypt(twin_key_name(s.twin_id), sealed, role=ingredient["role"]) == original
    )


class _RecordingEngine(MemoryEngine):
    """A memory engine that keeps the extras each request's subject carried."""

    def __init__(self) -> None:
        super().__init__()
        self.extras: list[dict[str, bytes]] = []

    def generate(self, request: Any) -> list[EngineImage]:
        self.extras.append(dict(request.subject.extras))
        return super().generate(request)


def test_the_twins_sealed_lora_reaches_the_engine(s: gs.Setup, db: Database) -> None:
    from likeness.twin import extras
    from tiny_diffusion import fake_lora

    lora = fake_lora(3)
    with db.unit_of_work() as session:
        extras.add_lora(
            session, s.world.actor(session, "talent"), s.runtime.storage, s.twin_id, lora
        )
    engine = _RecordingEngine()
    gs.submit(s, s.create(count=1), engine)
    outcome = gs.run(s, gs.cache(s, engine))
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    assert engine.extras == [{"lora": lora}]
    with db.unit_of_work() as session:
        used = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "twin.use_extras")
        ).all()
    assert len(used) == 1
