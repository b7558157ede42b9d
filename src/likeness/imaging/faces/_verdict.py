"""The identity verdict on a generated image: the licensed twin, and no one else.

A pure rule over embeddings (no detector, no database): the caller detects the faces,
keeps the ones of comparable size (:func:`comparable_faces`), embeds them and asks
:func:`identity_verdict`. Reason codes, checked in this order:

``face.none``             no face in the image
``face.several``          more than one face of comparable size (any of them could be
                          someone else; the check cannot tell which one the brand sees)
``identity.mismatch``     the face is farther than the threshold from the twin
``identity.closer_twin``  another registered person's twin is at least as close as the
                          licensed twin (a tie counts against: "no one else")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness.imaging.faces._faces import Face, identity_distance

#: Largest embedding distance at which a generated face counts as the licensed twin.
#:
#: Chosen on held-out people (``bench/identity_check.py``, decision 0021): a generated
#: image is compared with a neutral front-lit render of the twin, and the images that
#: reach this check are relit renders of that same basis, or an engine's rendition of
#: it. Kept equal to :data:`IDENTITY_THRESHOLD` (0.45) unless the measurement says
#: otherwise; see decision 0021 for the false-accept and false-reject rates.
GENERATION_THRESHOLD = 0.45

#: A second face counts as "comparable" when its box is at least this fraction of the
#: largest face's width: a face half as wide as the subject's (a quarter of its area) is
#: a second person in the picture, not a face on a poster far behind.
COMPARABLE_WIDTH = 0.5

FACE_NONE = "face.none"
FACE_SEVERAL = "face.several"
IDENTITY_MISMATCH = "identity.mismatch"
IDENTITY_CLOSER_TWIN = "identity.closer_twin"

REASONS = (FACE_NONE, FACE_SEVERAL, IDENTITY_MISMATCH, IDENTITY_CLOSER_TWIN)

Embedding = NDArray[np.floating[Any]]


@dataclass(frozen=True)
class IdentityVerdict:
    """Whether the image shows the licensed twin and no one else, and why not.

    ``reason`` is one of :data:`REASONS` (``None`` when it passed); ``details`` holds the
    numbers behind it about the licensed twin only (its distance, the threshold), never
    an embedding: it may be shown to the brand. ``nearest_other`` (the closest other
    person's twin id and its distance) is someone else's data: for operators only
    (the caller records it where only they read, never in ``details``).
    """

    passed: bool
    reason: str | None
    details: dict[str, Any] = field(default_factory=dict)
    nearest_other: tuple[str, float] | None = None


def comparable_faces(faces: Sequence[Face], ratio: float = COMPARABLE_WIDTH) -> list[Face]:
    """The faces at least ``ratio`` times as wide as the widest one, widest first."""
    if not faces:
        return []
    if not 0.0 < ratio <= 1.0:
        raise ValueError("ratio must be in (0, 1]")
    widest = max(f.width for f in faces)
    kept = [f for f in faces if f.width >= ratio * widest]
    return sorted(kept, key=lambda f: f.width, reverse=True)


def face_count_verdict(count: int) -> IdentityVerdict | None:
    """The verdict on the face count alone (``count`` comparable faces): ``face.none`` or
    ``face.several``, or ``None`` for exactly one face (the identity rules decide)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return IdentityVerdict(False, FACE_NONE, {"faces": 0})
    if count > 1:
        return IdentityVerdict(False, FACE_SEVERAL, {"faces": count})
    return None


def identity_verdict(
    probes: Embedding | Sequence[Embedding] | None,
    twin_embedding: Embedding,
    gallery: Mapping[str, Embedding],
    *,
    threshold: float = GENERATION_THRESHOLD,
) -> IdentityVerdict:
    """The verdict on an image whose comparable faces embed to ``probes``.

    ``probes``: ``None`` or an empty sequence (no face), one embedding, or a sequence of
    embeddings (one per comparable face). ``gallery``: the other registered people's
    twins (id → embedding), without the licensed twin and without other twins of the
    same person. A face within ``threshold`` of the twin (inclusive) passes unless a
    gallery twin is at least as close.
    """
    if not 0.0 < threshold < 2.0:
        raise ValueError("threshold must be in (0, 2)")
    faces = _as_list(probes)
    refused = face_count_verdict(len(faces))
    if refused is not None:
        return refused
    probe = faces[0]
    distance = identity_distance(probe, twin_embedding)
    details: dict[str, Any] = {
        "faces": 1,
        "distance": round(distance, 4),
        "threshold": threshold,
    }
    found = _nearest(probe, gallery)
    nearest = None if found is None else (found[0], round(found[1], 4))
    if distance > threshold:
        return IdentityVerdict(False, IDENTITY_MISMATCH, details, nearest)
    if found is not None and found[1] <= distance:
        return IdentityVerdict(False, IDENTITY_CLOSER_TWIN, details, nearest)
    return IdentityVerdict(True, None, details, nearest)


def _as_list(probes: Embedding | Sequence[Embedding] | None) -> list[Embedding]:
    if probes is None:
        return []
    if isinstance(probes, np.ndarray) and probes.ndim == 1:
        return [probes]
    return [np.asarray(p) for p in probes]


def _nearest(probe: Embedding, gallery: Mapping[str, Embedding]) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for twin_id in sorted(gallery):
        d = identity_distance(probe, gallery[twin_id])
        if best is None or d < best[1]:
            best = (twin_id, d)
    return best
