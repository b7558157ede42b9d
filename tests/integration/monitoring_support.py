"""Many enrolled talents with random reference embeddings, for the index tests.

Embeddings are drawn so that people lie about as far apart as dlib's face embeddings of
different people (≈ 0.9) and one person's references and faces about 0.3–0.4 apart.
Talents are inserted directly (no audit): these tests are about the search only.
"""

from __future__ import annotations

import uuid

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from likeness.models.monitoring_index import MonitoringEnrolment
from likeness.models.party import Role, TalentProfile, User
from likeness.monitoring.enrolment import replace_references

DIMS = 128
SPREAD = 0.9 / np.sqrt(2 * DIMS)  # per-dimension spread of people
SAME = 0.3 / np.sqrt(2 * DIMS)  # per-dimension spread of one person's faces


def enrol_random(
    session: Session, *, talents: int, per_talent: int, seed: int
) -> list[NDArray[np.float32]]:
    """Enrol ``talents`` random people; return probes: a fresh face of each of the first
    half, and as many strangers."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, SPREAD, (talents, DIMS)).astype(np.float32)
    for i, centre in enumerate(centres):
        tag = uuid.uuid4().hex[:12]
        user = User(email=f"idx-{tag}@example.com", display_name=f"idx {i}", role=Role.talent)
        session.add(user)
        session.flush()
        talent = TalentProfile(user_id=user.id, legal_name=f"Index Person {i}")
        session.add(talent)
        session.flush()
        session.add(MonitoringEnrolment(talent_id=talent.id, enrolled=True))
        refs = centre + rng.normal(0.0, SAME, (per_talent, DIMS)).astype(np.float32)
        replace_references(session, talent.id, [(f"random:{j}", r) for j, r in enumerate(refs)])
    half = talents // 2
    own = centres[:half] + rng.normal(0.0, SAME, (half, DIMS)).astype(np.float32)
    strangers = rng.normal(0.0, SPREAD, (half, DIMS)).astype(np.float32)
    return [np.asarray(p, np.float32) for p in np.concatenate([own, strangers])]
