"""Embedding: a perceptually masked, tiled spread-spectrum pattern in luminance.

Informed embedding (after Malvar and Florêncio's improved spread spectrum): before
marking, the embedder reads the picture the way the detector will, measures how much
the picture itself pushes each coded bit towards 0 or 1, and shifts amplitude from
bits the picture already helps to bits it fights, at the same total energy.

It plans for two reads: the marked picture as it is, and the same picture blurred
(σ = 1 px). Blur moves the detector's view into lower frequencies, where the picture's
own interference falls on different bits; a plan that also equalises the blurred
margins is kept when it costs the plain read little (it usually costs nothing).

A picture that would fight even a plain mark hard (it alone flips dozens of bits) keeps
too thin a margin once cropped or blurred, because its interference returns; such
fragile, busy pictures get up to 1 dB more amplitude (never below 40 dB PSNR).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from likeness.imaging.watermark import _coding, _fold, _image, _pattern, _sync
from likeness.imaging.watermark._arrays import Float32, Float64
from likeness.imaging.watermark._config import WatermarkConfig

#: RMS luminance change (8-bit units) at strength 1 on textured content: PSNR ≈ 42.8 dB.
TARGET_RMS = 1.85
#: Busy pictures mask more: up to this RMS (PSNR ≈ 41.3 dB) when texture is everywhere.
BUSY_TARGET_RMS = 2.2
#: Largest change in flat areas at strength 1, where a pattern would be visible.
FLAT_AMPLITUDE = 1.25
#: Mask floor and ceiling relative to the texture reference.
MASK_FLOOR = 0.35
MASK_CEILING = 2.5
#: Local detail (8-bit units) that counts as "textured" (mask 1.0).
TEXTURE_REFERENCE = 3.0
#: Per-bit amplitude range of informed embedding (relative to the plain amplitude).
BIT_GAIN_RANGE = (0.4, 2.5)
#: At most this many coded bits may be given up by informed embedding (the code fixes 29).
SACRIFICE_BITS = 12
_MARGIN = 24
#: Plans tried: the plain read alone, then plain and blurred reads with these weights.
BLUR_PLANS: tuple[tuple[float, ...], ...] = ((1.0,), (1.0, 0.5), (1.0, 1.0))
#: How much an expected error in the blurred read counts, relative to the plain read.
BLUR_WEIGHT = 0.5
#: A blur-aware plan may add this many expected errors to the plain read.
SHARP_SLACK = 4.0
#: ... and nothing when the plain read already expects this many errors.
FRAGILE = 25.0
#: Soft-bit noise of an everyday edit, in typical bit responses.
EDIT_NOISE = 0.3
#: The blur (sigma, px at full size) the blurred read plans for.
PLAN_BLUR = 1.0
#: Largest extra amplitude for a fragile picture: about 1 dB of PSNR. Fragile pictures
#: are busy everywhere (they hide the mark best), so this stays above 40 dB even there
#: (BUSY_TARGET_RMS × 1.12 ≈ 2.46 grey levels RMS, ≈ 40.3 dB).
FRAGILE_BOOST = 1.12
#: A picture is fragile when it alone would flip this many of a plain mark's 248 bits
#: (the boost ramps up to its full value at FRAGILE_FULL; the code corrects 29).
FRAGILE_FROM = 24.0
FRAGILE_FULL = 40.0


def chip_size_for(height: int, width: int, config: WatermarkConfig) -> int:
    if config.chip_size is not None:
        return config.chip_size
    return max(2, round(min(height, width) / 640))


def pixel_tile(chips: Float32, chip_size: int) -> Float32:
    """Upsample a chip tile to pixels, smoothed with wrap-around so it stays periodic."""
    tile = np.repeat(np.repeat(chips, chip_size, axis=0), chip_size, axis=1)
    sigma = 0.45 * chip_size
    pad = int(np.ceil(3 * sigma)) + 1
    wrapped = np.pad(tile, pad, mode="wrap")
    return cv2.GaussianBlur(wrapped, (0, 0), sigma)[pad:-pad, pad:-pad].astype(np.float32)


def texture_mask(luma: Float32) -> Float32:
    """Perceptual mask: larger where local detail hides the mark, small in flat areas."""
    detail = luma - cv2.GaussianBlur(luma, (0, 0), 1.0)
    activity = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), 4.0))
    mask = np.clip(activity / TEXTURE_REFERENCE, MASK_FLOOR, MASK_CEILING)
    # Near black and white the change would clip and show as speckle; fade it out.
    headroom = np.clip(np.minimum(luma, 255.0 - luma) / 16.0, 0.25, 1.0)
    return np.asarray(mask * headroom, dtype=np.float32)


class _Marker:
    """Everything one embedding needs, computed once per image."""

    def __init__(
        self, image: npt.NDArray[np.generic], info: _image.ImageInfo, chip_size: int
    ) -> None:
        self.image = image
        self.info = info
        self.factor = _image.analysis_factor(info)
        self.chip_size = chip_size
        self.strips = list(_image.strips(info.height, _MARGIN, self.factor))
        self.masks = [
            texture_mask(_image.luminance(image[lo:hi], info))[start - lo : stop - lo]
            for lo, hi, start, stop in self.strips
        ]
        mean_square = sum(float(np.sum(np.square(m, dtype=np.float64))) for m in self.masks)
        self.mask_rms = float(np.sqrt(mean_square / (info.height * info.width)))

    def deltas(self, tile: Float32, gain: float) -> Iterator[Float32]:
        """The luminance change strip by strip (a generator: one strip in memory)."""
        period = tile.shape[0]
        reps = -(-self.info.width // period)
        band = np.tile(tile, (1, reps))[:, : self.info.width]
        for (_, _, start, stop), mask in zip(self.strips, self.masks, strict=True):
            yield np.float32(gain) * mask * band[np.arange(start, stop) % period]

    def analysis_delta(self, deltas: Iterable[Float32]) -> Float32:
        return np.vstack([_image.block_mean(d, self.factor) for d in deltas])


@dataclass(frozen=True, slots=True)
class _Read:
    """How one way of reading the marked picture sees each coded bit.

    ``host`` is what the picture alone contributes to each bit in the direction of its
    coded value, ``response`` what one unit of mark contributes.
    """

    host: Float64
    response: Float64

    def amplified(self, factor: float) -> _Read:
        return _Read(self.host, self.response * factor)

    @property
    def typical(self) -> float:
        return float(np.median(np.maximum(self.response, 1e-9)))

    def expected_errors(self, gains: Float64) -> float:
        """Bit errors to expect once an edit adds noise of ``EDIT_NOISE`` typical responses."""
        margins = (self.host + gains * self.response) / (EDIT_NOISE * self.typical)
        return 0.5 * float(np.sum(_erfc(margins / np.sqrt(2.0))))


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _bit_gains(reads: list[_Read], weights: tuple[float, ...]) -> Float64:
    """Per-bit amplitudes with mean square 1 that maximise the weakest kept bit's margin.

    A bit's margin is taken in every read (weighted, in units of that read's typical
    response), and the weakest read counts. Bits the picture opposes too strongly to
    win back are given up (up to ``SACRIFICE_BITS``, well inside what the code
    corrects) so their energy goes where it helps.
    """
    high = BIT_GAIN_RANGE[1]
    given_up = np.zeros(reads[0].host.shape, dtype=bool)
    gains = np.ones_like(reads[0].host)
    for _ in range(2):
        gains = _equal_margin_gains(reads, weights, given_up)
        at_best = np.min([r.host + high * np.maximum(r.response, 1e-9) for r in reads], axis=0)
        hopeless = (~given_up) & (gains >= high) & (at_best < 0)
        if not hopeless.any():
            break
        allowed = SACRIFICE_BITS - int(given_up.sum())
        given_up[[i for i in np.argsort(at_best) if hopeless[i]][:allowed]] = True
    return gains


def _equal_margin_gains(
    reads: list[_Read], weights: tuple[float, ...], given_up: npt.NDArray[np.bool_]
) -> Float64:
    low, high = BIT_GAIN_RANGE
    scaled = [
        (r.host, np.maximum(r.response, 1e-9), w * r.typical)
        for r, w in zip(reads, weights, strict=True)
    ]

    def gains(target: float) -> Float64:
        needed = np.max([(target * unit - host) / resp for host, resp, unit in scaled], axis=0)
        return np.where(given_up, low, np.clip(needed, low, high))

    lo, hi = -4.0 * high, 4.0 * high
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if float(np.mean(gains(mid) ** 2)) > 1.0:
            hi = mid
        else:
            lo = mid
    return gains(lo)


def fragility_boost(sharp: _Read) -> float:
    """Extra amplitude (1 … FRAGILE_BOOST) for a picture that fights a plain mark hard.

    Informed embedding cancels a picture's interference only for the picture as it is;
    a crop, a rotation or a blur brings most of it back. A picture that alone would
    flip dozens of a plain mark's bits (woven fabric, dense texture at small sizes) is
    then left with too thin a margin, so it gets up to 1 dB more of the PSNR budget;
    the busy texture that makes it fragile is also what hides the stronger mark.
    """
    plain_errors = float(np.count_nonzero(sharp.host + sharp.response <= 0))
    ramp = (plain_errors - FRAGILE_FROM) / (FRAGILE_FULL - FRAGILE_FROM)
    return 1.0 + (FRAGILE_BOOST - 1.0) * float(np.clip(ramp, 0.0, 1.0))


def _choose_gains(sharp: _Read, blurred: _Read) -> Float64:
    """Plan for the plain read alone or also for a blurred copy, whichever expects fewer errors.

    A blur (or a soft resize) moves the mark into lower frequencies, where the picture's
    own interference is different; planning for both reads helps most pictures, while
    on the busiest ones it would spend too much and is skipped.
    """
    best: tuple[float, Float64] | None = None
    allowed = 0.0
    for weights in BLUR_PLANS:
        reads = [sharp, blurred][: len(weights)]
        gains = _bit_gains(reads, weights)
        plain = sharp.expected_errors(gains)
        if len(weights) == 1:
            # Planning for blur may cost the plain read a little, unless it is fragile.
            allowed = plain + (SHARP_SLACK if plain < FRAGILE else 0.0)
        elif plain > allowed:
            continue
        score = plain + BLUR_WEIGHT * blurred.expected_errors(gains)
        if best is None or score < best[0]:
            best = (score, gains)
    assert best is not None
    return best[1]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the picture does to each coded bit, in a plain and in a blurred read."""

    unit_chips: Float32
    sharp: _Read
    blurred: _Read
    signs: Float64

    def amplified(self, factor: float) -> _Plan:
        """The same plan for a mark ``factor`` times stronger (reads are linear in it)."""
        return _Plan(
            self.unit_chips,
            self.sharp.amplified(factor),
            self.blurred.amplified(factor),
            self.signs,
        )

    def chips(self, per_bit: Float64, layout: _pattern.Layout) -> Float32:
        per_chip = np.where(layout.bit_of_chip < 0, 1.0, per_bit[layout.bit_of_chip])
        return (self.unit_chips * per_chip).astype(np.float32)


def _plan(
    marker: _Marker, layout: _pattern.Layout, coded: npt.NDArray[np.uint8], gain: float
) -> _Plan:
    unit_chips = _pattern.chip_tile(layout, coded)
    unit_tile = pixel_tile(unit_chips, marker.chip_size)
    plane, factor = _image.analysis_plane(marker.image, marker.info)
    delta = marker.analysis_delta(marker.deltas(unit_tile, gain))
    basis = _fold.identity_basis(unit_tile.shape[0] / factor)
    signs = _pattern.channel_signs(layout, coded)

    def read(luma: Float32, mark: Float32) -> _Read:
        residual, linear = _sync.residual_and_response(luma, mark)
        host = _fold.chips(_fold.fold(residual, basis))
        response = _fold.chips(_fold.fold(linear, basis))
        return _Read(
            _pattern.soft_bits(layout, host) * signs, _pattern.soft_bits(layout, response) * signs
        )

    sigma = PLAN_BLUR / factor
    blurred = read(
        np.asarray(cv2.GaussianBlur(plane, (0, 0), sigma), np.float32),
        np.asarray(cv2.GaussianBlur(delta, (0, 0), sigma), np.float32),
    )
    return _Plan(unit_chips, read(plane, delta), blurred, signs)


def _render(marker: _Marker, chips: Float32, gain: float) -> npt.NDArray[np.generic]:
    image, info = marker.image, marker.info
    tile = pixel_tile(chips, marker.chip_size)
    out = np.empty_like(image)
    for (_, _, start, stop), delta in zip(marker.strips, marker.deltas(tile, gain), strict=True):
        out[start:stop] = _image.add_luminance(image, slice(start, stop), delta, info)
    return out


def embed_array(
    image: npt.NDArray[np.generic], payload: bytes, key: bytes, config: WatermarkConfig
) -> npt.NDArray[np.generic]:
    info = _image.inspect(image)
    layout = _pattern.layout_for(key)
    coded = _coding.encode(payload)
    chip_size = chip_size_for(info.height, info.width, config)
    marker = _Marker(image, info, chip_size)
    unit_chips = _pattern.chip_tile(layout, coded)
    # One normalisation for plain and informed tiles, so informed marking keeps the energy.
    norm = float(np.sqrt(np.mean(pixel_tile(unit_chips, chip_size) ** 2)))
    busy = float(np.clip(marker.mask_rms - 1.0, 0.0, 1.0))
    target_rms = TARGET_RMS + busy * (BUSY_TARGET_RMS - TARGET_RMS)
    cap = FLAT_AMPLITUDE / MASK_FLOOR
    gain = min(target_rms / marker.mask_rms, cap)
    scale = config.strength / norm
    if not config.informed:
        return _render(marker, unit_chips, gain * scale)
    plan = _plan(marker, layout, coded, gain * scale)
    # Flat areas keep their cap: a boost never makes a pattern visible there.
    boost = min(fragility_boost(plan.sharp), cap / gain)
    plan = plan.amplified(boost)
    per_bit = _choose_gains(plan.sharp, plan.blurred)
    return _render(marker, plan.chips(per_bit, layout), gain * boost * scale)
