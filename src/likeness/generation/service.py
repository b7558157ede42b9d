"""The generation use cases: submit (refuse early, or queue a job), run the job, read,
cancel.

:func:`submit` refuses, before any job exists: a caller who is not the license's brand
(403); a decision that denies generating under the license (403, its reasons); an
engine this installation does not offer, or one that cannot do the task (422); a model
the engine loads whose licence forbids commercial use, without the operator's opt-in
(403); an engine that sends the likeness to a third party the license's signed terms do
not list (403, naming it); a bad size, count, brief or input image (422). Then it
stores the request (its input images sealed with the twin's key) and queues one durable
job (kind ``generation``) under the license, so revoking the license or its use consent
cancels it. The caller hands the job to an executor after its transaction commits.

:func:`run_job` is the job's handler. It loads the twin and the engine once per worker
process (``ctx.cache``), runs the engine with its progress reported to the job, then for
each image finds and embeds its faces (no transaction held), then, in its own
transaction, gives the automated identity checks' verdict and stores the image as an
output in quarantine (:func:`likeness.output.service.create_with_preview`)
or, when the checks fail, as ``check_rejected``. Outputs are keyed by (request, index):
a retried job skips the images it already stored, so it never makes a duplicate.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import io
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol, cast

import numpy as np
from PIL import Image, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from likeness import modelreg
from likeness.audit import service as audit
from likeness.engines import Brief, Engine, EngineCancelled, EngineRequest, InputRole, Task
from likeness.engines._base import U8
from likeness.generation import access, repository
from likeness.generation.errors import (
    GenerationFinished,
    GenerationNotAllowed,
    IdempotencyKeyConflict,
    InvalidGenerationRequest,
    ModelNotLicensed,
    ProcessorNotAllowed,
    TaskNotSupported,
)
from likeness.generation.schemas import GenerationCreate, GenerationRead
from likeness.identity.actor import Actor
from likeness.jobs import service as jobs
from likeness.jobs import worker
from likeness.jobs.errors import JobCancelled, JobFinished
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json, sha256_hex
from likeness.kit.clock import utcnow
from likeness.kit.query import conditions
from likeness.licensing import access as license_access
from likeness.licensing.facts import terms_of
from likeness.models.base import new_id
from likeness.models.generation import FINISHED, GenerationRequest, GenerationStatus
from likeness.models.job import Job, JobStatus
from likeness.models.license import License
from likeness.models.party import Role
from likeness.models.twin import Twin
from likeness.output import access as output_access
from likeness.output import service as outputs
from likeness.output.schemas import OutputCreate, UseSpec
from likeness.party.access import relations
from likeness.policy import Action
from likeness.provenance import encode_png
from likeness.vault.deps import StorageDeps, seal_under_twin_key, undo_intent
from likeness.vault.keys import twin_key_name

#: The job kind, and its handler (importable in any worker process): the line every
#: worker knows, in :data:`likeness.jobs.worker.KNOWN_HANDLERS`.
JOB_KIND = "generation"
JOB_HANDLER = worker.KNOWN_HANDLERS[JOB_KIND]
#: What an executor or worker is given to run generation jobs.
HANDLERS = {JOB_KIND: JOB_HANDLER}
REF_TYPE = "generation_request"
#: Who the outputs' audit events name when a worker stores them (the request keeps
#: the requesting user; each output records them as ``requested_by_user_id``).
GENERATION_ACTOR = Actor(
    user_id=None, email="generation@localhost", role=Role.operator, via="worker"
)
#: One input image, decoded (the API body limit bounds the sum).
MAX_INPUT_BYTES = 32 * 1024 * 1024
MAX_INPUT_PIXELS = 64_000_000
INPUT_FORMATS = {"PNG", "JPEG", "WEBP"}
#: Share of the job's progress the engine reports into (the rest: checks and storing).
ENGINE_SHARE = 0.8

#: Job statuses → the request's mirror.
_MIRROR = {
    JobStatus.queued: GenerationStatus.queued,
    JobStatus.running: GenerationStatus.running,
    JobStatus.succeeded: GenerationStatus.succeeded,
    JobStatus.failed: GenerationStatus.failed,
    JobStatus.cancelled: GenerationStatus.cancelled,
}


# --- submit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    request: GenerationRequest
    job: Job | None
    #: True when the idempotency key named an earlier request (returned as it was).
    replayed: bool


def decode_inputs(encoded: Mapping[InputRole, str]) -> dict[InputRole, bytes]:
    """The API's base64 inputs as bytes (422 on bad base64)."""
    decoded: dict[InputRole, bytes] = {}
    for role, text in encoded.items():
        try:
            decoded[role] = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidGenerationRequest(f"input {role.value!r} is not valid base64") from None
    return decoded


def check_inputs(inputs: Mapping[InputRole, bytes]) -> dict[InputRole, str]:
    """Each input is a readable PNG, JPEG or WebP within the limits; role → SHA-256."""
    digests: dict[InputRole, str] = {}
    for role, data in inputs.items():
        if not data or len(data) > MAX_INPUT_BYTES:
            raise InvalidGenerationRequest(
                f"input {role.value!r} must be 1 byte to {MAX_INPUT_BYTES} bytes"
            )
        try:
            with Image.open(io.BytesIO(data)) as opened:
                kind, (width, height) = opened.format, opened.size
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise InvalidGenerationRequest(
                f"input {role.value!r} is not a readable image"
            ) from None
        if kind not in INPUT_FORMATS:
            raise InvalidGenerationRequest(
                f"input {role.value!r} must be PNG, JPEG or WebP, not {kind}"
            )
        if width * height > MAX_INPUT_PIXELS:
            raise InvalidGenerationRequest(f"input {role.value!r} has too many pixels")
        digests[role] = sha256_hex(data)
    return digests


def _brief(data: GenerationCreate) -> dict[str, Any]:
    brief = data.brief.model_dump(mode="json", exclude_none=True)
    if not brief.get("options"):
        brief.pop("options", None)
    return brief


def _fingerprint(
    license_id: str,
    twin_id: str,
    use: Mapping[str, Any],
    engine: str,
    task: str,
    brief: Mapping[str, Any],
    inputs: Mapping[str, str],
    size: tuple[int, int, int, int],
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "license_id": license_id,
                "twin_id": twin_id,
                "use": dict(use),
                "engine": engine,
                "task": task,
                "brief": dict(brief),
                "inputs": dict(inputs),
                "size": list(size),
            }
        ).encode("utf-8")
    )


def _row_fingerprint(row: GenerationRequest) -> str:
    inputs = {role: entry["sha256"] for role, entry in json.loads(row.inputs_json).items()}
    return _fingerprint(
        row.license_id,
        row.twin_id,
        json.loads(row.use_json),
        row.engine,
        row.task,
        json.loads(row.brief_json),
        inputs,
        (row.width, row.height, row.image_count, row.seed),
    )


def _twin_of(session: Session, lic: License, twin_id: str) -> Twin:
    twin = session.get(Twin, twin_id)
    if twin is None or twin.talent_id != lic.talent_id:
        raise InvalidGenerationRequest(f"twin {twin_id} is not a twin of license {lic.id}'s talent")
    if lic.twin_id is not None and lic.twin_id != twin.id:
        raise InvalidGenerationRequest(f"license {lic.id} covers twin {lic.twin_id} only")
    return twin


def refusal_for_engine(
    engine: Engine, task: Task, processors: frozenset[str], allow_noncommercial: bool
) -> None:
    """The engine rules, as a pure check: it does the task, every model it loads allows
    commercial use (or the operator opted in), and the third party it sends the
    likeness to (if any) is one the license's terms name."""
    info = engine.info
    if task not in info.tasks:
        offered = ", ".join(sorted(t.value for t in info.tasks)) or "none"
        raise TaskNotSupported(
            f"engine {info.name!r} cannot do {task.value!r} (it does: {offered})"
        )
    if not allow_noncommercial:
        for model in info.models:
            if not model.commercial_use:
                raise ModelNotLicensed(
                    f"engine {info.name!r} loads model {model.name!r} (licence "
                    f"{model.license or 'unknown'}), which forbids commercial use; the "
                    "operator has not allowed non-commercial models"
                )
    if info.processor is not None and info.processor not in processors:
        listed = ", ".join(sorted(processors)) or "none"
        raise ProcessorNotAllowed(
            f"engine {info.name!r} sends the likeness to {info.processor!r}, which the "
            f"license's signed terms do not name as a processor (they name: {listed})"
        )


def submit(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    data: GenerationCreate,
    inputs: Mapping[InputRole, bytes],
    engines: Callable[[str], Engine],
    *,
    allow_noncommercial: bool | None = None,
) -> Submitted:
    """Check every rule, store the request and queue its job (in the caller's
    transaction; hand ``Submitted.job`` to an executor after the commit)."""
    lic = license_access.get_license_for(session, actor, data.license_id)
    access.require_requester(
        relations(session, actor, lic.talent_id, lic.brand_id), "ask for images under it"
    )
    use = data.use.model_dump()
    brief = _brief(data)
    digests = check_inputs(inputs)
    role_digests = {role.value: digest for role, digest in digests.items()}
    size = (data.width, data.height, data.count, data.seed)
    key = data.idempotency_key.strip() if data.idempotency_key else None
    wanted = _fingerprint(
        lic.id, data.twin_id, use, data.engine, data.task.value, brief, role_digests, size
    )
    if key:
        earlier = repository.by_idempotency_key(session, lic.brand_id, key)
        if earlier is not None:
            return _replay(session, earlier, key, wanted)
    twin = _twin_of(session, lic, data.twin_id)
    decision = outputs.decide_under(session, lic, twin.id, Action.generate, data.use)
    if not decision.allow:
        why = "; ".join(f"{r.code}: {r.message}" for r in decision.reasons) or "refused"
        raise GenerationNotAllowed(f"license {lic.id} does not allow this: {why}")
    engine = engines(data.engine)
    refusal_for_engine(
        engine,
        data.task,
        terms_of(lic).processors,
        modelreg.noncommercial_allowed(allow_noncommercial),
    )
    row = _store(session, actor, deps, lic, twin, data, brief, inputs, digests, key)
    if row is None:
        # A concurrent request with the same key stored its row first: replay that one.
        assert key is not None
        earlier = repository.by_idempotency_key(session, lic.brand_id, key)
        if earlier is None:
            raise IdempotencyKeyConflict(
                f"idempotency key {key!r} is being used by another request; try again"
            )
        return _replay(session, earlier, key, wanted)
    job = jobs.enqueue(
        session,
        actor,
        JOB_KIND,
        {"generation_request_id": row.id},
        ref_type=REF_TYPE,
        ref_id=row.id,
        license_id=lic.id,
    )
    row.job_id = job.id
    session.flush()
    info = engine.info
    audit.record(
        session,
        actor,
        "generation.requested",
        "generation_request",
        row.id,
        {
            "license_id": lic.id,
            "twin_id": twin.id,
            "use": use,
            "engine": info.name,
            "task": data.task.value,
            "processor": info.processor,
            "models": [m.to_dict() for m in info.models],
            "noncommercial_models": noncommercial_models(engine),
            "count": data.count,
            "seed": data.seed,
            "inputs": role_digests,
            "job_id": job.id,
            "decision": decision.to_dict(),
        },
    )
    return Submitted(row, job, replayed=False)


def _replay(session: Session, earlier: GenerationRequest, key: str, wanted: str) -> Submitted:
    """The earlier request of this idempotency key, if it asked for the same thing."""
    if _row_fingerprint(earlier) != wanted:
        raise IdempotencyKeyConflict(
            f"idempotency key {key!r} was used for request {earlier.id}, which asked "
            "for something else; use a new key"
        )
    job = session.get(Job, earlier.job_id) if earlier.job_id else None
    return Submitted(earlier, job, replayed=True)


def _store(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    lic: License,
    twin: Twin,
    data: GenerationCreate,
    brief: dict[str, Any],
    inputs: Mapping[InputRole, bytes],
    digests: Mapping[InputRole, str],
    key: str | None,
) -> GenerationRequest | None:
    """Store the request and its sealed inputs; None when another request with the
    same idempotency key was stored first (nothing of this one is kept)."""
    now = utcnow()
    row = GenerationRequest(
        id=new_id(),
        license_id=lic.id,
        twin_id=twin.id,
        talent_id=lic.talent_id,
        brand_id=lic.brand_id,
        use_json=canonical_json(data.use.model_dump()),
        engine=data.engine.strip().lower(),
        task=data.task.value,
        brief_json=canonical_json(brief),
        inputs_json="{}",
        width=data.width,
        height=data.height,
        image_count=data.count,
        seed=data.seed,
        idempotency_key=key,
        status=GenerationStatus.queued,
        requested_by_user_id=actor.user_id,
        updated_at=now,
    )
    stored: dict[str, dict[str, Any]] = {}
    intent = None
    if inputs:
        # Sealed with the twin's key (shredding the twin shreds them); a crash before
        # the commit leaves a journal that recovery follows to delete them.
        roles = sorted(inputs)
        intent, blob_keys = seal_under_twin_key(
            session,
            deps,
            kind="generation",
            talent_id=lic.talent_id,
            twin_id=twin.id,
            row=("generation_requests", row.id),
            contents=[(_input_role(row.id, role), inputs[role]) for role in roles],
        )
        for role, blob_key in zip(roles, blob_keys, strict=True):
            stored[role.value] = {
                "blob_key": blob_key,
                "sha256": digests[role],
                "bytes": len(inputs[role]),
            }
    row.inputs_json = canonical_json(stored)
    try:
        # A savepoint: losing the idempotency key's race must not spoil the transaction.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        if key is None:
            raise
        if intent is not None:
            undo_intent(deps, intent)
        return None
    return row


def _input_role(request_id: str, role: InputRole) -> str:
    return f"generation/{request_id}/{role.value}"


def open_inputs(deps: StorageDeps, row: GenerationRequest) -> dict[InputRole, bytes]:
    """The request's input images, unsealed."""
    opened: dict[InputRole, bytes] = {}
    for name, entry in json.loads(row.inputs_json).items():
        role = InputRole(name)
        opened[role] = deps.cipher.decrypt(
            twin_key_name(row.twin_id),
            deps.blobs.get(entry["blob_key"]),
            role=_input_role(row.id, role),
        )
    return opened


# --- reading and cancelling -------------------------------------------------------------


def _sync(session: Session, row: GenerationRequest) -> Job | None:
    """The request's job, with the request's status mirror brought up to date."""
    job = session.get(Job, row.job_id) if row.job_id else None
    if job is None:
        return None
    mirrored = _MIRROR[job.status]
    reason = job.cancel_reason if job.status is JobStatus.cancelled else None
    if job.status is JobStatus.failed:
        reason = job.last_error
    if row.status is not mirrored or row.status_reason != reason:
        repository.set_values(
            session,
            row.id,
            {"status": mirrored, "status_reason": reason, "updated_at": utcnow()},
        )
        session.refresh(row)
    return job


def get_for(session: Session, actor: Actor, request_id: str) -> GenerationRequest:
    row = access.get_request_for(session, actor, request_id)
    _sync(session, row)
    return row


def list_for(
    session: Session,
    actor: Actor,
    *,
    status: GenerationStatus | None = None,
    license_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[GenerationRequest]:
    require_page(limit, offset, MAX_PAGE)
    where = conditions(
        access.request_filter(actor),
        (GenerationRequest.license_id, license_id),
        (GenerationRequest.status, status),
    )
    rows = repository.list_requests(session, where, limit=limit, offset=offset)
    for row in rows:
        if row.status not in FINISHED:
            _sync(session, row)
    # The status filter reads the mirror; a row whose job moved on since is left out.
    return [row for row in rows if status is None or row.status is status]


def to_read(
    session: Session, actor: Actor, row: GenerationRequest, *, replayed: bool = False
) -> GenerationRead:
    job = session.get(Job, row.job_id) if row.job_id else None
    inputs = {role: entry["sha256"] for role, entry in json.loads(row.inputs_json).items()}
    return GenerationRead(
        id=row.id,
        license_id=row.license_id,
        twin_id=row.twin_id,
        talent_id=row.talent_id,
        brand_id=row.brand_id,
        use=json.loads(row.use_json),
        engine=row.engine,
        task=row.task,
        brief=json.loads(row.brief_json),
        inputs=inputs,
        width=row.width,
        height=row.height,
        count=row.image_count,
        seed=row.seed,
        status=row.status,
        status_reason=row.status_reason,
        percentage=jobs.percentage(job) if job is not None else 0,
        message=job.message if job is not None else None,
        job_id=row.job_id,
        attempts=job.attempts if job is not None else 0,
        output_ids=repository.outputs_of(session, row.id, output_access.output_filter(actor)),
        replayed=replayed,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def cancel(session: Session, actor: Actor, request_id: str, reason: str) -> GenerationRequest:
    """Cancel a request's job (the brand that asked, or an operator): a queued job ends
    now, a running one stops at its next progress report; images already stored stay."""
    row = access.get_request_for(session, actor, request_id)
    access.require_requester(
        relations(session, actor, row.talent_id, row.brand_id), "cancel its requests"
    )
    job = _sync(session, row)
    if row.status in FINISHED or job is None:
        raise GenerationFinished(f"generation request {row.id} is {row.status.value}")
    try:
        jobs.cancel(session, actor, job.id, reason)
    except JobFinished as exc:
        raise GenerationFinished(exc.message) from None
    _sync(session, row)
    audit.record(
        session,
        actor,
        "generation.cancelled",
        "generation_request",
        row.id,
        {"job_id": job.id, "reason": reason},
    )
    return row


# --- the job ---------------------------------------------------------------------------


class CheckOutcome(Protocol):
    """What the automated identity checks return
    (:func:`likeness.generation.checks.judge`)."""

    @property
    def passed(self) -> bool: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def details(self) -> Mapping[str, Any]: ...


class CheckRunner(Protocol):
    """The automated identity checks in two phases
    (:class:`likeness.generation.checks.IdentityChecks`): ``probe`` finds and embeds the
    faces with no session, outside any transaction (the costly part); ``judge`` reads
    the references and gives the verdict inside the transaction that stores the image."""

    def probe(self, pixels_rgb8: U8) -> Any: ...

    def judge(
        self, session: Session, deps: StorageDeps, twin_id: str, found: Any
    ) -> CheckOutcome: ...


#: Keys of what a worker process keeps in ``ctx.cache`` (tests may put fakes there).
CACHE_CHECKS = "generation:checks"
CACHE_STAMP = "generation:stamp_config"
CACHE_ENGINE = "generation:engine:"
#: The decrypted twins (and their sealed extras, a LoRA): an LRU of
#: (twin id, version, artifacts digest) → Subject, at most :data:`SUBJECT_CACHE_SIZE`.
CACHE_SUBJECTS = "generation:subjects"
SUBJECT_CACHE_SIZE = 4


def default_checks() -> CheckRunner:
    """The automated identity checks (:mod:`likeness.generation.checks`)."""
    module = importlib.import_module("likeness.generation.checks")
    return cast(CheckRunner, module.IdentityChecks())


class _Context(Protocol):
    """What :func:`run_job` uses of the jobs worker's ``JobContext``."""

    job_id: str
    payload: dict[str, Any]
    attempt: int
    cache: dict[str, Any]
    #: The worker's runtime: its database, blob store, keys and settings.
    runtime: Any

    def progress(self, fraction: float | None = None, message: str | None = None) -> bool: ...


def _cached(ctx: _Context, key: str, build: Callable[[], Any]) -> Any:
    if key not in ctx.cache:
        ctx.cache[key] = build()
    return ctx.cache[key]


@dataclass(frozen=True)
class _Work:
    """What the handler needs from the request row, read once."""

    request_id: str
    license_id: str
    twin_id: str
    use: dict[str, Any]
    engine: str
    brief: Brief
    brief_json: dict[str, Any]
    width: int
    height: int
    count: int
    seed: int
    requested_by_user_id: str | None
    input_digests: dict[str, str]
    #: input role → sealed blob key
    input_blobs: dict[str, str]


def _work_of(row: GenerationRequest) -> _Work:
    brief = json.loads(row.brief_json)
    pose = brief.get("pose_keypoints")
    return _Work(
        request_id=row.id,
        license_id=row.license_id,
        twin_id=row.twin_id,
        use=json.loads(row.use_json),
        engine=row.engine,
        brief=Brief(
            task=Task(row.task),
            prompt=brief.get("prompt"),
            negative_prompt=brief.get("negative_prompt"),
            scene=brief.get("scene"),
            pose_keypoints={k: (float(v[0]), float(v[1])) for k, v in pose.items()}
            if pose
            else None,
            framing=brief.get("framing"),
            options=brief.get("options") or {},
        ),
        brief_json=brief,
        width=row.width,
        height=row.height,
        count=row.image_count,
        seed=row.seed,
        requested_by_user_id=row.requested_by_user_id,
        input_digests={r: e["sha256"] for r, e in json.loads(row.inputs_json).items()},
        input_blobs={r: e["blob_key"] for r, e in json.loads(row.inputs_json).items()},
    )


SubjectKey = tuple[str, int, str]


def _artifacts_digest(row: Any) -> str:
    """What a version's sealed material is now: replacing its LoRA changes it."""
    return sha256_hex(str(row.artifacts).encode("utf-8"))


def _current_key(session: Session, twin_id: str) -> SubjectKey | None:
    """(twin, latest active version, its artifacts' digest and the active relighting
    prior); None once the twin has no active version (shredded, retired). A new or
    retired prior changes the key, so a cached subject never renders with a retired one."""
    from likeness.relighting import repository as priors
    from likeness.twin import repository as twin_repository

    if session.get(Twin, twin_id) is None:
        return None
    current = twin_repository.version_of(session, twin_id, None)
    if current is None:
        return None
    active = priors.active(session)
    prior = active[0].id if active else "-"
    return (twin_id, current.version, f"{_artifacts_digest(current)}:{prior}")


def _subjects(ctx: _Context) -> OrderedDict[SubjectKey, Any]:
    table = ctx.cache.get(CACHE_SUBJECTS)
    if not isinstance(table, OrderedDict):
        table = OrderedDict()
        ctx.cache[CACHE_SUBJECTS] = table
    return table


def _forget_twin(ctx: _Context, twin_id: str) -> None:
    table = _subjects(ctx)
    for key in [k for k in table if k[0] == twin_id]:
        del table[key]


def _subject(ctx: _Context, runtime: Any, twin_id: str) -> Any:
    """The twin's :class:`~likeness.engines.Subject`, decrypted once per worker process
    for each twin version and its artifacts (the latest active one; a new version, or a
    replaced LoRA, loads afresh). Every call first drops the cached subjects whose
    version is no longer the active one with those artifacts (a shred, a retirement, a
    replacement), so decrypted material does not outlive them; a load that fails drops
    this twin's entries before the error goes on. At most :data:`SUBJECT_CACHE_SIZE`
    subjects are kept, the least recently used going first."""
    from likeness.engines.subject import subject_from_basis
    from likeness.relighting import service as relighting
    from likeness.studio import Basis, PriorUse
    from likeness.twin import extras as twin_extras
    from likeness.twin import repository as twin_repository
    from likeness.twin import service as twins

    table = _subjects(ctx)
    try:
        with runtime.db.unit_of_work() as session:
            for cached_twin in {k[0] for k in table}:
                now = _current_key(session, cached_twin)
                for stale in [k for k in table if k[0] == cached_twin and k != now]:
                    del table[stale]
            key = _current_key(session, twin_id)
            if key is not None and key in table:
                table.move_to_end(key)
                return table[key]
            version = key[1] if key is not None else None
            loaded = twins.load_basis(session, GENERATION_ACTOR, runtime.storage, twin_id, version)
            current = twin_repository.version_of(session, twin_id, loaded.version)
            # Sealed per-version material (a talent LoRA) goes to the engine with the basis.
            extras = (
                twin_extras.load_extras(
                    session, GENERATION_ACTOR, runtime.storage, twin_id, loaded.version
                )
                if current is not None and twin_extras.extras_of(current)
                else {}
            )
            # Twins render with the active relighting prior (decision 0028).
            found = relighting.render_prior(session, runtime.storage)
            prior = (
                PriorUse(found.prior, found.name, found.sha256, found.license, found.commercial_use)
                if found is not None
                else None
            )
            key = _current_key(session, twin_id) if current is not None else None
    except BaseException:
        _forget_twin(ctx, twin_id)
        raise
    subject = replace(
        subject_from_basis(twin_id, loaded.version, Basis.from_twin(loaded, prior)), extras=extras
    )
    _forget_twin(ctx, twin_id)
    if key is not None:
        remember(table, key, subject)
    return subject


def remember(
    table: OrderedDict[SubjectKey, Any], key: SubjectKey, subject: Any, size: int | None = None
) -> None:
    """Keep ``subject`` as the most recently used, dropping the least recently used ones
    past ``size`` (:data:`SUBJECT_CACHE_SIZE`)."""
    table[key] = subject
    table.move_to_end(key)
    while len(table) > (SUBJECT_CACHE_SIZE if size is None else size):
        table.popitem(last=False)


def _engine(ctx: _Context, runtime: Any, name: str) -> Engine:
    from likeness.engines import registry

    built = _cached(ctx, CACHE_ENGINE + name, lambda: registry.build(name, runtime.settings))
    return cast(Engine, built)


def _encode_png(pixels: U8) -> bytes:
    return encode_png(np.ascontiguousarray(pixels, dtype=np.uint8))


def engine_params(work: _Work, engine: Engine, image: Any) -> dict[str, Any]:
    """What an output records about how it was made: the task, brief, input digests,
    the engine's parameters, and the provenance the C2PA manifest carries (whether the
    pixels are generative, the models' SHA-256s, the seed)."""
    info = engine.info
    models = image.models if image.models is not None else info.models
    provenance: dict[str, Any] = {
        "engine": info.name,
        "generative": info.generative,
        "models": [{"name": m.name, "sha256": m.sha256} for m in models],
        "seed": int(image.seed),
    }
    if info.processor is not None:
        provenance["processor"] = info.processor
    restricted = sorted({m.name for m in (*info.models, *models) if not m.commercial_use})
    if restricted:
        # Only reachable under the operator's opt-in (LIKENESS_ALLOW_NONCOMMERCIAL_MODELS):
        # the output says which non-commercial models made it.
        provenance["noncommercial_models"] = restricted
    if image.ingredient is not None:
        # An imported file is one of the request's sealed inputs: the manifest of the
        # preview and the release reads it back as its ingredient.
        digest = sha256_hex(image.ingredient)
        provenance["ingredient"] = {"sha256": digest}
        for role, known in work.input_digests.items():
            if known == digest:
                provenance["ingredient"].update(
                    blob_key=work.input_blobs[role],
                    role=_input_role(work.request_id, InputRole(role)),
                )
                break
    return {
        "task": work.brief.task.value,
        "brief": work.brief_json,
        "inputs": work.input_digests,
        "size": [work.width, work.height],
        "params": dict(image.params),
        "provenance": provenance,
    }


def _prepare(
    work: _Work,
    engine: Engine,
    subject: Any,
    image: Any,
    runtime: Any,
    consent_sha256: str | None,
    stamp_config: Any,
) -> tuple[bytes, OutputCreate, Any]:
    """The image encoded, its output request, and its preview stamped for the use consent
    the job's own decision named (None without one): pure work, nothing written."""
    encoded = _encode_png(image.pixels)
    data = OutputCreate(
        license_id=work.license_id,
        twin_id=work.twin_id,
        twin_version=subject.twin_version,
        use=UseSpec(**work.use),
        engine=work.engine,
        engine_params=engine_params(work, engine, image),
    )
    prepared = (
        None
        if consent_sha256 is None
        else outputs.prepare_preview(
            runtime.storage,
            data,
            encoded,
            stamp_config,
            consent_sha256=consent_sha256,
            pixels=image.pixels,
        )
    )
    return encoded, data, prepared


def _store_image(
    ctx: _Context,
    runtime: Any,
    work: _Work,
    engine: Engine,
    subject: Any,
    index: int,
    image: Any,
    consent_sha256: str | None,
) -> tuple[str | None, bool]:
    """Check and store image ``index`` in its own transaction; (output id, passed), or
    (None, True) when another attempt stored it first.

    The costly pure parts run before the transaction, so that workers sharing an SQLite
    file do not queue on its write lock behind them: the faces are found and embedded
    (the checks' probe) and the preview is stamped (for the use consent the job's own
    decision named, ``consent_sha256``; the transaction decides again and stamps anew
    if anything differs). Both write nothing."""
    checks: CheckRunner = _cached(ctx, CACHE_CHECKS, default_checks)
    stamp_config = _cached(ctx, CACHE_STAMP, lambda: _stamp_config(runtime))
    # Before the transaction: on SQLite every unit of work holds the write lock, and
    # other workers must not wait on dlib or on the stamp. The probe runs beside the
    # encoding and the stamp (dlib, zlib and numpy release the GIL), so one image's
    # checks cost no wall time of their own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe") as pool:
        probing = pool.submit(checks.probe, image.pixels)
        encoded, data, prepared = _prepare(
            work, engine, subject, image, runtime, consent_sha256, stamp_config
        )
        found = probing.result()
    deps = runtime.storage
    try:
        with runtime.db.unit_of_work() as session:
            if index in repository.made_indices(session, work.request_id):
                return None, True
            result = checks.judge(session, deps, work.twin_id, found)
            check = {
                "passed": bool(result.passed),
                "reason": result.reason,
                "details": dict(result.details),
            }
            link = outputs.GenerationLink(work.request_id, index, check, work.requested_by_user_id)
            if result.passed:
                made, _ = outputs.create_with_preview(
                    session,
                    GENERATION_ACTOR,
                    deps,
                    data,
                    encoded,
                    stamp_config,
                    generation=link,
                    prepared=prepared,
                )
            else:
                made = outputs.hold_check_rejected(
                    session, GENERATION_ACTOR, deps, data, encoded, link
                )
            restricted = dict(getattr(result, "operator_details", None) or {})
            if restricted:
                # Another person's twin and its distance: for operators (the audit log)
                # only, never on the output the brand reads.
                audit.record(
                    session,
                    GENERATION_ACTOR,
                    "generation.identity_checked",
                    "output",
                    made.id,
                    {
                        "generation_request_id": work.request_id,
                        "index": index,
                        "passed": bool(result.passed),
                        "reason": result.reason,
                        **restricted,
                    },
                )
            return made.id, bool(result.passed)
    except IntegrityError:
        # Another attempt of this job stored this index first (unique per request).
        with runtime.db.unit_of_work() as session:
            if index in repository.made_indices(session, work.request_id):
                return None, True
        raise


def _stamp_config(runtime: Any) -> Any:
    from likeness.provenance import StampConfig

    return StampConfig.from_settings(runtime.settings)


def _still_allowed(
    session: Session, runtime: Any, ctx: _Context, row: GenerationRequest
) -> tuple[Engine, str | None]:
    """The rules :func:`submit` checked, checked again now, before the twin is decrypted
    or the likeness goes to any engine: the license may have been suspended, expired or
    withdrawn since, and the engine this worker built (its processor, its models, this
    worker's opt-in) may differ from the one the API process checked. Returns the engine
    and the digest of the use consent the decision named (what previews are stamped
    with before their transaction decides again); raises
    :class:`GenerationNotAllowed` (or the engine refusal) otherwise."""
    lic = session.get(License, row.license_id)
    if lic is None:
        raise GenerationNotAllowed(f"license {row.license_id} no longer exists")
    use = UseSpec(**json.loads(row.use_json))
    decision = outputs.decide_under(session, lic, row.twin_id, Action.generate, use)
    if not decision.allow:
        why = "; ".join(f"{r.code}: {r.message}" for r in decision.reasons) or "refused"
        raise GenerationNotAllowed(f"license {lic.id} no longer allows this: {why}")
    engine = _engine(ctx, runtime, row.engine)
    refusal_for_engine(
        engine,
        Task(row.task),
        terms_of(lic).processors,
        bool(runtime.settings.allow_noncommercial_models),
    )
    return engine, outputs.use_consent_sha256(session, decision)


def noncommercial_models(engine: Engine) -> list[str]:
    """The names of the models ``engine`` loads whose licence forbids commercial use
    (used only under the operator's opt-in, and recorded where used)."""
    return [m.name for m in engine.info.models if not m.commercial_use]


def run_job(ctx: _Context) -> dict[str, Any]:
    """The ``generation`` job: make the request's images and hold them in quarantine.

    Its result lists the outputs that passed the automated checks (``made``) and counts
    those that did not (``check_rejected``): what the brand may see of them."""
    runtime = ctx.runtime
    request_id = str(ctx.payload["generation_request_id"])
    with runtime.db.unit_of_work() as session:
        row = repository.get(session, request_id)
        if row is None:
            raise InvalidGenerationRequest(f"no generation request {request_id}")
        engine, consent_sha256 = _still_allowed(session, runtime, ctx, row)
        repository.set_values(
            session, row.id, {"status": GenerationStatus.running, "updated_at": utcnow()}
        )
        session.refresh(row)
        work = _work_of(row)
        done = repository.made_indices(session, row.id)
        inputs = open_inputs(runtime.storage, row) if len(done) < work.count else {}
    if not ctx.progress(0.0, "loading the twin and the engine"):
        raise JobCancelled(f"job {ctx.job_id} was cancelled")
    made: list[str] = []
    rejected = 0
    if len(done) < work.count:
        subject = _subject(ctx, runtime, work.twin_id)

        def report(fraction: float, message: str) -> bool:
            return ctx.progress(max(0.0, min(1.0, fraction)) * ENGINE_SHARE, message)

        request = EngineRequest(
            brief=work.brief,
            subject=subject,
            inputs=inputs,
            width=work.width,
            height=work.height,
            seed=work.seed,
            count=work.count,
            progress=report,
        )
        try:
            images = engine.generate(request)
        except EngineCancelled:
            raise JobCancelled(f"job {ctx.job_id} was cancelled") from None
        for index, image in enumerate(images[: work.count]):
            if index in done:
                continue
            share = ENGINE_SHARE + (1 - ENGINE_SHARE) * index / work.count
            if not ctx.progress(share, f"checking and storing image {index + 1}"):
                raise JobCancelled(f"job {ctx.job_id} was cancelled")
            output_id, passed = _store_image(
                ctx, runtime, work, engine, subject, index, image, consent_sha256
            )
            if output_id is None:
                continue
            if passed:
                made.append(output_id)
            else:
                rejected += 1
    ctx.progress(1.0, "done")
    return {"generation_request_id": request_id, "made": made, "check_rejected": rejected}
