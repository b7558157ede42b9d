"""The scene file: what to render, as pydantic models read from YAML.

Example ``scene.yaml`` (paths are relative to the scene file)::

    view: {yaw_deg: 0}
    lights:
      - {azimuth_deg: -35, elevation_deg: 25, color: [1.0, 0.95, 0.9], intensity: 1.0}
    environment: {preset: studio, intensity: 0.5, rotation_deg: 0}
    exposure: 1.0
    background: {color: [0.18, 0.2, 0.22]}        # or {image: backdrop.jpg}
    framing: {preset: instagram-portrait}          # or {width: 800, height: 1000}
    compose: {light_wrap: 0.25, colour_match: 0.15, shadow_opacity: 0.0}
    output: {color_space: srgb}                    # or display-p3
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from likeness.kit.documents import read_json, read_text, read_yaml
from likeness.studio.errors import InvalidScene

Color = tuple[float, float, float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ViewSpec(_Model):
    yaw_deg: float = 0.0


class LightSpec(_Model):
    azimuth_deg: float = Field(ge=-180, le=180)
    elevation_deg: float = Field(ge=-90, le=90)
    color: Color = (1.0, 1.0, 1.0)
    intensity: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _non_negative_color(self) -> LightSpec:
        if any(c < 0 for c in self.color):
            raise ValueError("light colour components must be >= 0")
        return self


class EnvironmentSpec(_Model):
    preset: Literal["studio", "overcast", "golden_hour"] | None = None
    path: Path | None = None
    intensity: float = Field(default=1.0, ge=0)
    rotation_deg: float = 0.0

    @model_validator(mode="after")
    def _one_source(self) -> EnvironmentSpec:
        if (self.preset is None) == (self.path is None):
            raise ValueError("environment needs exactly one of 'preset' or 'path'")
        return self


class BackgroundSpec(_Model):
    color: Color | None = None
    image: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BackgroundSpec:
        if (self.color is None) == (self.image is None):
            raise ValueError("background needs exactly one of 'color' or 'image'")
        if self.color is not None and any(c < 0 for c in self.color):
            raise ValueError("background colour components must be >= 0")
        return self


class FramingSpec(_Model):
    preset: str | None = "instagram-portrait"
    width: int | None = Field(default=None, ge=16, le=20000)
    height: int | None = Field(default=None, ge=16, le=20000)
    face_box: tuple[float, float, float, float] | None = None
    face_height_fraction: float | None = Field(default=None, ge=0.02, le=1.0)

    @model_validator(mode="after")
    def _size_or_preset(self) -> FramingSpec:
        if (self.width is None) != (self.height is None):
            raise ValueError("give both width and height, or neither")
        return self


class ComposeSpec(_Model):
    light_wrap: float = Field(default=0.25, ge=0, le=1)
    # The scene file says ``colour_match`` (a user-facing key, kept as it was).
    color_match: float = Field(default=0.15, ge=0, le=1, alias="colour_match")
    shadow_opacity: float = Field(default=0.0, ge=0, le=1)


class OutputSpec(_Model):
    color_space: Literal["srgb", "display-p3"] = "srgb"
    jpeg_quality: int = Field(default=92, ge=1, le=100)


class Scene(_Model):
    view: ViewSpec = ViewSpec()
    lights: tuple[LightSpec, ...] = ()
    environment: EnvironmentSpec | None = None
    exposure: float = Field(default=1.0, gt=0)
    background: BackgroundSpec = BackgroundSpec(color=(0.18, 0.18, 0.18))
    framing: FramingSpec = FramingSpec()
    compose: ComposeSpec = ComposeSpec()
    output: OutputSpec = OutputSpec()

    @model_validator(mode="after")
    def _some_light(self) -> Scene:
        if not self.lights and self.environment is None:
            raise ValueError("the scene has no light: add 'lights' or an 'environment'")
        return self


def _resolve(path: Path | None, base: Path) -> Path | None:
    return None if path is None or path.is_absolute() else base / path


def parse_scene(data: object, *, base_dir: Path | None = None) -> Scene:
    """Validate a decoded scene mapping; relative paths are taken from ``base_dir``."""
    if not isinstance(data, dict):
        raise InvalidScene("a scene must be a YAML mapping (key: value)")
    try:
        scene = Scene.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "scene"
        raise InvalidScene(f"scene {where}: {first['msg']}") from None
    if base_dir is None:
        return scene
    updates: dict[str, object] = {}
    if scene.environment is not None and scene.environment.path is not None:
        env_path = _resolve(scene.environment.path, base_dir)
        updates["environment"] = scene.environment.model_copy(update={"path": env_path})
    if scene.background.image is not None:
        image = _resolve(scene.background.image, base_dir)
        updates["background"] = scene.background.model_copy(update={"image": image})
    return scene.model_copy(update=updates)


def load_scene(path: str | Path) -> Scene:
    """Read and validate a scene file: YAML, or JSON when it ends in ``.json``; both are
    bounded in size and nesting like every document (:mod:`likeness.kit.documents`)."""
    file = Path(path)
    if not file.is_file():
        raise InvalidScene(f"scene file not found: {file}")
    source = f"scene file {file.name}"
    text = read_text(file, source, InvalidScene)
    if file.suffix.lower() == ".json":
        data = read_json(text, source, InvalidScene)
    else:
        data = read_yaml(text, source, InvalidScene)
    return parse_scene(data, base_dir=file.parent)
