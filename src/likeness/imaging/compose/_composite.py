"""Placing a relit subject over a background, in linear light."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose._errors import InvalidImage
from likeness.imaging.compose._validate import check_alpha, check_rgb


@dataclass(frozen=True)
class CompositeConfig:
    """How the subject is blended into the background.

    ``light_wrap``: how much blurred background light spills over the subject's edge
    (0–1). ``color_match``: how far the subject's mean colour cast moves towards the
    background's (0–1; luminance is kept). ``shadow_opacity``: a soft drop shadow
    (0 = none) offset by ``shadow_offset`` (fractions of height, width) and blurred by
    ``shadow_blur`` (fraction of height).
    """

    light_wrap: float = 0.25
    wrap_radius: float = 0.02
    color_match: float = 0.15
    shadow_opacity: float = 0.0
    shadow_offset: tuple[float, float] = (0.02, 0.03)
    shadow_blur: float = 0.03

    def __post_init__(self) -> None:
        for name in ("light_wrap", "color_match", "shadow_opacity"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidImage(f"{name} must lie in [0, 1], got {value}")
        if self.wrap_radius <= 0 or self.shadow_blur <= 0:
            raise InvalidImage("wrap_radius and shadow_blur must be positive")


_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _blur(image: NDArray[np.float32], sigma: float) -> NDArray[np.float32]:
    # Blur at reduced size: light wrap and shadows are soft, so this is visually the
    # same and an order of magnitude cheaper on large canvases.
    height, width = image.shape[:2]
    factor = max(1, int(sigma // 4))
    small: NDArray[np.float32] = cv2.resize(  # type: ignore[assignment]
        image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=max(sigma / factor, 0.5))  # type: ignore[assignment]
    out: NDArray[np.float32] = cv2.resize(  # type: ignore[assignment]
        small, (width, height), interpolation=cv2.INTER_LINEAR
    )
    return out


def color_matched(
    fg: NDArray[np.float32], alpha: NDArray[np.float32], bg: NDArray[np.float32], strength: float
) -> NDArray[np.float32]:
    """Move the subject's mean chromaticity towards the background's, keeping luminance."""
    gain = _color_gain(fg, alpha, bg, strength)
    if gain is None:
        return fg
    matched: NDArray[np.float32] = (fg * gain).astype(np.float32)
    return matched


def _color_gain(
    fg: NDArray[np.float32], alpha: NDArray[np.float32], bg: NDArray[np.float32], strength: float
) -> NDArray[np.float32] | None:
    # Means of a colour cast need no full-resolution sums: every 4th pixel each way is plenty.
    step = 4 if min(alpha.shape) >= 64 else 1
    weights = alpha[::step, ::step].reshape(-1).astype(np.float64)
    if strength == 0 or float(weights.sum()) == 0:
        return None
    fg_mean = weights @ fg[::step, ::step].reshape(-1, 3) / weights.sum()
    bg_mean = bg[::step, ::step].reshape(-1, 3).mean(0)
    fg_chroma = fg_mean / max(float(fg_mean @ _LUMA), 1e-6)
    bg_chroma = bg_mean / max(float(bg_mean @ _LUMA), 1e-6)
    target = (1 - strength) * fg_chroma + strength * bg_chroma
    gain = target / np.maximum(fg_chroma, 1e-6)
    gain = gain / float(gain @ (_LUMA * fg_chroma) / float(_LUMA @ fg_chroma))
    result: NDArray[np.float32] = gain.astype(np.float32)
    return result


def drop_shadow(
    background: NDArray[np.float32], alpha: NDArray[np.float32], config: CompositeConfig
) -> NDArray[np.float32]:
    """Darken the background under a shifted, blurred copy of the matte."""
    if config.shadow_opacity == 0:
        return background
    height, width = alpha.shape
    dy, dx = config.shadow_offset
    shift = np.array([[1, 0, dx * width], [0, 1, dy * height]], dtype=np.float32)
    moved: NDArray[np.float32] = cv2.warpAffine(  # type: ignore[assignment]
        alpha, shift, (width, height), borderValue=0
    )
    soft = _blur(moved, config.shadow_blur * height)
    return (background * (1 - config.shadow_opacity * soft)[..., None]).astype(np.float32)


def composite(
    fg: NDArray[np.float32],
    alpha: NDArray[np.float32],
    background: NDArray[np.float32],
    config: CompositeConfig | None = None,
) -> NDArray[np.float32]:
    """``fg`` over ``background`` with matte ``alpha`` (straight, not premultiplied).

    All three are linear light; returns float32 ``[H, W, 3]``. With the default config
    off (``CompositeConfig(light_wrap=0, color_match=0)``) this is exactly
    ``alpha * fg + (1 - alpha) * background``.
    """
    cfg = config or CompositeConfig()
    check_rgb(fg, "foreground")
    check_rgb(background, "background")
    if fg.shape != background.shape:
        raise InvalidImage(f"foreground {fg.shape} and background {background.shape} differ")
    check_alpha(alpha, fg.shape)
    gain = _color_gain(fg, alpha, background, cfg.color_match)
    backdrop = drop_shadow(background, alpha, cfg)
    # out = a * fg * gain + (1 - a) * backdrop, in place with OpenCV's SIMD kernels (numpy's
    # broadcasting of a one-channel alpha over RGB is several times slower at 1024²).
    alpha3 = cv2.merge([alpha, alpha, alpha])
    out = fg * gain if gain is not None else fg.copy()
    cv2.subtract(out, backdrop, dst=out)
    cv2.multiply(out, alpha3, dst=out)
    cv2.add(out, backdrop, dst=out)
    if cfg.light_wrap > 0:
        wrap = _wrap_light(backdrop, alpha, cfg.wrap_radius * fg.shape[0], cfg.light_wrap)
        cv2.multiply(wrap, alpha3, dst=wrap)
        cv2.add(out, wrap, dst=out)
    return out


def _wrap_light(
    backdrop: NDArray[np.float32], alpha: NDArray[np.float32], sigma: float, strength: float
) -> NDArray[np.float32]:
    """Blurred background light times how much background surrounds each pixel (low-res)."""
    height, width = alpha.shape
    factor = max(1, int(sigma // 2))
    size = (max(1, width // factor), max(1, height // factor))
    small_bg = cv2.resize(backdrop, size, interpolation=cv2.INTER_AREA)
    small_clear = 1.0 - cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    small_sigma = max(sigma / factor, 0.5)
    spill = cv2.GaussianBlur(small_bg * small_clear[..., None], (0, 0), sigmaX=small_sigma)
    around = cv2.GaussianBlur(small_clear, (0, 0), sigmaX=small_sigma)
    wrap = (spill * around[..., None] * strength).astype(np.float32)
    out: NDArray[np.float32] = cv2.resize(  # type: ignore[assignment]
        wrap, (width, height), interpolation=cv2.INTER_LINEAR
    )
    return out
