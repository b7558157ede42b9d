"""A learned light-transport prior: predicts a rig light's image from the other lights.

Light transport is linear, and faces share much of it: how the image under one rig light
relates to the images under the others (where the nose shadow falls, how a cheek turns
away) is alike across people. :func:`train_prior` learns it from consented OLAT captures as
second moments of the light-transport vectors, one ``[L, L]`` matrix per image region::

    M_r[a, b] = mean over pixels p of region r (every capture, every channel) of I_a(p) I_b(p)

(rig lights a capture lacks filled in by the weight-free interpolant). Nothing else is
stored: no image, no per-person value, only these sums over hundreds of thousands of pixels
of many people (:meth:`RelightPrior.reconstruction_attempt` shows what they give back).

A rig light ``j`` missing from a basis (left out, or a dead frame) is predicted as a linear
combination of the available lights ``S`` whose weights solve a ridge regression shrunk
towards the weight-free interpolant's weights ``w0``::

    w = (M_SS + λ s I)^-1 (M_Sj + λ s w0),     s = trace(M_SS) / |S|

so a large ``λ`` falls back to :class:`LightInterpolator` and a small one trusts the learned
cross-light correlations. Regions are a grid over the image frame (captures are framed on
the face), blended with bilinear tents so region maps leave no seams. Any target direction
is first spread over the prior's full rig by the weight-free interpolant; rig lights the
basis has are used as they are, missing ones are predicted by the regression. A basis lit
by every rig light therefore renders exactly as without the prior (rig directions are
exact), and the prior's gain is in completing what the basis lacks.

A second stage (format version 2) refines each predicted frame with spatial context: per
rig light ``j``, a linear filter over the ``(2r+1)^2`` neighbourhood of the predicted frame
and of the ``K`` available lights nearest to ``j``, learned by ridge least squares on the
training captures' leave-one-light-out residuals (:attr:`RelightPrior.residual`,
``[L, (1+K)(2r+1)^2]``; K = 4, r = 2 by default). It is the same for every pixel and
person, holds no image, and corrects what one weight per light and region cannot (shadow
edges, shading that moves by a pixel between neighbouring lights). Since format version 3
each light has ``M`` such filters (5 by default), blended per pixel by hat functions of the
log of the predicted value (:func:`brightness_gates`): shadowed and lit pixels get their
own correction, and the fit is still one linear least squares per light. Optional
``tiles`` blend ``G×G`` filters over the frame with tents (1 by default).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness.imaging.relight._errors import InvalidBasis, InvalidPrior, PriorMismatch
from likeness.imaging.relight._interp import LightInterpolator
from likeness.imaging.relight._validate import FloatArray, check_basis, check_directions

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

#: First bytes of a saved prior.
MAGIC = b"LIKENESS-RELIGHT-PRIOR\n"
#: Saved-file layout version (``metadata["format_version"]``).
FORMAT_VERSION = 3
#: Layouts this code reads (version 1: no residual filters; version 2: one residual filter
#: per light, no brightness gates or tiles).
READABLE_VERSIONS = (1, 2, 3)
#: Two directions closer than this (chordal distance) are the same rig light (~0.06°).
MATCH_DISTANCE = 1e-3
#: Default region grid (rows, columns) and shrinkage towards the weight-free weights.
DEFAULT_GRID = (8, 8)
DEFAULT_RIDGE = 0.003
#: Default number of available lights (nearest to the missing one) a prediction uses.
DEFAULT_NEIGHBOURS = 16
#: Residual filters: context lights (nearest to the predicted one), neighbourhood radius and
#: their ridge strength (relative to the features' mean energy).
DEFAULT_CONTEXT = (4, 2)
DEFAULT_RESIDUAL_RIDGE = 1e-4
#: Brightness gates of the residual filters: (count, lowest and highest centre in natural log
#: of the predicted value). ``(1, ...)`` is one ungated filter per light (format version 2).
NO_GATES = (1, -5.0, -0.5)
DEFAULT_GATES = (5, -5.0, -0.5)
#: Residual filter tiles per image axis (tent-blended, like the regions); 1 is one per light.
DEFAULT_TILES = 1
#: The residual fit reads every this-many-th pixel of the training frames (every second one
#: scores the same on the validation people and halves the fit).
RESIDUAL_STRIDE = 2
#: Largest header a loader accepts (bytes), so a foreign file cannot make it allocate.
MAX_HEADER = 1 << 20

__all__ = ["RelightPrior", "region_tents", "train_prior"]


def _code_version() -> str:
    from likeness import __version__

    return __version__


def match_rig(rig_dirs: NDArray[np.float32], light_dirs: FloatArray) -> NDArray[np.intp]:
    """Index into ``rig_dirs`` of each of ``light_dirs`` (all must be rig lights)."""
    distances = np.linalg.norm(
        light_dirs.astype(np.float64)[:, None, :] - rig_dirs.astype(np.float64)[None], axis=2
    )
    index = np.argmin(distances, axis=1)
    far = distances[np.arange(len(index)), index] > MATCH_DISTANCE
    if np.any(far):
        from likeness.imaging.relight._relight import angles_from_direction

        azimuth, elevation = angles_from_direction(light_dirs[int(np.flatnonzero(far)[0])])
        raise PriorMismatch(
            f"{int(far.sum())} of the basis' {len(light_dirs)} lights are not lights of the "
            f"prior's rig (first: azimuth {azimuth:.1f}°, elevation {elevation:.1f}°); "
            "train a prior on captures from this rig"
        )
    if len(set(index.tolist())) != len(index):
        raise PriorMismatch("two basis lights match the same rig light of the prior")
    matched: NDArray[np.intp] = index.astype(np.intp)
    return matched


def region_tents(size: int, cells: int) -> NDArray[np.float32]:
    """Bilinear partition of unity ``[cells, size]`` over one image axis (region centres at
    ``(i + 0.5) / cells``, constant beyond the outer centres)."""
    position = (np.arange(size) + 0.5) / size * cells - 0.5
    centres = np.arange(cells, dtype=np.float64)
    tents = np.clip(1.0 - np.abs(position[None, :] - centres[:, None]), 0.0, 1.0)
    tents[0, position < 0] = 1.0
    tents[-1, position > cells - 1] = 1.0
    return tents.astype(np.float32)


def brightness_gates(
    values: NDArray[np.float32], gates: tuple[int, float, float]
) -> NDArray[np.float32]:
    """Hat functions ``[count, *values.shape]`` over ``log(max(values, 1e-3))`` with centres
    evenly spaced from ``low`` to ``high`` (``gates = (count, low, high)``), constant beyond
    the outer centres: a partition of unity, so gated filters can still act as one."""
    count, low, high = gates
    if count == 1:
        return np.ones((1, *values.shape), np.float32)
    centres = np.linspace(low, high, count, dtype=np.float32)
    step = np.float32((high - low) / (count - 1))
    level = np.log(np.maximum(values, np.float32(1e-3)))
    hats = np.clip(1.0 - np.abs(level[None] - centres.reshape(-1, *[1] * values.ndim)) / step, 0, 1)
    hats[0][level < centres[0]] = 1.0
    hats[-1][level > centres[-1]] = 1.0
    result: NDArray[np.float32] = hats.astype(np.float32)
    return result


def _region_index(size: int, cells: int) -> NDArray[np.intp]:
    return ((np.arange(size) * cells) // size).astype(np.intp)


class RelightPrior:
    """A trained light-transport prior (see the module docstring); immutable.

    ``rig_dirs`` ``[L, 3]`` are the rig lights it knows, ``moments`` ``[R, L, L]`` the
    per-region second moments, ``grid`` the region grid (rows, columns), ``ridge`` the
    shrinkage towards the weight-free weights and ``neighbours`` how many available lights
    (nearest to a missing one) predict it. ``metadata`` holds the format version, the light
    count, the training sizes and the code version; :attr:`sha256` identifies the saved
    bytes (the same prior always saves to the same bytes).
    """

    def __init__(
        self,
        rig_dirs: NDArray[np.floating],
        moments: NDArray[np.floating],
        *,
        grid: tuple[int, int] = DEFAULT_GRID,
        ridge: float = DEFAULT_RIDGE,
        neighbours: int = DEFAULT_NEIGHBOURS,
        metadata: Mapping[str, Any] | None = None,
        residual: NDArray[np.floating] | None = None,
        context: tuple[int, int] = DEFAULT_CONTEXT,
        gates: tuple[int, float, float] = NO_GATES,
        tiles: int = 1,
    ) -> None:
        try:
            dirs = check_directions(np.asarray(rig_dirs, dtype=np.float32))
        except InvalidBasis as error:
            raise InvalidPrior(f"prior rig: {error.message}") from None
        count = dirs.shape[0]
        rows, cols = (int(grid[0]), int(grid[1]))
        if rows < 1 or cols < 1 or rows * cols > 1024:
            raise InvalidPrior(f"region grid must be 1..1024 cells, got {grid}")
        table = np.asarray(moments, dtype=np.float32)
        if table.shape != (rows * cols, count, count):
            raise InvalidPrior(
                f"moments must have shape {(rows * cols, count, count)}, got {table.shape}"
            )
        if not np.isfinite(table).all():
            raise InvalidPrior("moments contain NaN or infinite values")
        if not (math.isfinite(ridge) and ridge > 0):
            raise InvalidPrior(f"ridge must be a positive number, got {ridge}")
        if not 1 <= neighbours <= 4096:
            raise InvalidPrior(f"neighbours must be at least 1, got {neighbours}")
        lights_k, radius = int(context[0]), int(context[1])
        if not (0 <= lights_k <= 64 and 0 <= radius <= 8):
            raise InvalidPrior(f"context must be (0..64 lights, radius 0..8), got {context}")
        gate_count, gate_low, gate_high = int(gates[0]), float(gates[1]), float(gates[2])
        if not (
            1 <= gate_count <= 16
            and math.isfinite(gate_low)
            and math.isfinite(gate_high)
            and gate_low < gate_high
        ):
            raise InvalidPrior(f"gates must be (1..16, low < high), got {gates}")
        if not 1 <= int(tiles) <= 8:
            raise InvalidPrior(f"tiles must be 1..8, got {tiles}")
        self.gates = (gate_count, gate_low, gate_high)
        self.tiles = int(tiles)
        filters: NDArray[np.float32] | None = None
        if residual is not None:
            filters = np.ascontiguousarray(np.asarray(residual, dtype=np.float32))
            width = self.filter_count * (1 + lights_k) * (2 * radius + 1) ** 2
            if filters.shape != (count, width):
                raise InvalidPrior(
                    f"residual must have shape {(count, width)}, got {filters.shape}"
                )
            if not np.isfinite(filters).all():
                raise InvalidPrior("residual contains NaN or infinite values")
            filters.flags.writeable = False
        self.residual = filters
        self.context = (lights_k, radius)
        self.rig_dirs: NDArray[np.float32] = dirs.copy()
        self.rig_dirs.flags.writeable = False
        self.moments: NDArray[np.float32] = np.ascontiguousarray(table)
        self.moments.flags.writeable = False
        self.grid = (rows, cols)
        self.ridge = float(ridge)
        self.neighbours = int(neighbours)
        meta = dict(metadata or {})
        meta.update(format_version=FORMAT_VERSION, lights=count, regions=rows * cols)
        meta["residual"] = filters is not None
        meta.setdefault("code_version", _code_version())
        try:
            json.dumps(meta, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidPrior("metadata must be JSON-serialisable (str, numbers, lists)") from None
        self.metadata: dict[str, Any] = meta
        self._interpolator = LightInterpolator(self.rig_dirs)
        self._bytes: bytes | None = None

    # --- identity and files ---------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The saved form: magic, header length, a JSON header, then the raw arrays."""
        if self._bytes is None:
            header = {
                "format": "likeness.relight.prior",
                "grid": list(self.grid),
                "ridge": self.ridge,
                "neighbours": self.neighbours,
                "context": list(self.context),
                "gates": list(self.gates),
                "tiles": self.tiles,
                "metadata": self.metadata,
                "arrays": {
                    "rig_dirs": {"dtype": "<f4", "shape": list(self.rig_dirs.shape)},
                    "moments": {"dtype": "<f4", "shape": list(self.moments.shape)},
                },
            }
            parts = [self.rig_dirs.astype("<f4").tobytes(), self.moments.astype("<f4").tobytes()]
            if self.residual is not None:
                header["arrays"]["residual"] = {  # type: ignore[index]
                    "dtype": "<f4",
                    "shape": list(self.residual.shape),
                }
                parts.append(self.residual.astype("<f4").tobytes())
            text = json.dumps(header, sort_keys=True, allow_nan=False).encode()
            self._bytes = b"".join(
                [
                    MAGIC,
                    len(text).to_bytes(8, "little"),
                    text,
                    *parts,
                ]
            )
        return self._bytes

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of :meth:`to_bytes` (what :meth:`save` writes)."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @property
    def nbytes(self) -> int:
        """Size of the saved file in bytes."""
        return len(self.to_bytes())

    def save(self, path: str | Path) -> Path:
        """Write the prior as one file (no pickle); returns the path."""
        file = Path(path)
        file.write_bytes(self.to_bytes())
        return file

    @classmethod
    def load(cls, path: str | Path) -> RelightPrior:
        """Read a file written by :meth:`save`; raises :class:`InvalidPrior` on anything else."""
        file = Path(path)
        if not file.is_file():
            raise InvalidPrior(f"prior file not found: {file}")
        return cls.from_bytes(file.read_bytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> RelightPrior:
        """Parse and validate the saved form (see :meth:`to_bytes`)."""
        if not data.startswith(MAGIC):
            raise InvalidPrior("not a relighting prior (wrong magic bytes)")
        start = len(MAGIC) + 8
        if len(data) < start:
            raise InvalidPrior("truncated prior file")
        length = int.from_bytes(data[len(MAGIC) : start], "little")
        if length > MAX_HEADER or start + length > len(data):
            raise InvalidPrior("corrupt prior header length")
        try:
            header = json.loads(data[start : start + length])
        except (UnicodeDecodeError, ValueError):
            raise InvalidPrior("corrupt prior header (not JSON)") from None
        if not isinstance(header, dict) or header.get("format") != "likeness.relight.prior":
            raise InvalidPrior("not a relighting prior (unknown format)")
        metadata = header.get("metadata")
        version = metadata.get("format_version") if isinstance(metadata, dict) else None
        if not isinstance(metadata, dict) or version not in READABLE_VERSIONS:
            raise InvalidPrior(
                "unsupported prior format version (this code reads "
                f"{', '.join(map(str, READABLE_VERSIONS))})"
            )
        arrays: dict[str, NDArray[np.float32]] = {}
        offset = start + length
        specs = header.get("arrays")
        if not isinstance(specs, dict):
            raise InvalidPrior("corrupt prior header (no arrays)")
        names = ["rig_dirs", "moments"] + (["residual"] if "residual" in specs else [])
        if version == 1 and len(names) == 3:
            raise InvalidPrior("corrupt prior header (version 1 has no residual)")
        if (version == 3) != ("gates" in header and "tiles" in header):
            raise InvalidPrior("corrupt prior header (gates and tiles are version 3's)")
        for name in names:
            spec = specs.get(name)
            if not isinstance(spec, dict) or spec.get("dtype") != "<f4":
                raise InvalidPrior(f"corrupt prior header (array {name})")
            shape = spec.get("shape")
            if not (
                isinstance(shape, list)
                and all(isinstance(v, int) and 0 <= v <= 1 << 16 for v in shape)
            ):
                raise InvalidPrior(f"corrupt prior header (shape of {name})")
            size = 4 * math.prod(shape)
            if offset + size > len(data):
                raise InvalidPrior("truncated prior file")
            arrays[name] = np.frombuffer(data, "<f4", math.prod(shape), offset).reshape(shape)
            offset += size
        if offset != len(data):
            raise InvalidPrior("prior file has trailing bytes")
        try:
            grid = (int(header["grid"][0]), int(header["grid"][1]))
            prior = cls(
                arrays["rig_dirs"],
                arrays["moments"],
                grid=grid,
                ridge=float(header["ridge"]),
                neighbours=int(header["neighbours"]),
                metadata=metadata,
                residual=arrays.get("residual"),
                context=(
                    (int(header["context"][0]), int(header["context"][1]))
                    if "context" in header
                    else DEFAULT_CONTEXT
                ),
                gates=(
                    (
                        int(header["gates"][0]),
                        float(header["gates"][1]),
                        float(header["gates"][2]),
                    )
                    if "gates" in header
                    else NO_GATES
                ),
                tiles=int(header.get("tiles", 1)),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            raise InvalidPrior("corrupt prior header (grid, ridge, neighbours or gates)") from None
        prior._bytes = bytes(data)
        return prior

    # --- prediction -------------------------------------------------------------------------

    def missing_weights(self, available: NDArray[np.intp], target: int) -> NDArray[np.float64]:
        """Per-region weights ``[R, len(available)]`` predicting rig light ``target`` from the
        rig lights ``available`` (indices into :attr:`rig_dirs`)."""
        if available.size == 0:
            raise InvalidBasis("no usable lights left to predict from")
        dirs = self.rig_dirs.astype(np.float64)
        # Shrinkage target: the weight-free interpolant over the available lights.
        base = LightInterpolator(self.rig_dirs[available]).weights(dirs[target : target + 1])[0]
        order = np.argsort(np.linalg.norm(dirs[available] - dirs[target], axis=1), kind="stable")
        chosen = np.union1d(order[: self.neighbours], np.flatnonzero(base))
        lights = available[chosen]
        out = np.zeros((self.moments.shape[0], available.size))
        eye = np.eye(chosen.size)
        for region, table in enumerate(self.moments.astype(np.float64)):
            gram = table[np.ix_(lights, lights)]
            scale = max(float(np.trace(gram)) / chosen.size, 1e-12)
            rhs = table[lights, target] + self.ridge * scale * base[chosen]
            out[region, chosen] = np.linalg.solve(gram + self.ridge * scale * eye, rhs)
        return out

    def render_weights(
        self,
        light_dirs: FloatArray,
        rig_intensity: NDArray[np.floating],
        ignore: NDArray[np.bool_] | None = None,
    ) -> NDArray[np.float32]:
        """Per-region weights ``[R, L_basis, 3]`` over a basis' images for RGB intensities
        ``[L_prior, 3]`` on the prior's rig lights; lights the basis lacks or ``ignore``
        flags are predicted from the others."""
        index = match_rig(self.rig_dirs, light_dirs)
        usable = np.ones(len(index), bool) if ignore is None else ~ignore
        regions = self.moments.shape[0]
        out = np.zeros((regions, len(index), 3))
        out[:, usable] = rig_intensity[index[usable]][None]
        have = np.zeros(self.rig_dirs.shape[0], bool)
        have[index[usable]] = True
        missing = np.flatnonzero(~have & np.any(rig_intensity != 0, axis=1))
        if missing.size:
            available = index[usable]
            columns = np.flatnonzero(usable)
            for target in missing:
                weights = self.missing_weights(available, int(target))  # [R, A]
                out[:, columns] += weights[:, :, None] * rig_intensity[target][None, None, :]
        return out.astype(np.float32)

    def context_lights(self, available: NDArray[np.intp], target: int) -> NDArray[np.intp]:
        """Positions in ``available`` (rig indices) of the lights whose neighbourhoods the
        residual filter of rig light ``target`` reads (its ``K`` nearest, nearest first)."""
        dirs = self.rig_dirs.astype(np.float64)
        order = np.argsort(-(dirs[available] @ dirs[target]), kind="stable")
        chosen: NDArray[np.intp] = order[: self.context[0]].astype(np.intp)
        return chosen

    def refine(self, predicted: FloatArray, context: FloatArray, target: int) -> FloatArray:
        """Add the residual filter's correction to ``predicted`` ``[H, W, C]``, the regression's
        prediction of rig light ``target``; ``context`` ``[K', H, W, C']`` are the frames at
        :meth:`context_lights` (grey frames light every channel). A prior without residual
        filters, or with fewer context frames than it was trained with, returns the input."""
        lights_k, radius = self.context
        if self.residual is None or context.shape[0] < lights_k:
            return predicted
        size = 2 * radius + 1
        kernels = self.residual[target].reshape(self.filter_count, 1 + lights_k, size, size)
        out = predicted.copy()
        height, width = predicted.shape[:2]
        for channel in range(predicted.shape[2]):
            sources = [np.ascontiguousarray(predicted[:, :, channel], dtype=np.float32)] + [
                np.ascontiguousarray(frame[:, :, min(channel, frame.shape[2] - 1)], np.float32)
                for frame in context[:lights_k]
            ]
            weights = self.filter_weights(sources[0])
            for number, bank in enumerate(kernels):
                correction = np.zeros((height, width), np.float32)
                for kernel, source in zip(bank, sources, strict=True):
                    correction += cv2.filter2D(source, -1, kernel, borderType=cv2.BORDER_REPLICATE)
                if weights is not None:
                    correction *= weights[number]
                out[:, :, channel] += correction
        return out

    @property
    def filter_count(self) -> int:
        """Residual filters per light: brightness gates × tiles²."""
        return self.gates[0] * self.tiles**2

    def filter_weights(self, predicted: NDArray[np.float32]) -> NDArray[np.float32] | None:
        """Per-pixel weight ``[gates · tiles², H, W]`` of each residual filter of a light over
        one channel of its predicted frame (``None``: a single filter): a partition of unity,
        the brightness gates (hat functions over the log of the predicted value) times the
        tiles' tents (gate-major order)."""
        if self.filter_count == 1:
            return None
        height, width = predicted.shape
        factors: list[NDArray[np.float32]] = []
        if self.gates[0] > 1:
            factors.append(brightness_gates(predicted, self.gates))
        if self.tiles > 1:
            tent_y, tent_x = region_tents(height, self.tiles), region_tents(width, self.tiles)
            factors.append(
                (tent_y[:, None, :, None] * tent_x[None, :, None, :]).reshape(-1, height, width)
            )
        weights = factors[0]
        if len(factors) == 2:
            weights = (factors[0][:, None] * factors[1][None]).reshape(-1, height, width)
        return weights

    def rig_intensities(
        self, directions: NDArray[np.float64], colors: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """RGB intensity ``[L_prior, 3]`` on the prior's rig for directional lights."""
        spread = self._interpolator.weights(directions)  # [K, L]
        result: NDArray[np.float64] = spread.T @ colors
        return result

    # --- privacy ----------------------------------------------------------------------------

    def reconstruction_attempt(self, height: int, width: int) -> NDArray[np.float32]:
        """The most a face can be read back from the prior: per region, the dominant
        light-transport vector (top eigenvector of ``M_r``, scaled to its RMS), blended over
        the region tents: ``[L, height, width]``. It is one smooth value per region and light,
        the same for everyone the prior was trained on."""
        rows, cols = self.grid
        tables = self.moments.astype(np.float64)
        vectors = np.zeros((rows * cols, self.rig_dirs.shape[0]))
        for region, table in enumerate(tables):
            values, vecs = np.linalg.eigh(table)
            top = vecs[:, -1] * math.sqrt(max(values[-1], 0.0))
            vectors[region] = top if top.sum() >= 0 else -top
        tent_y, tent_x = region_tents(height, rows), region_tents(width, cols)
        grid = vectors.reshape(rows, cols, -1)
        image: NDArray[np.float32] = np.einsum("iy,jx,ijl->lyx", tent_y, tent_x, grid).astype(
            np.float32
        )
        return image


def _capture_arrays(capture: object, number: int) -> tuple[FloatArray, FloatArray]:
    if not isinstance(capture, tuple | list) or len(capture) != 2:
        raise InvalidBasis(f"capture {number} must be a (basis, light_dirs) pair")
    checked = check_basis(capture[0])
    return checked, check_directions(capture[1], count=checked.shape[0])


def _merge_rigs(rigs: Sequence[FloatArray]) -> NDArray[np.float32]:
    merged: list[NDArray[np.float32]] = []
    for rig in rigs:
        for direction in rig:
            if not any(np.linalg.norm(direction - known) <= MATCH_DISTANCE for known in merged):
                merged.append(direction)
    return np.asarray(merged, dtype=np.float32)


def _in_order(
    work: Callable[[_Item], _Result], items: Iterable[_Item], workers: int
) -> list[_Result]:
    """``work`` over ``items``, results in the items' order, on ``workers`` threads
    (NumPy releases the GIL in the products that dominate)."""
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(work, items))
    return [work(item) for item in items]


def train_prior(
    captures: Sequence[tuple[FloatArray, FloatArray]],
    *,
    grid: tuple[int, int] = DEFAULT_GRID,
    ridge: float = DEFAULT_RIDGE,
    neighbours: int = DEFAULT_NEIGHBOURS,
    skip_dead: bool = True,
    metadata: Mapping[str, Any] | None = None,
    workers: int = 1,
    context: tuple[int, int] | None = DEFAULT_CONTEXT,
    residual_ridge: float = DEFAULT_RESIDUAL_RIDGE,
    gates: tuple[int, float, float] = DEFAULT_GATES,
    tiles: int = DEFAULT_TILES,
) -> RelightPrior:
    """Learn a :class:`RelightPrior` from OLAT captures ``(basis [L, H, W, C], light_dirs)``.

    Captures may have different sizes and subsets of the rig (the prior's rig is the union
    of their lights); frames :func:`dead_lights` flags are left out (``skip_dead``). Every
    channel of every pixel is one sample. Deterministic: the same captures give the same
    bytes. ``metadata`` is stored as given (add capture ids and hashes there), with the
    training sizes and the code version added. ``workers`` > 1 reads captures (and fits the
    lights' residual filters) on that many threads (numpy releases the GIL in its products);
    the result is the same.

    ``context`` (``(K, r)``, ``None`` for none) adds the second stage: residual filters fit
    on the captures' leave-one-light-out residuals of the first (see the module docstring),
    ridge ``residual_ridge`` relative to the features' mean energy. ``gates`` ``(M, low,
    high)`` makes each light's filter ``M`` filters blended per pixel by hat functions of the
    predicted value's log brightness (one least-squares fit still; ``(1, ...)`` for one
    filter), ``tiles`` ``G`` blends ``G×G`` filters over the frame with tents.
    """
    from likeness.imaging.relight._dead import dead_lights

    if isinstance(captures, tuple) and len(captures) == 2 and isinstance(captures[0], np.ndarray):
        raise InvalidBasis("captures must be a sequence of (basis, light_dirs) pairs")
    checked = [_capture_arrays(capture, number) for number, capture in enumerate(captures)]
    if not checked:
        raise InvalidBasis("no captures to train on")
    rows, cols = int(grid[0]), int(grid[1])
    if rows < 1 or cols < 1:
        raise InvalidPrior(f"region grid must be positive, got {grid}")
    rig = _merge_rigs([dirs for _, dirs in checked])
    count, regions = rig.shape[0], rows * cols

    def accumulate(
        capture: tuple[FloatArray, FloatArray],
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        basis, dirs = capture
        index = match_rig(rig, dirs)
        keep = ~dead_lights(basis, dirs) if skip_dead else np.ones(len(index), bool)
        index = index[keep]
        frames = basis[keep]
        # Rig lights this capture lacks (or that were dead) are filled in by the weight-free
        # interpolant, so every sample is a whole light-transport vector and the moments stay
        # a proper (positive semi-definite) Gram matrix.
        spread = LightInterpolator(rig[index]).weights(rig.astype(np.float64))
        spread[index] = np.eye(len(index))
        _, height, width, _ = frames.shape
        region_y, region_x = _region_index(height, rows), _region_index(width, cols)
        sums = np.zeros((regions, count, count))
        for cy in range(rows):
            for cx in range(cols):
                block = frames[:, region_y == cy][:, :, region_x == cx]
                flat = np.moveaxis(block, 3, 1).reshape(len(index), -1).astype(np.float64)
                full = spread @ flat
                sums[cy * cols + cx] = full @ full.T
        return sums, keep

    parts = _in_order(accumulate, checked, workers)
    sums = np.zeros((regions, count, count))
    for part, _ in parts:  # in capture order, so the result does not depend on workers
        sums += part
    dead_frames = sum(int((~keep).sum()) for _, keep in parts)
    pixels = sum(basis.shape[1] * basis.shape[2] * basis.shape[3] for basis, _ in checked)
    moments = sums / max(pixels, 1) * regions
    meta = dict(metadata or {})
    meta.update(
        captures=len(checked),
        samples=pixels,
        dead_frames_skipped=dead_frames,
        grid=[rows, cols],
    )
    prior = RelightPrior(
        rig, moments, grid=(rows, cols), ridge=ridge, neighbours=neighbours, metadata=meta
    )
    if context is None:
        return prior
    if not (math.isfinite(residual_ridge) and residual_ridge > 0):
        raise InvalidPrior(f"residual_ridge must be a positive number, got {residual_ridge}")
    staged = RelightPrior(
        rig,
        moments,
        grid=(rows, cols),
        ridge=ridge,
        neighbours=neighbours,
        context=context,
        gates=gates,
        tiles=tiles,
    )
    jobs = [
        (basis, match_rig(rig, dirs), keep)
        for (basis, dirs), (_, keep) in zip(checked, parts, strict=True)
    ]

    # One light at a time (its normal equations summed in capture order, so the result does
    # not depend on workers): with gates × tiles a light has 2 500 features, and holding
    # every light's [F, F] at once would take gigabytes.
    def fit(light: int) -> NDArray[np.float64]:
        return _residual_filter(staged, jobs, light, residual_ridge)

    filters = np.stack(_in_order(fit, range(count), workers))
    meta["residual_ridge"] = residual_ridge
    return RelightPrior(
        rig,
        moments,
        grid=(rows, cols),
        ridge=ridge,
        neighbours=neighbours,
        metadata=meta,
        residual=filters,
        context=staged.context,
        gates=staged.gates,
        tiles=staged.tiles,
    )


def _patch_features(
    sources: Sequence[NDArray[np.float32]], radius: int, y0: int, y1: int, stride: int = 1
) -> NDArray[np.float64]:
    """Rows ``y0:y1`` of the ``(2r+1)^2`` neighbourhoods of each padded source, as features
    ``[pixels, len(sources) (2r+1)^2]`` (order: source, row offset, column offset), every
    ``stride``-th pixel of the rows in raster order."""
    size = 2 * radius + 1
    height = y1 - y0
    width = sources[0].shape[1] - 2 * radius
    columns = [
        padded[y0 + dy : y0 + dy + height, dx : dx + width].reshape(-1)[::stride]
        for padded in sources
        for dy in range(size)
        for dx in range(size)
    ]
    return np.stack(columns, axis=1).astype(np.float64)


def _residual_filter(
    prior: RelightPrior,
    captures: Sequence[tuple[FloatArray, NDArray[np.intp], NDArray[np.bool_]]],
    target: int,
    ridge: float,
) -> NDArray[np.float64]:
    """The residual filters of rig light ``target``: ridge least squares over every capture
    ``(basis, rig index of its lights, usable frames)`` that has the light, each of its
    frames predicted from the capture's other usable frames (zeros if none has it)."""
    from likeness.imaging.relight._relight import apply_region_weights

    lights_k, radius = prior.context
    width = prior.filter_count * (1 + lights_k) * (2 * radius + 1) ** 2
    gram = np.zeros((width, width))
    rhs = np.zeros(width)
    for basis, index, keep in captures:
        usable = np.flatnonzero(keep)
        found = usable[index[usable] == target]
        others = usable[index[usable] != target]
        if found.size == 0 or others.size < max(lights_k, 1):
            continue
        light = int(found[0])
        part, part_rhs = np.zeros((width, width)), np.zeros(width)  # summed per capture
        _, height, frame_width, channels = basis.shape
        block = max(1, 65536 // (frame_width * prior.filter_count))
        weights = prior.missing_weights(index[others], target)
        region = np.repeat(weights[:, :, None], 3, axis=2).astype(np.float32)
        predicted = apply_region_weights(basis[others], region, prior.grid)
        near = others[prior.context_lights(index[others], target)]
        for channel in range(channels):
            frames = [predicted[:, :, channel]] + [basis[n, :, :, channel] for n in near]
            padded = [np.pad(frame, radius, mode="edge") for frame in frames]
            residual = basis[light, :, :, channel] - predicted[:, :, channel]
            blend = prior.filter_weights(np.ascontiguousarray(predicted[:, :, channel]))
            for y0 in range(0, height, block):
                y1 = min(height, y0 + block)
                features = _patch_features(padded, radius, y0, y1, RESIDUAL_STRIDE)
                target_rows = residual[y0:y1].reshape(-1)[::RESIDUAL_STRIDE].astype(np.float64)
                if blend is None:
                    part += features.T @ features
                    part_rhs += features.T @ target_rows
                    continue
                rows = blend[:, y0:y1].reshape(blend.shape[0], -1)[:, ::RESIDUAL_STRIDE]
                _add_blended(part, part_rhs, features, rows, target_rows)
        gram += part
        rhs += part_rhs
    scale = float(np.trace(gram)) / width
    if scale <= 0:
        return np.zeros(width)
    gram[np.diag_indices(width)] += ridge * scale
    return np.asarray(np.linalg.solve(gram, rhs), dtype=np.float64)


def _add_blended(
    gram: NDArray[np.float64],
    rhs: NDArray[np.float64],
    features: NDArray[np.float64],
    blend: NDArray[np.float32],
    target: NDArray[np.float64],
) -> None:
    """Add to ``gram``/``rhs`` the normal equations of the blended features ``blend[m, p] ·
    features[p, :]`` (filter-major), block by block over the pixels two filters share: a
    pixel has at most two brightness gates and four tiles, so most blocks are empty."""
    width = features.shape[1]
    support = blend > 0
    for first in range(blend.shape[0]):
        if not support[first].any():
            continue
        head = slice(first * width, (first + 1) * width)
        rows = np.flatnonzero(support[first])
        weighted = features[rows] * blend[first, rows, None]
        rhs[head] += weighted.T @ target[rows]
        for second in range(first, blend.shape[0]):
            both = np.flatnonzero(support[second, rows])
            if both.size == 0:
                continue
            other = features[rows[both]] * blend[second, rows[both], None]
            block = weighted[both].T @ other
            tail = slice(second * width, (second + 1) * width)
            gram[head, tail] += block
            if second != first:
                gram[tail, head] += block.T
