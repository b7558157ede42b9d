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
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from likeness.imaging.faces import EMBEDDING_SIZE
from likeness.kit.db import on_rollback
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
#: Rotated coordinates the exact index's first lower-bound pass reads for every
#: talent (of 128), and how far its second pass (on the references of the talents
#: left) goes. 32 and 64: on clustered face-like embeddings, 100,000 talents with
#: 300,000 references, the first pass leaves a few dozen references at the threshold
#: (0.27) and a few thousand at the screen's 0.43; 24 read less but left up to 35,000
#: at 0.43, 40 read more for little (bench/monitoring_match.py; decision 0024).
PRUNE_DIMS = 32
REFINE_DIMS = 64
#: HNSW search breadth: at least this, and never fewer than the rows a query asks for.
#: On random isotropic embeddings (the hard case) 100 gave the exact answer for 99.6 %
#: of faces at 10,000 talents and 83.7 % at 100,000; on the bench's clustered, face-like
#: embeddings 200 gave 100 % at 10,000 and 100,000, 64 gave 99.9 % at 100,000.
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


class ExactIndex:
    """Every reference in memory; exact distances (see the module docstring).

    Three passes over the PCA-rotated basis, each over fewer references and more
    coordinates:

    1. per **talent**, not per reference: the centre of the talent's references over
       the first :data:`PRUNE_DIMS` coordinates and their radius there (the farthest
       reference from the centre). By the triangle inequality a reference is at least
       ``|centre - q| - radius`` from ``q`` over those coordinates, and a partial
       distance never exceeds the full one, so a talent whose centre is farther than
       ``threshold + radius`` has no reference within the threshold. One
       matrix-vector product over a compact ``[talents, PRUNE_DIMS + 1]`` array (the
       squared norms folded in as the last column): about three times fewer rows than
       references (a talent has up to :data:`MAX_REFERENCES`); then, for the talents
       left, the same ball over the next coordinates (up to :data:`REFINE_DIMS`): the
       two bounds squared and added bound the distance over both blocks. At the scan's
       wider screen (0.43) this drops about six in seven of the talents the first bound
       keeps, before any of their references is read (their gather was most of a
       slow query's time);
    2. the references of the talents left, over the same coordinates (exactly), then
       those still within the threshold over :data:`REFINE_DIMS` coordinates;
    3. those within the threshold so far, over all of them: the distances reported.

    A reference dropped by a pass is farther than the threshold: the answer is exact.
    """

    #: It answers from memory: a caller may let the session it came from go.
    needs_session = False

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
        # The references grouped by talent (each talent's rows together).
        # (A dict, not np.unique: sorting 300,000 Python strings took seconds.)
        codes: dict[str, int] = {}
        owner = np.fromiter(
            (codes.setdefault(t, len(codes)) for t in talent_ids), np.int64, count=self.size
        )
        names = np.asarray(list(codes), dtype=object)
        order = np.argsort(owner, kind="stable")
        owner = owner[order]
        rotated = (centred @ basis)[order]
        counts = np.bincount(owner, minlength=len(names)).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        head = rotated[:, :PRUNE_DIMS]
        middle = rotated[:, PRUNE_DIMS:REFINE_DIMS]
        centre, radius = _talent_balls(head, owner, starts, counts)
        # The same per talent over the middle coordinates: a second, cheaper bound
        # (talents, not references) before any reference is read.
        self._middle_centre, middle_radius = _talent_balls(middle, owner, starts, counts)
        self._middle_radius = middle_radius + np.float32(1e-5)
        # [centre | |centre|²]: one product gives |centre|² - 2 centre·q (see match).
        self._first = np.ascontiguousarray(
            np.concatenate([centre, np.einsum("ij,ij->i", centre, centre)[:, None]], axis=1)
        )
        self._radius = radius.astype(np.float32) + np.float32(1e-5)  # float rounding
        self._starts, self._counts = starts, counts
        self._head = np.ascontiguousarray(head)
        self._middle = np.ascontiguousarray(middle)
        self._tail = np.ascontiguousarray(rotated[:, REFINE_DIMS:])
        self._talents = names[owner]

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
        qh, qm, qt = r[:PRUNE_DIMS], r[PRUNE_DIMS:REFINE_DIMS], r[REFINE_DIMS:]
        # A little slack for float rounding keeps each bound a bound (the full
        # distances below decide).
        slack = 1e-4 * (1.0 + float(r @ r))
        limit = t * t + slack
        # Pass 1, per talent: |centre - q|² over the head = (|c|² - 2c·q) + |q|².
        probe = np.empty(PRUNE_DIMS + 1, np.float32)
        probe[:PRUNE_DIMS] = -2.0 * qh
        probe[PRUNE_DIMS] = 1.0
        partial = self._first @ probe
        reach = t + self._radius
        qh2 = float(qh @ qh)
        near = np.flatnonzero(partial <= reach * reach + (slack - qh2))
        if near.size == 0:
            return []
        # Pass 1b, per talent still: by the triangle inequality on each block of
        # coordinates, a reference is at least max(0, |c - q| - radius) from q over the
        # head and likewise over the middle; the squares of the two bounds add up to a
        # bound of the distance over both blocks.
        near = self._near_over_middle(near, partial, qh2, qm, limit)
        if near.size == 0:
            return []
        # Their references: each talent's rows, start to start + count.
        counts = self._counts[near]
        before = np.cumsum(counts) - counts
        candidates = np.repeat(self._starts[near] - before, counts) + np.arange(int(counts.sum()))
        # Pass 2: each of those references over the head (as differences, exact),
        # then the survivors up to REFINE_DIMS coordinates.
        head = self._head[candidates] - qh
        d2 = np.einsum("ij,ij->i", head, head)
        keep = d2 <= limit
        candidates, d2 = candidates[keep], d2[keep]
        if candidates.size == 0:
            return []
        middle = self._middle[candidates] - qm
        d2 += np.einsum("ij,ij->i", middle, middle)
        keep = d2 <= limit
        candidates, d2 = candidates[keep], d2[keep]
        if candidates.size == 0:
            return []
        # Pass 3: the rest; the full distance.
        tail = self._tail[candidates] - qt
        distances = np.sqrt(d2 + np.einsum("ij,ij->i", tail, tail))
        return best_per_talent(
            zip(self._talents[candidates].tolist(), distances.tolist(), strict=True), t, k
        )

    def _near_over_middle(
        self, near: NDArray[np.intp], partial: F32, qh2: float, qm: F32, limit: float
    ) -> NDArray[np.intp]:
        over_head = np.sqrt(np.maximum(partial[near] + qh2, 0.0)) - self._radius[near]
        gap = self._middle_centre[near] - qm
        over_middle = np.sqrt(np.einsum("ij,ij->i", gap, gap)) - self._middle_radius[near]
        bound = np.maximum(over_head, 0.0) ** 2 + np.maximum(over_middle, 0.0) ** 2
        kept: NDArray[np.intp] = near[bound <= limit]
        return kept


def _talent_balls(
    rows: F32, owner: NDArray[np.int64], starts: NDArray[np.int64], counts: NDArray[np.int64]
) -> tuple[F32, F32]:
    """Each talent's references over some coordinates as a ball: the centre (their
    mean) and the radius (the farthest of them from it)."""
    if rows.shape[0] == 0:
        return np.zeros((0, rows.shape[1]), np.float32), np.zeros(0, np.float32)
    centre = (np.add.reduceat(rows, starts, axis=0) / counts[:, None]).astype(np.float32)
    spread = rows - centre[owner]
    radius = np.sqrt(np.maximum.reduceat(np.einsum("ij,ij->i", spread, spread), starts))
    return centre, radius.astype(np.float32)


#: The pgvector query, a server-side prepared statement of its own on each connection
#: (the engine turns psycopg's automatic preparation off: ``likeness.kit.db``; this
#: statement has one plan, the HNSW index scan, whatever the face). The nearest
#: ``$3`` references in the index's order, then only those within ``$2``: the same
#: answer as filtering after the limit, fewer rows sent back.
_STATEMENT = "likeness_face_match"
_PREPARE = (
    "PREPARE likeness_face_match (vector, float8, int) AS "
    "SELECT talent_id, distance FROM (SELECT talent_id, embedding_vec <-> $1 AS distance "
    "FROM monitoring_references WHERE embedding_vec IS NOT NULL "
    "ORDER BY embedding_vec <-> $1 LIMIT $3) AS nearest WHERE distance <= $2"
)
_EXECUTE = "EXECUTE likeness_face_match (%s, %s, %s)"
#: Keys in the DB-API connection's ``info`` (it outlives a pool checkout).
_PREPARED_KEY = "likeness.face_match_prepared"
_EF_KEY = "likeness.hnsw_ef_search"


class PgvectorIndex:
    """pgvector's HNSW index over ``monitoring_references.embedding_vec``.

    Each connection gets, once: ``hnsw.ef_search`` (a session setting, not ``SET
    LOCAL`` per transaction) and the prepared statement :data:`_PREPARE`; both are
    remembered in the connection's ``info`` and forgotten if the transaction that made
    them rolls back. A face is then one ``EXECUTE`` on the driver's cursor: no
    SQLAlchemy statement compilation, no planning, at most a few rows back.
    """

    #: It answers through the session it was made with.
    needs_session = True

    def __init__(self, session: Session, *, ef_search: int = EF_SEARCH) -> None:
        self._session = session
        self._ef_search = ef_search

    def _ready(self, limit: int) -> Any:
        """The driver connection, with the setting and the statement in place."""
        connection = self._session.connection()
        info = connection.info
        raw = connection.connection.driver_connection
        assert raw is not None
        ef = max(self._ef_search, limit)  # HNSW returns at most ef_search rows
        if info.get(_EF_KEY) != ef or not info.get(_PREPARED_KEY):
            with raw.cursor() as cursor:
                cursor.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef),))
                cursor.execute(
                    "SELECT 1 FROM pg_prepared_statements WHERE name = %s", (_STATEMENT,)
                )
                if cursor.fetchone() is None:
                    cursor.execute(_PREPARE)
            info[_EF_KEY], info[_PREPARED_KEY] = ef, True

            def forget() -> None:  # a rolled-back SET is undone; look again next time
                info.pop(_EF_KEY, None)
                info.pop(_PREPARED_KEY, None)

            on_rollback(self._session, forget)
        return raw

    def match(
        self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]:
        q = _query(embedding)
        t = _limits(threshold, k)
        limit = k * MAX_REFERENCES
        raw = self._ready(limit)
        # A hair wider than the threshold: best_per_talent decides at float32 precision.
        wide = float(np.float32(t)) * (1 + 1e-6) + 1e-9
        import psycopg  # the driver of every PostgreSQL URL (likeness.kit.db)

        # EXECUTE takes no bound parameters: the client cursor quotes them in.
        with psycopg.ClientCursor(raw) as cursor:
            cursor.execute(_EXECUTE, (_fast_literal(q), wide, limit))
            rows = cursor.fetchall()
        return best_per_talent(((str(r[0]), float(r[1])) for r in rows), t, k)


def _fast_literal(q: F32) -> str:
    """pgvector's text form of a float32 vector (``repr`` of each value as a double is
    exact for a float32 and quicker than formatting)."""
    return "[" + ",".join(map(repr, q.tolist())) + "]"


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
