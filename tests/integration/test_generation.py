"""Generation through the service and the job worker, with the memory engine: submit →
job → engine → checks → outputs in quarantine; retries, revocation, check rejection and
the refusals that come before any job (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


def _event_payload(db: Database, action: str, object_id: str) -> dict[str, Any]:
    with db.unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event is not None, f"no {action} event for {object_id}"
        return dict(json.loads(event.payload))


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

    def probe(self, pixels: Any) -> None:
        self.calls += 1
        if self.calls == 2:  # the second image, before its transaction
            raise RuntimeError("worker died between outputs")

    def judge(self, *args: Any) -> gs.Outcome:
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
    again = service.run_job(_Ctx(done.request.id, gs.cache(s, engine), s.runtime))
    assert again["made"] == [] and len(_outputs(db, done.request.id)) == 3


class _Ctx:
    def __init__(self, request_id: str, cache: dict[str, Any], runtime: Any) -> None:
        self.job_id = "direct"
        self.payload = {"generation_request_id": request_id}
        self.attempt = 1
        self.cache = cache
        self.runtime = runtime

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
    s: gs.Setup, db: Database, monkeypatch: pytest.MonkeyPatch
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

    # The worker's own settings carry the operator's opt-in (its runtime, not the API's).
    monkeypatch.setattr(s.runtime.settings, "allow_noncommercial_models", True)
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
    # The opt-in's use is on the record: the output's provenance and the request's event.
    assert provenance["noncommercial_models"] == ["sd-nc"]
    assert _event_payload(db, "generation.requested", done.request.id)["noncommercial_models"] == [
        "sd-nc"
    ]
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


# --- the worker's own runtime, and the rules checked again when the job runs ----------


class _CountingEngine(MemoryEngine):
    """A memory engine that counts the requests it was given (what it saw of a twin)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls = 0

    def generate(self, request: Any) -> list[EngineImage]:
        self.calls += 1
        return super().generate(request)


def test_a_job_runs_against_the_workers_runtime_not_the_environment(
    s: gs.Setup, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No runtime in the cache, and the environment names another (empty) database:
    the job still uses the worker's runtime."""
    monkeypatch.setenv("LIKENESS_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=1), engine)
    cache = gs.cache(s, engine)
    assert "runtime" not in cache
    outcome = gs.run(s, cache)
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    assert len(_outputs(db, done.request.id)) == 1
    assert not (tmp_path / "elsewhere.db").exists()


def _set_license_status(db: Database, license_id: str, status: str) -> None:
    """The license changed under a queued job without its jobs being cancelled (the clock
    passing its end, an older server, a direct repair)."""
    from sqlalchemy import update

    from likeness.models.license import License

    with db.unit_of_work() as session:
        session.execute(update(License).where(License.id == license_id).values(status=status))


@pytest.mark.parametrize("status", ["suspended", "expired", "withdrawn"])
def test_a_job_under_a_license_that_no_longer_allows_it_never_reaches_the_engine(
    s: gs.Setup, db: Database, status: str
) -> None:
    engine = _CountingEngine()
    done = gs.submit(s, s.create(count=1), engine)
    _set_license_status(db, s.license_id, status)
    cache = gs.cache(s, engine)
    outcome = gs.run(s, cache)
    assert outcome is not None and outcome.status is JobStatus.failed  # 403: no retry
    assert outcome.error is not None and outcome.error.startswith("GenerationNotAllowed")
    assert engine.calls == 0 and not cache.get(service.CACHE_SUBJECTS)  # never decrypted
    assert _outputs(db, done.request.id) == []
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        row = service.get_for(session, brand, done.request.id)
        assert row.status is GenerationStatus.failed


def test_the_worker_checks_the_engine_it_built_not_the_one_the_api_checked(
    s: gs.Setup, db: Database
) -> None:
    at_submit = _CountingEngine()
    gs.submit(s, s.create(count=1), at_submit)
    # This worker's "memory" engine sends the likeness to a processor the terms omit.
    elsewhere = _CountingEngine(processor="fashn")
    outcome = gs.run(s, gs.cache(s, elsewhere))
    assert outcome is not None and outcome.status is JobStatus.failed
    assert (outcome.error or "").startswith("ProcessorNotAllowed")
    assert elsewhere.calls == 0
    # A worker whose engine loads a non-commercial model, without this worker's opt-in.
    gs.submit(s, s.create(count=1, seed=8), at_submit)
    restricted = _CountingEngine(models=(NC_MODEL,))
    outcome = gs.run(s, gs.cache(s, restricted))
    assert outcome is not None and outcome.status is JobStatus.failed
    assert (outcome.error or "").startswith("ModelNotLicensed")
    assert restricted.calls == 0


def test_suspending_the_license_cancels_its_queued_generation(s: gs.Setup, db: Database) -> None:
    engine = _CountingEngine()
    done = gs.submit(s, s.create(count=1), engine)
    with db.unit_of_work() as session:
        licensing.suspend(
            session, s.world.actor(session, "talent"), s.license_id, TransitionIn(reason="audit")
        )
    assert gs.run(s, gs.cache(s, engine)) is None and engine.calls == 0
    with db.unit_of_work() as session:
        row = service.get_for(session, s.world.actor(session, "brand"), done.request.id)
        assert row.status is GenerationStatus.cancelled
        assert "suspended" in (row.status_reason or "")


def test_faces_are_probed_and_previews_stamped_before_the_storing_transaction(
    s: gs.Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a unit of work holds the write lock: the costly face probe and preview
    stamp must run with none open, so that other workers are not kept waiting on them,
    and beside each other (the probe on its own thread); the verdict is given inside the
    transaction, and the stamp made before is the one registered."""
    open_units = [0]
    inner = s.runtime.db.unit_of_work

    @contextmanager
    def counted() -> Iterator[Any]:
        open_units[0] += 1
        try:
            with inner() as session:
                yield session
        finally:
            open_units[0] -= 1

    monkeypatch.setattr(s.runtime.db, "unit_of_work", counted)
    seen: list[tuple[str, int]] = []
    threads: list[tuple[str, str]] = []

    class Recording(gs.FakeChecks):
        def probe(self, pixels: Any) -> int:
            seen.append(("probe", open_units[0]))
            threads.append(("probe", threading.current_thread().name))
            return super().probe(pixels)

        def judge(self, session: Any, deps: Any, twin_id: str, found: Any) -> Any:
            seen.append(("judge", open_units[0]))
            return super().judge(session, deps, twin_id, found)

    stamped: list[bytes] = []
    stamp_preview = outputs.stamp_preview

    def recording_stamp(image: bytes, info: Any, config: Any, **kwargs: Any) -> bytes:
        seen.append(("stamp", open_units[0]))
        threads.append(("stamp", threading.current_thread().name))
        # The job hands the stamp the pixels it encoded: the PNG is not decoded again.
        assert kwargs.get("pixels") is not None
        stamped.append(stamp_preview(image, info, config, **kwargs))
        return stamped[-1]

    monkeypatch.setattr(outputs, "stamp_preview", recording_stamp)
    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=2), engine)
    gs.run(s, gs.cache(s, engine, Recording()))
    for image in (seen[:3], seen[3:]):  # probe and stamp in either order, then judge
        assert sorted(image[:2]) == [("probe", 0), ("stamp", 0)] and image[2] == ("judge", 1)
    probing = {name for what, name in threads if what == "probe"}
    stamping = {name for what, name in threads if what == "stamp"}
    assert all(name.startswith("probe") for name in probing) and not probing & stamping
    made = _outputs(s.db, done.request.id)
    assert len(made) == 2
    with s.db.unit_of_work() as session:
        talent = s.world.actor(session, "talent")
        for output, marked in zip(made, stamped, strict=True):
            _, asset, data = outputs.preview(session, talent, s.runtime.storage, output.id)
            assert data == marked and asset.id == output.preview_asset_id


# --- what the brand sees of the job and of the checks --------------------------------------


def test_the_jobs_result_lists_only_what_the_brand_may_see(s: gs.Setup, db: Database) -> None:
    from likeness.jobs import service as jobs

    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=3), engine)
    outcome = gs.run(s, gs.cache(s, engine, gs.FakeChecks(reject=frozenset({1}))))
    assert outcome is not None and outcome.status is JobStatus.succeeded
    good, bad, other = _outputs(db, done.request.id)
    assert done.job is not None
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        result = jobs.to_read(jobs.get_for(session, brand, done.job.id)).result
        visible = {o.id for o in outputs.list_for(session, brand)}
    assert result["made"] == [good.id, other.id] and result["check_rejected"] == 1
    assert bad.id not in result["made"] and set(result["made"]) <= visible


class _ChecksNamingAnotherTwin:
    def probe(self, pixels: Any) -> None:
        return None

    def judge(self, session: Any, deps: Any, twin_id: str, found: Any) -> Any:
        from likeness.generation.checks import CheckResult

        return CheckResult(
            True,
            None,
            {"distance": 0.1, "threshold": 0.45},
            {"nearest_other": "someone-else", "nearest_other_distance": 0.6},
        )


def test_another_twins_id_and_distance_are_for_operators_only(s: gs.Setup, db: Database) -> None:
    engine = MemoryEngine()
    done = gs.submit(s, s.create(count=1), engine)
    gs.run(s, gs.cache(s, engine, _ChecksNamingAnotherTwin()))
    (made,) = _outputs(db, done.request.id)
    with db.unit_of_work() as session:
        brand = s.world.actor(session, "brand")
        read = outputs.to_read(session, outputs.get_for(session, brand, made.id))
    assert read.check is not None and read.check["passed"] is True
    assert "someone-else" not in json.dumps(read.model_dump(mode="json"))
    assert "nearest_other" not in json.dumps(read.check)
    payload = _event_payload(db, "generation.identity_checked", made.id)
    assert payload["nearest_other"] == "someone-else"
    assert payload["nearest_other_distance"] == 0.6


# --- idempotency under a race, and a worker limited to its own job ----------------------------


def test_two_submits_racing_on_one_idempotency_key_replay_one_request(
    s: gs.Setup, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from likeness.generation import repository

    engine = MemoryEngine()
    first = gs.submit(s, s.create(idempotency_key="race"), engine, {InputRole.image: _png()})
    blobs_before = len(list(s.runtime.storage.blobs.inventory()))
    real = repository.by_idempotency_key
    misses = iter([True])

    def lookup(*args: Any) -> Any:
        # The other request committed between this one's lookup and its insert.
        return None if next(misses, False) else real(*args)

    monkeypatch.setattr(repository, "by_idempotency_key", lookup)
    again = gs.submit(s, s.create(idempotency_key="race"), engine, {InputRole.image: _png()})
    assert again.replayed and again.request.id == first.request.id
    assert _count(db, GenerationRequest) == 1 and _count(db, Job) == 1
    assert len(list(s.runtime.storage.blobs.inventory())) == blobs_before  # its inputs went away
    misses = iter([True])
    with pytest.raises(IdempotencyKeyConflict):
        gs.submit(s, s.create(idempotency_key="race", seed=9), engine)
    assert _count(db, GenerationRequest) == 1


def test_a_worker_limited_to_one_job_leaves_the_older_ones(s: gs.Setup, db: Database) -> None:
    from likeness.jobs import worker

    engine = MemoryEngine()
    older = gs.submit(s, s.create(count=1), engine)
    mine = gs.submit(s, s.create(count=1, seed=8), engine)
    assert older.job is not None and mine.job is not None
    outcome = worker.run_next(
        s.runtime,
        "cli-worker",
        [service.JOB_KIND],
        cache=gs.cache(s, engine),
        handlers=service.HANDLERS,
        only=[mine.job.id],
    )
    assert outcome is not None and outcome.job_id == mine.job.id
    assert _outputs(db, older.request.id) == []


# --- the worker's cache of decrypted twins ------------------------------------------------


def _cached_subjects(cache: dict[str, Any]) -> list[Any]:
    """Every decrypted subject the cache holds, however it is keyed."""
    held: list[Any] = []
    for key, value in cache.items():
        if key.startswith("generation:subject"):
            held.extend(value.values() if isinstance(value, dict) else [value])
    return held


def test_a_replaced_lora_is_loaded_afresh(s: gs.Setup, db: Database) -> None:
    from likeness.twin import extras
    from tiny_diffusion import fake_lora

    first, second = fake_lora(3), fake_lora(4)
    assert first != second
    engine = _RecordingEngine()
    cache = gs.cache(s, engine)
    for lora, seed in ((first, 1), (second, 2)):
        with db.unit_of_work() as session:
            extras.add_lora(
                session, s.world.actor(session, "talent"), s.runtime.storage, s.twin_id, lora
            )
        gs.submit(s, s.create(count=1, seed=seed), engine)
        outcome = gs.run(s, cache)
        assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    assert engine.extras == [{"lora": first}, {"lora": second}]
    assert len(_cached_subjects(cache)) == 1  # the replaced LoRA's subject was let go


def test_a_twin_version_no_longer_active_leaves_the_cache(s: gs.Setup, db: Database) -> None:
    from sqlalchemy import update

    from likeness.models.twin import TwinVersion, TwinVersionStatus

    engine = MemoryEngine()
    cache = gs.cache(s, engine)
    gs.submit(s, s.create(count=1), engine)
    assert gs.run(s, cache) is not None and len(_cached_subjects(cache)) == 1
    with db.unit_of_work() as session:
        session.execute(
            update(TwinVersion)
            .where(TwinVersion.twin_id == s.twin_id)
            .values(status=TwinVersionStatus.shredded)
        )
    ctx = _Ctx("unused", cache, s.runtime)
    with pytest.raises(Exception) as failed:
        service._subject(ctx, s.runtime, s.twin_id)
    assert getattr(failed.value, "status_code", 500) < 500  # a clear refusal, not a crash
    assert _cached_subjects(cache) == []


def test_a_subject_of_a_twin_that_is_gone_is_dropped_on_the_next_call(
    s: gs.Setup, db: Database
) -> None:
    from collections import OrderedDict

    engine = MemoryEngine()
    cache = gs.cache(s, engine)
    stale = object()
    cache[service.CACHE_SUBJECTS] = OrderedDict({("gone", 1, "digest"): stale})
    gs.submit(s, s.create(count=1), engine)
    assert gs.run(s, cache) is not None
    assert stale not in _cached_subjects(cache) and len(_cached_subjects(cache)) == 1


def test_the_subject_cache_keeps_the_most_recently_used_few() -> None:
    from collections import OrderedDict

    table: OrderedDict[tuple[str, int, str], Any] = OrderedDict()
    for n in range(service.SUBJECT_CACHE_SIZE + 2):
        service.remember(table, (f"t{n}", 1, "d"), n)
    assert len(table) == service.SUBJECT_CACHE_SIZE
    assert ("t0", 1, "d") not in table and ("t1", 1, "d") not in table
    service.remember(table, ("t2", 1, "d"), 2)  # used again: now the newest
    service.remember(table, ("new", 1, "d"), "x")
    assert ("t2", 1, "d") in table and ("t3", 1, "d") not in table


def test_a_twin_renders_with_the_active_prior_and_its_output_names_it(
    s: gs.Setup, db: Database
) -> None:
    from datetime import timedelta

    from integration.test_license_support import intent
    from integration.test_relighting_service import _seal_basis
    from likeness.consent.schemas import CreationConsentCreate
    from likeness.kit.clock import utcnow
    from likeness.models.twin import Twin
    from likeness.relighting import service as relighting
    from likeness.twin import service as twins

    with db.unit_of_work() as session:
        twin = session.get(Twin, s.twin_id)
        assert twin is not None
        _seal_basis(session, s.runtime.storage, twin, 5)
        drafted = twins.create_creation_consent(
            session,
            s.world.actor(session, "agent"),
            CreationConsentCreate(
                talent_id=twin.talent_id,
                twin_id=twin.id,
                purpose="help relight others",
                valid_until=utcnow() + timedelta(days=30),
                activities=["train"],
            ),
        )
        licensing.sign_consent(
            session, s.world.actor(session, "talent"), drafted.id, intent(), None
        )
        consent = drafted.id
        prior = relighting.train(session, SYSTEM_ACTOR, s.runtime.storage)
        name, digest = prior.name, prior.sha256
    engine = StudioEngine()
    cache = gs.cache(s, engine)
    done = gs.submit(s, s.create(engine="studio", task=Task.studio, count=1), engine)
    outcome = gs.run(s, cache)
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    (made,) = _outputs(db, done.request.id)
    recorded = json.loads(made.engine_params)["provenance"]["models"]
    assert [(m["name"], m["sha256"]) for m in recorded] == [(name, digest)]

    # Withdrawn: the prior retires, and the next render (same worker cache) goes without.
    with db.unit_of_work() as session:
        licensing.revoke_consent(
            session, s.world.actor(session, "talent"), s.runtime.storage, consent, "stop"
        )
    again = gs.submit(
        s, s.create(engine="studio", task=Task.studio, count=1, idempotency_key="2"), engine
    )
    outcome = gs.run(s, cache)
    assert outcome is not None and outcome.status is JobStatus.succeeded, outcome
    (second,) = _outputs(db, again.request.id)
    assert json.loads(second.engine_params)["provenance"]["models"] == []
