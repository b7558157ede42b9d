"""Environment lighting: equirectangular maps and presets projected onto the rig lights.

Equirectangular layout (rig frame, see :func:`direction_from_angles`): row 0 is straight
up, the last row straight down; the centre column looks from the subject towards the camera
(+z), columns to its right swing towards +x (the image's right). Each map pixel covers a
solid angle ``cos(latitude) * dphi * dtheta``; its radiance times that solid angle goes to
the nearest rig light (a spherical Voronoi partition), so the rig intensities add up to
the map's total energy: nothing is created or lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._errors import InvalidEnvironment
from likeness.imaging.relight._relight import apply_weights
from likeness.imaging.relight._validate import FloatArray, check_basis, check_directions

if TYPE_CHECKING:
    from likeness.imaging.relight._prior import RelightPrior

PresetName = Literal["studio", "overcast", "golden_hour"]
PRESETS: tuple[str, ...] = ("studio", "overcast", "golden_hour")

#: Maps are reduced to this many rows before projection (energy is pooled, so the
#: total is kept exactly).
PROJECTION_ROWS = 64


@dataclass(frozen=True)
class EnvironmentMap:
    """Linear RGB radiance on an equirectangular grid ``[H, 2H, 3]`` (float32)."""

    radiance: NDArray[np.float32]

    def __post_init__(self) -> None:
        check_environment(self.radiance)


def check_environment(radiance: object) -> NDArray[np.float32]:
    if not isinstance(radiance, np.ndarray):
        raise InvalidEnvironment("environment must be a numpy array")
    if radiance.ndim != 3 or radiance.shape[2] != 3:
        raise InvalidEnvironment(f"environment must be [H, W, 3], got {radiance.shape}")
    height, width = radiance.shape[:2]
    if height < 2 or width != 2 * height:
        raise InvalidEnvironment(
            f"equirectangular maps are twice as wide as high, got {width}x{height}"
        )
    if radiance.dtype != np.float32:
        raise InvalidEnvironment(f"environment must be float32, got {radiance.dtype}")
    if not np.isfinite(radiance).all():
        raise InvalidEnvironment("environment contains NaN or infinite values")
    if (radiance < 0).any():
        raise InvalidEnvironment("environment contains negative radiance")
    return radiance


def pixel_directions(height: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unit directions ``[H, 2H, 3]`` of pixel centres and their solid angles ``[H, 2H]``."""
    width = 2 * height
    latitude = math.pi / 2 - (np.arange(height) + 0.5) * math.pi / height
    longitude = (np.arange(width) + 0.5) * 2 * math.pi / width - math.pi
    lat, lon = np.meshgrid(latitude, longitude, indexing="ij")
    dirs = np.stack([np.sin(lon) * np.cos(lat), np.sin(lat), np.cos(lon) * np.cos(lat)], -1)
    # Exact band areas (sin difference), so the solid angles sum to 4*pi.
    edges = math.pi / 2 - np.arange(height + 1) * math.pi / height
    band = (np.sin(edges[:-1]) - np.sin(edges[1:])) * (2 * math.pi / width)
    return dirs, np.repeat(band[:, None], width, axis=1)


def load_environment(path: str | Path) -> EnvironmentMap:
    """Read an equirectangular ``.hdr``/``.exr`` (linear) or 8-bit image (sRGB) with OpenCV."""
    file = Path(path)
    if not file.is_file():
        raise InvalidEnvironment(f"environment file not found: {file}")
    image = cv2.imread(str(file), cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise InvalidEnvironment(f"cannot read environment map {file.name}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    rgb = cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_BGR2RGB)
    if rgb.dtype == np.uint8 or rgb.dtype == np.uint16:
        scale = 255.0 if rgb.dtype == np.uint8 else 65535.0
        encoded = rgb.astype(np.float32) / scale
        linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
        rgb = linear.astype(np.float32)
    radiance = np.ascontiguousarray(rgb.astype(np.float32))
    height = radiance.shape[0]
    if radiance.shape[1] != 2 * height:
        raise InvalidEnvironment(
            f"{file.name} is not equirectangular (2:1); got {radiance.shape[1]}x{height}"
        )
    return EnvironmentMap(np.maximum(radiance, 0.0))


def rotate_environment(env: EnvironmentMap, yaw_deg: float) -> EnvironmentMap:
    """Turn the map about the vertical axis (positive: towards +x)."""
    width = env.radiance.shape[1]
    shift = round(yaw_deg / 360.0 * width)
    return EnvironmentMap(np.ascontiguousarray(np.roll(env.radiance, shift, axis=1)))


def _blob(
    dirs: NDArray[np.float64], towards: tuple[float, float, float], width_deg: float
) -> NDArray[np.float64]:
    axis = np.asarray(towards) / np.linalg.norm(towards)
    cosine = dirs @ axis
    blob: NDArray[np.float64] = np.exp((cosine - 1.0) / (1.0 - math.cos(math.radians(width_deg))))
    return blob


def environment_preset(name: str, *, height: int = 64) -> EnvironmentMap:
    """A procedural lighting preset as an equirectangular map.

    ``studio``: key (camera left, above), fill (camera right, weaker), rim (behind, above)
    on a dim grey room. ``overcast``: CIE overcast sky ``(1 + 2 sin θ) / 3`` over a ground of
    albedo 0.2. ``golden_hour``: a warm sun 6° above the horizon to the subject's left with a
    blue sky and a warm ground bounce.
    """
    from likeness.imaging.relight._relight import direction_from_angles

    if name not in PRESETS:
        raise InvalidEnvironment(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    if height < 4:
        raise InvalidEnvironment("preset height must be at least 4")
    dirs, _ = pixel_directions(height)
    up = dirs[..., 1]
    out = np.zeros((*dirs.shape[:2], 3))
    if name == "studio":
        out += 0.03
        out += 6.0 * _blob(dirs, direction_from_angles(-40, 30), 12)[..., None]
        out += 2.0 * _blob(dirs, direction_from_angles(45, 10), 20)[..., None]
        out += 4.0 * _blob(dirs, direction_from_angles(150, 40), 10)[..., None]
    elif name == "overcast":
        sky = np.clip((1 + 2 * up) / 3, 0, None) * (up >= 0)
        ground = 0.2 * (1 / 3) * (up < 0)
        out += (sky + ground)[..., None] * np.array([0.95, 1.0, 1.05])
    else:
        sun = 40.0 * _blob(dirs, direction_from_angles(60, 6), 3)
        sky = (up >= 0) * (0.15 + 0.25 * (1 - np.clip(up, 0, 1)))
        out += sun[..., None] * np.array([1.0, 0.62, 0.3])
        out += sky[..., None] * np.array([0.45, 0.6, 1.0])
        out += ((up < 0) * 0.08)[..., None] * np.array([1.0, 0.75, 0.5])
    return EnvironmentMap(out.astype(np.float32))


def project_environment(
    env: EnvironmentMap,
    light_dirs: FloatArray,
    *,
    method: Literal["voronoi"] = "voronoi",
    rows: int = PROJECTION_ROWS,
) -> NDArray[np.float32]:
    """RGB intensity ``[L, 3]`` per rig light: radiance × solid angle summed over its cell.

    The sum over lights equals ``∫ L(ω) dω`` over the whole sphere (energy conservation);
    light from directions the rig never covered goes to the rig light nearest to it.
    """
    if method != "voronoi":
        raise InvalidEnvironment(f"unknown projection method {method!r}")
    dirs = check_directions(light_dirs).astype(np.float64)
    full_dirs, full_solid = pixel_directions(env.radiance.shape[0])
    energy_map = (env.radiance.astype(np.float64) * full_solid[..., None]).astype(np.float32)
    if env.radiance.shape[0] > rows:
        # Pool energy (not radiance): area-averaging then rescaling keeps the total exact.
        scale = energy_map.shape[0] * energy_map.shape[1] / (rows * 2 * rows)
        pooled = cv2.resize(energy_map, (2 * rows, rows), interpolation=cv2.INTER_AREA)
        energy_map = (pooled * scale).astype(np.float32)
        full_dirs, _ = pixel_directions(rows)
    owner = np.argmax(full_dirs.reshape(-1, 3) @ dirs.T, axis=1)
    energy = energy_map.reshape(-1, 3).astype(np.float64)
    out = np.zeros((dirs.shape[0], 3))
    np.add.at(out, owner, energy)
    return out.astype(np.float32)


def environment_energy(env: EnvironmentMap) -> NDArray[np.float64]:
    """``∫ L(ω) dω`` per channel over the full-resolution map."""
    _, solid_angle = pixel_directions(env.radiance.shape[0])
    total: NDArray[np.float64] = (env.radiance * solid_angle[..., None]).sum(axis=(0, 1))
    return total


def relight_environment(
    basis: FloatArray,
    light_dirs: FloatArray,
    env: EnvironmentMap,
    *,
    prior: RelightPrior | None = None,
    ignore: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Render the subject lit by ``env`` (Debevec et al. 2000: weighted sum of OLAT images).

    ``ignore`` (boolean ``[L]``, e.g. from :func:`dead_lights`) leaves frames out: their cells
    of the map go to the nearest remaining lights (energy is kept). With a ``prior`` the map
    is projected onto the prior's rig and the lights the basis lacks or ignores are
    predicted from the others (see :func:`relight`).
    """
    from likeness.imaging.relight._relight import check_ignore, render_with_prior

    checked = check_basis(basis)
    dirs = check_directions(light_dirs, count=checked.shape[0])
    mask = check_ignore(ignore, checked.shape[0])
    if prior is not None:
        intensity = project_environment(env, prior.rig_dirs).astype(np.float64)
        return render_with_prior(checked, dirs, intensity, prior, mask)
    if mask is None:
        return apply_weights(checked, project_environment(env, dirs))
    keep = np.flatnonzero(~mask)
    kept = np.zeros((checked.shape[0], 3), np.float32)
    kept[keep] = project_environment(env, dirs[keep])
    return apply_weights(checked, kept)
