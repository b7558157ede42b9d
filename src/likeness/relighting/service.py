"""Relighting priors from consented captures: train, register, retire, retrain, load.

The rules (decision 0028):

* **Only consented captures.** A twin version's basis is a training source only while
  its talent's creation consent in force covers that twin and names ``train``
  (:data:`likeness.policy.TRAIN`, never in a consent by default). The synthetic cast (no
  real person) and bases the operator declares licensed (with their licence tag) may be
  added. Nothing else is read.
* **A registered model.** The prior file is sealed under its own data key
  (``prior-<id>``) in the blob store, behind an intent (decision 0009): a crash at any
  instant leaves a journal that recovery follows to shred the key and delete the blob.
  Its row records the file's SHA-256, its licence and commercial flag (commercial only
  if every source is: :func:`likeness.modelreg.derived_terms`) and a training manifest
  (every source by id and hash, when, the code version), with one
  :class:`~likeness.models.relight.RelightPriorSource` row per source. A new prior
  replaces the active one (retired, its key shredded after the commit).
* **Revocation retires.** When a talent's consents in force no longer let a source of
  theirs train (:func:`enforce_training_consent`, called by the revocation use case in
  the same transaction), every active prior that learned from it is retired (status,
  reason, audit event; its key is shredded once that commits) and a ``relight.retrain``
  job is queued to train again from the sources still consented.
* **A retired prior is never loaded** (:func:`render_prior` reads only the active one and
  re-checks its talents' consents first); a non-commercial one only under the operator's
  opt-in (:func:`likeness.modelreg.admit_trained`).

Audit events: ``relight.prior_trained``, ``relight.prior_retired``,
``relight.retrain_queued``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness import __version__, modelreg
from likeness.audit.service import record
from likeness.consent import service as consent_service
from likeness.identity.actor import Actor
from likeness.jobs import service as jobs
from likeness.kit.bounds import MAX_PAGE, require_page
from likeness.kit.canonical import canonical_json, sha256_hex
from likeness.kit.clock import utcnow
from likeness.models.base import new_id
from likeness.models.party import Role
from likeness.models.relight import (
    PriorSourceKind,
    PriorStatus,
    RelightPriorRecord,
    RelightPriorSource,
)
from likeness.models.twin import TwinVersionStatus
from likeness.policy import TRAIN
from likeness.relighting import access, repository
from likeness.relighting.errors import (
    InvalidTrainingSource,
    NoTrainingData,
    PriorNotFound,
    PriorUnreadable,
    TrainingSourceWithdrawn,
)
from likeness.relighting.schemas import PriorDetail, PriorRead, PriorSourceRead
from likeness.twin import repository as twin_repository
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps, destroy_on_commit, settle_with_transaction, undo_intent

if TYPE_CHECKING:
    from likeness.imaging.relight import RelightPrior
    from likeness.jobs.worker import JobContext
    from likeness.models.job import Job

F32 = NDArray[np.float32]
MANIFEST_SCHEMA = "likeness.relight-prior-manifest/1"
#: The job that trains again after a revocation retired the active prior.
RETRAIN_JOB = "relight.retrain"
#: Who the audit log names for retraining after a revocation.
RELIGHT_ACTOR = Actor(user_id=None, email="relight@localhost", role=Role.operator, via="worker")
#: Progress callback: (fraction done, what is happening).
Progress = Callable[[float, str], None]


def prior_key_name(prior_id: str) -> str:
    return f"prior-{prior_id}"


@cache
def code_version() -> str:
    """``<likeness version>+<12 hex>``: the package version and a digest of the relighting
    library's source, so a manifest names the exact training code."""
    from likeness.imaging import relight

    folder = Path(relight.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


# --- sources --------------------------------------------------------------------------


@dataclass(frozen=True)
class LicensedSource:
    """A basis the operator declares licensed for training: an ``.npz`` holding ``basis``
    (``[L, H, W, C]`` or ``[V, L, H, W, C]``, linear float) and ``light_dirs`` ``[L, 3]``."""

    path: Path
    license: str

    @property
    def commercial_use(self) -> bool:
        terms = modelreg.license_terms(self.license)
        return bool(terms is not None and terms.commercial_use)


@dataclass
class _Source:
    """One training source: what the manifest and the source row say about it, and how
    to read its views (lazily, so memory holds one view at a time)."""

    kind: PriorSourceKind
    source_id: str
    license: str
    commercial_use: bool
    views: list[tuple[F32, Callable[[], F32]]]
    talent_id: str | None = None
    twin_version: int | None = None
    capture_session_id: str | None = None
    consent_id: str | None = None
    #: the content addresses (twins) or names the views came from
    view_refs: list[str] = field(default_factory=list)
    #: SHA-256 of the views' float32 bytes, filled as they are read
    digest: Any = field(default_factory=hashlib.sha256)


def consented_twin_sources(session: Session, deps: StorageDeps) -> list[_Source]:
    """Every active twin whose talent's creation consent in force covers it and names
    ``train``, as a source (its latest active version)."""
    now = utcnow()
    found: list[_Source] = []
    for twin, version in repository.trainable_twins(session):
        consent, _ = consent_service.creation_consent_allowing(
            session, twin.talent_id, twin.id, TRAIN, at=now
        )
        if consent is None:
            continue
        views = twins.version_bases(deps, twin.id, version)
        found.append(
            _Source(
                kind=PriorSourceKind.twin,
                source_id=twin.id,
                license=modelreg.CONSENTED_CAPTURE_LICENSE,
                commercial_use=True,
                views=[(dirs, load) for _, dirs, load, _ in views],
                talent_id=twin.talent_id,
                twin_version=version.version,
                capture_session_id=version.session_id,
                consent_id=consent.id,
                view_refs=[blob for *_, blob in views],
            )
        )
    return found


def synthetic_sources(seeds: Sequence[int], light_dirs: F32 | None, size: int) -> list[_Source]:
    """Members of the synthetic cast (front view), lit by the rig of ``light_dirs`` when
    it is a Fibonacci sphere of that count, as the capture rig is (else 64 lights)."""
    from likeness.capture.synthetic import RigConfig, render_capture

    count = int(light_dirs.shape[0]) if light_dirs is not None else 64
    config = RigConfig(yaws=(0.0,), lights=count, size=size, noise=0.0)
    found = []
    for seed in seeds:

        def load(seed: int = seed) -> F32:
            return render_capture(seed, config).views[0].olat

        found.append(
            _Source(
                kind=PriorSourceKind.synthetic,
                source_id=f"seed-{seed}",
                license=modelreg.SYNTHETIC_LICENSE,
                commercial_use=True,
                views=[(config.light_directions(), load)],
                view_refs=[f"synthetic:{seed}:{count}x{size}"],
            )
        )
    return found


def _read_licensed(path: Path) -> tuple[F32, F32]:
    try:
        with np.load(path, allow_pickle=False) as data:
            basis = np.asarray(data["basis"], np.float32)
            dirs = np.asarray(data["light_dirs"], np.float32)
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise InvalidTrainingSource(f"cannot read licensed basis {path.name}: {exc}") from None
    if basis.ndim == 4:
        basis = basis[None]
    if basis.ndim != 5 or dirs.shape != (basis.shape[1], 3):
        raise InvalidTrainingSource(
            f"{path.name}: 'basis' must be [L, H, W, C] or [V, L, H, W, C] and 'light_dirs' [L, 3]"
        )
    return basis, dirs


def _constant(view: F32) -> Callable[[], F32]:
    return lambda: view


def licensed_sources(sources: Sequence[LicensedSource]) -> list[_Source]:
    found = []
    for source in sources:
        basis, dirs = _read_licensed(source.path)
        found.append(
            _Source(
                kind=PriorSourceKind.licensed,
                source_id=source.path.name[:200],
                license=source.license.strip().lower()[:100],
                commercial_use=source.commercial_use,
                views=[(dirs, _constant(view)) for view in basis],
                view_refs=[f"{source.path.name}#{index}" for index in range(basis.shape[0])],
            )
        )
    return found


class _Captures(Sequence[tuple[F32, F32]]):
    """The sources' views as ``train_prior`` takes them, read (decrypted) one at a time
    when asked for, each hashed into its source's digest on first read."""

    def __init__(self, sources: list[_Source], progress: Progress | None) -> None:
        self._index = [(s, v) for s in sources for v in range(len(s.views))]
        self._hashed: set[tuple[int, int]] = set()
        self._progress = progress

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        source, view = self._index[index]
        dirs, load = source.views[view]
        basis = np.ascontiguousarray(load(), np.float32)
        key = (id(source), view)
        if key not in self._hashed:
            self._hashed.add(key)
            source.digest.update(basis.tobytes())
        if self._progress is not None:
            self._progress(0.1 + 0.7 * (index + 1) / len(self), f"read {source.source_id}")
        return basis, dirs

    def __iter__(self) -> Iterator[tuple[F32, F32]]:
        for index in range(len(self)):
            yield self[index]


# --- training -------------------------------------------------------------------------


def _prior_bytes(prior: RelightPrior) -> bytes:
    """The prior's one-file form (what ``RelightPrior.save`` writes), never on disk here:
    it is sealed before it is stored."""
    return prior.to_bytes()


def _prior_from_bytes(data: bytes) -> RelightPrior:
    from likeness.imaging.relight import RelightPrior

    return RelightPrior.from_bytes(data)


def _manifest(
    prior_id: str,
    name: str,
    sources: list[_Source],
    *,
    trained_at: str,
    seconds: float,
    prior: RelightPrior,
    data: bytes,
    terms: tuple[str, bool],
    actor: Actor,
) -> dict[str, Any]:
    return {
        "schema": MANIFEST_SCHEMA,
        "prior_id": prior_id,
        "name": name,
        "trained_at": trained_at,
        "trained_by": actor.label,
        "code_version": code_version(),
        "training_seconds": round(seconds, 3),
        "prior_sha256": prior.sha256,
        "file_sha256": sha256_hex(data),
        "size_bytes": len(data),
        "license": terms[0],
        "commercial_use": terms[1],
        "rig_lights": int(np.asarray(prior.rig_dirs).shape[0]),
        "trainer": _jsonable(prior.metadata),
        "sources": [
            {
                "kind": s.kind.value,
                "id": s.source_id,
                "talent_id": s.talent_id,
                "twin_version": s.twin_version,
                "capture_session_id": s.capture_session_id,
                "consent_id": s.consent_id,
                "views": s.view_refs,
                "sha256": s.digest.hexdigest(),
                "license": s.license,
                "commercial_use": s.commercial_use,
            }
            for s in sources
        ],
    }


def _jsonable(value: Any) -> Any:
    """The prior's metadata, as JSON can hold it (numbers, strings, lists, objects)."""
    return json.loads(json.dumps(value, default=lambda v: getattr(v, "tolist", str)()))


def train(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    *,
    synthetic: Sequence[int] = (),
    synthetic_size: int = 128,
    licensed: Sequence[LicensedSource] = (),
    progress: Progress | None = None,
    reason: str = "trained by the operator",
) -> RelightPriorRecord:
    """Train a prior from every consented twin (plus ``synthetic`` seeds and ``licensed``
    bases), seal and register it as the active prior, and retire the one it replaces.
    Runs in the caller's transaction; the sealed file is journalled (decision 0009)."""
    sources = gather(
        session, actor, deps, synthetic=synthetic, synthetic_size=synthetic_size, licensed=licensed
    )
    prior, seconds = fit(sources, progress)
    return register(session, actor, deps, sources, prior, seconds, reason=reason)


def gather(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    *,
    synthetic: Sequence[int] = (),
    synthetic_size: int = 128,
    licensed: Sequence[LicensedSource] = (),
) -> list[_Source]:
    """The sources a prior may learn from now (rows read here; the bases are read later,
    lazily, by :func:`fit`, which needs no transaction)."""
    access.require_operator(actor, "train")
    sources = consented_twin_sources(session, deps)
    rig = sources[0].views[0][0] if sources and sources[0].views else None
    sources += synthetic_sources(synthetic, rig, synthetic_size)
    sources += licensed_sources(licensed)
    if not sources:
        raise NoTrainingData(
            "nothing to train from: no twin's creation consent names 'train', and no "
            "synthetic seed or licensed basis was given"
        )
    return sources


def fit(sources: list[_Source], progress: Progress | None = None) -> tuple[RelightPrior, float]:
    """Train on ``sources`` (decrypting one view at a time); the prior and the seconds."""
    from likeness.imaging.relight import train_prior

    say = progress or (lambda _f, _m: None)
    say(0.05, "reading consented captures")
    captures = _Captures(sources, say)
    started = time.perf_counter()
    prior = train_prior(captures)
    seconds = time.perf_counter() - started
    for index in range(len(captures)):  # a trainer that skipped a view still names it
        source, view = captures._index[index]
        if (id(source), view) not in captures._hashed:
            captures[index]
    say(0.85, "sealing the prior")
    return prior, seconds


def register(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    sources: list[_Source],
    prior: RelightPrior,
    seconds: float,
    *,
    reason: str = "trained by the operator",
) -> RelightPriorRecord:
    """Seal ``prior`` and register it as the active prior with its training manifest,
    retiring the one it replaces. Every twin source is checked again first: a consent
    withdrawn while the prior trained (outside this transaction) refuses the prior."""
    access.require_operator(actor, "train")
    now = utcnow()
    for source in sources:
        if source.talent_id is None:
            continue
        consent, _ = consent_service.creation_consent_allowing(
            session, source.talent_id, source.source_id, TRAIN, at=now
        )
        if consent is None:
            raise TrainingSourceWithdrawn(
                f"twin {source.source_id} may no longer train (its consent was withdrawn "
                "while the prior trained): train again"
            )
    data = _prior_bytes(prior)
    terms = modelreg.derived_terms((s.license, s.commercial_use) for s in sources)
    prior_id = new_id()
    name = f"relight-prior-{now:%Y%m%d-%H%M%S}-{prior_id[:6]}"
    manifest = _manifest(
        prior_id,
        name,
        sources,
        trained_at=now.isoformat(),
        seconds=seconds,
        prior=prior,
        data=data,
        terms=terms,
        actor=actor,
    )
    manifest_text = canonical_json(manifest)
    key_name = prior_key_name(prior_id)
    intent = deps.intents.begin(
        kind="prior",
        talent_id="-",
        key_name=key_name,
        key_new=True,
        row=("relight_priors", prior_id),
        key_owner=("relight_priors", prior_id),
    )
    try:
        settle_with_transaction(session, deps, intent)
        deps.cipher.create_key(key_name)
        blob_key = intent.put(deps.blobs, deps.cipher.encrypt(key_name, data, role="prior"))
    except BaseException:
        undo_intent(deps, intent)
        raise
    for old in repository.active(session):
        retire(session, actor, deps, old, f"replaced by {name}")
    row = RelightPriorRecord(
        id=prior_id,
        name=name,
        status=PriorStatus.active,
        sha256=prior.sha256,
        size_bytes=len(data),
        blob_key=blob_key,
        key_name=key_name,
        license=terms[0],
        commercial_use=terms[1],
        manifest=manifest_text,
        manifest_sha256=sha256_hex(manifest_text.encode()),
        code_version=code_version(),
        trained_by_user_id=actor.user_id,
        training_seconds=round(seconds, 3),
        created_at=now,
    )
    session.add(row)
    session.add_all(
        RelightPriorSource(
            prior_id=prior_id,
            kind=s.kind,
            talent_id=s.talent_id,
            source_id=s.source_id,
            twin_version=s.twin_version,
            capture_session_id=s.capture_session_id,
            consent_id=s.consent_id,
            sha256=s.digest.hexdigest(),
            license=s.license,
            commercial_use=s.commercial_use,
        )
        for s in sources
    )
    session.flush()
    record(
        session,
        actor,
        "relight.prior_trained",
        "relight_prior",
        prior_id,
        {
            "name": name,
            "sha256": prior.sha256,
            "manifest_sha256": row.manifest_sha256,
            "license": terms[0],
            "commercial_use": terms[1],
            "sources": len(sources),
            "talents": sorted({s.talent_id for s in sources if s.talent_id}),
            "seconds": round(seconds, 3),
            "reason": reason[:200],
        },
    )
    return row


def retire(
    session: Session, actor: Actor, deps: StorageDeps, prior: RelightPriorRecord, reason: str
) -> RelightPriorRecord:
    """Retire a prior for good: never loaded again; its key is shredded and its sealed
    file deleted once this transaction commits (journalled, decision 0009)."""
    access.require_operator(actor, "retire")
    if prior.status is PriorStatus.retired:
        return prior
    sealed = prior.blob_key
    prior.status = PriorStatus.retired
    prior.retired_at = utcnow()
    prior.retire_reason = " ".join(reason.split())[:500] or "retired"
    prior.blob_key = None  # no row names the file any more: recovery may delete it
    session.flush()
    destroy_on_commit(
        session,
        deps,
        key_name=prior.key_name,
        blob_keys=[sealed] if sealed else [],
        talent_id="-",
        row=("relight_priors", prior.id),
    )
    record(
        session,
        actor,
        "relight.prior_retired",
        "relight_prior",
        prior.id,
        {"name": prior.name, "sha256": prior.sha256, "reason": prior.retire_reason},
    )
    return prior


def enforce_training_consent(
    session: Session, actor: Actor, deps: StorageDeps, talent_id: str, reason: str
) -> list[str]:
    """Retire every active prior that learned from a twin of ``talent_id`` which no
    consent of theirs in force lets train any more (a revoked or replaced creation
    consent, a retired twin), and queue a retrain without them. Call it in the
    transaction that changed the consent; returns the names of the priors retired."""
    now = utcnow()
    retired: list[str] = []
    for prior, source in repository.active_priors_learning_from(session, talent_id):
        if prior.status is PriorStatus.retired:
            continue
        consent, _ = consent_service.creation_consent_allowing(
            session, talent_id, source.source_id, TRAIN, at=now
        )
        if consent is not None and _twin_version_alive(session, source):
            continue
        why = f"a source withdrew from training ({reason})"
        retire(session, RELIGHT_ACTOR, deps, prior, why)
        retired.append(prior.name)
        queue_retrain(session, RELIGHT_ACTOR, prior, why)
    return retired


def _twin_version_alive(session: Session, source: RelightPriorSource) -> bool:
    if source.twin_version is None:
        return True
    row = twin_repository.version_of(session, source.source_id, source.twin_version)
    return row is not None and row.status is TwinVersionStatus.active


def queue_retrain(session: Session, actor: Actor, prior: RelightPriorRecord, reason: str) -> str:
    """Queue a ``relight.retrain`` job that trains again from the sources still consented
    (plus the retired prior's synthetic seeds); returns the job id. It runs once the
    transaction commits, on the job workers (``likeness job work``)."""
    manifest = json.loads(prior.manifest)
    seeds = [
        int(s["id"].removeprefix("seed-"))
        for s in manifest.get("sources", [])
        if s.get("kind") == PriorSourceKind.synthetic.value
    ]
    size = next(
        (
            int(s["views"][0].split(":")[2].split("x")[1])
            for s in manifest.get("sources", [])
            if s.get("kind") == PriorSourceKind.synthetic.value and s.get("views")
        ),
        128,
    )
    job = jobs.enqueue(
        session,
        actor,
        RETRAIN_JOB,
        {"replaces": prior.id, "synthetic": seeds, "synthetic_size": size, "reason": reason},
        ref_type="relight_prior",
        ref_id=prior.id,
    )
    record(
        session,
        actor,
        "relight.retrain_queued",
        "relight_prior",
        prior.id,
        {"job_id": job.id, "synthetic": len(seeds)},
    )
    return job.id


def queue_training(
    session: Session,
    actor: Actor,
    deps: StorageDeps,
    *,
    synthetic: Sequence[int] = (),
    synthetic_size: int = 128,
) -> Job:
    """Check that there is something to learn from (the consented twins, plus
    ``synthetic`` seeds, each named once), then queue the training as a
    ``relight.retrain`` job: it runs once the transaction commits, on the job workers,
    because training takes minutes, longer than a request should wait. Audited."""
    access.require_operator(actor, "train")
    seeds = list(synthetic)
    twice = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if twice:
        raise InvalidTrainingSource(f"synthetic seed {twice[0]} is named more than once")
    gather(session, actor, deps, synthetic=seeds, synthetic_size=synthetic_size)
    job = jobs.enqueue(
        session,
        actor,
        RETRAIN_JOB,
        {"synthetic": seeds, "synthetic_size": synthetic_size, "reason": "trained by the operator"},
    )
    record(
        session,
        actor,
        "relight.training_queued",
        "job",
        job.id,
        {"synthetic": len(seeds), "synthetic_size": synthetic_size},
    )
    return job


def _beat(ctx: JobContext, fraction: float, message: str) -> None:
    ctx.progress(min(fraction, 0.99), message)
    ctx.check()


def run_retrain_job(ctx: JobContext) -> dict[str, Any]:
    """The ``relight.retrain`` handler: train from the consented sources left (and the
    synthetic seeds of the prior it replaces). The rows are read in one short transaction,
    the training runs with none open (the worker's heartbeats must write), and the prior
    is registered in another, which checks the consents again. Nothing left to learn from
    is not a failure: the platform renders weight-free until the next training."""
    payload = ctx.payload
    deps = ctx.runtime.storage
    try:
        with ctx.runtime.db.unit_of_work() as session:
            sources = gather(
                session,
                RELIGHT_ACTOR,
                deps,
                synthetic=[int(s) for s in payload.get("synthetic", [])],
                synthetic_size=int(payload.get("synthetic_size", 128)),
            )
    except NoTrainingData as exc:
        return {"trained": None, "detail": exc.message}
    prior, seconds = fit(sources, lambda fraction, message: _beat(ctx, fraction, message))
    with ctx.runtime.db.unit_of_work() as session:
        row = register(
            session,
            RELIGHT_ACTOR,
            deps,
            sources,
            prior,
            seconds,
            reason=str(payload.get("reason", "retrain"))[:200],
        )
        return {"trained": row.name, "sha256": row.sha256, "seconds": row.training_seconds}


# --- loading for renders --------------------------------------------------------------


@dataclass(frozen=True)
class LoadedPrior:
    """An admitted prior and what a render's provenance says about it."""

    prior: RelightPrior
    name: str
    sha256: str
    license: str
    commercial_use: bool
    opted_in: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "license": self.license,
            "commercial_use": self.commercial_use,
        }


def still_consented(session: Session, prior: RelightPriorRecord) -> bool:
    """Whether every talent source of ``prior`` may still train (a consent can lapse at
    its end date without anyone revoking it)."""
    now = utcnow()
    for source in repository.sources_of(session, prior.id):
        if source.talent_id is None:
            continue
        consent, _ = consent_service.creation_consent_allowing(
            session, source.talent_id, source.source_id, TRAIN, at=now
        )
        if consent is None:
            return False
    return True


def load(
    session: Session,
    deps: StorageDeps,
    prior: RelightPriorRecord,
    *,
    allow_noncommercial: bool | None = None,
) -> LoadedPrior:
    """Decrypt and load ``prior`` (active only), admitted by its licence."""
    if prior.status is not PriorStatus.active or prior.blob_key is None:
        raise PriorUnreadable(f"prior {prior.name} is {prior.status}: it is never used again")
    admitted = modelreg.admit_trained(
        prior.name,
        prior.sha256,
        prior.license,
        prior.commercial_use,
        allow_noncommercial=allow_noncommercial,
    )
    try:
        data = deps.cipher.decrypt(prior.key_name, deps.blobs.get(prior.blob_key), role="prior")
    except Exception as exc:
        raise PriorUnreadable(f"prior {prior.name} cannot be opened: {exc}") from None
    loaded = _prior_from_bytes(data)
    if loaded.sha256 != prior.sha256:
        raise PriorUnreadable(f"prior {prior.name} does not match its registered SHA-256")
    return LoadedPrior(
        loaded, prior.name, prior.sha256, prior.license, prior.commercial_use, admitted.opted_in
    )


def render_prior(
    session: Session, deps: StorageDeps, *, allow_noncommercial: bool | None = None
) -> LoadedPrior | None:
    """The prior twins render with: the active one, if every talent it learned from
    still consents to training; None otherwise (the render is then weight-free). A
    non-commercial prior without the operator's opt-in is refused (an error, not a
    silent fallback: the operator chose to register it)."""
    found = repository.active(session)
    if not found or not still_consented(session, found[0]):
        return None
    return load(session, deps, found[0], allow_noncommercial=allow_noncommercial)


# --- reading --------------------------------------------------------------------------


def get(session: Session, actor: Actor, prior: str) -> RelightPriorRecord:
    """A prior by id or name (operators)."""
    access.require_operator(actor, "read")
    row = repository.get(session, prior) or repository.by_name(session, prior)
    if row is None:
        raise PriorNotFound(f"no relighting prior {prior}")
    return row


def list_priors(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[RelightPriorRecord]:
    access.require_operator(actor, "list")
    require_page(limit, offset, MAX_PAGE)
    return list(repository.list_priors(session, limit=limit, offset=offset))


def to_read(session: Session, row: RelightPriorRecord) -> PriorRead:
    sources = repository.sources_of(session, row.id)
    return PriorRead(
        id=row.id,
        name=row.name,
        status=row.status,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        license=row.license,
        commercial_use=row.commercial_use,
        code_version=row.code_version,
        trained_at=row.created_at,
        training_seconds=row.training_seconds,
        sources=len(sources),
        talents=len({s.talent_id for s in sources if s.talent_id}),
        retired_at=row.retired_at,
        retire_reason=row.retire_reason,
    )


def to_detail(session: Session, row: RelightPriorRecord) -> PriorDetail:
    base = to_read(session, row)
    return PriorDetail(
        **base.model_dump(),
        manifest=json.loads(row.manifest),
        manifest_sha256=row.manifest_sha256,
        source_list=[
            PriorSourceRead.model_validate(s, from_attributes=True)
            for s in repository.sources_of(session, row.id)
        ],
    )


def prior_reads(session: Session, rows: Sequence[RelightPriorRecord]) -> list[PriorRead]:
    return [to_read(session, row) for row in rows]
