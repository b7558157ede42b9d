"""The automated identity checks on generated images, against real twin builds.

Two synthetic people are registered as twins of two talents (seed 0 and seed 3 of the
cast); seed 4 is a stranger nobody registered. Images are the twins' own decrypted
bases relit under a studio key light (what the studio and composite engines make).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from integration.capture_support import ANALYZER, CONFIG, QC
from integration.test_license_support import World, make_world, sign_creation_consent
from likeness.capture import service as captures
from likeness.capture.qc import to_preview
from likeness.capture.synthetic import render_capture, write_capture
from likeness.errors import Conflict
from likeness.generation.checks import CheckResult, IdentityChecks, Probe, run_checks
from likeness.imaging import relight as rl
from likeness.imaging.faces import GENERATION_THRESHOLD, identity_distance
from likeness.licensing import service as licensing
from likeness.models.twin import TwinVersion
from likeness.twin import identity
from likeness.twin import service as twins
from likeness.vault.deps import StorageDeps
from likeness.vault.errors import KeyShredded

KEY = [(rl.direction_from_angles(-35.0, 25.0), (1.0, 0.95, 0.9))]


@pytest.fixture(scope="module")
def other_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_capture(tmp_path_factory.mktemp("cap3") / "s", seed=3, config=CONFIG).parent


@pytest.fixture(scope="module")
def stranger() -> NDArray[np.uint8]:
    """Seed 4, never registered: its frontal view under the same key light."""
    capture = render_capture(4, CONFIG)
    view = capture.views[1]
    return to_preview(rl.relight(view.olat, capture.light_dirs, KEY), view.alpha)


@pytest.fixture(autouse=True)
def _cold_cache() -> None:
    identity.clear_cache()


def _twin(session: Session, world: World, deps: StorageDeps, folder: Path) -> TwinVersion:
    talent = world.actor(session, "talent")
    sign_creation_consent(session, world)
    row = captures.ingest(session, talent, deps, folder, world.talent.id)
    captures.run_session_qc(session, talent, deps, row.id, analyzer=ANALYZER, config=QC)
    return twins.build(
        session, talent, deps, world.talent.id, row.id, analyzer=ANALYZER, qc_config=QC
    )


def _render(session: Session, world: World, deps: StorageDeps, twin_id: str) -> NDArray[np.uint8]:
    """The twin's frontal view, decrypted and relit under a key light (not the neutral one)."""
    basis = twins.load_basis(session, world.actor(session, "talent"), deps, twin_id)
    front = basis.nearest_view(0.0)
    return to_preview(rl.relight(front.basis, basis.light_dirs, KEY), front.matte)


def _check(
    session: Session, deps: StorageDeps, twin_id: str, image: NDArray[np.uint8]
) -> CheckResult:
    """The checks in one call, and in the job's two phases (a pure probe, then the
    judge in the session): the same result either way."""
    result = run_checks(session, deps, twin_id, image, analyzer=ANALYZER)
    two_phase = IdentityChecks(analyzer=ANALYZER)
    found = two_phase.probe(image)
    assert isinstance(found, Probe) and (found.embedding is None) == (found.comparable != 1)
    assert two_phase.judge(session, deps, twin_id, found) == result
    return result


def test_only_the_licensed_twin_passes(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path, other_dir: Path,
    stranger: NDArray[np.uint8],
) -> None:  # fmt: skip
    a = _twin(session, world, deps, capture_dir)
    world_b = make_world(session)
    b = _twin(session, world_b, deps, other_dir)
    image_a = _render(session, world, deps, a.twin_id)
    image_b = _render(session, world_b, deps, b.twin_id)

    own = _check(session, deps, a.twin_id, image_a)
    assert own.passed and own.reason is None, own.details
    assert own.details["distance"] <= GENERATION_THRESHOLD
    assert (
        own.operator_details["nearest_other"] == b.twin_id and own.operator_details["gallery"] == 1
    )
    assert "gallery" not in own.details
    assert "nearest_other" not in own.details  # the brand reads details: no one else's twin
    assert own.details["twin_version"] == 1
    assert _check(session, deps, b.twin_id, image_b).passed

    other = _check(session, deps, a.twin_id, stranger)
    assert (other.passed, other.reason) == (False, "identity.mismatch"), other.details
    assert other.details["distance"] > GENERATION_THRESHOLD

    swapped = _check(session, deps, a.twin_id, image_b)
    assert not swapped.passed
    assert swapped.reason in {"identity.closer_twin", "identity.mismatch"}
    assert swapped.operator_details["nearest_other"] == b.twin_id
    assert swapped.operator_details["nearest_other_distance"] < swapped.details["distance"]

    blank = _check(session, deps, a.twin_id, np.full((256, 256, 3), 128, np.uint8))
    assert (blank.passed, blank.reason) == (False, "face.none")
    assert blank.details["faces_detected"] == 0
    assert blank.details["threshold"] == GENERATION_THRESHOLD

    pair = _check(session, deps, a.twin_id, np.hstack([image_a, stranger]))
    assert (pair.passed, pair.reason) == (False, "face.several")
    assert pair.details["faces"] == 2


def test_a_second_twin_of_the_same_talent_is_not_someone_else(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    first = _twin(session, world, deps, capture_dir)
    second = _twin(session, world, deps, capture_dir)  # a new twin from the same session
    assert second.twin_id != first.twin_id
    result = _check(session, deps, first.twin_id, _render(session, world, deps, first.twin_id))
    assert result.passed, result.details
    assert result.operator_details["gallery"] == 0


def test_the_reference_is_sealed_with_the_twin_and_shredded_with_it(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path, other_dir: Path
) -> None:
    a = _twin(session, world, deps, capture_dir)
    b = _twin(session, make_world(session), deps, other_dir)
    keys = json.loads(a.artifacts)
    sealed = deps.blobs.get(keys[identity.REFERENCE_ROLE])
    assert len(sealed) > 512  # 128 float32, sealed (nonce, tag, header)
    plain = deps.cipher.decrypt(f"twin-{a.twin_id}", sealed, role="v1/identity/reference")
    assert plain != sealed and plain not in sealed
    ref = identity.identity_reference(session, deps, a.twin_id)
    assert np.array_equal(ref.embedding, np.frombuffer(plain, "<f4"))
    assert {r.twin_id for r in identity.identity_gallery(session, deps)} == {a.twin_id, b.twin_id}

    assert identity._cache.get(a.twin_id, 1)[0]  # cached by the gallery
    licensing.retire_twin(session, world.actor(session, "talent"), deps, a.twin_id, "deletion")
    session.commit()
    with pytest.raises(KeyShredded):
        deps.cipher.decrypt(f"twin-{a.twin_id}", sealed, role="v1/identity/reference")
    assert not deps.blobs.exists(keys[identity.REFERENCE_ROLE])
    assert [r.twin_id for r in identity.identity_gallery(session, deps)] == [b.twin_id]
    # Nor does this process keep the shredded twin's embedding in memory.
    assert identity._cache.get(a.twin_id, 1) == (False, None)
    with pytest.raises(Conflict):
        identity.identity_reference(session, deps, a.twin_id)
    with pytest.raises(Conflict):  # refused before any face is looked for
        _check(session, deps, a.twin_id, np.full((64, 64, 3), 128, np.uint8))


def test_a_version_built_without_a_stored_reference_gets_one_lazily(
    session: Session, world: World, deps: StorageDeps, capture_dir: Path
) -> None:
    a = _twin(session, world, deps, capture_dir)
    stored = identity.identity_reference(session, deps, a.twin_id).embedding
    artifacts = json.loads(a.artifacts)
    del artifacts[identity.REFERENCE_ROLE]
    a.artifacts = json.dumps(artifacts, sort_keys=True)
    session.flush()
    identity.clear_cache()
    lazy = identity.identity_reference(session, deps, a.twin_id, analyzer=ANALYZER).embedding
    # The same neutral render of the same basis (float16 round trip, PNG matte).
    assert identity_distance(lazy, stored) < 0.05
    result = _check(session, deps, a.twin_id, _render(session, world, deps, a.twin_id))
    assert result.passed, result.details
