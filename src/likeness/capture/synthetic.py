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
rig does for tracking and keying. Same seed, same config: same pixels, whatever the
``threads`` (default 2: the body is built beside the head, lights are shaded in
parallel and the next view is prepared during the current one). A 3-view, 64-light
capture at 1024² takes about 12 s of CPU; frames stream to disk.

Seeds below :data:`CAST_SIZE` are a cast picked with dlib to be different people
(every pair below :data:`CAST_CORE`, 98 % of the pairs below ``CAST_SIZE``; see
``bench/pick_cast.py`` and decision records 0007 and 0010); later seeds are independent
draws.

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
import shutil
import struct
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from likeness.capture._color import linear_to_srgb
from likeness.capture._noise import SensorNoise, quantise_u16
from likeness.capture._synth_geometry import Surfaces, build_surfaces
from likeness.capture._synth_identity import CAST_CORE, CAST_SIZE, SyntheticIdentity
from likeness.capture._synth_render import Shader, ShadowMaps, rasterise
from likeness.capture.lights import angles_to_direction, direction_to_angles, fibonacci_sphere

__all__ = [
    "CAST_CORE",
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
_NOISE_TAG = 0x5E45
#: Worker threads: the rig targets small machines; pixels never depend on it.
_DEFAULT_THREADS = 2
#: Lights in flight ahead of the consumer (bounds memory to a few frames).
_AHEAD = 4


#: Views 25° apart that stay within ±90° of frontal (nine would reach ±100°).
MAX_VIEWS = 8


def default_yaws(count: int) -> tuple[float, ...]:
    """``count`` camera yaws 25° apart, centred on the frontal view."""
    if not 1 <= count <= MAX_VIEWS:
        raise ValueError(f"views must be between 1 and {MAX_VIEWS} (25° apart, within ±90°)")
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
    """Shared state for one person: surfaces and shadow maps serve every view.

    With a ``pool`` (threads), the body is built beside the head, shadow maps and
    lights are computed in parallel and each view is prepared while the previous one
    is shaded. Work is split only where results are combined in a fixed order, so the
    pixels never depend on the thread count.
    """

    def __init__(
        self, identity: SyntheticIdentity, config: RigConfig, pool: Executor | None
    ) -> None:
        self.identity = identity
        self.config = config
        self.pool = pool
        spacing = _FRAME_HEIGHT_CM / config.size * _SAMPLES_PER_PIXEL
        self.surfaces: Surfaces = build_surfaces(self.identity, spacing, pool)
        self.lights = config.light_directions()
        self.shadows = ShadowMaps(self.surfaces, self.lights, config.shadow_resolution, pool)

    def views(self) -> Iterator[_View]:
        """Every view in order; with a pool, the next one is prepared in the background."""
        count = len(self.config.yaws)
        if self.pool is None:
            yield from (_View(self, v) for v in range(count))
            return
        upcoming: Future[_View] = self.pool.submit(_View, self, 0)
        for v in range(count):
            view = upcoming.result()
            if v + 1 < count:
                upcoming = self.pool.submit(_View, self, v + 1)
            yield view


@contextmanager
def _threads(count: int) -> Iterator[Executor | None]:
    if not 1 <= count <= 64:
        raise ValueError("threads must be between 1 and 64")
    if count == 1:
        yield None
        return
    with ThreadPoolExecutor(count, thread_name_prefix="likeness-rig") as pool:
        yield pool


class _View:
    """One camera: G-buffer, shader and sensor noise; frames come out in light order."""

    def __init__(self, rig: _Rig, index: int) -> None:
        config = rig.config
        self.rig = rig
        self.yaw = config.yaws[index]
        gbuf = rasterise(rig.surfaces, angles_to_direction(self.yaw, 0.0), config.size)
        self.alpha = gbuf.alpha
        self.shader = Shader(rig.surfaces, gbuf, rig.shadows)
        # Flat indices of the covered pixels' channels, channel-major like the shader.
        rgb = np.arange(3, dtype=np.int64)[:, None]
        self.flat = (self.shader.pixels * 3 + rgb).ravel()
        # Keyed by the identity's stream, so a cast member renders the pixels it was
        # picked on (see SyntheticIdentity.from_seed). Frame keys: lights, plate, full.
        self.noise = SensorNoise(
            [*rig.identity.stream, _NOISE_TAG, index],
            (config.size, config.size),
            config.noise,
            frames=config.lights + 2,
            covered=len(self.flat),
        )
        self.total = np.zeros((3, len(self.shader.pixels)), np.float32)

    def frames(self, quantised: bool) -> Iterator[tuple[int, NDArray[Any]]]:
        """(light, frame) in light order: float32 RGB, or 16-bit codes when ``quantised``.

        With the rig's pool, lights are shaded in parallel (NumPy releases the GIL), a
        bounded number ahead of the consumer; the clean sum for the ``full`` frame is
        added up here, in light order, so the pixels do not depend on the threads.
        """

        def render(light: int) -> tuple[NDArray[np.float32], NDArray[Any]]:
            radiance = self.shader.radiance(light).ravel()
            if quantised:
                return radiance, self.noise.frame_u16(light, self.flat, radiance)
            return radiance, self.noise.frame(light, self.flat, radiance)

        count = self.rig.config.lights
        pool = self.rig.pool
        if pool is None:
            results: Iterator[tuple[NDArray[np.float32], NDArray[Any]]] = map(render, range(count))
        else:
            results = _ordered(pool, render, count, ahead=_AHEAD)
        for light, (radiance, frame) in enumerate(results):
            self.total += radiance.reshape(3, -1)
            yield light, frame

    def plate(self) -> NDArray[np.float32]:
        config = self.rig.config
        size = config.size
        rows = np.linspace(1.08, 0.9, size, dtype=np.float32)[:, None, None]
        cols = 1.0 - 0.08 * np.linspace(-1.0, 1.0, size, dtype=np.float32)[None, :, None] ** 2
        plate = np.asarray(config.backdrop, np.float32) * rows * cols
        return self.noise.over(config.lights, np.broadcast_to(plate, (size, size, 3)))

    def full(self, plate: NDArray[np.float32]) -> NDArray[np.float32]:
        """All lights on the backdrop; call after :meth:`frames` has run to the end."""
        config = self.rig.config
        gain = np.float32(4.0 * config.full_gain / config.lights)
        # The plate's own noise stands in for the frame's backdrop noise.
        image = plate * (1.0 - self.alpha[..., None])
        image.reshape(-1)[self.flat] += (self.total * gain).ravel()
        return self.noise.over(config.lights + 1, image)


_T = TypeVar("_T")


def _ordered(pool: Executor, task: Callable[[int], _T], count: int, ahead: int) -> Iterator[_T]:
    """``task(0..count-1)`` on ``pool``, in order, at most ``ahead`` in flight."""
    pending = deque(pool.submit(task, i) for i in range(min(ahead, count)))
    for i in range(count):
        result = pending.popleft().result()
        if i + ahead < count:
            pending.append(pool.submit(task, i + ahead))
        yield result


def render_capture(
    seed: int | SyntheticIdentity,
    config: RigConfig | None = None,
    *,
    threads: int = _DEFAULT_THREADS,
) -> SyntheticCapture:
    """Render every view of person ``seed`` in memory (mind the size: L×H×W×3 floats).

    ``seed`` may also be an explicit :class:`SyntheticIdentity` (casting tools render
    candidates that are not seeds). ``threads`` shades lights in parallel; the pixels
    are the same for any count.
    """
    config = config or RigConfig()
    identity = seed if isinstance(seed, SyntheticIdentity) else SyntheticIdentity.from_seed(seed)
    with _threads(threads) as pool:
        rig = _Rig(identity, config, pool)
        views = [_render_view(view, config) for view in rig.views()]
    return SyntheticCapture(
        identity=rig.identity, config=config, light_dirs=rig.lights, views=tuple(views)
    )


def _render_view(view: _View, config: RigConfig) -> SyntheticView:
    frames = np.zeros((config.lights, config.size, config.size, 3), np.float32)
    for j, frame in view.frames(quantised=False):
        frames[j] = frame
    plate = view.plate()
    return SyntheticView(
        yaw=view.yaw, olat=frames, alpha=view.alpha, plate=plate, full=view.full(plate)
    )


def _write_tiff16(path: Path, linear: NDArray[np.float32]) -> None:
    _write_tiff16_codes(path, quantise_u16(linear))


def _write_tiff16_codes(path: Path, rgb: NDArray[np.uint16]) -> None:
    """A baseline RGB TIFF: 16 bits a sample, one uncompressed strip, little-endian.

    Written by hand because the header is 150 bytes and OpenCV's encoder took five
    times as long as the write itself; sensor noise defeats compression anyway.
    """
    height, width, _ = rgb.shape
    data = np.ascontiguousarray(rgb, dtype="<u2")
    entries = 11
    ifd_size = 2 + 12 * entries + 4
    bits_at = 8 + ifd_size
    data_at = bits_at + 8  # three shorts, padded to a word boundary
    tags = [
        (256, 4, 1, width),  # ImageWidth
        (257, 4, 1, height),  # ImageLength
        (258, 3, 3, bits_at),  # BitsPerSample: 16, 16, 16 (stored after the IFD)
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 2),  # PhotometricInterpretation: RGB
        (273, 4, 1, data_at),  # StripOffsets
        (277, 3, 1, 3),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip: one strip
        (279, 4, 1, data.nbytes),  # StripByteCounts
        (284, 3, 1, 1),  # PlanarConfiguration: chunky
        (296, 3, 1, 1),  # ResolutionUnit: none
    ]
    header = bytearray(b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", entries))
    for tag, kind, count, value in tags:
        packed = (
            struct.pack("<H", value) + b"\x00\x00"
            if kind == 3 and count == 1
            else struct.pack("<I", value)
        )
        header += struct.pack("<HHI", tag, kind, count) + packed
    header += struct.pack("<I", 0)  # no next IFD
    header += struct.pack("<3H", 16, 16, 16) + bytes(2)
    with path.open("wb") as f:
        f.write(header)
        f.write(data.data)


def _write_png8(path: Path, gray: NDArray[np.float32]) -> None:
    import cv2

    data = (np.clip(gray, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if not cv2.imwrite(str(path), data, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"could not write {path}")


def write_capture(
    out_dir: str | Path,
    seed: int,
    config: RigConfig | None = None,
    *,
    threads: int = _DEFAULT_THREADS,
) -> Path:
    """Render person ``seed`` and write a capture folder; returns its ``capture.json``.

    Frames are 16-bit linear TIFFs (1.0 = 65535), alpha mattes 8-bit PNGs. The folder
    must be empty or absent. Frames stream to disk, so memory stays at one view's
    G-buffer (plus a few frames in flight) whatever the light count. ``threads``
    shades lights in parallel; the files are the same for any count.
    """
    config = config or RigConfig()
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"output folder is not empty: {out}")
    identity = SyntheticIdentity.from_seed(seed)  # refuse a bad seed before touching disk
    existed = out.exists()
    try:
        return _write_session(out, seed, identity, config, threads)
    except BaseException:
        # Leave the folder as it was found: absent, or empty.
        shutil.rmtree(out, ignore_errors=True)
        if existed:
            out.mkdir(parents=True, exist_ok=True)
        raise


def _write_session(
    out: Path, seed: int, identity: SyntheticIdentity, config: RigConfig, threads: int
) -> Path:
    with _threads(threads) as pool:
        out.mkdir(parents=True, exist_ok=True)
        rig = _Rig(identity, config, pool)
        lights = [direction_to_angles(d) for d in rig.lights]
        views_meta = []
        frames_meta: list[dict[str, object]] = []
        for v, view in enumerate(rig.views()):
            view_id = f"view{v}"
            (out / view_id).mkdir()
            for j, frame in view.frames(quantised=True):
                name = f"{view_id}/light_{j:03d}.tif"
                _write_tiff16_codes(out / name, frame)
                az, el = lights[j]
                light = {"azimuth": round(az, 4), "elevation": round(el, 4)}
                frames_meta.append({"file": name, "view": view_id, "light": light})
            plate = view.plate()
            _write_tiff16(out / view_id / "background.tif", plate)
            _write_png8(out / view_id / "alpha.png", view.alpha)
            _write_tiff16(out / view_id / "full.tif", view.full(plate))
            frames_meta.append({"file": f"{view_id}/full.tif", "view": view_id, "light": "full"})
            views_meta.append(
                {
                    "id": view_id,
                    "yaw": view.yaw,
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
