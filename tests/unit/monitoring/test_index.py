"""The exact in-process index's maths: pruned search == brute force; the threshold and k."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.monitoring.findings import FaceMatch
from likeness.monitoring.index import (
    MATCH_THRESHOLD,
    MAX_REFERENCES,
    ExactIndex,
    best_per_talent,
    vector_literal,
)

DIMS = 128


def _brute(ids: list[str], refs: np.ndarray, q: np.ndarray, t: float, k: int) -> list[str]:
    d = np.linalg.norm(refs.astype(np.float64) - q.astype(np.float64), axis=1)
    best: dict[str, float] = {}
    for talent, dist in zip(ids, d, strict=True):
        if dist <= t:
            best[talent] = min(best.get(talent, np.inf), float(dist))
    return [tid for tid, _ in sorted(best.items(), key=lambda kv: (kv[1], kv[0]))[:k]]


def _people(seed: int, talents: int, per: int) -> tuple[list[str], np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.9 / np.sqrt(2 * DIMS), (talents, DIMS))
    refs = np.repeat(centres, per, axis=0) + rng.normal(0, 0.02, (talents * per, DIMS))
    ids = [f"t{i:04d}" for i in range(talents) for _ in range(per)]
    return ids, refs.astype(np.float32), rng


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    threshold=st.sampled_from([0.0, 0.2, 0.4, 0.6, 0.9, 1.5]),
    k=st.integers(1, 6),
)
def test_the_pruned_search_equals_brute_force(seed: int, threshold: float, k: int) -> None:
    ids, refs, rng = _people(seed, 60, 3)
    index = ExactIndex(ids, refs)
    probes = [refs[rng.integers(len(ids))] + rng.normal(0, 0.02, DIMS) for _ in range(5)]
    probes += [rng.normal(0, 0.9 / np.sqrt(2 * DIMS), DIMS) for _ in range(5)]
    for q in probes:
        got = index.match(q, threshold=threshold, k=k)
        assert [m.talent_id for m in got] == _brute(ids, refs, q.astype(np.float32), threshold, k)
        for m in got:
            own = refs[[i for i, t in enumerate(ids) if t == m.talent_id]]
            assert m.distance == pytest.approx(np.linalg.norm(own - q, axis=1).min(), abs=1e-5)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), threshold=st.sampled_from([0.3, 0.5, 0.8]))
def test_a_talent_whose_references_lie_far_apart_is_still_found_exactly(
    seed: int, threshold: float
) -> None:
    # The first pass bounds a talent by its references' centre and radius: references
    # as far apart as different people (turned heads, old photos) must not fool it.
    rng = np.random.default_rng(seed)
    ids, refs, _ = _people(seed, 40, 1)
    spread = refs + rng.normal(0, 0.9 / np.sqrt(2 * DIMS), refs.shape).astype(np.float32)
    ids, refs = ids + ids, np.concatenate([refs, spread])
    index = ExactIndex(ids, refs)
    for i in rng.integers(0, len(ids), 10):
        q = refs[i] + rng.normal(0, 0.01, DIMS).astype(np.float32)
        got = [m.talent_id for m in index.match(q, threshold=threshold, k=3)]
        assert got == _brute(ids, refs, q, threshold, 3) and ids[i] in got


def test_a_talent_appears_once_with_its_closest_reference() -> None:
    refs = np.zeros((3, DIMS), np.float32)
    refs[0, 0], refs[1, 0], refs[2, 0] = 0.3, 0.1, 0.2
    index = ExactIndex(["a", "a", "b"], refs)
    found = index.match(np.zeros(DIMS, np.float32), threshold=0.25)
    assert [(m.talent_id, round(m.distance, 6)) for m in found] == [("a", 0.1), ("b", 0.2)]
    assert index.match(np.zeros(DIMS), threshold=0.15, k=5) == [FaceMatch("a", found[0].distance)]
    assert [m.talent_id for m in index.match(np.zeros(DIMS), threshold=1.0, k=1)] == ["a"]


def test_the_default_threshold_is_match_threshold() -> None:
    refs = np.zeros((2, DIMS), np.float32)
    refs[0, 0], refs[1, 0] = MATCH_THRESHOLD, MATCH_THRESHOLD + 0.01
    found = ExactIndex(["in", "out"], refs).match(np.zeros(DIMS, np.float32))
    assert [m.talent_id for m in found] == ["in"]  # a distance equal to it matches


def test_an_empty_index_matches_no_one() -> None:
    empty = ExactIndex([], np.zeros((0, DIMS), np.float32))
    assert empty.size == 0 and empty.match(np.ones(DIMS, np.float32)) == []


@pytest.mark.parametrize(
    ("probe", "kwargs", "message"),
    [
        (np.zeros(64), {}, "128 finite"),
        (np.full(DIMS, np.nan), {}, "128 finite"),
        (np.zeros(DIMS), {"k": 0}, "k must"),
        (np.zeros(DIMS), {"threshold": -0.1}, "non-negative"),
    ],
)
def test_bad_queries_are_refused(probe: np.ndarray, kwargs: dict[str, float], message: str) -> None:
    index = ExactIndex(["a"], np.zeros((1, DIMS), np.float32))
    with pytest.raises(ValueError, match=message):
        index.match(probe, **kwargs)  # type: ignore[arg-type]


def test_ties_are_ordered_by_talent_id() -> None:
    found = best_per_talent([("b", 0.2), ("a", 0.2), ("c", 0.1), ("a", 0.5)], 0.3, 5)
    assert [m.talent_id for m in found] == ["c", "a", "b"]
    assert MAX_REFERENCES >= 2


def test_the_vector_literal_round_trips_float32() -> None:
    v = np.random.default_rng(3).normal(0, 0.1, DIMS).astype(np.float32)
    text = vector_literal(v)
    assert text.startswith("[") and text.endswith("]")
    back = np.asarray([float(x) for x in text[1:-1].split(",")], np.float32)
    assert np.array_equal(back, v)
