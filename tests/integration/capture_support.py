"""Small synthetic capture sessions shared by the capture and twin integration tests."""

from __future__ import annotations

from likeness.capture.qc import QcConfig
from likeness.capture.synthetic import RigConfig
from likeness.imaging.faces import FaceAnalyzer

CONFIG = RigConfig(size=256, lights=8, shadow_resolution=128, yaws=(-25.0, 0.0))
ANALYZER = FaceAnalyzer()
#: Eight lights leave gaps on the sphere; the coverage rule is tested elsewhere.
QC = QcConfig(coverage_gap_deg=60.0)
