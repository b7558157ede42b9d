"""Capture manifests: ``capture.json`` or a CSV, parsed into one typed description.

JSON (what the synthetic rig writes)::

    {"format": "likeness-capture/1", "encoding": "linear",
     "rig": {"lights": [{"azimuth": 12.0, "elevation": 30.0}, ...]},      # optional
     "views": [{"id": "front", "yaw": 0, "pitch": 0,
                "background": "front/bg.png", "alpha": "front/alpha.png"}],
     "frames": [{"file": "front/l00.png", "view": "front",
                 "light": {"azimuth": 12.0, "elevation": 30.0}},
                {"file": "front/full.png", "view": "front", "light": "full"}]}

CSV (one row per frame; ``light_kind`` is ``olat`` (default), ``ambient`` or ``full``;
``background``/``alpha`` name the view's plate and matte on any of its rows)::

    file,view_yaw,view_pitch,light_azimuth,light_elevation,light_kind,background,alpha

Paths are relative to the manifest's folder and may not leave it. Angles are degrees
in the frame of :mod:`likeness.capture.lights`; ``encoding`` is ``srgb`` (default) or
``linear``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from likeness.capture.errors import ManifestInvalid
from likeness.kit.documents import check_size, read_json

LightKind = Literal["olat", "ambient", "full"]
Encoding = Literal["srgb", "linear"]
#: Two lights closer than this (degrees) are the same rig light.
LIGHT_MATCH_DEG = 0.5
MAX_FRAMES = 20_000


@dataclass(frozen=True)
class LightSpec:
    kind: LightKind
    azimuth: float = 0.0
    elevation: float = 0.0

    def key(self) -> tuple[float, float]:
        return (round(self.azimuth, 1), round(self.elevation, 1))

    def label(self) -> str:
        if self.kind != "olat":
            return self.kind
        return f"azimuth {self.azimuth:g}°, elevation {self.elevation:g}°"


@dataclass(frozen=True)
class FrameSpec:
    file: str
    view: str
    light: LightSpec


@dataclass(frozen=True)
class ViewSpec:
    id: str
    yaw: float
    pitch: float
    background: str | None = None
    alpha: str | None = None


@dataclass(frozen=True)
class CaptureManifest:
    views: tuple[ViewSpec, ...]
    frames: tuple[FrameSpec, ...]
    rig_lights: tuple[LightSpec, ...]  # declared, or the union over views
    encoding: Encoding = "srgb"
    source: str = "capture.json"

    def view(self, view_id: str) -> ViewSpec:
        for v in self.views:
            if v.id == view_id:
                return v
        raise ManifestInvalid(f"{self.source}: unknown view {view_id!r}")

    def frames_of(self, view_id: str) -> list[FrameSpec]:
        return [f for f in self.frames if f.view == view_id]

    def all_files(self) -> list[str]:
        files = [f.file for f in self.frames]
        for v in self.views:
            files += [p for p in (v.background, v.alpha) if p]
        return files


def _safe_relpath(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ManifestInvalid(f"{where}: file name missing")
    path = PurePosixPath(value.strip().replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        raise ManifestInvalid(f"{where}: {value!r} must be a path inside the capture folder")
    return str(path)


def _angle(value: Any, where: str, limit: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ManifestInvalid(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ManifestInvalid(f"{where}: {number} is outside ±{limit:g}°")
    return number


def _light(value: Any, where: str) -> LightSpec:
    if isinstance(value, str):
        kind = value.strip().lower()
        if kind in ("ambient", "full"):
            return LightSpec(kind)  # type: ignore[arg-type]
        raise ManifestInvalid(f"{where}: light must be angles, 'ambient' or 'full'")
    if isinstance(value, dict):
        return LightSpec(
            "olat",
            _angle(value.get("azimuth"), f"{where} azimuth", 180.0),
            _angle(value.get("elevation"), f"{where} elevation", 90.0),
        )
    raise ManifestInvalid(f"{where}: light must be angles, 'ambient' or 'full'")


def parse_manifest(text: str, *, source: str = "capture.json") -> CaptureManifest:
    """Parse a JSON or CSV manifest (chosen by ``source``'s suffix), bounded in size and
    nesting like every document (:mod:`likeness.kit.documents`)."""
    if source.lower().endswith(".csv"):
        check_size(len(text.encode("utf-8", "surrogatepass")), source, ManifestInvalid)
        return _finish(*_parse_csv(text, source), encoding="srgb", source=source)
    data = read_json(text, source, ManifestInvalid)
    if not isinstance(data, dict):
        raise ManifestInvalid(f"{source}: expected a JSON object")
    encoding = data.get("encoding", "srgb")
    if encoding not in ("srgb", "linear"):
        raise ManifestInvalid(f"{source}: encoding must be 'srgb' or 'linear'")
    raw_views = data.get("views")
    raw_frames = data.get("frames")
    if not isinstance(raw_views, list) or not raw_views:
        raise ManifestInvalid(f"{source}: 'views' must be a non-empty list")
    if not isinstance(raw_frames, list) or not raw_frames:
        raise ManifestInvalid(f"{source}: 'frames' must be a non-empty list")
    views = []
    for n, v in enumerate(raw_views):
        where = f"{source} views[{n}]"
        if not isinstance(v, dict) or not isinstance(v.get("id"), str) or not v["id"]:
            raise ManifestInvalid(f"{where}: each view needs an 'id'")
        views.append(
            ViewSpec(
                id=v["id"],
                yaw=_angle(v.get("yaw", 0.0), f"{where} yaw", 180.0),
                pitch=_angle(v.get("pitch", 0.0), f"{where} pitch", 90.0),
                background=_safe_relpath(v["background"], where) if v.get("background") else None,
                alpha=_safe_relpath(v["alpha"], where) if v.get("alpha") else None,
            )
        )
    frames = []
    for n, f in enumerate(raw_frames):
        where = f"{source} frames[{n}]"
        if not isinstance(f, dict):
            raise ManifestInvalid(f"{where}: expected an object")
        file = _safe_relpath(f.get("file"), where)
        frames.append(FrameSpec(file, str(f.get("view", "")), _light(f.get("light"), file)))
    rig = data.get("rig") or {}
    declared = rig.get("lights") if isinstance(rig, dict) else None
    rig_lights = (
        tuple(_light(x, f"{source} rig.lights[{n}]") for n, x in enumerate(declared))
        if isinstance(declared, list)
        else None
    )
    return _finish(views, frames, rig_lights, encoding=encoding, source=source)


def _parse_csv(
    text: str, source: str
) -> tuple[list[ViewSpec], list[FrameSpec], tuple[LightSpec, ...] | None]:
    reader = csv.DictReader(io.StringIO(text))
    need = {"file", "view_yaw"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise ManifestInvalid(f"{source}: CSV needs the columns file and view_yaw")
    views: dict[str, ViewSpec] = {}
    frames = []
    for n, row in enumerate(reader, start=2):
        where = f"{source} line {n}"
        file = _safe_relpath(row.get("file"), where)
        yaw = _angle(row.get("view_yaw"), f"{where} view_yaw", 180.0)
        pitch = _angle(row.get("view_pitch") or 0.0, f"{where} view_pitch", 90.0)
        view_id = f"yaw{yaw:+g}_pitch{pitch:+g}"
        kind = (row.get("light_kind") or "olat").strip().lower()
        if kind == "olat":
            light = _light(
                {"azimuth": row.get("light_azimuth"), "elevation": row.get("light_elevation")},
                file,
            )
        else:
            light = _light(kind, file)
        frames.append(FrameSpec(file, view_id, light))
        old = views.get(view_id) or ViewSpec(view_id, yaw, pitch)
        bg = _safe_relpath(row["background"], where) if row.get("background") else None
        al = _safe_relpath(row["alpha"], where) if row.get("alpha") else None
        views[view_id] = ViewSpec(view_id, yaw, pitch, old.background or bg, old.alpha or al)
    if not frames:
        raise ManifestInvalid(f"{source}: no frames")
    return list(views.values()), frames, None


def _finish(
    views: list[ViewSpec],
    frames: list[FrameSpec],
    rig_lights: tuple[LightSpec, ...] | None,
    *,
    encoding: str,
    source: str,
) -> CaptureManifest:
    if len(frames) > MAX_FRAMES:
        raise ManifestInvalid(f"{source}: {len(frames)} frames is more than {MAX_FRAMES}")
    ids = [v.id for v in views]
    if len(set(ids)) != len(ids):
        raise ManifestInvalid(f"{source}: view ids must be unique")
    for f in frames:
        if f.view not in ids:
            raise ManifestInvalid(f"{f.file}: unknown view {f.view!r}")
    if rig_lights is None:
        seen: dict[tuple[float, float], LightSpec] = {}
        for f in frames:
            if f.light.kind == "olat":
                seen.setdefault(f.light.key(), f.light)
        rig_lights = tuple(seen.values())
    return CaptureManifest(
        views=tuple(views),
        frames=tuple(frames),
        rig_lights=tuple(rig_lights),
        encoding=encoding,  # type: ignore[arg-type]
        source=source,
    )
