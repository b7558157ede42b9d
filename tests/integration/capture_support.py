"""Small synthetic capture sessions shared by the capture and twin integration tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from integration.test_license_support import World, sign_creation_consent
from likeness.capture.qc import QcConfig
from likeness.capture.synthetic import RigConfig
from likeness.imaging.faces import FaceAnalyzer

CONFIG = RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(-25.0, 0.0))
ANALYZER = FaceAnalyzer()
#: Eight lights leave gaps on the sphere; the coverage rule is tested elsewhere.
QC = QcConfig(coverage_gap_deg=60.0)


def allow_capture(session: Session, world: World) -> str:
    """The talent's signed creation consent to be captured, and only that: what ingesting
    needs. Building and altering a twin still need a consent that allows them."""
    return sign_creation_consent(session, world, activities=("capture",))
