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
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.compose import srgb_decode
from likeness.imaging.relight import direction_from_angles, validate_basis
from likeness.studio.errors import InvalidBasisFile


@dataclass(frozen=True)
class Basis:
    """A capture: ``images`` float32 ``[V, L, H, W, C]`` over the same rig lights per view."""

    images: NDArray[np.float32]
    light_dirs: NDArray[np.float32]
    view_yaws_deg: tuple[float, ...] = (0.0,)
    alpha: NDArray[np.float32] | None = None
    plate: NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        if self.images.ndim != 5:
            raise InvalidBasisFile(f"basis images must be [V, L, H, W, C], got {self.images.shape}")
        views, lights, height, width = self.images.shape[:4]
        if len(self.view_yaws_deg) != views:
            raise InvalidBasisFile(f"{views} views but {len(self.view_yaws_deg)} view yaws")
        if self.light_dirs.shape != (lights, 3):
            raise InvalidBasisFile(f"light_dirs must be [{lights}, 3], got {self.light_dirs.shape}")
        if self.alpha is not None and self.alpha.shape != (views, height, width):
            raise InvalidBasisFile(f"alpha must be [{views}, {height}, {width}]")
        if self.plate is not None and self.plate.shape != (views, height, width, 3):
            raise InvalidBasisFile(f"plate must be [{views}, {height}, {width}, 3]")
        for view in self.images:
            validate_basis(view, self.light_dirs)


def _read_image(path: Path, *, linear: bool) -> NDArray[np.float32]:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
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
    except (OSError, ValueError) as exc:
        raise InvalidBasisFile(f"cannot read {path.name}: {exc}") from None
    if "basis" not in arrays:
        raise InvalidBasisFile(f"{path.name} has no 'basis' array")
    images = arrays["basis"].astype(np.float32)
    if images.ndim == 4:
        images = images[None]
    if images.ndim != 5:
        raise InvalidBasisFile(
            f"'basis' must be [L, H, W, C] or [V, L, H, W, C], got {images.shape}"
        )
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
    return Basis(images, dirs, yaws, alpha, plate)


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
    return Basis(stack, dirs, (0.0,), alpha, plate)


def load_basis(path: str | Path) -> Basis:
    """Read a basis from a directory (``lights.csv`` + images) or an ``.npz`` file."""
    source = Path(path)
    if source.is_dir():
        return load_directory(source)
    if source.is_file() and source.suffix == ".npz":
        return load_npz(source)
    raise InvalidBasisFile(f"basis must be a directory or an .npz file: {source}")
