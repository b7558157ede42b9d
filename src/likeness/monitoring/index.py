"""The face index: which enrolled talents a face found in a scanned image resembles.

Only talents opted in to monitoring are searched: their reference embeddings
(``monitoring_references``; see :mod:`likeness.monitoring.enrolment`) are the whole
index, and opting out deletes them in the same transaction.

Two implementations of :class:`FaceIndex` give the same answers (a test checks):

- :class:`ExactIndex`, in process (numpy): every reference in memory, exact Euclidean
  distances. Used on SQLite and on a PostgreSQL without pgvector. It is exact but
  prunes before it computes: references are stored in a PCA-rotated basis (a rotation
  keeps distances), and the distance over the first :data:`PRUNE_DIMS` rotated
  coordinates is a lower bound of the full one, so only the few references whose
  partial distance is within the threshold get their full distance computed.
- :class:`PgvectorIndex`: SQL with pgvector's ``<->`` (L2) over the HNSW index of
  ``embedding_vec`` (PostgreSQL with the ``vector`` extension; migration 0012).

:func:`index_for` picks one for a session. The in-process index is cached per
database and reloaded when the references change: every change of the references
writes a fresh random ``revision`` in ``monitoring_index_state`` in its own transaction,
and :func:`index_for` compares it (one primary-key read) with the cached one, so every
process sees an opt-out as soon as it commits (decision 0024).

:data:`MATCH_THRESHOLD` comes from the accuracy study (``bench/monitoring_accuracy.py``,
docs/guide/monitoring.md "Accuracy"): no different person matched in the test set.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from likeness.imaging.faces import EMBEDDING_SIZE
from likeness.models.monitoring_index import MonitoringIndexState, MonitoringReference
from likeness.monitoring.findings import FaceMatch

F32 = NDArray[np.float32]

#: Largest Euclidean distance between a face and a talent's reference at which the face
#: counts as that talent. Chosen by the accuracy study (``bench/monitoring_accuracy.py``;
#: table in docs/guide/monitoring.md, "Accuracy"): the closest *different* person seen
#: was 0.292 (two synthetic cast members; 0.501 among the real OLAT faces), and the rule
#: is the largest 0.01 step at least 0.02 below it, so no different person matched any
#: talent in the test set (real and synthetic faces through crops, JPEG 70–90 and
#: resizes). It costs misses: 45 % of the re-encoded real probes whose face was found,
#: 60 % of the synthetic ones (see the guide). Lower than the identity check's 0.45: a
#: scan meets strangers who have no reference of their own to be closer to.
MATCH_THRESHOLD = 0.27
#: At most this many reference embeddings per talent (several angles and sources); the
#: pgvector query fetches ``k × MAX_REFERENCES`` neighbours so it finds ``k`` talents.
MAX_REFERENCES = 8
#: Rotated coordinates the exact index's lower-bound pass reads (of 128).
PRUNE_DIMS = 64
#: HNSW search breadth: at least this, and never fewer than the rows a query asks for.
#: 100 gave the exact answer for 99.6 % of faces at 10,000 talents and 83.7 % at 100,000
#: (random embeddings, the hard case for HNSW); 200 gave 100 % at 10,000.
EF_SEARCH = 200


class FaceIndex(Protocol):
    """The talents a face resembles, closest first; only talents opted in."""

    def match(
        self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]: ...


def _query(embedding: NDArray[np.floating]) -> F32:
    q = np.asarray(embedding, np.float32).reshape(-1)
    if q.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(q)):
        raise ValueError(f"a face embedding is {EMBEDDING_SIZE} finite values")
    return q


def _limits(threshold: float | None, k: int) -> float:
    if k < 1:
        raise ValueError("k must be at least 1")
    t = MATCH_THRESHOLD if threshold is None else float(threshold)
    if not t >= 0.0:
        raise ValueError("threshold must be a non-negative distance")
    return t


def best_per_talent(
    pairs: Iterable[tuple[str, float]], threshold: float, k: int
) -> list[FaceMatch]:
    """Each talent's smallest distance, those within ``threshold``, closest first (ties
    by talent id, so both indexes order them alike), at most ``k``."""
    # Embeddings are float32: compare at that precision, so a distance equal to the
    # threshold in float32 (a reference exactly at it) matches on both indexes.
    threshold = float(np.float32(threshold)) * (1 + 1e-7)
    best: dict[str, float] = {}
    for talent_id, distance in pairs:
        if distance <= threshold and distance < best.get(talent_id, np.inf):
            best[talent_id] = distance
    ranked = sorted(best.items(), key=lambda item: (item[1], item[0]))[:k]
    return [FaceMatch(talent_id=t, distance=float(d)) for t, d in ranked]


@dataclass(frozen=True)
class _Rows:
    talent_ids: NDArray[np.object_]
    vectors: F32  # [N, 128], in the index's rotated basis


class ExactIndex:
    """Every reference in memory; exact distances (see the module docstring)."""

    def __init__(self, talent_ids: Sequence[str], embeddings: F32) -> None:
        vectors = np.asarray(embeddings, np.float32).reshape(-1, EMBEDDING_SIZE)
        if len(talent_ids) != vectors.shape[0]:
            raise ValueError("one talent id per embedding")
        self.size = vectors.shape[0]
        self._mean = vectors.mean(axis=0) if self.size else np.zeros(EMBEDDING_SIZE, np.float32)
        centred = vectors - self._mean
        # Principal axes (largest spread first): the first coordinates carry most of
        # the distance, so their partial distance is a tight lower bound. Any
        # orthonormal basis keeps the distances exact.
        sample = centred[: min(self.size, 50_000)]
        _, vectors_ = np.linalg.eigh((sample.T @ sample).astype(np.float64))
        basis = np.ascontiguousarray(vectors_[:, ::-1].astype(np.float32))
        self._basis = basis
        rotated = centred @ basis
        self._head = np.ascontiguousarray(rotated[:, :PRUNE_DIMS])
        self._head_sq = np.einsum("ij,ij->i", self._head, self._head)
        self._tail = np.ascontiguousarray(rotated[:, PRUNE_DIMS:])
        self._tail_sq = np.einsum("ij,ij->i", self._tail, self._tail)
        self._talents = np.asarray(list(talent_ids), dtype=object)

    @classmethod
    def load(cls, session: Session) -> ExactIndex:
        """Every reference embedding in the table (only enrolled talents have any)."""
        rows = session.execute(
            select(MonitoringReference.talent_id, MonitoringReference.embedding)
        ).all()
        vectors = np.frombuffer(b"".join(r.embedding for r in rows), dtype="<f4")
        return cls([r.talent_id for r in rows], vectors.reshape(-1, EMBEDDING_SIZE))

    def match(
        self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]:
        q = _query(embedding)
        t = _limits(threshold, k)
        if self.size == 0:
            return []
        r = (q - self._mean) @ self._basis
        qh, qt = r[:PRUNE_DIMS], r[PRUNE_DIMS:]
        # |a - b|² = |a|² - 2a·b + |b|² over the head; a little slack for float rounding
        # keeps the bound a bound (the exact distances below decide).
        partial = self._head_sq - 2.0 * (self._head @ qh) + float(qh @ qh)
        slack = 1e-4 * (1.0 + float(r @ r))
        candidates = np.flatnonzero(partial <= t * t + slack)
        if candidates.size == 0:
            return []
        head = self._head[candidates] - qh
        tail = self._tail[candidates] - qt
        d2 = np.einsum("ij,ij->i", head, head) + np.einsum("ij,ij->i", tail, tail)
        distances = np.sqrt(d2)
        return best_per_talent(
            zip(self._talents[candidates].tolist(), distances.tolist(), strict=True), t, k
        )


class PgvectorIndex:
    """pgvector's HNSW index over ``monitoring_references.embedding_vec``."""

    def __init__(self, session: Session, *, ef_search: int = EF_SEARCH) -> None:
        self._session = session
        self._ef_search = ef_search
        self._set_in: object = None  # the transaction whose hnsw.ef_search we set
        self._ef_set = 0

    def match(
        self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]:
        q = _query(embedding)
        t = _limits(threshold, k)
        limit = k * MAX_REFERENCES
        literal = vector_literal(q)
        # HNSW returns at most ef_search rows: never fewer than the query asks for. Set
        # once per transaction (SET LOCAL ends with it), not once per face.
        ef = max(self._ef_search, limit)
        transaction = self._session.get_transaction()
        if transaction is None or transaction is not self._set_in or ef != self._ef_set:
            self._session.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef)}"))
            self._set_in, self._ef_set = self._session.get_transaction(), ef
        rows = self._session.execute(
            text(
                "SELECT talent_id, embedding_vec <-> CAST(:q AS vector) AS distance "
                "FROM monitoring_references WHERE embedding_vec IS NOT NULL "
                "ORDER BY embedding_vec <-> CAST(:q AS vector) LIMIT :limit"
            ),
            {"q": literal, "limit": limit},
        ).all()
        return best_per_talent(((r.talent_id, float(r.distance)) for r in rows), t, k)


def vector_literal(embedding: NDArray[np.floating]) -> str:
    """pgvector's text form, ``[v1,v2,…]``, exact for float32 (9 significant digits)."""
    return "[" + ",".join(f"{float(v):.9g}" for v in np.asarray(embedding, np.float32)) + "]"


_has_vector: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
_exact: weakref.WeakKeyDictionary[Engine, tuple[str, ExactIndex]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def uses_pgvector(session: Session) -> bool:
    """Whether this database has the ``embedding_vec`` column (PostgreSQL with pgvector
    when migration 0012 ran); cached per engine."""
    engine = session.get_bind().engine
    with _lock:
        known = _has_vector.get(engine)
    if known is not None:
        return known
    found = False
    if engine.dialect.name == "postgresql":
        found = (
            session.execute(
                text(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = "
                    "'monitoring_references' AND column_name = 'embedding_vec' "
                    "AND table_schema = ANY (current_schemas(false))"
                )
            ).first()
            is not None
        )
    with _lock:
        _has_vector[engine] = found
    return found


def current_revision(session: Session) -> str:
    """The references' revision as this session sees it (``""``: never changed)."""
    found = session.execute(
        select(MonitoringIndexState.revision).where(MonitoringIndexState.id == 1)
    ).scalar_one_or_none()
    return found or ""


def exact_index(session: Session) -> ExactIndex:
    """The in-process index of this session's database, reloaded if the references
    changed since it was built (as this session sees them)."""
    engine = session.get_bind().engine
    revision = current_revision(session)
    with _lock:
        cached = _exact.get(engine)
    if cached is not None and cached[0] == revision:
        return cached[1]
    index = ExactIndex.load(session)
    with _lock:
        _exact[engine] = (revision, index)
    return index


def index_for(session: Session) -> FaceIndex:
    """pgvector on PostgreSQL when the extension is there, the exact in-process index
    otherwise; the same answers (decision 0024)."""
    if uses_pgvector(session):
        return PgvectorIndex(session)
    return exact_index(session)


def forget_cached() -> None:
    """Drop every cached index and extension probe (tests; after a migration)."""
    with _lock:
        _exact.clear()
        _has_vector.clear()
