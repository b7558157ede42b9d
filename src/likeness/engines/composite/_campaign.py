"""A campaign brief made from a seed, and a synthetic subject, for the demo and benches."""

from __future__ import annotations

import numpy as np

from likeness.capture.synthetic import RigConfig, render_capture
from likeness.engines import procedural as pr
from likeness.engines._base import Brief, InputRole, Subject, Task
from likeness.imaging import compose as cp
from likeness.imaging import relight as rl
from likeness.studio import Basis

#: The capture the demo needs for a 1080 × 1350 campaign at native resolution: one
#: frontal view (the composite uses only that one) of 736 px under 24 lights (the lights
#: still cover the whole sphere within 40°, as QC asks). A bust's arms are cut by the
#: capture's sides, so it must be enlarged to the canvas width: 1080 / 736 ≈ 1.47×
#: (≤ 1.5×). Shadow maps at twice the image size keep cast-shadow edges smooth.
DEMO_CAPTURE = RigConfig(yaws=(0.0,), lights=24, size=736, shadow_resolution=1472)
CAMPAIGN_SIZE = (1080, 1350)
CAMPAIGN_FRAMING = "instagram-portrait"

#: (garment, sRGB colour, plate, key azimuth, elevation, warmth, drop shadow), one per
#: seed. A wall or a paper sweep close behind the model takes her shadow; a sky does not.
_LOOKS: tuple[
    tuple[pr.GarmentKind, tuple[int, int, int], pr.PlateKind, float, float, float, float], ...
] = (
    ("knit", (158, 36, 48), "street", 40.0, 35.0, 0.5, 0.45),
    ("blazer", (38, 50, 78), "studio", 35.0, 30.0, 0.1, 0.35),
    ("dress", (212, 168, 58), "beach", -30.0, 25.0, 0.4, 0.0),
)


def campaign_brief(seed: int) -> tuple[Brief, dict[InputRole, bytes]]:
    """A ``tryon`` brief for an Instagram portrait with a procedurally made garment
    packshot and background plate (PNG bytes), picked and drawn from ``seed``."""
    garment, colour, plate, azimuth, elevation, warmth, shadow = _LOOKS[seed % len(_LOOKS)]
    width, height = CAMPAIGN_SIZE
    inputs = {
        InputRole.garment: pr.encode_png(pr.garment_packshot(seed, garment, colour, size=2048)),
        InputRole.plate: pr.encode_png(
            pr.scene_plate(
                seed,
                plate,
                width=width,
                height=height,
                azimuth_deg=azimuth,
                elevation_deg=elevation,
                warmth=warmth,
            )
        ),
    }
    brief = Brief(
        task=Task.tryon,
        framing=CAMPAIGN_FRAMING,
        options={"light": "plate", "shadow": shadow},
        prompt=f"{garment} in {plate} light",
    )
    return brief, inputs


def synthetic_subject(seed: int = 7, config: RigConfig | None = None) -> Subject:
    """A :class:`Subject` from a synthetic capture rendered in memory (no database, no twin
    store): what the generation feature would hand the engine for that person."""
    config = config or DEMO_CAPTURE
    capture = render_capture(seed, config)
    basis = Basis.from_arrays(
        np.stack([view.olat for view in capture.views]),
        capture.light_dirs,
        view_yaws_deg=tuple(view.yaw for view in capture.views),
        alpha=np.stack([view.alpha for view in capture.views]),
    )
    frontal = int(np.argmin([abs(yaw) for yaw in basis.view_yaws_deg]))
    lit = basis.views[frontal].relight([(rl.direction_from_angles(0.0, 15.0), (1.0, 1.0, 1.0))])
    assert basis.alpha is not None
    return Subject(
        twin_id=f"synthetic-{seed}",
        twin_version=1,
        basis=basis,
        reference=cp.to_display(np.maximum(lit, 0.0)),
        reference_matte=basis.alpha[frontal],
    )
