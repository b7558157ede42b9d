"""Surfaces and textures of a synthetic head-and-shoulders person.

Every surface is a parametric grid (so normals come from finite differences) sampled
densely enough to splat without holes. Features (eyes, nose, lips, chin, cheekbones,
ears) are smooth bumps on an ellipsoidal skull; the eyes, brows, lips and skin
variation are painted into the albedo. Positions are in centimetres, subject frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness.capture._noise import ValueNoise3D
from likeness.capture._synth_identity import EYE_COLORS, HAIR_COLORS, SyntheticIdentity

F32 = NDArray[np.floating[Any]]

SKIN, HAIR, CLOTH, EYE, LIP = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Surfaces:
    """All surface samples: positions, normals and albedo [3, N], material [N].

    Channel-major, because the renderer's per-sample arithmetic on [N, 3] arrays runs
    several times slower in NumPy than on three contiguous rows.
    """

    position: F32  # [3, N]
    normal: F32  # [3, N]
    albedo: F32  # [3, N]
    material: NDArray[np.int8]  # [N]

    def __len__(self) -> int:
        return int(self.material.shape[0])


def _smoothstep(e0: float, e1: float, x: F32) -> F32:
    t: F32 = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    out: F32 = (t * t * (3.0 - 2.0 * t)).astype(np.float32)
    return out


def _gauss(x: F32, y: F32, sx: float, sy: float) -> F32:
    return np.exp(-0.5 * ((x / sx) ** 2 + (y / sy) ** 2)).astype(np.float32)


def _columns(mask: NDArray[np.bool_]) -> slice:
    """The smallest run of grid columns holding every ``True`` of ``mask``."""
    cols = np.flatnonzero(mask.any(axis=0))
    if len(cols) == 0:
        return slice(0, 0)
    return slice(int(cols[0]), int(cols[-1]) + 1)


def _grid_normals(points: F32, centre: tuple[float, float, float]) -> F32:
    d_lat = np.gradient(points, axis=0)
    d_lon = np.gradient(points, axis=1)
    # The cross product component by component: np.cross on [..., 3] is several
    # times slower on grids this size.
    ax, ay, az = d_lon[..., 0], d_lon[..., 1], d_lon[..., 2]
    bx, by, bz = d_lat[..., 0], d_lat[..., 1], d_lat[..., 2]
    n = np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx])
    length = np.sqrt(np.einsum("i...,i...->...", n, n))
    np.maximum(length, 1e-9, out=length)
    outward = sum((points[..., k] - np.float32(centre[k])) * n[k] for k in range(3))
    # Orient outwards from the centre and normalise in one scale.
    scale = np.where(outward < 0, -1.0 / length, 1.0 / length).astype(np.float32)
    n *= scale
    oriented: F32 = np.moveaxis(n, 0, -1).astype(np.float32)
    return oriented


#: Textures are evaluated no finer than this (cm); the finest detail, pores, is about
#: 0.17 cm across. Denser geometry gets its texture bilinearly upsampled.
_TEXTURE_SPACING_CM = 0.05


#: Low-frequency fields (relief, hairline) are evaluated no finer than this (cm).
_SMOOTH_SPACING_CM = 0.2


def _upsample(coarse: F32, shape: tuple[int, int]) -> F32:
    import cv2

    out: F32 = np.asarray(
        cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR), np.float32
    )
    return out


class _Builder:
    def __init__(self, ident: SyntheticIdentity, spacing_cm: float) -> None:
        self.ident = ident
        self.spacing = spacing_cm
        self.step = max(1, int(_TEXTURE_SPACING_CM / spacing_cm))
        rng = np.random.default_rng([*ident.stream, 0x7E47])
        self.noise = ValueNoise3D(rng)

    # ---- geometry -------------------------------------------------------------------

    def _lat_lon(self, lat_span_cm: float, lon_span_cm: float) -> tuple[F32, F32]:
        n_lat = max(16, math.ceil(lat_span_cm / self.spacing))
        n_lon = max(32, math.ceil(lon_span_cm / self.spacing))
        lat = np.linspace(-math.pi / 2, math.pi / 2, n_lat, dtype=np.float32)
        lon = np.linspace(-math.pi, math.pi, n_lon, endpoint=False, dtype=np.float32)
        lat_g, lon_g = np.meshgrid(lat, lon, indexing="ij")
        return lat_g, lon_g

    def head(self) -> tuple[F32, F32, F32, F32]:
        """Skull with facial features; returns positions, normals, face X/Y coordinates."""
        i = self.ident
        ax, ay, az = i.head_width, i.head_height, i.head_depth
        lat, lon = self._lat_lon(math.pi * ay, 2 * math.pi * max(ax, az))
        dx = np.cos(lat) * np.sin(lon)
        dy = np.sin(lat)
        dz = np.cos(lat) * np.cos(lon)
        x = ax * dx
        y = ay * dy
        # A flatter front than an ellipsoid: faces are broad, skulls round.
        z = az * np.sign(dz) * np.abs(dz) ** np.where(dz > 0, 0.78, 1.0)
        # The jaw narrows towards the chin and the chin can drop below the skull.
        lower = _smoothstep(0.0, -ay, y)
        x = x * (1.0 - (1.0 - i.jaw_width) * lower**1.8)
        front = _smoothstep(0.1, 0.6, dz)
        y = y - i.chin_drop * lower**2 * front
        z = z - 1.2 * lower**2 * (1.0 - front)
        fx, fy = x.copy(), y.copy()
        # Relief only where the face is (front > 0): under half of the grid's columns.
        face = _columns(front > 0)
        z[:, face] += self._face_relief(fx[:, face], fy[:, face]) * front[:, face]
        x = x + np.sign(x) * self._ears(z, fy) * _smoothstep(0.75, 0.95, np.abs(dx))
        pos = np.stack([x, y, z], axis=-1).astype(np.float32)
        normal = _grid_normals(pos, (0.0, 0.0, 0.0))
        return pos, normal, fx, fy

    def _face_relief(self, x: F32, y: F32) -> F32:
        i = self.ident
        ex, ey = i.eye_spacing, i.eye_height
        h = np.zeros_like(x)
        for side in (-1.0, 1.0):
            h -= 0.95 * _gauss(x - side * ex, y - ey, 1.7, 1.2)  # socket
            h += 0.6 * _gauss(x - side * ex, y - ey, 1.0, 0.6)  # eyeball under the lids
            h += 0.45 * _gauss(x - side * ex * 0.9, y - (ey + i.brow_raise), 2.1, 0.7)
            h += i.cheekbones * _gauss(x - side * (ex + 1.3), y - (ey - 2.0), 1.6, 1.3)
            h += (
                0.45
                * i.nose_projection
                * _gauss(x - side * i.nose_width * 0.75, y - (ey - i.nose_length + 0.35), 0.55, 0.5)
            )
        # Nose: a ridge from the bridge to the tip, widening and rising towards the tip.
        top = ey + 0.6
        tip = ey - i.nose_length
        t = np.clip((top - y) / (top - tip), 0.0, 1.0)
        below = np.exp(-(((np.minimum(y - tip, 0.0)) / 0.55) ** 2))
        width = 0.42 + 0.45 * t
        profile = i.nose_projection * (0.3 + 0.7 * t**1.4) * below
        h += profile * np.exp(-0.5 * (x / width) ** 2) * _smoothstep(top + 0.6, top - 0.4, y)
        h += 0.35 * _gauss(x, y - (tip + 0.15), 0.7, 0.55)
        # Lips and the mouth's crease.
        my = ey - i.mouth_height
        mw = i.mouth_width
        h += i.lip_fullness * _gauss(x, y - (my + 0.45), mw * 0.75, 0.35)
        h += 1.15 * i.lip_fullness * _gauss(x, y - (my - 0.5), mw * 0.65, 0.4)
        h -= 0.25 * _gauss(x, y - my, mw * 0.9, 0.12)
        h += 0.3 * _gauss(x, y - (my - 2.6), 2.0, 1.2)  # chin
        # Seeded low-frequency relief: the unnamed ways real faces differ in shape.
        plane = np.stack([x, y, np.zeros_like(x)], axis=-1).astype(np.float32)
        relief = self._smooth(lambda p: self.noise.fbm(p + 31.0, 0.22, octaves=3), plane)
        h += 0.9 * relief * _smoothstep(9.0, 5.0, np.hypot(x, y - i.eye_height + 2.5))
        for side in (-1.0, 1.0):
            h += i.cheek_fullness * _gauss(x - side * (ex + 0.4), y - (my + 1.2), 1.8, 1.6)
        return h.astype(np.float32)

    def _ears(self, z: F32, y: F32) -> F32:
        i = self.ident
        s = i.ear_size
        return (1.3 * s * _gauss(z + 0.6, y - (i.eye_height - 1.2), 1.3 * s, 2.5 * s)).astype(
            np.float32
        )

    def neck(self) -> tuple[F32, F32]:
        i = self.ident
        r = 5.0 * i.neck_width
        n_lon = max(32, math.ceil(2 * math.pi * r / self.spacing))
        n_y = max(8, math.ceil(14.0 / self.spacing))
        lon = np.linspace(-math.pi, math.pi, n_lon, endpoint=False, dtype=np.float32)
        ys = np.linspace(-17.0, -5.0, n_y, dtype=np.float32)
        yy, ll = np.meshgrid(ys, lon, indexing="ij")
        pos = np.stack([r * np.sin(ll), yy, -1.6 + 4.6 * np.cos(ll)], axis=-1).astype(np.float32)
        normal = np.stack([np.sin(ll), np.zeros_like(ll), np.cos(ll)], axis=-1).astype(np.float32)
        return pos, normal

    def torso(self) -> F32:
        i = self.ident
        ax, ay, az = 18.5 * i.shoulder_width, 12.5, 10.5
        lat, lon = self._lat_lon(math.pi * ay, 2 * math.pi * ax)
        # Only the part above the frame's bottom edge (-22 cm) is ever seen.
        keep = lat[:, 0] > -0.32
        lat, lon = lat[keep], lon[keep]
        c = np.cos(lat)
        # Squarer than an ellipsoid in height gives shoulders rather than a ball.
        x = ax * np.sign(c) * np.abs(c) ** 0.55 * np.sin(lon)
        y = -25.5 + ay * np.sin(lat)
        z = -2.0 + az * np.abs(c) ** 0.55 * np.cos(lon)
        return np.stack([x, y, z], axis=-1).astype(np.float32)

    def hair_mask_and_offset(self, fx: F32, fy: F32, lon: F32) -> tuple[NDArray[np.bool_], F32]:
        i = self.ident
        ey = i.eye_height
        nape = {"short": -5.0, "medium": -8.0, "long": -11.5}[i.hair_style]
        nodes = np.array([0.0, 0.28, 0.42, 0.52, 0.62, 0.8, 1.0]) * math.pi
        limits = np.array([i.hairline, i.hairline - 0.8, ey + 3.0, ey + 2.4, ey + 1.2, nape, nape])
        limit = np.interp(np.abs(lon), nodes, limits).astype(np.float32)
        plane = np.stack([fx, fy, fx * 0], axis=-1).astype(np.float32)
        limit = limit + 0.35 * self._smooth(lambda p: self.noise.sample(p, 0.6), plane)
        depth = fy - limit
        mask = depth > 0
        thickness = 0.05 + i.hair_volume * _smoothstep(0.0, 2.0, depth)
        return mask, thickness.astype(np.float32)

    # ---- textures -------------------------------------------------------------------

    def skin_albedo(self, pos: F32) -> F32:
        i = self.ident
        flat = pos.reshape(-1, 3)
        base = np.asarray(i.skin, dtype=np.float32)
        blotch = self.noise.fbm(flat, 0.35, octaves=3)
        pores = self.noise.sample(flat * 1.0 + 50.0, 6.0)
        tint = np.stack([0.4 * blotch, 0.7 * blotch, 0.8 * blotch], axis=-1)
        albedo = base * (1.0 + 0.12 * tint) * (1.0 + 0.05 * pores[:, None])
        return albedo.reshape(pos.shape).astype(np.float32)

    def paint_face(self, albedo: F32, fx: F32, fy: F32, front: F32) -> tuple[F32, NDArray[np.int8]]:
        """Paint eyes, brows, lips and flush onto the head's albedo (front only)."""
        i = self.ident
        out = albedo.copy()
        material = np.full(fx.shape, SKIN, dtype=np.int8)
        on_face = front > 0.5
        ex, ey = i.eye_spacing, i.eye_height
        hair = np.asarray(HAIR_COLORS[i.hair_color], dtype=np.float32)
        iris_color = np.asarray(EYE_COLORS[i.eye_color], dtype=np.float32)
        fine = self.fine_noise(fx, fy)

        def blend(weight: F32, color: F32 | NDArray[np.float32]) -> None:
            w = (weight * on_face)[..., None]
            out[:] = out * (1.0 - w) + np.asarray(color, dtype=np.float32) * w

        # Flush on cheeks, nose and ears; shadows under the eyes.
        flush = np.zeros_like(fx)
        for side in (-1.0, 1.0):
            flush += _gauss(fx - side * (ex + 0.6), fy - (ey - 2.6), 1.5, 1.2)
            under_eye = _gauss(fx - side * ex, fy - (ey - 0.9), 1.4, 0.5) * on_face
            out *= 1.0 - 0.12 * under_eye[..., None]
        flush += 0.7 * _gauss(fx, fy - (ey - i.nose_length + 0.3), 0.9, 0.8)
        out *= 1.0 + (flush * on_face)[..., None] * np.array([0.06, -0.1, -0.08], np.float32)

        for side in (-1.0, 1.0):
            cx = side * ex
            tilt = side * i.eye_tilt * (fx - cx)
            lx = (fx - cx) / i.eye_width
            span = np.clip(1.0 - lx**2, 0.0, None)
            upper = ey + tilt + i.eye_open * span**0.6 - 0.1
            lower = ey + tilt - 0.55 * i.eye_open * span**0.8 - 0.05
            opening = (fy < upper) & (fy > lower) & (np.abs(lx) < 1.0)
            r = np.hypot(fx - cx, (fy - ey - tilt) * 1.0)
            sclera = np.array([0.62, 0.58, 0.55], np.float32)
            iris = (
                iris_color
                * (0.75 + 0.5 * fine[..., None] ** 2)
                * _smoothstep(0.62, 0.45, r)[..., None]
                + iris_color * 0.4 * _smoothstep(0.45, 0.62, r)[..., None]
            )
            eye_col = np.where((r < 0.62)[..., None], iris, sclera)
            eye_col = np.where((r < 0.26)[..., None], np.float32(0.01), eye_col)
            # The upper lid casts a soft shade over the top of the eye.
            shade = 1.0 - 0.5 * _smoothstep(upper - 0.35, upper, fy)
            eye_col = eye_col * shade[..., None]
            out = np.where((opening & on_face)[..., None], eye_col, out).astype(np.float32)
            material = np.where(opening & on_face, EYE, material).astype(np.int8)
            # Lashes and lid line: a dark band along the upper lid, thin along the lower.
            liner = 0.1 + 0.2 * i.eye_liner
            lash = _smoothstep(liner, 0.0, np.abs(fy - upper - 0.06)) * (np.abs(lx) < 1.05)
            # Lid shadow or eyeshadow between the lash line and the brow.
            lid = _smoothstep(upper + 1.0, upper + 0.1, fy) * (fy > upper) * (np.abs(lx) < 1.1)
            out *= (1.0 - 0.45 * i.eye_liner * lid * on_face)[..., None]
            lash_lo = 0.5 * _smoothstep(0.07, 0.0, np.abs(fy - lower)) * (np.abs(lx) < 0.95)
            blend(np.maximum(lash, lash_lo) * 0.92, np.array([0.015, 0.012, 0.01], np.float32))
            # Eyebrow: an arched band, thick at the inner end, tapering outwards.
            bx = (fx - cx) * side  # outward positive
            along = (bx + 1.7) / 3.6
            centre_y = ey + i.brow_raise + i.brow_arch * np.sin(np.clip(along, 0, 1) * math.pi)
            thick = i.brow_thickness * (1.0 - 0.55 * np.clip(along, 0, 1))
            brow = (
                _smoothstep(thick, thick * 0.4, np.abs(fy - centre_y))
                * _smoothstep(-0.05, 0.1, along)
                * _smoothstep(1.05, 0.9, along)
            )
            strands = 0.75 + 0.25 * fine
            brow_color = hair * 0.8 * (1.0 - 0.8 * i.brow_darkness) + 0.01
            blend(brow * 0.9 * strands, brow_color)
        my = ey - i.mouth_height
        if i.beard > 0:
            # Stubble to full beard: hair colour over the jaw, chin and upper lip.
            jaw = _smoothstep(my + 1.6, my + 0.6, fy) * _smoothstep(
                i.eye_spacing + 2.2, i.eye_spacing + 1.2, np.abs(fx)
            )
            moustache = _gauss(fx, fy - (my + 0.75), i.mouth_width * 0.8, 0.3)
            density = np.clip(np.maximum(jaw, moustache) * (0.7 + 0.3 * fine), 0, 1)
            blend(density * i.beard * 0.85, hair * 0.9)
        # Lips and the dark line between them.
        lx = fx / i.mouth_width
        span = np.clip(1.0 - lx**2, 0.0, None)
        bow = 0.12 * _gauss(fx, fy, 0.35, 10.0)
        up = my + (0.3 + 0.9 * i.lip_fullness) * span**0.7 - bow
        lo = my - (0.4 + 1.1 * i.lip_fullness) * span**0.7
        lip = ((fy < up) & (fy > lo)).astype(np.float32) * _smoothstep(1.0, 0.9, np.abs(lx))
        lip_tint = np.array([0.85, 0.45, 0.5], np.float32) * (1.0 - 0.6 * i.lip_darkness)
        lip_color = np.asarray(i.skin, np.float32) * lip_tint
        blend(lip * 0.85, lip_color)
        material = np.where((lip > 0.5) & on_face, LIP, material).astype(np.int8)
        blend(
            _smoothstep(0.1, 0.0, np.abs(fy - my)) * (np.abs(lx) < 1.0) * 0.9,
            np.asarray(i.skin, np.float32) * 0.12,
        )
        # Nostrils: two dark ellipses just under the tip.
        tip = ey - i.nose_length
        for side in (-1.0, 1.0):
            nostril = _gauss(fx - side * 0.55 * i.nose_width, fy - (tip - 0.15), 0.28, 0.16)
            blend(_smoothstep(0.3, 0.8, nostril), np.asarray(i.skin, np.float32) * 0.15)
        return out.astype(np.float32), material

    def hair_curtain(self) -> tuple[F32, F32]:
        """Hair falling behind the neck and beside it (medium and long styles)."""
        i = self.ident
        bottom = {"short": None, "medium": -9.0, "long": -17.0}[i.hair_style]
        if bottom is None:
            return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)
        top = i.eye_height + 1.0
        r_x = i.head_width + i.hair_volume * 0.8
        r_z = i.head_depth * 0.85
        n_lon = max(32, math.ceil(math.pi * 2 * r_x / self.spacing))
        n_y = max(8, math.ceil((top - bottom) / self.spacing))
        lon = np.linspace(0.55 * math.pi, 1.45 * math.pi, n_lon, dtype=np.float32)
        ys = np.linspace(bottom, top, n_y, dtype=np.float32)
        yy, ll = np.meshgrid(ys, lon, indexing="ij")
        # The curtain flares out a little as it falls onto the shoulders.
        flare = 1.0 + 0.25 * _smoothstep(top, bottom, yy)
        pos = np.stack(
            [r_x * flare * np.sin(ll), yy, -1.0 + r_z * flare * np.cos(ll)], axis=-1
        ).astype(np.float32)
        return pos, _grid_normals(pos, (0.0, float(np.mean(ys)), -1.0))

    def hair_albedo(self, pos: F32) -> F32:
        i = self.ident
        base = np.asarray(HAIR_COLORS[i.hair_color], dtype=np.float32)
        flat = pos.reshape(-1, 3)
        # Strands run roughly top to bottom: stretch the noise along y.
        strands = self.noise.sample(flat * np.array([1.0, 0.08, 1.0], np.float32), 7.0)
        clumps = self.noise.fbm(flat, 0.5, octaves=2)
        shade = 0.75 + 0.3 * strands + 0.15 * clumps
        return (base * shade[:, None]).reshape(pos.shape).astype(np.float32)

    def cloth_albedo(self, pos: F32) -> F32:
        i = self.ident
        base = np.asarray(i.clothing, dtype=np.float32)
        flat = pos.reshape(-1, 3)
        weave = self.noise.sample(flat, 4.0)
        folds = self.noise.fbm(flat, 0.15, octaves=2)
        shade = 0.85 + 0.06 * weave + 0.12 * folds
        return (base * shade[:, None]).reshape(pos.shape).astype(np.float32)

    def textured(
        self, texture: Callable[[F32], F32], pos: F32, spacing_cm: float = _TEXTURE_SPACING_CM
    ) -> F32:
        """``texture`` over a [rows, cols, 3] grid, evaluated every ``spacing_cm`` or finer."""
        k = max(1, int(spacing_cm / self.spacing))
        if k == 1 or pos.ndim != 3:
            return texture(pos)
        coarse = texture(np.ascontiguousarray(pos[::k, ::k]))
        return _upsample(coarse, (pos.shape[0], pos.shape[1]))

    def _smooth(self, field: Callable[[F32], F32], plane: F32) -> F32:
        """A low-frequency scalar ``field`` of [N, 3] points over a [rows, cols, 3] grid.

        Evaluated every :data:`_SMOOTH_SPACING_CM` and upsampled: the relief and
        hairline noise have periods above a centimetre.
        """

        def scalar(grid: F32) -> F32:
            return field(grid.reshape(-1, 3)).reshape(grid.shape[:-1])

        return self.textured(scalar, plane, _SMOOTH_SPACING_CM)

    def fine_noise(self, fx: F32, fy: F32) -> F32:
        """High-frequency noise in the face plane (iris fibres, brow hairs, stubble)."""

        def noise(plane: F32) -> F32:
            flat = plane.reshape(-1, 3)
            return self.noise.sample(flat + 9.0, 9.0).reshape((*plane.shape[:-1], 1))

        plane = np.stack([fx, fy, np.zeros_like(fx)], axis=-1).astype(np.float32)
        return self.textured(lambda p: np.repeat(noise(p), 3, axis=-1), plane)[..., 0]


_Part = tuple[F32, F32, F32, NDArray[np.int8]]


def _part(pos: F32, normal: F32, albedo: F32, material: NDArray[np.int8]) -> _Part:
    return (pos.reshape(-1, 3), normal.reshape(-1, 3), albedo.reshape(-1, 3), material.ravel())


def build_surfaces(
    ident: SyntheticIdentity, spacing_cm: float, pool: Executor | None = None
) -> Surfaces:
    """All surfaces of ``ident`` sampled every ``spacing_cm`` centimetres.

    With a ``pool``, the body (neck, torso, hair curtain) is built beside the head;
    the samples are the same either way.
    """
    b = _Builder(ident, spacing_cm)
    body = pool.submit(_body_parts, b) if pool is not None else None
    parts = _head_parts(b)
    parts += body.result() if body is not None else _body_parts(b)

    def rows(k: int) -> F32:
        out: F32 = np.concatenate([p[k].T for p in parts], axis=1, dtype=np.float32)
        return out

    if pool is not None:
        position, normal, albedo = pool.map(rows, range(3))
    else:
        position, normal, albedo = rows(0), rows(1), rows(2)
    material = np.concatenate([p[3] for p in parts], dtype=np.int8)
    return Surfaces(position=position, normal=normal, albedo=albedo, material=material)


def _head_parts(b: _Builder) -> list[_Part]:
    ident = b.ident
    head_pos, head_n, fx, fy = b.head()
    ax, az = ident.head_width, ident.head_depth
    lat, lon = b._lat_lon(math.pi * ident.head_height, 2 * math.pi * max(ax, az))
    dz = np.cos(lat) * np.cos(lon)
    front = _smoothstep(0.25, 0.6, dz)
    albedo = b.textured(b.skin_albedo, head_pos)
    material = np.full(fx.shape, SKIN, dtype=np.int8)
    # Paint only the columns that hold the face (a third of the head grid).
    face = _columns(front > 0.5)
    albedo[:, face], material[:, face] = b.paint_face(
        albedo[:, face], fx[:, face], fy[:, face], front[:, face]
    )
    parts = [_part(head_pos, head_n, albedo, material)]

    mask, thickness = b.hair_mask_and_offset(fx, fy, lon)
    hair_pos = head_pos + head_n * thickness[..., None]
    hair_n = _grid_normals(hair_pos, (0.0, 0.0, 0.0))
    hair_albedo = b.textured(b.hair_albedo, hair_pos)
    hair = np.full(int(mask.sum()), HAIR, np.int8)
    parts.append(_part(hair_pos[mask], hair_n[mask], hair_albedo[mask], hair))
    return parts


def _body_parts(b: _Builder) -> list[_Part]:
    parts = []
    curtain_pos, curtain_n = b.hair_curtain()
    if len(curtain_pos):
        curtain_albedo = b.textured(b.hair_albedo, curtain_pos)
        hair = np.full(curtain_pos.shape[:-1], HAIR, np.int8)
        parts.append(_part(curtain_pos, curtain_n, curtain_albedo, hair))

    neck_pos, neck_n = b.neck()
    neck_albedo = b.textured(b.skin_albedo, neck_pos)
    parts.append(_part(neck_pos, neck_n, neck_albedo, np.full(neck_pos.shape[:2], SKIN, np.int8)))

    torso_pos = b.torso()
    torso_n = _grid_normals(torso_pos, (0.0, -25.5, -2.0))
    tx, ty, tz = torso_pos[..., 0], torso_pos[..., 1], torso_pos[..., 2]
    neckline = (ty > -16.5 - 3.5 * np.clip(1.0 - (tx / 6.5) ** 2, 0, 1)) & (tz > -1.0)
    skin_part = neckline & (np.abs(tx) < 7.5)
    torso_albedo = b.textured(b.cloth_albedo, torso_pos)
    # Skin texture only over the neckline's bounding box.
    box = (_columns(skin_part.T), _columns(skin_part))
    skin = b.textured(b.skin_albedo, np.ascontiguousarray(torso_pos[box]))
    torso_albedo[box] = np.where(skin_part[box][..., None], skin, torso_albedo[box])
    torso_mat = np.where(skin_part, SKIN, CLOTH).astype(np.int8)
    parts.append(_part(torso_pos, torso_n, torso_albedo, torso_mat))
    return parts
