"""Automated checks on every generated image, before it reaches quarantine.

Every output of every engine must show the licensed twin and no one else (decision
0021): a face is found, exactly one face of comparable size, its embedding is within
:data:`~likeness.imaging.faces.GENERATION_THRESHOLD` of the twin's reference (a neutral
front-lit render of its frontal view, sealed with the twin), and no other registered
person's twin is as close. The rule itself is the pure
:func:`likeness.imaging.faces.identity_verdict`; this module finds and embeds the faces
and gathers the references. An image that fails is kept by the caller as
check-rejected with :attr:`CheckResult.reason`; it never reaches the brand or review.

Usage::

    result = run_checks(session, deps, twin_id, pixels)      # pixels: H×W×3 uint8 sRGB
    # or in two phases: the costly pure part outside any transaction, the short
    # lookup and verdict inside the one that stores the image (what the job does):
    found = probe(pixels)                                    # no session
    result = judge(session, deps, twin_id, found)
    if not result.passed:
        ...  # result.reason: face.none | face.several | identity.mismatch |
             #                identity.closer_twin; result.details: the twin's distance;
             # result.operator_details: the closest other twin (operators only)

Reference reads are system steps (no actor, no audit event); the result is the record.
Other twins of the same talent are the same person and are not counted as "someone
else". Errors: :class:`~likeness.errors.NotFound` or :class:`~likeness.errors.Conflict`
when the twin has no active version or is not active; image errors from
:mod:`likeness.imaging.faces` (422) for pixels that are not an image.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.imaging.faces import (
    GENERATION_THRESHOLD,
    Face,
    FaceAnalyzer,
    FaceConfig,
    comparable_faces,
    face_count_verdict,
    identity_verdict,
)
from likeness.kit import cpus
from likeness.twin.identity import identity_gallery, identity_reference
from likeness.vault.deps import StorageDeps

__all__ = ["CheckResult", "IdentityChecks", "Probe", "judge", "probe", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    """The automated checks' verdict: ``reason`` is the first failing check's code.

    ``details`` is about the licensed twin only (stored on the output, which the brand
    reads); ``operator_details`` names the closest other person's twin and its distance,
    for the operators' audit log only."""

    passed: bool
    reason: str | None
    details: dict[str, Any] = field(default_factory=dict)
    operator_details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """What :func:`probe` found in an image, with no database: how many faces, how many
    of comparable size, and the embedding of the one comparable face (``None`` unless
    there is exactly one). Pure data; :func:`judge` compares it with the references."""

    faces_detected: int
    comparable: int
    embedding: NDArray[np.float32] | None


_lock = threading.Lock()
_shared: FaceAnalyzer | None = None


def _default_analyzer() -> FaceAnalyzer:
    """One analyzer per process (loading dlib's models takes about a second). Its
    embedding network is NumPy's port (decision 0031: both views in-process cost less
    than one of dlib's passes); with dlib's network (``embedder="dlib"``) and two or more
    usable cores the mirror embeddings would run in a helper process beside the face's
    own (docs/guide/generation.md); a Ray worker, promised one core, embeds both itself
    (:mod:`likeness.kit.cpus`)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = FaceAnalyzer(FaceConfig(helper_process=cpus.usable() >= 2))
        return _shared


def probe(pixels_rgb8: NDArray[np.uint8], *, analyzer: FaceAnalyzer | None = None) -> Probe:
    """Detect the faces in ``pixels_rgb8`` and embed the comparable one: the costly part
    of the checks (about 0.4 s at 1080×1350), pure, to run outside any transaction."""
    fa = analyzer or _default_analyzer()
    faces, embeddings = fa.detect_and_embed(pixels_rgb8, _the_comparable_one)
    return Probe(len(faces), len(comparable_faces(faces)), embeddings[0] if embeddings else None)


def _the_comparable_one(faces: list[Face]) -> list[Face]:
    """The face to embed: the comparable one, if there is exactly one."""
    comparable = comparable_faces(faces)
    return comparable if len(comparable) == 1 else []


def judge(
    session: Session,
    deps: StorageDeps,
    twin_id: str,
    found: Probe,
    *,
    version: int | None = None,
    analyzer: FaceAnalyzer | None = None,
    threshold: float = GENERATION_THRESHOLD,
) -> CheckResult:
    """The verdict on ``found`` for twin ``twin_id`` (``version``, default its latest
    active one): the twin's reference and the other people's twins, read in
    ``session``; cheap once the references are cached."""
    fa = analyzer or _default_analyzer()
    # The twin first: a twin shredded or retired meanwhile is an error, not a verdict.
    reference = identity_reference(session, deps, twin_id, version, analyzer=fa)
    details: dict[str, Any] = {
        "faces_detected": found.faces_detected,
        "twin_version": reference.version,
        "threshold": threshold,
    }
    refused = face_count_verdict(found.comparable)
    if refused is not None:  # no face, or several: nothing to compare
        return CheckResult(False, refused.reason, {**details, **refused.details})
    gallery = {
        ref.twin_id: ref.embedding
        for ref in identity_gallery(session, deps, analyzer=fa)
        if ref.talent_id != reference.talent_id
    }
    verdict = identity_verdict(found.embedding, reference.embedding, gallery, threshold=threshold)
    details.update(verdict.details)
    # How many other people are registered is the operator's to know, not the brand's.
    restricted: dict[str, Any] = {"gallery": len(gallery)}
    if verdict.nearest_other is not None:
        restricted["nearest_other"] = verdict.nearest_other[0]
        restricted["nearest_other_distance"] = verdict.nearest_other[1]
    return CheckResult(verdict.passed, verdict.reason, details, restricted)


def run_checks(
    session: Session,
    deps: StorageDeps,
    twin_id: str,
    pixels_rgb8: NDArray[np.uint8],
    *,
    version: int | None = None,
    analyzer: FaceAnalyzer | None = None,
    threshold: float = GENERATION_THRESHOLD,
) -> CheckResult:
    """Check that ``pixels_rgb8`` shows twin ``twin_id`` (``version``, default its latest
    active one) and no one else: :func:`probe` then :func:`judge`."""
    fa = analyzer or _default_analyzer()
    # The twin first: a twin shredded or retired meanwhile is an error, not a verdict
    # (and not worth detecting faces for).
    identity_reference(session, deps, twin_id, version, analyzer=fa)
    found = probe(pixels_rgb8, analyzer=fa)
    return judge(session, deps, twin_id, found, version=version, analyzer=fa, threshold=threshold)


@dataclass(frozen=True)
class IdentityChecks:
    """The checks as the generation job calls them (its ``CACHE_CHECKS`` seam):
    :meth:`probe` outside the transaction, :meth:`judge` inside the one that stores the
    image. ``analyzer``: a loaded :class:`FaceAnalyzer` (default: the process's own)."""

    analyzer: FaceAnalyzer | None = None

    def probe(self, pixels_rgb8: NDArray[np.uint8]) -> Probe:
        return probe(pixels_rgb8, analyzer=self.analyzer)

    def judge(self, session: Session, deps: StorageDeps, twin_id: str, found: Any) -> CheckResult:
        return judge(session, deps, twin_id, found, analyzer=self.analyzer)
