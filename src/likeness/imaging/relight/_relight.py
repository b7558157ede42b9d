"""Relighting an OLAT basis by weighted sums of its images."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from likeness.imaging.relight._prior import RelightPrior

from likeness.imaging.relight._errors import InvalidBasis, InvalidLights
from likeness.imaging.relight._interp import LightInterpolator
from likeness.imaging.relight._validate import FloatArray, check_basis, check_directions


@dataclass(frozen=True)
class Light:
    """A directional light: unit ``direction`` towards the light and linear RGB ``rgb``."""

    direction: tuple[float, float, float]
    rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)


LightLike = Light | tuple[Sequence[float], Sequence[float]]


def direction_from_angles(azimuth_deg: float, elevation_deg: float) -> tuple[float, float, float]:
    """Unit vector in the rig frame from azimuth/elevation in degrees.

    Rig frame: +x to the image's right, +y up, +z from the subject towards the camera.
    Azimuth 0, elevation 0 is a light on the camera axis; azimuth > 0 swings the light to
    the subject's right, which is the image's *left* (the convention of the OLAT captures);
    elevation > 0 is above.
    """
    azimuth = math.radians(azimuth_deg)
    elevation = math.radians(elevation_deg)
    return (
        -math.sin(azimuth) * math.cos(elevation),
        math.sin(elevation),
        math.cos(azimuth) * math.cos(elevation),
    )


def angles_from_direction(direction: Sequence[float]) -> tuple[float, float]:
    """Inverse of :func:`direction_from_angles` (degrees)."""
    x, y, z = (float(v) for v in direction)
    return math.degrees(math.atan2(-x, z)), math.degrees(math.asin(max(-1.0, min(1.0, y))))


def _parse_lights(lights: Sequence[LightLike]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if isinstance(lights, Light | np.ndarray) or not isinstance(lights, Sequence):
        raise InvalidLights("lights must be a sequence of (direction, rgb) pairs or Light values")
    if len(lights) == 0:
        raise InvalidLights("no lights given: pass at least one (direction, rgb)")
    directions = np.zeros((len(lights), 3))
    colors = np.zeros((len(lights), 3))
    for index, light in enumerate(lights):
        direction: Sequence[float]
        rgb: Sequence[float]
        if isinstance(light, Light):
            direction, rgb = light.direction, light.rgb
        else:
            try:
                direction, rgb = light
            except (TypeError, ValueError):
                raise InvalidLights(
                    f"light {index} must be a (direction, rgb) pair or a Light"
                ) from None
        try:
            d = np.asarray(direction, dtype=np.float64)
            c = np.asarray(rgb, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidLights(f"light {index} has non-numeric values") from None
        if d.shape != (3,) or c.shape != (3,):
            raise InvalidLights(f"light {index} needs a 3-vector direction and a 3-vector rgb")
        if not (np.isfinite(d).all() and np.isfinite(c).all()):
            raise InvalidLights(f"light {index} contains NaN or infinite values")
        if np.any(c < 0):
            raise InvalidLights(f"light {index} has a negative intensity")
        norm = float(np.linalg.norm(d))
        if norm < 1e-9:
            raise InvalidLights(f"light {index} has a zero direction")
        directions[index] = d / norm
        colors[index] = c
    return directions, colors


def validate_basis(basis: object, light_dirs: object) -> tuple[FloatArray, FloatArray]:
    """Check an OLAT basis and its rig directions; returns them (directions as float32)."""
    checked = check_basis(basis)
    return checked, check_directions(light_dirs, count=checked.shape[0])


def rig_weights(
    light_dirs: FloatArray,
    lights: Sequence[LightLike],
    *,
    interpolator: LightInterpolator | None = None,
) -> NDArray[np.float32]:
    """Per-channel weights ``[L, 3]`` over the rig images that render ``lights``."""
    directions, colors = _parse_lights(lights)
    interp = interpolator or LightInterpolator(light_dirs)
    if interp.count != light_dirs.shape[0]:
        raise InvalidBasis("the interpolator was built for a different rig")
    per_light = interp.weights(directions)  # [K, L]
    return (per_light.T @ colors).astype(np.float32)


def apply_weights(basis: FloatArray, weights: NDArray[np.float32]) -> FloatArray:
    """``sum_l weights[l, c] * basis[l, ..., c]``; skips rig images whose weight is zero.

    A one-channel basis is lit by each channel of the weights, giving an RGB image.
    """
    count, height, width, channels = basis.shape
    if weights.shape != (count, 3):
        raise InvalidBasis(f"weights must have shape [{count}, 3], got {weights.shape}")
    used = np.flatnonzero(np.any(weights != 0, axis=1))
    out = np.zeros((height, width, 3), dtype=np.float32)
    if used.size == 0:
        return out
    flat = basis[used].reshape(used.size, height * width, channels)
    for channel in range(3):
        plane = flat[:, :, channel if channels == 3 else 0]
        out[:, :, channel] = (weights[used, channel] @ plane).reshape(height, width)
    return out


def check_ignore(ignore: object, count: int) -> NDArray[np.bool_] | None:
    """``None`` or a boolean mask ``[count]`` of frames to leave out (see :func:`dead_lights`)."""
    if ignore is None:
        return None
    mask = np.asarray(ignore)
    if mask.dtype != np.bool_ or mask.shape != (count,):
        raise InvalidBasis(f"ignore must be a boolean mask of shape [{count}], got {mask.shape}")
    if mask.all():
        raise InvalidBasis("ignore leaves no light to render with")
    return mask if mask.any() else None


def apply_region_weights(
    basis: FloatArray, weights: NDArray[np.float32], grid: tuple[int, int]
) -> FloatArray:
    """Render with per-region weights ``[R, L, 3]`` (a ``grid`` of regions over the frame,
    blended with bilinear tents, so each pixel's weights vary smoothly)."""
    from likeness.imaging.relight._prior import region_tents

    common = weights[0].copy()
    common[np.any(weights != weights[0:1], axis=(0, 2))] = 0.0
    out = apply_weights(basis, common)
    delta = weights - common[None]
    if not delta.any():
        return out
    rows, cols = grid
    _, height, width, _ = basis.shape
    tent_y, tent_x = region_tents(height, rows), region_tents(width, cols)
    used = np.flatnonzero(np.any(delta != 0, axis=(0, 2)))
    for region in range(rows * cols):
        if not delta[region].any():
            continue
        ys = np.flatnonzero(tent_y[region // cols])
        xs = np.flatnonzero(tent_x[region % cols])
        y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
        part = apply_weights(basis[used, y0:y1, x0:x1], delta[region, used])
        mask = tent_y[region // cols, y0:y1, None] * tent_x[region % cols, None, x0:x1]
        out[y0:y1, x0:x1] += part * mask[:, :, None]
    return out


def render_with_prior(
    basis: FloatArray,
    dirs: FloatArray,
    intensity: NDArray[np.float64],
    prior: RelightPrior,
    mask: NDArray[np.bool_] | None,
) -> FloatArray:
    """Render rig intensities ``[L_prior, 3]`` from a checked basis: usable frames as they
    are, rig lights the basis lacks or ``mask`` flags predicted by the prior (with its
    residual filters when it has them)."""
    if prior.residual is None:
        region_weights = prior.render_weights(dirs, intensity, mask)
        return apply_region_weights(basis, region_weights, prior.grid)
    from likeness.imaging.relight._prior import match_rig

    index = match_rig(prior.rig_dirs, dirs)
    usable = np.ones(len(index), bool) if mask is None else ~mask
    weights = np.zeros((len(index), 3), np.float32)
    weights[usable] = intensity[index[usable]]
    out = apply_weights(basis, weights)
    have = np.zeros(prior.rig_dirs.shape[0], bool)
    have[index[usable]] = True
    columns = np.flatnonzero(usable)
    for light in np.flatnonzero(~have & np.any(intensity != 0, axis=1)):
        unit = np.zeros((prior.rig_dirs.shape[0], 3))
        unit[light] = 1.0
        frame = apply_region_weights(basis, prior.render_weights(dirs, unit, mask), prior.grid)
        near = columns[prior.context_lights(index[usable], int(light))]
        frame = prior.refine(frame, basis[near], int(light))
        out += frame * intensity[light].astype(np.float32)
    return out


def relight(
    basis: FloatArray,
    light_dirs: FloatArray,
    lights: Sequence[LightLike],
    *,
    interpolator: LightInterpolator | None = None,
    prior: RelightPrior | None = None,
    ignore: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Render the subject under ``lights`` from its OLAT ``basis``.

    ``basis`` is float32 ``[L, H, W, C]`` in linear light, one image per rig light at unit
    intensity; ``light_dirs`` float32 ``[L, 3]`` unit vectors in the rig frame (see
    :func:`direction_from_angles`); ``lights`` a non-empty sequence of ``(direction, rgb)``
    pairs or :class:`Light` values. Returns float32 ``[H, W, 3]`` linear RGB (a grey basis
    under coloured lights becomes colour). The result is linear in the lights and exact
    for rig directions; between rig lights it follows :class:`LightInterpolator`. Values
    are not clipped, so sums of renders equal the render of the summed lights.

    ``ignore`` (boolean ``[L]``, e.g. from :func:`dead_lights`) leaves frames out: without a
    prior the others are interpolated over as if the light were not in the rig. With a
    ``prior`` (:class:`RelightPrior`), the lights are spread over the prior's rig and every
    rig light the basis lacks or ignores is predicted from the others by the prior's learned
    cross-light maps. The basis' lights must all be lights of the prior's rig
    (:class:`PriorMismatch` otherwise); ``interpolator`` is not used with a prior.
    """
    checked = check_basis(basis)
    dirs = check_directions(light_dirs, count=checked.shape[0])
    mask = check_ignore(ignore, checked.shape[0])
    if prior is not None:
        directions, colors = _parse_lights(lights)
        intensity = prior.rig_intensities(directions, colors)
        return render_with_prior(checked, dirs, intensity, prior, mask)
    if mask is None:
        return apply_weights(checked, rig_weights(dirs, lights, interpolator=interpolator))
    keep = np.flatnonzero(~mask)
    weights = np.zeros((checked.shape[0], 3), np.float32)
    weights[keep] = rig_weights(dirs[keep], lights, interpolator=interpolator)
    return apply_weights(checked, weights)


def repair_basis(
    basis: FloatArray,
    light_dirs: FloatArray,
    prior: RelightPrior,
    ignore: NDArray[np.bool_],
) -> FloatArray:
    """A copy of ``basis`` whose ``ignore``d frames (e.g. :func:`dead_lights`) are replaced by
    the prior's prediction from the other frames.

    Done once when a capture is prepared, it lets every later render take the plain,
    fastest path (a full basis renders the same with or without the prior).
    """
    checked = check_basis(basis)
    dirs = check_directions(light_dirs, count=checked.shape[0])
    mask = check_ignore(ignore, checked.shape[0])
    repaired = checked.copy()
    if mask is None:
        return repaired
    channels = checked.shape[3]
    for light in np.flatnonzero(mask):
        white = [(dirs[light].astype(np.float64), (1.0, 1.0, 1.0))]
        predicted = relight(checked, dirs, white, prior=prior, ignore=mask)
        repaired[light] = predicted[:, :, :channels]
    return repaired


class Reflectance:
    """An OLAT basis prepared for repeated renders (channel-planar, validated once).

    Storage is ``[C, L, H*W]`` float32, so each channel of a render is one contiguous
    matrix-vector product over the rig images: the memory-bound minimum of reading each
    used basis pixel once. Building it copies the basis (``4 * L * H * W * C`` bytes).
    """

    def __init__(
        self, basis: FloatArray, light_dirs: FloatArray, *, neighbours: int | None = 16
    ) -> None:
        checked, dirs = validate_basis(basis, light_dirs)
        count, height, width, channels = checked.shape
        self.shape = (height, width)
        self.channels = channels
        self.light_dirs = dirs
        self.interpolator = LightInterpolator(dirs, neighbours=neighbours)
        planar = np.moveaxis(checked.reshape(count, height * width, channels), 2, 0)
        self.planes: FloatArray = np.ascontiguousarray(planar)
        # Frames the prior predicted for rig lights this basis lacks (see predicted_frame).
        self._frames: dict[tuple[str, bytes, int], FloatArray] = {}

    @property
    def nbytes(self) -> int:
        return int(self.planes.nbytes)

    def render(self, weights: NDArray[np.float32]) -> FloatArray:
        """``sum_l weights[l, c] * image_l[..., c]`` as float32 ``[H, W, 3]``."""
        count = self.light_dirs.shape[0]
        if weights.shape != (count, 3):
            raise InvalidBasis(f"weights must have shape [{count}, 3], got {weights.shape}")
        height, width = self.shape
        out = np.empty((3, height * width), dtype=np.float32)
        used = np.flatnonzero(np.any(weights != 0, axis=1))
        # Gathering rows copies them; only worth it when most weights are zero.
        gather = used.size < count // 2
        for channel in range(3):
            plane = self.planes[channel if self.channels == 3 else 0]
            if gather:
                np.matmul(weights[used, channel], plane[used], out=out[channel])
            else:
                np.matmul(weights[:, channel], plane, out=out[channel])
        planes = [out[channel].reshape(height, width) for channel in range(3)]
        merged: FloatArray = cv2.merge(planes)  # interleaving with SIMD beats a numpy transpose
        return merged

    def predicted_frame(
        self, prior: RelightPrior, light: int, ignore: NDArray[np.bool_] | None = None
    ) -> FloatArray:
        """The prior's prediction ``[H, W, 3]`` of its rig light ``light`` from this basis'
        usable frames, computed once per (prior, ignore mask, light) and kept."""
        key = (prior.sha256, b"" if ignore is None else np.packbits(ignore).tobytes(), light)
        cache = self._frames
        if key not in cache:
            unit = np.zeros((prior.rig_dirs.shape[0], 3))
            unit[light] = 1.0
            weights = prior.render_weights(self.light_dirs, unit, ignore)
            frame = self.render_regions(weights, prior.grid)
            if prior.residual is not None:
                from likeness.imaging.relight._prior import match_rig

                index = match_rig(prior.rig_dirs, self.light_dirs)
                usable = np.ones(len(index), bool) if ignore is None else ~ignore
                columns = np.flatnonzero(usable)
                near = columns[prior.context_lights(index[usable], light)]
                height, width = self.shape
                context = np.moveaxis(
                    self.planes[:, near].reshape(self.planes.shape[0], near.size, height, width),
                    0,
                    3,
                )
                frame = prior.refine(frame, context, light)
            cache[key] = frame
        return cache[key]

    def _render_with_prior(
        self,
        intensity: NDArray[np.float64],
        prior: RelightPrior,
        mask: NDArray[np.bool_] | None,
    ) -> FloatArray:
        """Rig intensities ``[L_prior, 3]``: the usable frames directly, every other rig
        light through its (cached) predicted frame, so repeated renders stay one pass."""
        from likeness.imaging.relight._prior import match_rig

        index = match_rig(prior.rig_dirs, self.light_dirs)
        usable = np.ones(len(index), bool) if mask is None else ~mask
        weights = np.zeros((len(index), 3), np.float32)
        weights[usable] = intensity[index[usable]]
        have = np.zeros(prior.rig_dirs.shape[0], bool)
        have[index[usable]] = True
        missing = np.flatnonzero(~have & np.any(intensity != 0, axis=1))
        out = self.render(weights)
        if missing.size == 0:
            return out
        out = out.copy()
        for light in missing:
            frame = self.predicted_frame(prior, int(light), mask)
            out += frame * intensity[light].astype(np.float32)
        return out

    def render_regions(self, weights: NDArray[np.float32], grid: tuple[int, int]) -> FloatArray:
        """Like :func:`apply_region_weights` on the prepared basis: per-region weights
        ``[R, L, 3]`` (from :meth:`RelightPrior.render_weights`) blended over ``grid``."""
        from likeness.imaging.relight._prior import region_tents

        count = self.light_dirs.shape[0]
        rows, cols = grid
        if weights.ndim != 3 or weights.shape != (rows * cols, count, 3):
            raise InvalidBasis(f"weights must have shape [{rows * cols}, {count}, 3]")
        common = weights[0].copy()
        varying = np.any(weights != weights[0:1], axis=(0, 2))
        common[varying] = 0.0
        out = self.render(common).copy()
        used = np.flatnonzero(varying)
        if used.size == 0:
            return out
        height, width = self.shape
        tent_y, tent_x = region_tents(height, rows), region_tents(width, cols)
        for region in range(rows * cols):
            ys = np.flatnonzero(tent_y[region // cols])
            xs = np.flatnonzero(tent_x[region % cols])
            y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
            mask = tent_y[region // cols, y0:y1, None] * tent_x[region % cols, None, x0:x1]
            for channel in range(3):
                plane = self.planes[channel if self.channels == 3 else 0]
                block = plane.reshape(count, height, width)[used, y0:y1, x0:x1]
                part = np.tensordot(weights[region, used, channel], block, axes=1)
                out[y0:y1, x0:x1, channel] += part * mask
        return out

    def relight(
        self,
        lights: Sequence[LightLike],
        *,
        prior: RelightPrior | None = None,
        ignore: NDArray[np.bool_] | None = None,
    ) -> FloatArray:
        """Like :func:`relight`, on the prepared basis (result is a channel-last view)."""
        mask = check_ignore(ignore, self.light_dirs.shape[0])
        if prior is not None:
            directions, colors = _parse_lights(lights)
            return self._render_with_prior(prior.rig_intensities(directions, colors), prior, mask)
        if mask is None:
            interp = self.interpolator
            return self.render(rig_weights(self.light_dirs, lights, interpolator=interp))
        keep = np.flatnonzero(~mask)
        weights = np.zeros((self.light_dirs.shape[0], 3), np.float32)
        weights[keep] = rig_weights(self.light_dirs[keep], lights)
        return self.render(weights)
