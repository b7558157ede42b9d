"""Shared helpers for the generation tests (no tests in here).

A committed world with an active license and a twin whose version holds a real (tiny,
synthetic) sealed OLAT basis and matte, so ``twin.service.load_basis`` and the studio
renderer run for real; fake identity checks; a job context for calling the handler
directly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy.orm import Session

import factories
from integration import output_support
from integration.test_license_support import World, make_world, to_status
from likeness.engines import InputRole, Task
from likeness.generation import service
from likeness.generation.schemas import BriefIn, GenerationCreate
from likeness.identity.actor import SYSTEM_ACTOR
from likeness.jobs import worker
from likeness.kit.db import Database
from likeness.models.party import User
from likeness.models.twin import Twin, TwinVersion
from likeness.output.schemas import UseSpec
from likeness.provenance import StampConfig
from likeness.runtime import Runtime
from likeness.twin._basis import pack_basis
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name
from unit.engines import fakes

SCENE = {"lights": [{"azimuth_deg": 25, "elevation_deg": 20}], "background": {"color": [0.3] * 3}}


def seal_basis(session: Session, deps: StorageDeps, twin: Twin) -> None:
    """Give the twin's version 1 a real sealed basis and matte (view ``view1``)."""
    images, matte = fakes.basis_arrays()
    row = session.query(TwinVersion).filter_by(twin_id=twin.id, version=1).one()
    ok, png = cv2.imencode(".png", (matte * 255).astype(np.uint8))
    assert ok
    keys = {}
    for role, content in (("basis/view1", pack_basis(images)), ("matte/view1", png.tobytes())):
        sealed = deps.cipher.encrypt(twin_key_name(twin.id), content, role=f"v1/{role}")
        keys[role] = deps.blobs.put(sealed)
    row.artifacts = json.dumps(keys, sort_keys=True)
    row.metadata_json = json.dumps(
        {
            "views": [{"id": "view1", "yaw": 0.0, "pitch": 0.0}],
            "light_dirs": fakes.LIGHT_DIRS.tolist(),
        }
    )
    session.flush()


class Actors:
    """The world's actors by name, resolved in any later session (the world's rows were
    committed by another one)."""

    def __init__(self, world: World) -> None:
        self.user_ids = {
            "talent": world.talent_user.id,
            "agent": world.agent_user.id,
            "brand": world.brand_user.id,
            "other_brand": world.other_brand_user.id,
        }

    def actor(self, session: Session, who: str) -> Any:
        if who == "operator":
            return SYSTEM_ACTOR
        user = session.get(User, self.user_ids[who])
        assert user is not None
        return factories.actor(session, user)


@dataclass
class Setup:
    db: Database
    runtime: Runtime
    world: Actors
    twin_id: str
    license_id: str
    brand_user_id: str
    config: StampConfig

    def create(self, **changes: Any) -> GenerationCreate:
        values: dict[str, Any] = {
            "license_id": self.license_id,
            "twin_id": self.twin_id,
            "use": UseSpec(channel="instagram", territory="FR", category="fashion"),
            "engine": "memory",
            "task": Task.tryon,
            "brief": BriefIn(prompt="a linen shirt", scene=SCENE),
            "width": 240,
            "height": 300,
            "count": 2,
            "seed": 7,
        }
        values.update(changes)
        return GenerationCreate(**values)


def setup(db: Database, runtime: Runtime, keys: Path, **terms: Any) -> Setup:
    with db.unit_of_work() as session:
        world = make_world(session)
        twin = output_support.twin_with_version(session, world, runtime.storage)
        seal_basis(session, runtime.storage, twin)
        lic = to_status(session, world, "active", **terms)
        ids = (twin.id, lic.id, world.brand_user.id)
        actors = Actors(world)
    return Setup(db, runtime, actors, *ids, output_support.stamp_config(keys))


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class FakeChecks:
    """Passes every image, except the judged ones whose number (from 0) is in ``reject``.

    The two phases as the job calls them: ``probe`` (pixels only, and no transaction
    open: ``probes`` counts them) then ``judge`` on what the probe returned."""

    def __init__(self, reject: frozenset[int] = frozenset()) -> None:
        self.reject = reject
        self.calls = 0
        self.probes = 0

    def probe(self, pixels: Any) -> int:
        assert pixels.dtype == np.uint8 and pixels.ndim == 3
        self.probes += 1
        return self.probes

    def judge(self, session: Session, deps: StorageDeps, twin_id: str, found: Any) -> Outcome:
        number = self.calls
        self.calls += 1
        assert isinstance(found, int) and found == self.probes  # this image's probe
        if number in self.reject:
            return Outcome(False, "another registered twin is closer", {"distance": 0.9})
        return Outcome(True, None, {"distance": 0.1})


def cache(s: Setup, engine: Any, checks: Any | None = None) -> dict[str, Any]:
    """A worker process's cache with the test's engine, checks and stamp (the runtime
    comes with the job's context: the worker's own)."""
    return {
        service.CACHE_ENGINE + engine.info.name: engine,
        service.CACHE_CHECKS: checks or FakeChecks(),
        service.CACHE_STAMP: s.config,
    }


def engines_of(*engines: Any) -> Callable[[str], Any]:
    table = {e.info.name: e for e in engines}

    def resolve(name: str) -> Any:
        from likeness.engines.registry import UnknownEngine

        if name not in table:
            raise UnknownEngine(f"no engine {name!r} here")
        return table[name]

    return resolve


def submit(
    s: Setup,
    data: GenerationCreate,
    engine: Any,
    inputs: dict[InputRole, bytes] | None = None,
    who: str = "brand",
    allow_noncommercial: bool | None = False,
) -> service.Submitted:
    with s.db.unit_of_work() as session:
        return service.submit(
            session,
            s.world.actor(session, who),
            s.runtime.storage,
            data,
            inputs or {},
            engines_of(engine),
            allow_noncommercial=allow_noncommercial,
        )


def run(s: Setup, cache: dict[str, Any]) -> worker.JobOutcome | None:
    return worker.run_next(
        s.runtime,
        "test-worker",
        [service.JOB_KIND],
        cache=cache,
        handlers={service.JOB_KIND: service.JOB_HANDLER},
    )


def drain(s: Setup, cache: dict[str, Any]) -> Iterator[worker.JobOutcome]:
    while (outcome := run(s, cache)) is not None:
        yield outcome
