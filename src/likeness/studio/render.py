"""Scene → image: relight, pick views, matte, frame and composite (a pure function)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from likeness.imaging import compose as cp
from likeness.imaging import relight as rl
from likeness.studio.basis import Basis
from likeness.studio.errors import InvalidScene
from likeness.studio.schema import OutputSpec, Scene


def _scene_lights(
    scene: Scene, gain: float = 1.0
) -> list[tuple[tuple[float, float, float], tuple[float, ...]]]:
    return [
        (
            rl.direction_from_angles(light.azimuth_deg, light.elevation_deg),
            tuple(gain * light.intensity * c for c in light.color),
        )
        for light in scene.lights
    ]


def _scene_environment(scene: Scene) -> rl.EnvironmentMap | None:
    spec = scene.environment
    if spec is None:
        return None
    if spec.preset is not None:
        env = rl.environment_preset(spec.preset)
    else:
        assert spec.path is not None
        env = rl.load_environment(spec.path)
    if spec.rotation_deg:
        env = rl.rotate_environment(env, spec.rotation_deg)
    return env


def scene_weights(basis: Basis, scene: Scene) -> NDArray[np.float32]:
    """Per-channel rig weights ``[L, 3]`` for the scene's lights and environment
    (weight-free: what a render without a prior uses)."""
    dirs = basis.light_dirs
    total = np.zeros((dirs.shape[0], 3), dtype=np.float32)
    if scene.lights:
        total += rl.rig_weights(
            dirs, _scene_lights(scene), interpolator=basis.views[0].interpolator
        )
    env = _scene_environment(scene)
    if env is not None:
        assert scene.environment is not None
        total += scene.environment.intensity * rl.project_environment(env, dirs)
    return total * np.float32(scene.exposure)


def _olat(view: rl.Reflectance) -> NDArray[np.float32]:
    """A prepared view's basis as ``[L, H, W, C]`` (a view of its planes, no copy)."""
    channels, count = view.planes.shape[0], view.planes.shape[1]
    height, width = view.shape
    stacked: NDArray[np.float32] = np.moveaxis(
        view.planes.reshape(channels, count, height, width), 0, -1
    )
    return stacked


def _render_with_prior(basis: Basis, view: int, scene: Scene) -> NDArray[np.float32]:
    """One view lit through the learned prior: every light of the prior's rig the basis
    lacks is predicted from the others."""
    assert basis.prior is not None
    olat, dirs = _olat(basis.views[view]), basis.light_dirs
    height, width = basis.views[view].shape
    lit = np.zeros((height, width, 3), np.float32)
    if scene.lights:
        lit += rl.relight(olat, dirs, _scene_lights(scene), prior=basis.prior.prior)
    env = _scene_environment(scene)
    if env is not None:
        assert scene.environment is not None
        lit += np.float32(scene.environment.intensity) * rl.relight_environment(
            olat, dirs, env, prior=basis.prior.prior
        )
    return lit * np.float32(scene.exposure)


def _subject_alpha(basis: Basis, view: int, lit: NDArray[np.float32]) -> NDArray[np.float32]:
    if basis.alpha is not None:
        given: NDArray[np.float32] = basis.alpha[view]
        return given
    if basis.plate is not None:
        # Every light on at once approximates the plate's (flat) lighting of the backdrop.
        count = basis.light_dirs.shape[0]
        everything = basis.views[view].render(np.full((count, 3), 1.0 / count, np.float32))
        return cp.matte_from_plate(everything, basis.plate[view])
    return np.ones(lit.shape[:2], dtype=np.float32)


def scene_framing(scene: Scene) -> cp.Framing:
    spec = scene.framing
    if spec.width is not None and spec.height is not None:
        return cp.Framing("custom", spec.width, spec.height)
    if spec.preset is None:
        raise InvalidScene("framing needs a preset or width and height")
    return cp.framing_preset(spec.preset)


def _face(
    scene: Scene, basis: Basis, lit: NDArray[np.float32], alpha: NDArray[np.float32]
) -> cp.FaceBox:
    if scene.framing.face_box is not None:
        x, y, width, height = scene.framing.face_box
        return cp.FaceBox(x - basis.origin[0], y - basis.origin[1], width, height)
    grey = cv2.cvtColor(cp.to_display(lit), cv2.COLOR_RGB2GRAY).astype(np.uint8)
    found = cp.detect_face(grey)
    return found if found is not None else cp.face_from_alpha(alpha)


def _background(scene: Scene, framing: cp.Framing) -> NDArray[np.float32]:
    spec = scene.background
    if spec.color is not None:
        return cp.solid_background(framing, spec.color)
    assert spec.image is not None
    image = cv2.imread(str(spec.image), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidScene(f"cannot read background image {spec.image}")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    return cp.cover(cp.srgb_decode(rgb), framing)


def render_scene(basis: Basis, scene: Scene) -> NDArray[np.float32]:
    """The framed composite as float32 linear RGB ``[height, width, 3]``."""
    weights = None if basis.completed_by_prior else scene_weights(basis, scene)
    picks = rl.select_views(basis.view_yaws_deg, scene.view.yaw_deg)
    lit = rl.blend_views(
        [
            basis.views[view].render(weights)
            if weights is not None
            else _render_with_prior(basis, view, scene)
            for view, _ in picks
        ],
        [(index, weight) for index, (_, weight) in enumerate(picks)],
    )
    lit = np.maximum(lit, 0.0)
    alpha = np.clip(
        sum(np.float32(w) * _subject_alpha(basis, v, lit) for v, w in picks), 0.0, 1.0
    ).astype(np.float32)
    framing = scene_framing(scene)
    placement = cp.face_placement(
        _face(scene, basis, lit, alpha),
        framing,
        face_height_fraction=scene.framing.face_height_fraction,
        matte=alpha,
    )
    fg = cp.place(lit, placement, framing)
    matte = np.clip(cp.place(alpha, placement, framing), 0.0, 1.0)
    config = cp.CompositeConfig(
        light_wrap=scene.compose.light_wrap,
        color_match=scene.compose.color_match,
        shadow_opacity=scene.compose.shadow_opacity,
    )
    return cp.composite(fg, matte, _background(scene, framing), config)


def image_suffix(path: str | Path) -> str:
    """The encoding a file name asks for (``.png``, ``.jpg`` or ``.jpeg``), or
    :class:`InvalidScene`: checked before anything is rendered."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise InvalidScene(f"output must end in .png, .jpg or .jpeg, got {suffix!r}")
    return suffix


def encode_image(
    image: NDArray[np.float32], output: OutputSpec, *, suffix: str = ".png", dpi: int = 72
) -> bytes:
    """Encode the linear render for display as PNG or JPEG (by ``suffix``), in memory."""
    suffix = image_suffix(f"image{suffix}")
    pixels = Image.fromarray(cp.to_display(image, output.color_space))
    options: dict[str, Any] = {"dpi": (dpi, dpi)}
    if output.color_space == "display-p3":
        options["icc_profile"] = cp.icc_profile("display-p3")
    if suffix != ".png":
        options["quality"] = output.jpeg_quality
    buffer = io.BytesIO()
    pixels.save(buffer, format="PNG" if suffix == ".png" else "JPEG", **options)
    return buffer.getvalue()
