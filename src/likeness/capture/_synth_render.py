"""Point-splatting renderer for the synthetic rig: G-buffer, shadow maps, OLAT shading."""

from __future__ import annotations

from concurrent.futures import Executor
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


def _apply(matrix: F32, points: F32) -> F32:
    """``matrix`` [3, 3] or [3] times ``points`` [3, N], without BLAS.

    Points are kept [3, N] because NumPy's [N, 3] @ [3, 3] is forty times slower;
    einsum rather than @ because a multi-threaded BLAS spends more time waking its
    threads than on a 3-deep product (and fights the rig's own thread pool).
    """
    spec = "ij,jn->in" if matrix.ndim == 2 else "j,jn->n"
    out: F32 = np.einsum(spec, matrix.astype(np.float32), points)
    return out


def _take_columns(rows: F32, columns: NDArray[np.int64]) -> F32:
    """``rows[:, columns]`` as a C-contiguous array (NumPy's own result is strided)."""
    out: F32 = np.empty((rows.shape[0], len(columns)), rows.dtype)
    for k in range(rows.shape[0]):
        np.take(rows[k], columns, out=out[k])
    return out


@dataclass(frozen=True)
class GBuffer:
    mask: NDArray[np.bool_]  # [H, W]
    index: NDArray[np.int64]  # [H, W], -1 where empty
    alpha: F32  # [H, W] soft coverage
    view: F32  # [3] towards the camera


def rasterise(surfaces: Surfaces, direction: NDArray[np.floating], size: int) -> GBuffer:
    """Nearest surface sample per pixel for an orthographic camera along ``direction``."""
    right, up, forward = camera_basis(direction)
    scale = np.float32(size / (FRAME_TOP - FRAME_BOTTOM))
    proj = _apply(np.stack([right, up, forward]), surfaces.position)
    ix = np.floor(proj[0] * scale + np.float32(size / 2.0)).astype(np.int64)
    iy = np.floor((np.float32(FRAME_TOP) - proj[1]) * scale).astype(np.int64)
    # Unsigned views fold the "< 0" tests into the "< size" ones.
    keep = ix.view(np.uint64) < size
    keep &= iy.view(np.uint64) < size
    keep &= _apply(forward, surfaces.normal) > -0.15
    idx = np.flatnonzero(keep)
    pix = iy[idx] * size + ix[idx]
    depth = proj[2, idx]
    # A z-buffer without sorting: the nearest depth per pixel, then the sample that
    # has it (on an exact tie the later sample wins, the same every run).
    zbuf = np.full(size * size, -np.inf, dtype=np.float32)
    np.maximum.at(zbuf, pix, depth)
    nearest = depth >= zbuf[pix]
    index = np.full(size * size, -1, dtype=np.int64)
    index[pix[nearest]] = idx[nearest]
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

    def __init__(
        self, surfaces: Surfaces, lights: F32, resolution: int, pool: Executor | None = None
    ) -> None:
        self.res = resolution
        self.lights = lights.astype(np.float32)
        self.texel = 2.0 * _SHADOW_RADIUS / resolution
        stride = max(1, len(surfaces) // (resolution * resolution * 3))
        occluders = np.ascontiguousarray(surfaces.position[:, ::stride] - _SHADOW_CENTRE[:, None])
        #: Per light, rows (light direction, map u axis, map v axis).
        self.frames = [
            np.stack([l_dir, *_light_basis(l_dir)]).astype(np.float32) for l_dir in self.lights
        ]

        def depth_map(frame: F32) -> F32:
            return self._depth_map(_apply(frame, occluders))

        self.maps = list(pool.map(depth_map, self.frames) if pool else map(depth_map, self.frames))

    def _texel(self, coords: F32) -> NDArray[np.int64]:
        """Flat index of the map texel under each point's (u, v) map coordinates [3, N]."""
        s = np.float32(self.res / (2.0 * _SHADOW_RADIUS))
        top = self.res - 1
        u = np.clip((coords[1] + np.float32(_SHADOW_RADIUS)) * s, 0, top).astype(np.int64)
        v = np.clip((coords[2] + np.float32(_SHADOW_RADIUS)) * s, 0, top).astype(np.int64)
        flat: NDArray[np.int64] = v * self.res + u
        return flat

    def _depth_map(self, coords: F32) -> F32:
        import cv2

        flat = np.full(self.res * self.res, -np.inf, dtype=np.float32)
        np.maximum.at(flat, self._texel(coords), coords[0])
        depth = flat.reshape(self.res, self.res)
        empty = ~np.isfinite(depth)
        filled = np.where(empty, np.float32(-1e6), depth)
        dilated = cv2.dilate(filled, np.ones((3, 3), np.uint8))
        return np.where(empty, dilated, depth).astype(np.float32).ravel()

    def receivers(self, points: F32, normals: F32) -> F32:
        """Points [3, N] pushed off their surface (normal offset), map-centred."""
        # Normal offset plus a slope-scaled depth bias (in visibility) keep grazing
        # surfaces from shadowing themselves (shadow acne) without detaching shadows.
        offset: F32 = normals * np.float32(1.5 * self.texel)
        offset += points
        offset -= _SHADOW_CENTRE[:, None]
        return offset

    def visibility(self, light: int, receivers: F32, n_dot_l: F32) -> F32:
        """Fraction of light ``light`` reaching ``receivers`` [3, N] (2x2 PCF)."""
        coords = _apply(self.frames[light], receivers)
        cosine = np.clip(n_dot_l, np.float32(0.05), np.float32(1.0))
        slope = np.sqrt(np.float32(1.0) - cosine * cosine)
        slope /= cosine
        np.minimum(slope, np.float32(4.0), out=slope)
        slope += np.float32(1.0)
        slope *= np.float32(self.texel)
        depth = coords[0] + slope
        # The four filter taps are the texels around the point: one index, four takes.
        s = np.float32(self.res / (2.0 * _SHADOW_RADIUS))
        shift = np.float32(self.res / 2.0 - 0.5)  # map centre, minus half a texel
        edge = self.res - 2
        iu = np.clip((coords[1] * s + shift).astype(np.int64), 0, edge)
        iv = np.clip((coords[2] * s + shift).astype(np.int64), 0, edge)
        first = iv * self.res + iu
        shadow_map = self.maps[light]
        lit = (depth >= shadow_map.take(first)).view(np.uint8)
        for step in (1, self.res, self.res + 1):
            lit += (depth >= shadow_map.take(first + step)).view(np.uint8)
        vis: F32 = lit * np.float32(0.25)
        return vis


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


@dataclass(frozen=True)
class _Segment:
    """A run of pixels of one material (pixels are grouped by material)."""

    start: int
    stop: int
    shininess: float
    wrap_scale: tuple[float, float, float]  # 1 / (1 + wrap), per channel
    wrap_bias: tuple[float, float, float]  # wrap / (1 + wrap), per channel


class Shader:
    """Shades one view's covered pixels under single unit-intensity directional lights.

    Works on the covered pixels only, channel-major: radiance is [3, N] over
    :attr:`pixels` (flat pixel indices, grouped by material), with the matte's
    coverage applied, so a frame is that list scattered onto black. Everything per
    pixel is stored [3, N] or [N]: NumPy's [N, 3] broadcasts run several times slower.
    """

    def __init__(self, surfaces: Surfaces, gbuf: GBuffer, shadows: ShadowMaps) -> None:
        pixels = np.flatnonzero(gbuf.mask)
        sel = gbuf.index.ravel()[pixels]
        material = surfaces.material[sel]
        order = np.argsort(material, kind="stable")
        self.pixels = pixels[order]
        sel = sel[order]
        material = material[order]
        coverage = gbuf.alpha.ravel()[self.pixels].astype(np.float32)
        self.view = gbuf.view.astype(np.float32)
        self.shadows = shadows
        self.normal = _take_columns(surfaces.normal, sel)
        self.receivers = shadows.receivers(_take_columns(surfaces.position, sel), self.normal)
        self.albedo = _take_columns(surfaces.albedo, sel)
        self.albedo *= coverage
        self.specular = np.empty(len(sel), np.float32)
        self.segments: list[_Segment] = []
        kinds, starts = np.unique(material, return_index=True)
        stops = [*starts[1:], len(material)]
        for kind, start, stop in zip(kinds, starts, stops, strict=True):
            ks, shininess, wrap = _MATERIALS.get(int(kind), _DEFAULT_MATERIAL)
            scale = tuple(1.0 / (1.0 + w) for w in wrap)
            bias = tuple(w / (1.0 + w) for w in wrap)
            self.segments.append(_Segment(int(start), int(stop), shininess, scale, bias))  # type: ignore[arg-type]
            self.specular[start:stop] = ks * coverage[start:stop]

    def radiance(self, light: int) -> F32:
        """Linear RGB [3, N] of the covered pixels under light ``light``, times coverage."""
        l_dir = self.shadows.lights[light]
        n_dot_l = _apply(l_dir, self.normal)
        half = l_dir + self.view
        half = (half / max(float(np.linalg.norm(half)), 1e-6)).astype(np.float32)
        n_dot_h = _apply(half, self.normal)
        out = np.empty((3, len(n_dot_l)), np.float32)
        for seg in self.segments:
            part = slice(seg.start, seg.stop)
            lit = n_dot_l[part]
            # Blinn-Phong highlight on the lit side; exp(log) is ten times faster than
            # NumPy's float32 power.
            spec = np.clip(n_dot_h[part], np.float32(1e-30), np.float32(1.0))
            np.log(spec, out=spec)
            spec *= np.float32(seg.shininess)
            np.exp(spec, out=spec)
            spec *= self.specular[part]
            spec *= lit > 0
            for c in range(3):
                # Wrapped diffuse approximates light bleeding through skin, most in red.
                channel = out[c, part]
                np.multiply(lit, np.float32(seg.wrap_scale[c]), out=channel)
                channel += np.float32(seg.wrap_bias[c])
                np.maximum(channel, np.float32(0.0), out=channel)
                channel *= self.albedo[c, part]
                channel += spec
        out *= self.shadows.visibility(light, self.receivers, n_dot_l)
        return out
