"""The generation identity rule: the licensed twin, and no one else (decision 0021)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.imaging.faces import (
    COMPARABLE_WIDTH,
    EMBEDDING_SIZE,
    FACE_NONE,
    FACE_SEVERAL,
    GENERATION_THRESHOLD,
    IDENTITY_CLOSER_TWIN,
    IDENTITY_MISMATCH,
    Face,
    InvalidImage,
    comparable_faces,
    face_count_verdict,
    identity_verdict,
)

TWIN = np.zeros(EMBEDDING_SIZE)


def at(distance: float, axis: int = 0) -> np.ndarray:
    """An embedding exactly ``distance`` from :data:`TWIN` along one axis (float64)."""
    vector = np.zeros(EMBEDDING_SIZE)
    vector[axis] = distance
    return vector


def face(width: int) -> Face:
    return Face(0, 0, width, width, 1.0, np.zeros((5, 2), np.float32))


def test_no_probe_is_no_face() -> None:
    for probes in (None, [], np.zeros((0, EMBEDDING_SIZE))):
        verdict = identity_verdict(probes, TWIN, {})
        assert (verdict.passed, verdict.reason) == (False, FACE_NONE)
        assert verdict.details["faces"] == 0


def test_two_comparable_faces_are_refused_even_if_both_are_the_twin() -> None:
    verdict = identity_verdict([at(0.1), at(0.1, axis=1)], TWIN, {})
    assert (verdict.passed, verdict.reason) == (False, FACE_SEVERAL)
    assert verdict.details["faces"] == 2
    stacked = identity_verdict(np.stack([at(0.1), at(0.2)]), TWIN, {})
    assert stacked.reason == FACE_SEVERAL


def test_face_count_alone() -> None:
    assert face_count_verdict(1) is None
    none, several = face_count_verdict(0), face_count_verdict(3)
    assert none is not None and none.reason == FACE_NONE
    assert several is not None and several.reason == FACE_SEVERAL
    with pytest.raises(ValueError, match="negative"):
        face_count_verdict(-1)


def test_the_threshold_itself_passes_and_just_beyond_fails() -> None:
    t = GENERATION_THRESHOLD
    on = identity_verdict(at(t), TWIN, {})
    assert on.passed and on.reason is None and on.details["distance"] == round(t, 4)
    beyond = identity_verdict(at(float(np.nextafter(t, 1.0))), TWIN, {})
    assert (beyond.passed, beyond.reason) == (False, IDENTITY_MISMATCH)
    inside = identity_verdict(at(float(np.nextafter(t, 0.0))), TWIN, {})
    assert inside.passed


def test_a_custom_threshold_moves_the_edge() -> None:
    assert not identity_verdict(at(0.3), TWIN, {}, threshold=0.29).passed
    assert identity_verdict(at(0.3), TWIN, {}, threshold=0.3).passed
    for bad in (0.0, 2.0, -1.0):
        with pytest.raises(ValueError, match="threshold"):
            identity_verdict(at(0.1), TWIN, {}, threshold=bad)


def test_another_twin_closer_fails_and_a_tie_fails_too() -> None:
    probe = at(0.3)
    closer = identity_verdict(probe, TWIN, {"b": at(0.4) + at(0.2, axis=1) * 0, "c": probe})
    assert (closer.passed, closer.reason) == (False, IDENTITY_CLOSER_TWIN)
    assert closer.nearest_other == ("c", 0.0)
    # Equally close (0.3 from the probe, on another axis): "no one else" refuses a tie.
    tie = identity_verdict(probe, TWIN, {"b": at(0.3) + at(0.3, axis=1)})
    assert tie.reason == IDENTITY_CLOSER_TWIN
    assert tie.nearest_other is not None
    assert tie.details["distance"] == tie.nearest_other[1] == 0.3


def test_another_twin_farther_passes_with_its_distance_reported() -> None:
    verdict = identity_verdict(at(0.2), TWIN, {"b": at(0.2) + at(0.5, axis=1), "c": at(1.0)})
    assert verdict.passed
    assert verdict.nearest_other == ("b", 0.5)
    assert verdict.details["threshold"] == GENERATION_THRESHOLD


def test_mismatch_wins_over_closer_twin() -> None:
    """A face that is not the twin is a mismatch, whoever else it resembles."""
    verdict = identity_verdict(at(0.6), TWIN, {"b": at(0.6)})
    assert verdict.reason == IDENTITY_MISMATCH
    assert verdict.nearest_other is not None and verdict.nearest_other[0] == "b"


def test_embeddings_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(InvalidImage):
        identity_verdict(np.zeros(64), TWIN, {})


_MILLI = st.integers(0, 1500).map(lambda n: n / 1000)


@given(
    d=_MILLI, others=st.lists(_MILLI, max_size=5), t=st.integers(50, 999).map(lambda n: n / 1000)
)
def test_passes_exactly_when_within_threshold_and_strictly_nearest(
    d: float, others: list[float], t: float
) -> None:
    probe = at(d)
    # Gallery twin k sits at distance others[k] from the probe (on its own axis).
    gallery = {f"t{k}": probe + at(o, axis=k + 1) for k, o in enumerate(others)}
    verdict = identity_verdict(probe, TWIN, gallery, threshold=t)
    assert verdict.passed == (d <= t and all(o > d for o in others))
    if not verdict.passed:
        assert verdict.reason == (IDENTITY_MISMATCH if d > t else IDENTITY_CLOSER_TWIN)


def test_comparable_faces_keep_those_at_least_half_as_wide() -> None:
    assert COMPARABLE_WIDTH == 0.5
    kept = comparable_faces([face(49), face(100), face(50)])
    assert [f.width for f in kept] == [100, 50]
    assert comparable_faces([face(100), face(49)])[0].width == 100
    assert len(comparable_faces([face(100), face(49)])) == 1
    assert comparable_faces([]) == []
    with pytest.raises(ValueError, match="ratio"):
        comparable_faces([face(10)], ratio=0.0)


def test_the_details_never_name_another_twin_or_its_distance() -> None:
    """``details`` may reach the brand (the output's check): other people's twins stay
    out of it, whatever the verdict."""
    gallery = {"twin-of-bea": at(0.2) + at(0.5, axis=1), "twin-of-cal": at(0.3)}
    for probe in (at(0.2), at(0.3), at(0.9)):
        verdict = identity_verdict(probe, TWIN, gallery)
        assert verdict.nearest_other is not None
        assert set(verdict.details) == {"faces", "distance", "threshold"}
        assert verdict.nearest_other[0] not in repr(verdict.details)
