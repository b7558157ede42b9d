"""Ingest: turn a capture folder or zip plus its manifest into a validated capture.

Validation collects every problem before refusing, so one run tells the operator all
that is wrong, each problem naming its file. Nothing is written anywhere during
validation; a zip is unpacked into a private temporary folder that is removed when the
:class:`OpenedCapture` is closed, whatever happened.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from likeness.capture.errors import CaptureInvalid, ManifestInvalid, Problem
from likeness.capture.images import (
    CaptureLimits,
    ImageInfo,
    ImageRefused,
    decode_gray,
    decode_image,
    inspect_image,
)
from likeness.capture.lights import angles_to_direction
from likeness.capture.manifest import CaptureManifest, FrameSpec, parse_manifest
from likeness.kit.documents import check_size, read_text

MANIFEST_NAMES = ("capture.json", "capture.csv")
#: A zip whose members would inflate more than this many times its size is refused.
MAX_ZIP_RATIO = 200


@dataclass(frozen=True)
class ViewData:
    """One view, ready for QC and twin building; frames load on demand."""

    id: str
    yaw: float
    pitch: float
    light_dirs: NDArray[np.float32]  # [L, 3], rig order
    olat_files: tuple[str, ...]  # [L], rig order
    full_file: str | None
    ambient_file: str | None
    background_file: str | None
    alpha_file: str | None
    width: int
    height: int


@dataclass
class ValidatedCapture:
    """A capture whose every file passed validation."""

    root: Path
    manifest: CaptureManifest
    infos: dict[str, ImageInfo]
    views: tuple[ViewData, ...]
    rig_dirs: NDArray[np.float32]

    def load(self, file: str) -> NDArray[np.float32]:
        """Linear RGB pixels of one validated file."""
        return decode_image(self.root / file, self.infos[file], self.manifest.encoding)

    def load_matte(self, file: str) -> NDArray[np.float32]:
        return decode_gray(self.root / file, self.infos[file])

    def file_bytes(self, file: str) -> bytes:
        return (self.root / file).read_bytes()

    @property
    def frame_count(self) -> int:
        return len(self.infos)


class OpenedCapture:
    """Context manager giving a folder with a manifest, unpacking zips privately."""

    def __init__(
        self, path: str | Path, limits: CaptureLimits | None = None, *, label: str | None = None
    ) -> None:
        self.path = Path(path)
        #: How errors name the capture: an upload's own file name, never a server path.
        self.label = label or str(self.path)
        self.limits = limits or CaptureLimits()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.root = self.path

    def __enter__(self) -> OpenedCapture:
        if not self.path.exists():
            raise ManifestInvalid(f"{self.label}: no such file or folder")
        if self.path.is_file():
            if not zipfile.is_zipfile(self.path):
                raise ManifestInvalid(f"{self.label}: not a folder or a zip archive")
            self._tmp = tempfile.TemporaryDirectory(prefix="likeness-capture-")
            self.root = Path(self._tmp.name)
            try:
                _safe_unzip(self.path, self.root, self.limits, self.label)
            except BaseException:
                self.close()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def manifest_path(self) -> Path:
        for candidate in (self.root, *sorted(p for p in self.root.iterdir() if p.is_dir())):
            for name in MANIFEST_NAMES:
                if (candidate / name).is_file():
                    return candidate / name
        raise ManifestInvalid(f"{self.label}: no capture.json or capture.csv found")

    def folder(self) -> Path:
        """The folder the manifest is in: file names in it are relative to that folder
        (a zip often wraps everything in one top-level folder)."""
        return self.manifest_path().parent


#: What a damaged or unreadable member raises while it is read.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)
#: An unsupported compression method, or an encrypted member.
_UNREADABLE = (NotImplementedError, RuntimeError)


def _safe_unzip(archive: Path, dest: Path, limits: CaptureLimits, label: str) -> None:
    try:
        # Reading the directory seeks and parses; a damaged one fails in any of these ways.
        zf = zipfile.ZipFile(archive)
    except (*_DAMAGED, *_UNREADABLE, OSError) as error:
        raise ManifestInvalid(f"{label}: not a readable zip archive ({error})") from None
    with zf:
        members = zf.infolist()
        _check_members(members, archive.stat().st_size, limits, label)
        for m in members:
            _extract(zf, m, dest)


def _check_members(
    members: list[zipfile.ZipInfo], size: int, limits: CaptureLimits, label: str
) -> None:
    if len(members) > limits.max_files:
        raise ManifestInvalid(f"{label}: more than {limits.max_files} files")
    for m in members:
        # The manifest is held to the one document limit, as it is read from a folder.
        base = PurePosixPath(m.filename).name
        if base in MANIFEST_NAMES:
            check_size(m.file_size, base, ManifestInvalid)
    total = sum(m.file_size for m in members)
    if total > limits.max_total_bytes or total > MAX_ZIP_RATIO * max(size, 1):
        raise ManifestInvalid(f"{label}: unpacks to {total} bytes (zip bomb or over the limit)")
    for m in members:
        name = PurePosixPath(m.filename)
        if name.is_absolute() or ".." in name.parts:
            raise ManifestInvalid(f"{m.filename}: path leaves the archive")
        if stat.S_ISLNK(m.external_attr >> 16):
            raise ManifestInvalid(f"{m.filename}: symbolic links are not allowed")
        if m.file_size > limits.max_file_bytes:
            raise ManifestInvalid(f"{m.filename}: over the {limits.max_file_bytes}-byte limit")


def _extract(zf: zipfile.ZipFile, m: zipfile.ZipInfo, dest: Path) -> None:
    target = dest / PurePosixPath(m.filename)
    if m.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = zf.open(m)
    except (*_DAMAGED, OSError) as error:  # a bad offset seeks before the file's start
        raise ManifestInvalid(f"{m.filename}: damaged in the archive ({error})") from None
    except _UNREADABLE as error:
        raise ManifestInvalid(f"{m.filename}: cannot be unpacked ({error})") from None
    # Errors writing the target (a full disk) are the server's, and stay OSErrors.
    with src, target.open("wb") as out:
        try:
            # Copy at most the declared size, so a lying header cannot inflate further.
            shutil.copyfileobj(_Capped(src, m.file_size), out)
        except _DAMAGED as error:
            raise ManifestInvalid(f"{m.filename}: damaged in the archive ({error})") from None


class _Capped:
    def __init__(self, stream: object, limit: int) -> None:
        self._stream = stream
        self._left = limit

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n < 0 else min(n, self._left)
        data: bytes = self._stream.read(n)  # type: ignore[attr-defined]
        self._left -= len(data)
        return data


def read_manifest(opened: OpenedCapture) -> CaptureManifest:
    path = opened.manifest_path()
    return parse_manifest(read_text(path, path.name, ManifestInvalid), source=path.name)


def validate_capture(
    root: Path, manifest: CaptureManifest, limits: CaptureLimits | None = None
) -> ValidatedCapture:
    """Check every file and the manifest's completeness; raise :class:`CaptureInvalid`."""
    limits = limits or CaptureLimits()
    problems: list[Problem] = []
    files = manifest.all_files()
    if len(files) > limits.max_files:
        raise CaptureInvalid([Problem(manifest.source, f"more than {limits.max_files} files")])
    for name, count in Counter(files).items():
        if count > 1:
            problems.append(Problem(name, f"listed {count} times in the manifest"))
    infos: dict[str, ImageInfo] = {}
    total = 0
    real_root = root.resolve()
    for name in dict.fromkeys(files):
        path = (root / name).resolve()
        if not path.is_relative_to(real_root):
            problems.append(Problem(name, "path leaves the capture folder"))
            continue
        if not path.is_file():
            problems.append(Problem(name, "file is missing"))
            continue
        try:
            info = inspect_image(path, limits)
        except ImageRefused as exc:
            problems.append(Problem(name, str(exc)))
            continue
        total += info.size_bytes
        infos[name] = info
    if total > limits.max_total_bytes:
        problems.append(Problem(manifest.source, f"{total} bytes in all, over the limit"))
    by_hash: dict[str, str] = {}
    for name, info in infos.items():
        first = by_hash.setdefault(info.sha256, name)
        if first != name:
            problems.append(Problem(name, f"duplicate of {first} (same content)"))
    views, view_problems = _assemble_views(manifest, infos)
    problems += view_problems
    # Decode last and only when the cheap checks passed: corrupt data shows up here.
    if not problems:
        for name, info in infos.items():
            try:
                pixels = decode_image(root / name, info, manifest.encoding)
            except ImageRefused as exc:
                problems.append(Problem(name, str(exc)))
                continue
            if pixels.shape[:2] != (info.height, info.width):
                problems.append(Problem(name, "decoded size differs from its header"))
    if problems:
        raise CaptureInvalid(problems)
    rig_dirs = np.array(
        [angles_to_direction(lt.azimuth, lt.elevation) for lt in manifest.rig_lights],
        dtype=np.float32,
    ).reshape(-1, 3)
    return ValidatedCapture(
        root=root, manifest=manifest, infos=infos, views=tuple(views), rig_dirs=rig_dirs
    )


def _assemble_views(
    manifest: CaptureManifest, infos: dict[str, ImageInfo]
) -> tuple[list[ViewData], list[Problem]]:
    problems: list[Problem] = []
    views: list[ViewData] = []
    rig_keys = [lt.key() for lt in manifest.rig_lights]
    if not rig_keys:
        problems.append(Problem(manifest.source, "no one-light-at-a-time frames"))
    for view in manifest.views:
        frames = manifest.frames_of(view.id)
        by_light: dict[tuple[float, float], FrameSpec] = {}
        special: dict[str, str] = {}
        for f in frames:
            if f.light.kind == "olat":
                if f.light.key() in by_light:
                    problems.append(
                        Problem(f.file, f"second frame for light {f.light.label()} in {view.id}")
                    )
                by_light.setdefault(f.light.key(), f)
            elif f.light.kind in special:
                problems.append(Problem(f.file, f"second {f.light.kind} frame in {view.id}"))
            else:
                special[f.light.kind] = f.file
        for lt in manifest.rig_lights:
            if lt.key() not in by_light:
                problems.append(Problem(view.id, f"missing frame for light {lt.label()}"))
        for key, f in by_light.items():
            if key not in rig_keys:
                problems.append(Problem(f.file, f"light {f.light.label()} is not a rig light"))
        names = [f.file for f in frames] + [p for p in (view.background, view.alpha) if p]
        sizes = {(infos[n].width, infos[n].height) for n in names if n in infos}
        if len(sizes) > 1:
            first = next(n for n in names if n in infos)
            for n in names:
                if n in infos and (infos[n].width, infos[n].height) != (
                    infos[first].width,
                    infos[first].height,
                ):
                    problems.append(
                        Problem(
                            n,
                            f"size {infos[n].width}×{infos[n].height} differs from "
                            f"{first} ({infos[first].width}×{infos[first].height}) in {view.id}",
                        )
                    )
        if not sizes:
            continue
        width, height = next(iter(sizes))
        ordered = [by_light[k].file for k in rig_keys if k in by_light]
        views.append(
            ViewData(
                id=view.id,
                yaw=view.yaw,
                pitch=view.pitch,
                light_dirs=np.array(
                    [angles_to_direction(lt.azimuth, lt.elevation) for lt in manifest.rig_lights],
                    dtype=np.float32,
                ).reshape(-1, 3),
                olat_files=tuple(ordered),
                full_file=special.get("full"),
                ambient_file=special.get("ambient"),
                background_file=view.background,
                alpha_file=view.alpha,
                width=width,
                height=height,
            )
        )
    return views, problems


@dataclass
class IngestResult:
    opened: OpenedCapture
    capture: ValidatedCapture


def iter_olat(capture: ValidatedCapture, view: ViewData) -> Iterator[NDArray[np.float32]]:
    for name in view.olat_files:
        yield capture.load(name)
