"""Synthetic capture rig: deterministic OLAT captures of people who do not exist.

A light stage photographs a person once per light ("one light at a time", OLAT) from a
few camera angles. This module fakes one on the CPU in seconds: it builds a
head-and-shoulders person from a seed (face shape and proportions, skin tone with
blotches and pores, eyes with sclera/iris/pupil and lashes, brows, lips, nose, ears,
hair, clothing), splats it into a G-buffer per view, and shades it under every rig
light with wrapped diffuse (light bleeding through skin), specular highlights and cast
shadows from per-light shadow maps. Light transport stays linear: each frame is the
subject under one unit-intensity directional light on black, so any lighting is a
weighted sum of the frames.

Per view it also produces the ground-truth matte (alpha), a background plate of the
empty backdrop and a ``full`` frame (all lights on, subject on the backdrop), as a real
rig does for tracking and keying. Same seed, same config: same pixels.

Usage::

    from likeness.capture.synthetic import RigConfig, render_capture, write_capture

    capture = render_capture(seed=7, config=RigConfig(size=256, lights=16))
    capture.views[1].olat.shape          # (16, 256, 256, 3) float32, linear
    manifest = write_capture("out/session", seed=7)   # 3 views × 64 lights + capture.json

Directions follow :mod:`likeness.capture.lights`. Errors: ``ValueError`` for a bad
seed or config (the CLI turns it into :class:`likeness.capture.errors.CaptureError`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from likeness.capture._color import linear_to_srgb
from likeness.capture._synth_geometry import Surfaces, build_surfaces
from likeness.capture._synth_identity import CAST_SIZE, SyntheticIdentity
from likeness.capture._synth_render import Shader, ShadowMaps, rasterise
from likeness.capture.lights import angles_to_direction, direction_to_angles, fibonacci_sphere

__all__ = [
    "CAST_SIZE",
    "MANIFEST_FORMAT",
    "RigConfig",
    "SyntheticCapture",
    "SyntheticIdentity",
    "SyntheticView",
    "default_yaws",
    "render_capture",
    "write_capture",
]

MANIFEST_FORMAT = "likeness-capture/1"
#: Splat samples per pixel pitch: below 1 leaves the hole filler little to do.
_SAMPLES_PER_PIXEL = 0.7
_FRAME_HEIGHT_CM = 36.0


def default_yaws(count: int) -> tuple[float, ...]:
    """``count`` camera yaws 25° apart, centred on the frontal view."""
    if not 1 <= count <= 9:
        raise ValueError("views must be between 1 and 9")
    return tuple(float(25.0 * (i - (count - 1) / 2.0)) for i in range(count))


@dataclass(frozen=True)
class RigConfig:
    """The rig: camera yaws (degrees), number of lights, image size and noise.

    ``full_gain`` exposes the all-lights ``full`` frame (the sum of the OLAT frames,
    times ``4 × full_gain / lights``, so a white surface facing the camera reads about
    ``full_gain``); ``noise`` is the sensor's read noise (linear, standard
    deviation) added to every frame.
    """

    yaws: tuple[float, ...] = field(default_factory=lambda: default_yaws(3))
    lights: int = 64
    size: int = 512
    shadow_resolution: int = 512
    noise: float = 0.0015
    full_gain: float = 0.75
    backdrop: tuple[float, float, float] = (0.2, 0.21, 0.22)

    def __post_init__(self) -> None:
        if not self.yaws or len(self.yaws) > 9:
            raise ValueError("need between 1 and 9 views")
        if any(abs(y) > 90 for y in self.yaws):
            raise ValueError("view yaw must be within ±90°")
        if not 4 <= self.lights <= 1024:
            raise ValueError("lights must be between 4 and 1024")
        if not 64 <= self.size <= 4096:
            raise ValueError("size must be between 64 and 4096 pixels")
        if not 64 <= self.shadow_resolution <= 4096:
            raise ValueError("shadow_resolution must be between 64 and 4096")
        if not 0.0 <= self.noise <= 0.1:
            raise ValueError("noise must be between 0 and 0.1")

    def light_directions(self) -> NDArray[np.float32]:
        return fibonacci_sphere(self.lights).astype(np.float32)


@dataclass(frozen=True)
class SyntheticView:
    """One camera's frames: OLAT [L, H, W, 3], alpha [H, W], plate and full [H, W, 3]."""

    yaw: float
    olat: NDArray[np.float32]
    alpha: NDArray[np.float32]
    plate: NDArray[np.float32]
    full: NDArray[np.float32]


@dataclass(frozen=True)
class SyntheticCapture:
    identity: SyntheticIdentity
    config: RigConfig
    light_dirs: NDArray[np.float32]
    views: tuple[SyntheticView, ...]


class _Rig:
    """Shared state for one person: surfaces and shadow maps serve every view."""

    def __init__(self, seed: int, config: RigConfig) -> None:
        self.identity = SyntheticIdentity.from_seed(seed)
        self.config = config
        self.seed = seed
        spacing = _FRAME_HEIGHT_CM / config.size * _SAMPLES_PER_PIXEL
        self.surfaces: Surfaces = build_surfaces(self.identity, spacing)
        self.lights = config.light_directions()
        self.shadows = ShadowMaps(self.surfaces, self.lights, config.shadow_resolution)

    def plate(self, view: int) -> NDArray[np.float32]:
        size = self.config.size
        rows = np.linspace(1.08, 0.9, size, dtype=np.float32)[:, None, None]
        cols = 1.0 - 0.08 * np.linspace(-1.0, 1.0, size, dtype=np.float32)[None, :, None] ** 2
        plate = np.asarray(self.config.backdrop, np.float32) * rows * cols
        return self._noisy(np.broadcast_to(plate, (size, size, 3)), ("plate", view))

    def _noisy(
        self, image: NDArray[np.float32], key: tuple[str, int, int] | tuple[str, int]
    ) -> NDArray[np.float32]:
        if self.config.noise == 0:
            return np.ascontiguousarray(image, dtype=np.float32)
        # Keyed by the identity's stream, so a cast member renders the pixels it was
        # picked on (see SyntheticIdentity.from_seed).
        tag = [*self.identity.stream, *(ord(c) for c in key[0]), *key[1:]]
        rng = np.random.default_rng(tag)
        noise = rng.standard_normal(image.shape, dtype=np.float32) * np.float32(self.config.noise)
        return np.clip(image + noise, 0.0, None).astype(np.float32)

    def iter_view(self, view: int) -> Iterator[tuple[int, NDArray[np.float32]]]:
        """Yield (light index, frame) for every light, then (-1, clean full-light sum)."""
        yaw = self.config.yaws[view]
        gbuf = rasterise(self.surfaces, angles_to_direction(yaw, 0.0), self.config.size)
        self._alpha = gbuf.alpha
        shader = Shader(self.surfaces, gbuf)
        total = np.zeros((self.config.size, self.config.size, 3), np.float32)
        for j, l_dir in enumerate(self.lights):
            vis = self.shadows.visibility(j, shader.position, shader.normal)
            frame = (shader.shade(l_dir, vis) * gbuf.alpha[..., None]).astype(np.float32)
            total += frame
            yield j, self._noisy(frame, ("olat", view, j))
        yield -1, total

    def alpha(self) -> NDArray[np.float32]:
        return self._alpha

    def full(
        self, view: int, total: NDArray[np.float32], plate: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        a = self._alpha[..., None]
        clean_plate = plate  # the plate's own noise stands in for the frame's
        gain = 4.0 * self.config.full_gain / self.config.lights
        image = total * np.float32(gain) + clean_plate * (1.0 - a)
        return self._noisy(image, ("full", view))


def render_capture(seed: int, config: RigConfig | None = None) -> SyntheticCapture:
    """Render every view of person ``seed`` in memory (mind the size: L×H×W×3 floats)."""
    config = config or RigConfig()
    rig = _Rig(seed, config)
    views = []
    for v, yaw in enumerate(config.yaws):
        frames = np.zeros((config.lights, config.size, config.size, 3), np.float32)
        total = frames[0]
        for j, frame in rig.iter_view(v):
            if j >= 0:
                frames[j] = frame
            else:
                total = frame
        plate = rig.plate(v)
        views.append(
            SyntheticView(
                yaw=yaw,
                olat=frames,
                alpha=rig.alpha().copy(),
                plate=plate,
                full=rig.full(v, total, plate),
            )
        )
    return SyntheticCapture(
        identity=rig.identity, config=config, light_dirs=rig.lights, views=tuple(views)
    )


def _write_tiff16(path: Path, linear: NDArray[np.float32]) -> None:
    import cv2

    # Uncompressed 16-bit TIFF: sensor noise defeats compression anyway, and writing
    # is twenty times faster than PNG.
    data = (np.clip(linear, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    ok = cv2.imwrite(str(path), data[..., ::-1], [cv2.IMWRITE_TIFF_COMPRESSION, 1])
    if not ok:
        raise OSError(f"could not write {path}")


def _write_png8(path: Path, gray: NDArray[np.float32]) -> None:
    import cv2

    data = (np.clip(gray, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if not cv2.imwrite(str(path), data, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"could not write {path}")


def write_capture(out_dir: str | Path, seed: int, config: RigConfig | None = None) -> Path:
    """Render person ``seed`` and write a capture folder; returns its ``capture.json``.

    Frames are 16-bit linear TIFFs (1.0 = 65535), alpha mattes 8-bit PNGs. The folder
    must be empty or absent. Frames stream to disk, so memory stays at one view's
    G-buffer whatever the light count.
    """
    config = config or RigConfig()
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"output folder is not empty: {out}")
    out.mkdir(parents=True, exist_ok=True)
    rig = _Rig(seed, config)
    lights = [direction_to_angles(d) for d in rig.lights]
    views_meta = []
    frames_meta: list[dict[str, object]] = []
    for v, yaw in enumerate(config.yaws):
        view_id = f"view{v}"
        (out / view_id).mkdir()
        total = None
        for j, frame in rig.iter_view(v):
            if j < 0:
                total = frame
                continue
            name = f"{view_id}/light_{j:03d}.tif"
            _write_tiff16(out / name, frame)
            az, el = lights[j]
            frames_meta.append(
                {
                    "file": name,
                    "view": view_id,
                    "light": {"azimuth": round(az, 4), "elevation": round(el, 4)},
                }
            )
        plate = rig.plate(v)
        assert total is not None
        _write_tiff16(out / view_id / "background.tif", plate)
        _write_png8(out / view_id / "alpha.png", rig.alpha())
        _write_tiff16(out / view_id / "full.tif", rig.full(v, total, plate))
        frames_meta.append({"file": f"{view_id}/full.tif", "view": view_id, "light": "full"})
        views_meta.append(
            {
                "id": view_id,
                "yaw": yaw,
                "pitch": 0.0,
                "background": f"{view_id}/background.tif",
                "alpha": f"{view_id}/alpha.png",
            }
        )
    manifest = {
        "format": MANIFEST_FORMAT,
        "encoding": "linear",
        "full_gain": config.full_gain,
        "rig": {
            "name": "likeness synthetic rig",
            "lights": [{"azimuth": round(a, 4), "elevation": round(e, 4)} for a, e in lights],
        },
        "subject": {"synthetic": True, "seed": seed, "identity": _identity_summary(rig)},
        "views": views_meta,
        "frames": frames_meta,
    }
    path = out / "capture.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _identity_summary(rig: _Rig) -> dict[str, object]:
    ident = asdict(rig.identity)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in ident.items()}


def preview_srgb(view: SyntheticView) -> NDArray[np.uint8]:
    """The view's ``full`` frame as 8-bit sRGB (what QC and people look at)."""
    return (linear_to_srgb(view.full) * 255.0 + 0.5).astype(np.uint8)
