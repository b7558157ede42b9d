"""Each twin's identity reference, and the gallery of every registered twin.

The reference is the 128-D face embedding of a *neutral front-lit render* of the twin's
most frontal view (:func:`neutral_render`): what the automated identity check on a
generated image compares its face with (decision 0021). It is a biometric derivative,
so it is stored like the rest of the twin: sealed with the twin's own data key as the
version artifact ``identity/reference`` (128 little-endian float32), listed in the
version's ``artifacts`` with the basis, mattes and thumbnails. Retiring the version
deletes it; shredding the twin destroys the key, after which the sealed blob is noise.

The twin build computes it (:func:`reference_from_basis`, called from
``twin.service.build``). A version built before it existed has none: it is computed on
first use from the decrypted frontal basis and kept in this process's memory only.

Reading a reference is a system step of the automated checks: it takes no actor and
writes no audit event (the check's result, on the output, is the record); it refuses a
twin that is not active.

Cost of :func:`identity_gallery` (the "no other twin closer" rule): one query for the
active twins' versions, then per twin not yet cached one blob read, the unwrapping of
its data key and one AES-GCM decryption of 512 bytes (a few microseconds once the key is
unwrapped; a version without a stored reference instead costs a basis decryption and a
face embedding, about a second). Entries are cached per process keyed by (twin,
version), so a worker pays that once per twin version; each call drops the entries of
twins and versions that are no longer active, so a shredded twin's embedding does not
outlive the next check in memory. Comparing a probe with the references is one 128-D
distance each: about 3 ms for a thousand twins.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.capture.qc import to_preview
from likeness.capture.reference import template_bytes, template_from_bytes
from likeness.errors import Conflict, NotFound
from likeness.imaging.faces import FaceAnalyzer, comparable_faces
from likeness.models.twin import Twin, TwinStatus, TwinVersion, TwinVersionStatus
from likeness.twin import repository
from likeness.twin._basis import unpack_basis
from likeness.vault.deps import StorageDeps
from likeness.vault.keys import twin_key_name

F32 = NDArray[np.float32]

#: The artifact role of the sealed reference embedding.
REFERENCE_ROLE = "identity/reference"

#: The neutral light of the reference render: every rig light in front of the subject,
#: weighted by the cosine of its angle to the camera axis (a soft, front-weighted dome).
#: It uses the captured lights themselves, so it needs no interpolation between them and
#: renders the same face on an 8-light rig as on a 64-light one (a single key light
#: between sparse rig lights does not: decision 0021).
CAMERA_AXIS = (0.0, 0.0, 1.0)


@dataclass(frozen=True)
class TwinReference:
    """A twin version's reference embedding (decrypted; never stored in plain)."""

    twin_id: str
    talent_id: str
    version: int
    embedding: F32


def neutral_weights(light_dirs: F32) -> F32:
    """``[L]`` weights of the neutral light over the rig's ``[L, 3]`` directions."""
    dirs = np.asarray(light_dirs, np.float32).reshape(-1, 3)
    weights: F32 = np.maximum(dirs @ np.asarray(CAMERA_AXIS, np.float32), 0.0)
    return weights


def neutral_render(
    basis: NDArray[np.floating[Any]], light_dirs: F32, matte: F32 | None = None
) -> NDArray[np.uint8]:
    """The subject under the neutral light as 8-bit sRGB, auto-exposed like QC's
    previews. ``basis`` is ``[L, H, W, C]`` linear (float16 or float32; lights are
    summed one at a time, so a float16 basis is never copied whole)."""
    weights = neutral_weights(light_dirs)
    if weights.shape[0] != basis.shape[0]:
        raise ValueError(f"{basis.shape[0]} basis images but {weights.shape[0]} light directions")
    _, height, width, channels = basis.shape
    out = np.zeros((height, width, channels), np.float32)
    for light in np.flatnonzero(weights > 0):
        out += np.asarray(basis[light], np.float32) * weights[light]
    if channels != 3:
        out = np.repeat(out[..., :1], 3, axis=2)
    return to_preview(out, matte)


def reference_from_basis(
    basis: NDArray[np.floating[Any]],
    light_dirs: F32,
    matte: F32 | None,
    analyzer: FaceAnalyzer,
) -> F32 | None:
    """The reference embedding of one view's basis: its neutral render's largest face
    (``None`` when no face is found, or when two faces of comparable size are)."""
    image = neutral_render(basis, light_dirs, matte)
    faces = comparable_faces(analyzer.detect(image))
    if len(faces) != 1:
        return None
    return analyzer.embed_aligned(image, faces[0])


def frontal_view(views: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The view closest to the camera axis (``{"id", "yaw", "pitch"}`` dicts)."""
    return min(views, key=lambda v: abs(float(v["yaw"])) + abs(float(v.get("pitch", 0.0))))


def seal_reference(embedding: F32) -> bytes:
    """The stored (pre-sealing) form of a reference: 128 little-endian float32."""
    return template_bytes(embedding)


class _Cache:
    """Per-process references keyed by (twin, version), ``None`` for a version whose
    neutral render shows no single face (so it is not rendered again); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int], TwinReference | None] = {}

    def get(self, twin_id: str, version: int) -> tuple[bool, TwinReference | None]:
        """(whether it is cached, the reference)."""
        with self._lock:
            key = (twin_id, version)
            return key in self._entries, self._entries.get(key)

    def put(self, twin_id: str, version: int, ref: TwinReference | None) -> None:
        with self._lock:
            self._entries[(twin_id, version)] = ref

    def keep_only(self, live: set[tuple[str, int]]) -> None:
        with self._lock:
            for key in [k for k in self._entries if k not in live]:
                del self._entries[key]

    def drop_twin(self, twin_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == twin_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _Cache()


def clear_cache() -> None:
    """Forget every cached reference (tests; a worker that wants to start cold)."""
    _cache.clear()


def _analyzer(analyzer: FaceAnalyzer | None) -> FaceAnalyzer:
    return analyzer if analyzer is not None else FaceAnalyzer()


def _load(
    deps: StorageDeps, twin: Twin, row: TwinVersion, analyzer: FaceAnalyzer | None
) -> TwinReference | None:
    known, cached = _cache.get(twin.id, row.version)
    if known:
        return cached
    keys: dict[str, str] = json.loads(row.artifacts)

    def open_blob(role: str) -> bytes:
        return deps.cipher.decrypt(
            twin_key_name(twin.id), deps.blobs.get(keys[role]), role=f"v{row.version}/{role}"
        )

    embedding: F32 | None
    if REFERENCE_ROLE in keys:
        embedding = template_from_bytes(open_blob(REFERENCE_ROLE))
    else:
        embedding = _lazy_reference(row, open_blob, _analyzer(analyzer))
    ref = None
    if embedding is not None:
        ref = TwinReference(twin.id, twin.talent_id, row.version, embedding)
    _cache.put(twin.id, row.version, ref)
    return ref


def _lazy_reference(row: TwinVersion, open_blob: Any, analyzer: FaceAnalyzer) -> F32 | None:
    """A version built before references were stored: render and embed its frontal view."""
    import cv2

    meta = json.loads(row.metadata_json)
    view = frontal_view(meta["views"])
    basis = unpack_basis(open_blob(f"basis/{view['id']}"))
    raw = np.frombuffer(open_blob(f"matte/{view['id']}"), np.uint8)
    decoded = cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)
    matte = None if decoded is None else np.asarray(decoded, np.float32) / 255.0
    dirs = np.asarray(meta["light_dirs"], np.float32)
    return reference_from_basis(basis, dirs, matte, analyzer)


def identity_reference(
    session: Session,
    deps: StorageDeps,
    twin_id: str,
    version: int | None = None,
    *,
    analyzer: FaceAnalyzer | None = None,
) -> TwinReference:
    """The reference of an active twin's version (its latest active one by default).

    Raises :class:`NotFound` for an unknown twin, a missing version or a version whose
    neutral render shows no single face; :class:`Conflict` for a twin or version that is
    not active (a shredded twin's reference cannot be read: its key is gone).
    """
    twin = repository.get(session, twin_id)
    if twin is None:
        raise NotFound(f"no twin {twin_id}")
    if twin.status != TwinStatus.active:
        _cache.drop_twin(twin_id)
        raise Conflict(f"twin {twin_id} is {twin.status}")
    row = repository.version_of(session, twin.id, version)
    if row is None:
        raise NotFound(f"twin {twin_id} has no {'active ' if version is None else ''}version")
    if row.status != TwinVersionStatus.active:
        raise Conflict(f"version {row.version} of twin {twin_id} is {row.status}")
    ref = _load(deps, twin, row, analyzer)
    if ref is None:
        raise NotFound(f"version {row.version} of twin {twin_id} has no usable face reference")
    return ref


def identity_gallery(
    session: Session, deps: StorageDeps, *, analyzer: FaceAnalyzer | None = None
) -> list[TwinReference]:
    """The reference of every active twin (its latest active version), oldest twin first.

    Twins whose version yields no face reference are left out (they cannot be confused
    with anyone by this check). See the module docstring for the cost.
    """
    latest: dict[str, tuple[Twin, TwinVersion]] = {}
    for twin, row in repository.active_versions(session):
        latest[twin.id] = (twin, row)  # ascending versions: the last one wins
    _cache.keep_only({(t.id, r.version) for t, r in latest.values()})
    out = []
    for twin, row in latest.values():
        ref = _load(deps, twin, row, analyzer)
        if ref is not None:
            out.append(ref)
    return out
