"""Point-splatting renderer for the synthetic rig: G-buffer, shadow maps, OLAT shading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness.capture._synth_geometry import EYE, HAIR, LIP, SKIN, Surfaces

F32 = NDArray[np.floating[Any]]

#: Vertical field of the frame, centimetres (top, bottom): head and shoulders.
FRAME_TOP = 14.0
FRAME_BOTTOM = -22.0
#: Shadow maps cover a sphere around the subject with this radius and centre.
_SHADOW_RADIUS = 36.0
_SHADOW_CENTRE = np.array([0.0, -12.0, -1.0], np.float32)


def camera_basis(direction: NDArray[np.floating]) -> tuple[F32, F32, F32]:
    """(right, up, towards-camera) unit vectors for a camera along ``direction``."""
    forward = np.asarray(direction, np.float64)
    forward = forward / np.linalg.norm(forward)
    world_up = np.array([0.0, 1.0, 0.0])
    right = np.cross(world_up, forward)
    if np.linalg.norm(right) < 1e-6:  # looking straight up or down
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(forward, right)
    return right.astype(np.float32), up.astype(np.float32), forward.astype(np.float32)


@dataclass(frozen=True)
class GBuffer:
    mask: NDArray[np.bool_]  # [H, W]
    index: NDArray[np.int64]  # [H, W], -1 where empty
    alpha: F32  # [H, W] soft coverage
    view: F32  # [3] towards the camera


def rasterise(surfaces: Surfaces, direction: NDArray[np.floating], size: int) -> GBuffer:
    """Nearest surface sample per pixel for an orthographic camera along ``direction``."""
    right, up, forward = camera_basis(direction)
    scale = size / (FRAME_TOP - FRAME_BOTTOM)
    facing = surfaces.normal @ forward > -0.15
    idx_all = np.nonzero(facing)[0]
    pos = surfaces.position[idx_all]
    px = (pos @ right) * scale + size / 2.0
    py = (FRAME_TOP - pos @ up) * scale
    depth = pos @ forward
    ix = np.floor(px).astype(np.int64)
    iy = np.floor(py).astype(np.int64)
    inside = (ix >= 0) & (ix < size) & (iy >= 0) & (iy < size)
    pix = iy[inside] * size + ix[inside]
    order = np.lexsort((-depth[inside], pix))
    pix_sorted = pix[order]
    first = np.ones(len(pix_sorted), dtype=bool)
    first[1:] = pix_sorted[1:] != pix_sorted[:-1]
    index = np.full(size * size, -1, dtype=np.int64)
    index[pix_sorted[first]] = idx_all[np.nonzero(inside)[0][order[first]]]
    index = _fill_holes(index.reshape(size, size))
    mask = index >= 0
    alpha = _soft_alpha(mask)
    return GBuffer(mask=mask, index=index, alpha=alpha, view=forward)


def _fill_holes(index: NDArray[np.int64]) -> NDArray[np.int64]:
    """Fill pinholes left by splatting with a neighbour's sample."""
    for _ in range(2):
        empty = index < 0
        if not empty.any():
            break
        neighbours = np.zeros(index.shape, dtype=np.int64)
        for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            neighbours += np.roll(index, (dy, dx), axis=(0, 1)) >= 0
        holes = empty & (np.asarray(neighbours) >= 3)
        if not holes.any():
            break
        for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            shifted = np.roll(index, (dy, dx), axis=(0, 1))
            take = holes & (index < 0) & (shifted >= 0)
            index[take] = shifted[take]
    return index


def _soft_alpha(mask: NDArray[np.bool_]) -> F32:
    import cv2

    # A 3x3 blur gives the one-pixel soft edge a real camera's matte has.
    return np.asarray(cv2.blur(mask.astype(np.float32), (3, 3)), dtype=np.float32)


class ShadowMaps:
    """Orthographic depth maps, one per light, shared by every view."""

    def __init__(self, surfaces: Surfaces, lights: F32, resolution: int) -> None:
        self.res = resolution
        self.lights = lights.astype(np.float32)
        stride = max(1, len(surfaces.position) // (resolution * resolution * 3))
        occluders = surfaces.position[::stride] - _SHADOW_CENTRE
        self.bases = [_light_basis(l_dir) for l_dir in self.lights]
        self.maps: list[F32] = []
        for (a, b), l_dir in zip(self.bases, self.lights, strict=True):
            self.maps.append(self._depth_map(occluders, a, b, l_dir))

    def _texel(self, points: F32, a: F32, b: F32) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        s = self.res / (2.0 * _SHADOW_RADIUS)
        u = np.clip(((points @ a) + _SHADOW_RADIUS) * s, 0, self.res - 1).astype(np.int64)
        v = np.clip(((points @ b) + _SHADOW_RADIUS) * s, 0, self.res - 1).astype(np.int64)
        return u, v

    def _depth_map(self, points: F32, a: F32, b: F32, l_dir: F32) -> F32:
        import cv2

        u, v = self._texel(points, a, b)
        flat = np.full(self.res * self.res, -np.inf, dtype=np.float32)
        np.maximum.at(flat, v * self.res + u, points @ l_dir)
        depth = flat.reshape(self.res, self.res)
        empty = ~np.isfinite(depth)
        filled = np.where(empty, np.float32(-1e6), depth)
        dilated = cv2.dilate(filled, np.ones((3, 3), np.uint8))
        return np.where(empty, dilated, depth).astype(np.float32)

    def visibility(self, light: int, points: F32, normals: F32) -> F32:
        """Fraction of light ``light`` reaching ``points`` (percentage-closer filtered)."""
        a, b = self.bases[light]
        l_dir = self.lights[light]
        texel = 2.0 * _SHADOW_RADIUS / self.res
        # Normal offset plus a slope-scaled depth bias keep grazing surfaces from
        # shadowing themselves (shadow acne) without detaching real shadows.
        n_dot_l = np.clip(normals @ l_dir, 0.05, 1.0)
        slope = np.sqrt(1.0 - n_dot_l**2) / n_dot_l
        p = points - _SHADOW_CENTRE + normals * (1.5 * texel)
        depth = p @ l_dir + texel * (1.0 + np.minimum(slope, 4.0))
        # Map coordinates once; the four filter taps are half-texel shifts of them.
        s = self.res / (2.0 * _SHADOW_RADIUS)
        u = (p @ a + _SHADOW_RADIUS) * s
        v = (p @ b + _SHADOW_RADIUS) * s
        shadow_map = self.maps[light]
        top = self.res - 1
        vis = np.zeros(len(p), dtype=np.float32)
        for du, dv in ((-0.5, -0.5), (0.5, -0.5), (-0.5, 0.5), (0.5, 0.5)):
            iu = np.clip(u + du, 0, top).astype(np.int64)
            iv = np.clip(v + dv, 0, top).astype(np.int64)
            vis += depth >= shadow_map[iv, iu]
        return vis / np.float32(4.0)


def _light_basis(l_dir: F32) -> tuple[F32, F32]:
    helper = np.array([0.0, 1.0, 0.0]) if abs(l_dir[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    a = np.cross(helper, l_dir)
    a /= np.linalg.norm(a)
    b = np.cross(l_dir, a)
    return a.astype(np.float32), b.astype(np.float32)


# Per-material shading: (specular strength, shininess, red/green/blue wrap).
_MATERIALS = {
    SKIN: (0.045, 28.0, (0.32, 0.14, 0.1)),
    LIP: (0.08, 40.0, (0.3, 0.12, 0.1)),
    EYE: (0.6, 300.0, (0.05, 0.05, 0.05)),
    HAIR: (0.06, 18.0, (0.1, 0.1, 0.1)),
}
_DEFAULT_MATERIAL = (0.02, 10.0, (0.05, 0.05, 0.05))


class Shader:
    """Shades one view's G-buffer under single unit-intensity directional lights."""

    def __init__(self, surfaces: Surfaces, gbuf: GBuffer) -> None:
        sel = gbuf.index[gbuf.mask]
        self.gbuf = gbuf
        self.position = surfaces.position[sel]
        self.normal = surfaces.normal[sel]
        self.albedo = surfaces.albedo[sel]
        material = surfaces.material[sel]
        n = len(sel)
        self.spec = np.zeros(n, np.float32)
        self.shininess = np.zeros(n, np.float32)
        self.wrap = np.zeros((n, 3), np.float32)
        for kind in np.unique(material):
            ks, shin, wrap = _MATERIALS.get(int(kind), _DEFAULT_MATERIAL)
            hit = material == kind
            self.spec[hit] = ks
            self.shininess[hit] = shin
            self.wrap[hit] = wrap

    def shade(self, l_dir: F32, visibility: F32) -> F32:
        """Linear RGB image [H, W, 3] of the subject under one light (black elsewhere)."""
        n_dot_l = self.normal @ l_dir
        # Wrapped diffuse approximates light bleeding through skin, most in red.
        diffuse = np.clip((n_dot_l[:, None] + self.wrap) / (1.0 + self.wrap), 0.0, None)
        half = l_dir + self.gbuf.view
        half = half / max(float(np.linalg.norm(half)), 1e-6)
        n_dot_h = np.clip(self.normal @ half, 0.0, 1.0)
        spec = self.spec * n_dot_h**self.shininess * (n_dot_l > 0)
        radiance = (self.albedo * diffuse + spec[:, None]) * visibility[:, None]
        h, w = self.gbuf.mask.shape
        image = np.zeros((h, w, 3), np.float32)
        image[self.gbuf.mask] = radiance
        return image
