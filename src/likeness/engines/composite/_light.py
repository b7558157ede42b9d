"""The dominant light of a background plate, and rig weights that reproduce it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging import relight as rl
from likeness.studio import Basis, parse_scene, scene_weights

F32 = NDArray[np.float32]
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
Colour = tuple[float, float, float]


@dataclass(frozen=True)
class PlateLight:
    """A key light (direction, colour) over an ambient (colour), each colour of luminance
    1; ``key_share`` is the key's share of the light on a surface facing the camera."""

    azimuth_deg: float
    elevation_deg: float
    color: Colour
    ambient: Colour
    key_share: float

    def to_dict(self) -> dict[str, object]:
        return {
            "azimuth_deg": round(self.azimuth_deg, 2),
            "elevation_deg": round(self.elevation_deg, 2),
            "color": [round(c, 4) for c in self.color],
            "ambient": [round(c, 4) for c in self.ambient],
            "key_share": round(self.key_share, 4),
        }


#: White light from just above the camera over a white ambient: the garment's packshot
#: colours come out as they are under it.
NEUTRAL = PlateLight(0.0, 15.0, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), 0.6)

#: The largest azimuth / elevation a plate's brightness gradient is read as.
_MAX_AZIMUTH = 65.0
_MAX_ELEVATION = 45.0


def _unit_luminance(rgb: NDArray[np.float64]) -> Colour:
    luma = float(rgb @ _LUMA)
    if luma <= 1e-6:
        return (1.0, 1.0, 1.0)
    c = np.clip(rgb / luma, 0.25, 4.0)
    c = c / float(c @ _LUMA)
    return (float(c[0]), float(c[1]), float(c[2]))


def estimate_plate_light(plate: F32) -> PlateLight:
    """Read the key light's direction and colour and the ambient colour off a linear plate.

    The plate is reduced to 64 px; the key is where the brightness above the median
    gathers (its centroid's offset from the centre gives azimuth and elevation: a plate
    brighter on the left is lit from the image's left, one brighter at the top from
    above), its colour is that of the brightest tenth, the ambient's that of the darker
    half, and the key's share grows with the plate's contrast. A flat plate gives a soft
    frontal light.
    """
    height, width = plate.shape[:2]
    factor = max(1.0, max(height, width) / 64.0)
    size = (max(4, round(width / factor)), max(4, round(height / factor)))
    small = cv2.resize(plate, size, interpolation=cv2.INTER_AREA).astype(np.float64)
    luma = small @ _LUMA.astype(np.float64)
    median = float(np.median(luma))
    excess = np.maximum(luma - median, 0.0) ** 2
    ys, xs = np.mgrid[0 : luma.shape[0], 0 : luma.shape[1]].astype(np.float64)
    u = (xs + 0.5) / luma.shape[1] * 2 - 1
    v = 1 - (ys + 0.5) / luma.shape[0] * 2
    total = float(excess.sum())
    if total <= 1e-12:
        cx = cy = 0.0
    else:
        cx = float((excess * u).sum() / total)
        cy = float((excess * v).sum() / total)
    azimuth = float(np.clip(-cx * 1.6 * _MAX_AZIMUTH, -_MAX_AZIMUTH, _MAX_AZIMUTH))
    elevation = float(np.clip(20.0 + cy * 1.5 * _MAX_ELEVATION, 0.0, _MAX_ELEVATION))
    flat = small.reshape(-1, 3)
    order = np.argsort(luma.ravel())
    bright = flat[order[int(0.9 * order.size) :]].mean(axis=0)
    dark = flat[order[: max(1, order.size // 2)]].mean(axis=0)
    p90 = float(np.percentile(luma, 90))
    p25 = float(np.percentile(luma, 25))
    contrast = (p90 - p25) / max(p90, 1e-6)
    key_share = float(np.clip(0.3 + 0.6 * contrast, 0.3, 0.7))
    return PlateLight(azimuth, elevation, _unit_luminance(bright), _unit_luminance(dark), key_share)


def light_weights(basis: Basis, light: PlateLight, exposure: float) -> F32:
    """Rig weights ``[L, 3]``: the key through the studio renderer's scene lights, the
    ambient as a uniform environment, scaled so a surface facing the camera gets
    ``exposure`` in all."""
    key = parse_scene(
        {
            "lights": [
                {
                    "azimuth_deg": light.azimuth_deg,
                    "elevation_deg": light.elevation_deg,
                    "color": list(light.color),
                    "intensity": exposure * light.key_share,
                }
            ]
        }
    )
    weights = scene_weights(basis, key)
    # A uniform sky of radiance r lights a surface facing it with π r.
    radiance = exposure * (1.0 - light.key_share) / math.pi
    sky = np.ones((16, 32, 3), np.float32) * (np.asarray(light.ambient, np.float32) * radiance)
    ambient = rl.project_environment(rl.EnvironmentMap(sky), basis.light_dirs)
    out: F32 = (weights + ambient).astype(np.float32)
    return out


def light_vector(light: PlateLight) -> tuple[float, float]:
    """Where the key comes from in the picture: (x, y), x right, y up."""
    x, y, _ = rl.direction_from_angles(light.azimuth_deg, light.elevation_deg)
    return x, y
