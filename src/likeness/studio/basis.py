"""Loading an OLAT capture basis from a directory or an ``.npz`` file.

``.npz``: ``basis`` float ``[L, H, W, C]`` or ``[V, L, H, W, C]`` (linear light), and either
``light_dirs`` ``[L, 3]`` (rig frame) or ``azimuth_deg`` + ``elevation_deg`` ``[L]``; optional
``alpha`` ``[H, W]`` / ``[V, H, W]``, ``plate`` ``[H, W, 3]`` / ``[V, H, W, 3]`` (linear) and
``view_yaw_deg`` ``[V]``.

Directory: ``lights.csv`` with columns ``file``, ``azimuth_deg``, ``elevation_deg`` (rows with
empty angles, e.g. ambient frames, are skipped; file paths are relative to the csv) and
optionally ``alpha.png`` and ``plate.png``. 8/16-bit images are decoded from sRGB unless
the csv sits beside a ``linear`` marker file; ``.exr``/``.hdr`` are read as linear.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging import relight as rl
from likeness.imaging.compose import srgb_decode
from likeness.imaging.relight import Reflectance, direction_from_angles
from likeness.studio.errors import InvalidBasisFile

if TYPE_CHECKING:
    from likeness.twin.service import TwinBasis


@dataclass(frozen=True)
class PriorUse:
    """A learned relighting prior a render uses (``imaging.relight.RelightPrior``), with
    what the render's provenance says about it (name, SHA-256, licence)."""

    prior: Any
    name: str
    sha256: str
    license: str
    commercial_use: bool

    def fits(self, light_dirs: NDArray[np.float32]) -> bool:
        """Whether every light of a basis is a light of the prior's rig (within 0.06°, one
        rig light each): the prior renders only such bases (``PriorMismatch``)."""
        rig = np.asarray(self.prior.rig_dirs, np.float64)
        dirs = np.asarray(light_dirs, np.float64)
        distances = np.linalg.norm(dirs[:, None, :] - rig[None], axis=2)
        nearest = distances.argmin(axis=1)
        close = distances[np.arange(len(nearest)), nearest] <= 1e-3
        return bool(close.all()) and len(set(nearest.tolist())) == len(nearest)


@dataclass(frozen=True)
class Basis:
    """A capture prepared for rendering: one :class:`Reflectance` per view, same rig lights."""

    views: tuple[Reflectance, ...]
    view_yaws_deg: tuple[float, ...] = (0.0,)
    alpha: NDArray[np.float32] | None = None
    plate: NDArray[np.float32] | None = None
    #: Where the stored (cropped) images start in the capture's own pixel grid (x, y).
    origin: tuple[int, int] = (0, 0)
    #: The learned prior the twin renders with (None: weight-free); see :meth:`from_twin`.
    prior: PriorUse | None = None

    def __post_init__(self) -> None:
        if not self.views:
            raise InvalidBasisFile("a basis needs at least one view")
        if len(self.view_yaws_deg) != len(self.views):
            raise InvalidBasisFile(
                f"{len(self.views)} views but {len(self.view_yaws_deg)} view yaws"
            )
        first = self.views[0]
        for view in self.views[1:]:
            if view.shape != first.shape or not np.array_equal(view.light_dirs, first.light_dirs):
                raise InvalidBasisFile("all views must share one image size and rig")
        height, width = first.shape
        count = len(self.views)
        if self.alpha is not None and self.alpha.shape != (count, height, width):
            raise InvalidBasisFile(f"alpha must be [{count}, {height}, {width}]")
        if self.plate is not None and self.plate.shape != (count, height, width, 3):
            raise InvalidBasisFile(f"plate must be [{count}, {height}, {width}, 3]")

    @property
    def light_dirs(self) -> NDArray[np.float32]:
        return self.views[0].light_dirs

    @classmethod
    def from_twin(cls, loaded: TwinBasis, prior: PriorUse | None = None) -> Basis:
        """A decrypted twin version (``twin.service.load_basis``) as a render basis: its
        views' OLAT images, yaws and mattes, rendered with ``prior`` when every light of
        the twin is a light of the prior's rig.

        Frames QC found dead or misfired in any view are never rendered as captured, so one
        black frame cannot darken the lights around it: with a prior they are repaired once
        here (``imaging.relight.repair_basis``: the prior's prediction from the other
        frames), and every render then takes the full-basis path; without one they are
        left out of the basis and the lights around them are interpolated over."""
        dirs = np.asarray(loaded.light_dirs, np.float32)
        dead = np.zeros(dirs.shape[0], bool)
        for view in loaded.views:
            dead[[j for j in view.dead_lights if 0 <= j < dead.size]] = True
        if dead.sum() > dead.size - 4:  # nearly every light dead: render what there is
            dead[:] = False
        usable = prior if prior is not None and prior.fits(dirs) else None
        if usable is not None:
            images = np.stack(
                [
                    rl.repair_basis(np.ascontiguousarray(v.basis), dirs, usable.prior, dead)
                    if dead.any()
                    else v.basis
                    for v in loaded.views
                ]
            )
            keep = np.ones(dirs.shape[0], bool)
        else:
            images = np.stack([v.basis[~dead] for v in loaded.views])
            keep = ~dead
        basis = cls.from_arrays(
            images,
            dirs[keep],
            view_yaws_deg=tuple(float(v.yaw) for v in loaded.views),
            alpha=np.stack([v.matte for v in loaded.views]),
        )
        return basis if usable is None else replace(basis, prior=usable)

    @property
    def completed_by_prior(self) -> bool:
        """Whether renders go through the prior: it knows rig lights this basis lacks
        (a full basis renders the same with or without it, so it takes the fast path)."""
        if self.prior is None:
            return False
        return int(self.light_dirs.shape[0]) < int(np.asarray(self.prior.prior.rig_dirs).shape[0])

    @classmethod
    def from_arrays(
        cls,
        images: NDArray[np.float32],
        light_dirs: NDArray[np.float32],
        view_yaws_deg: tuple[float, ...] = (0.0,),
        alpha: NDArray[np.float32] | None = None,
        plate: NDArray[np.float32] | None = None,
    ) -> Basis:
        """From ``[L, H, W, C]`` or ``[V, L, H, W, C]`` linear images (validated).

        With an alpha, everything is cropped to the box where any view's alpha is non-zero
        (plus a small margin): pixels that are never seen cost neither memory nor render
        time. ``origin`` records the crop so face boxes in capture pixels still apply.
        """
        stack = images[None] if images.ndim == 4 else images
        if stack.ndim != 5:
            raise InvalidBasisFile(
                f"basis must be [L, H, W, C] or [V, L, H, W, C], got {images.shape}"
            )
        origin = (0, 0)
        if alpha is not None and alpha.shape == (stack.shape[0], *stack.shape[2:4]):
            top, bottom, left, right = _alpha_box(alpha)
            stack = stack[:, :, top:bottom, left:right]
            alpha = np.ascontiguousarray(alpha[:, top:bottom, left:right])
            if plate is not None and plate.shape[1:3] == images.shape[-3:-1]:
                plate = np.ascontiguousarray(plate[:, top:bottom, left:right])
            origin = (left, top)
        views = tuple(Reflectance(view, light_dirs) for view in stack)
        return cls(views, view_yaws_deg, alpha, plate, origin)


def _alpha_box(alpha: NDArray[np.float32], margin: int = 2) -> tuple[int, int, int, int]:
    seen = np.any(alpha > 0, axis=0)
    rows = np.flatnonzero(seen.any(axis=1))
    cols = np.flatnonzero(seen.any(axis=0))
    if rows.size == 0:
        raise InvalidBasisFile("the basis alpha is empty: no subject pixels")
    height, width = seen.shape
    return (
        max(0, int(rows[0]) - margin),
        min(height, int(rows[-1]) + 1 + margin),
        max(0, int(cols[0]) - margin),
        min(width, int(cols[-1]) + 1 + margin),
    )


def _read_image(path: Path, *, linear: bool) -> NDArray[np.float32]:
    # Decoding bytes we read ourselves: cv2.imread prints its own warnings on stderr.
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError:
        raise InvalidBasisFile(f"cannot read image {path.name}: no such file") from None
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH) if raw.size else None
    if image is None:
        raise InvalidBasisFile(f"cannot read image {path.name}")
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_BGR2RGB)
    else:
        image = image[:, :, None]
    if image.dtype in (np.uint8, np.uint16):
        scaled = image.astype(np.float32) / (255.0 if image.dtype == np.uint8 else 65535.0)
        return scaled if linear else srgb_decode(scaled)
    return np.maximum(image.astype(np.float32), 0.0)


def _dirs_from_angles(
    azimuth: NDArray[np.float64], elevation: NDArray[np.float64]
) -> NDArray[np.float32]:
    azimuth, elevation = np.ravel(azimuth), np.ravel(elevation)
    if azimuth.size != elevation.size:
        raise InvalidBasisFile(
            f"azimuth_deg has {azimuth.size} values but elevation_deg has {elevation.size}"
        )
    if not (np.all(np.isfinite(azimuth)) and np.all(np.isfinite(elevation))):
        raise InvalidBasisFile("light angles must be finite numbers")
    return np.asarray(
        [
            direction_from_angles(float(a), float(e))
            for a, e in zip(azimuth, elevation, strict=True)
        ],
        dtype=np.float32,
    )


def load_npz(path: Path) -> Basis:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # A truncated or damaged file: say so in one line, whichever layer noticed.
        raise InvalidBasisFile(f"cannot read {path.name}: {exc}") from None
    if "basis" not in arrays:
        raise InvalidBasisFile(f"{path.name} has no 'basis' array")
    images = arrays["basis"]
    if images.dtype.kind != "f":
        raise InvalidBasisFile(f"'basis' must hold floats (linear light), got {images.dtype}")
    images = images.astype(np.float32)
    if images.ndim == 4:
        images = images[None]
    if "light_dirs" in arrays:
        dirs = arrays["light_dirs"].astype(np.float32)
    elif "azimuth_deg" in arrays and "elevation_deg" in arrays:
        dirs = _dirs_from_angles(arrays["azimuth_deg"], arrays["elevation_deg"])
    else:
        raise InvalidBasisFile(f"{path.name} needs 'light_dirs' or 'azimuth_deg'+'elevation_deg'")
    views = images.shape[0]
    yaws = tuple(float(v) for v in arrays.get("view_yaw_deg", np.zeros(views)).reshape(-1))
    alpha = arrays.get("alpha")
    if alpha is not None:
        alpha = np.clip(alpha.astype(np.float32), 0, 1)
        alpha = alpha[None] if alpha.ndim == 2 else alpha
    plate = arrays.get("plate")
    if plate is not None:
        plate = plate.astype(np.float32)
        plate = plate[None] if plate.ndim == 3 else plate
    return Basis.from_arrays(images, dirs, yaws, alpha, plate)


def load_directory(folder: Path) -> Basis:
    table = folder / "lights.csv"
    if not table.is_file():
        raise InvalidBasisFile(f"{folder} has no lights.csv")
    linear = (folder / "linear").exists()
    images: list[NDArray[np.float32]] = []
    azimuth: list[float] = []
    elevation: list[float] = []
    with table.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row.get("azimuth_deg") or not row.get("elevation_deg"):
                continue
            try:
                azimuth.append(float(row["azimuth_deg"]))
                elevation.append(float(row["elevation_deg"]))
            except ValueError:
                raise InvalidBasisFile(f"bad angle in lights.csv row {row}") from None
            if not row.get("file"):
                raise InvalidBasisFile(f"lights.csv row {row} names no file")
            images.append(_read_image(folder / row["file"], linear=linear))
    if not images:
        raise InvalidBasisFile(f"{table} lists no lit images")
    if len({image.shape for image in images}) != 1:
        raise InvalidBasisFile("basis images differ in size")
    stack = np.stack(images)[None]
    alpha = None
    if (folder / "alpha.png").is_file():
        alpha = _read_image(folder / "alpha.png", linear=True)[..., 0][None]
    plate = None
    if (folder / "plate.png").is_file():
        plate_image = _read_image(folder / "plate.png", linear=linear)
        plate = np.repeat(plate_image, 3 // plate_image.shape[2], axis=2)[None]
    dirs = _dirs_from_angles(np.asarray(azimuth), np.asarray(elevation))
    return Basis.from_arrays(stack, dirs, (0.0,), alpha, plate)


def load_basis(path: str | Path) -> Basis:
    """Read a basis from a directory (``lights.csv`` + images) or an ``.npz`` file."""
    source = Path(path)
    if source.is_dir():
        return load_directory(source)
    if source.is_file() and source.suffix == ".npz":
        return load_npz(source)
    raise InvalidBasisFile(f"basis must be a directory or an .npz file: {source}")
