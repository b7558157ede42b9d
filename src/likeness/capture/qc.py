"""Quality control of a capture session: is it usable, and does it show one person?

Checks (each a :class:`QcCheck` with a machine code, pass/fail and a sentence):

``lights.complete``   every view has a frame for every rig light
``lights.coverage``   the rig's lights cover the sphere (no large dark gaps)
``lights.dead``       no more than a few frames are dead or misfired (far darker than
                      their neighbours predict, ``imaging.relight.dead_lights``); those
                      found are listed in :attr:`QcReport.dead_lights` and renders of the
                      twin ignore them
``exposure.clipping`` no OLAT frame has more than a sliver of clipped pixels
``exposure.level``    each view's all-lights preview is neither too dark nor too bright
``face.frontal``      a face is detected in every frontal view (|yaw|, |pitch| ≤ 20°)
``identity.consistent`` every face in the session is the same person (embedding
                      distance to the session's medoid ≤ the identity threshold)
``identity.reference`` the session's person is the talent's reference photo, if given
``sharpness``         the frontal face is in focus (variance of the Laplacian)

QC streams frames one at a time, so memory stays at a few frames whatever the session
size. It works on anything shaped like :class:`QcView`: a validated capture
(:func:`views_from_capture`) or an in-memory synthetic one (:func:`views_from_synthetic`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness.capture._color import linear_to_srgb
from likeness.capture.lights import angles_to_direction, sphere_coverage
from likeness.imaging.faces import (
    IDENTITY_THRESHOLD,
    FaceAnalyzer,
    IdentitySummary,
    identity_distance,
    summarize,
)

F32 = NDArray[np.float32]


@dataclass(frozen=True)
class QcConfig:
    frontal_deg: float = 20.0
    identity_threshold: float = IDENTITY_THRESHOLD
    identity_frames_per_view: int = 2
    coverage_gap_deg: float = 40.0
    coverage_min_fraction: float = 0.95
    clip_level: float = 0.995
    max_clipped_fraction: float = 0.01
    preview_min_level: float = 0.12
    preview_max_level: float = 0.9
    min_sharpness: float = 8.0
    #: Side of the small copy of each frame the dead-light test reads (pixels).
    dead_light_size: int = 48
    #: More dead or misfired frames than this fraction of a view's lights fails QC (a
    #: rig that fires that badly should be fixed and the session captured again).
    max_dead_fraction: float = 0.1


@dataclass(frozen=True)
class QcView:
    """What QC needs of one view; frames are produced lazily in rig-light order."""

    id: str
    yaw: float
    pitch: float
    light_dirs: F32
    frames: Callable[[], Iterator[F32]]
    full: Callable[[], F32 | None] = lambda: None
    alpha: Callable[[], F32 | None] = lambda: None


@dataclass(frozen=True)
class QcCheck:
    code: str
    passed: bool
    detail: str
    value: float | None = None


@dataclass
class QcReport:
    checks: list[QcCheck] = field(default_factory=list)
    identity: IdentitySummary | None = None
    images: int = 0
    thumbnails: dict[str, NDArray[np.uint8]] = field(default_factory=dict)
    #: The face models that produced the verdict (registry name, SHA-256, licence flag,
    #: whether only the operator's opt-in admitted them).
    models: list[dict[str, Any]] = field(default_factory=list)
    #: view id → indices (rig order) of its dead or misfired frames, which renders ignore
    dead_lights: dict[str, list[int]] = field(default_factory=dict)

    @property
    def opted_in_models(self) -> list[str]:
        """Models loaded only because the operator allowed non-commercial ones."""
        return [m["name"] for m in self.models if m["opted_in"]]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failures(self) -> list[QcCheck]:
        return [c for c in self.checks if not c.passed]

    def check(self, code: str) -> QcCheck:
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "images": self.images,
            "checks": [
                {"code": c.code, "passed": c.passed, "detail": c.detail, "value": c.value}
                for c in self.checks
            ],
            "identity": None
            if self.identity is None
            else {
                "spread": round(self.identity.spread, 4),
                "count": self.identity.count,
                "threshold": IDENTITY_THRESHOLD,
            },
            "models": self.models,
            "dead_lights": self.dead_lights,
        }


def to_preview(image: F32, mask: F32 | None = None) -> NDArray[np.uint8]:
    """8-bit sRGB of a linear image, auto-exposed so the subject's highlights sit at 0.9."""
    lum = image.mean(axis=2)
    region = lum[mask > 0.5] if mask is not None and (mask > 0.5).any() else lum
    level = float(np.percentile(region, 99)) if region.size else 0.0
    gain = 0.9 / level if level > 1e-6 else 1.0
    return (linear_to_srgb(image * gain) * 255.0 + 0.5).astype(np.uint8)


def _sharpness(gray: NDArray[np.uint8]) -> float:
    import cv2

    # Resample the face to a fixed width so the score does not depend on resolution.
    h, w = gray.shape
    scale = 200.0 / max(w, 1)
    resized = cv2.resize(gray, (200, max(8, round(h * scale))), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(resized, cv2.CV_64F).var())


@dataclass
class _Embedded:
    label: str
    vector: F32


def run_qc(
    views: Sequence[QcView],
    rig_dirs: F32,
    *,
    reference: F32 | None = None,
    analyzer: FaceAnalyzer | None = None,
    config: QcConfig | None = None,
) -> QcReport:
    """Run every check on ``views``; never raises for a bad session, reports it."""
    cfg = config or QcConfig()
    fa = analyzer or FaceAnalyzer()
    report = QcReport()
    report.checks.append(_check_complete(views, rig_dirs))
    report.checks.append(_check_coverage(rig_dirs, cfg))
    embedded: list[_Embedded] = []
    clipped: list[str] = []
    worst_clip = 0.0
    levels: list[str] = []
    frontal_missing: list[str] = []
    frontal_seen = 0
    sharpness: list[float] = []
    dead: list[str] = []
    for view in views:
        camera = angles_to_direction(view.yaw, view.pitch).astype(np.float32)
        order = np.argsort(-(view.light_dirs @ camera))
        wanted = {int(i) for i in order[: cfg.identity_frames_per_view]}
        total: F32 | None = None
        id_frames: list[tuple[int, F32]] = []
        small: list[F32] = []
        for j, frame in enumerate(view.frames()):
            report.images += 1
            small.append(_small(frame, cfg.dead_light_size))
            frac = float((frame >= cfg.clip_level).any(axis=2).mean())
            worst_clip = max(worst_clip, frac)
            if frac > cfg.max_clipped_fraction:
                clipped.append(f"{view.id} light {j} ({frac:.1%})")
            total = frame.copy() if total is None else total + frame
            if j in wanted:
                id_frames.append((j, frame))
        flagged = _dead_frames(small, view.light_dirs, camera)
        if flagged:
            report.dead_lights[view.id] = flagged
            if len(flagged) > max(1.0, cfg.max_dead_fraction * len(small)):
                dead.append(f"{view.id} ({len(flagged)} of {len(small)})")
        full = view.full()
        alpha = view.alpha()
        if full is not None:
            report.images += 1
        preview_src = full if full is not None else total
        if preview_src is None:
            continue
        preview = to_preview(preview_src, alpha)
        report.thumbnails[view.id] = preview
        level = _level(preview, alpha)
        if not cfg.preview_min_level <= level <= cfg.preview_max_level:
            levels.append(f"{view.id} ({level:.2f})")
        faces = fa.detect(preview)
        frontal = abs(view.yaw) <= cfg.frontal_deg and abs(view.pitch) <= cfg.frontal_deg
        if frontal:
            frontal_seen += 1
            if not faces:
                frontal_missing.append(view.id)
        if faces:
            embedded.append(_Embedded(f"{view.id} preview", fa.embed_aligned(preview, faces[0])))
            if frontal:
                f = faces[0]
                gray = preview.mean(axis=2).astype(np.uint8)
                crop = gray[max(f.top, 0) : f.bottom, max(f.left, 0) : f.right]
                if crop.size:
                    sharpness.append(_sharpness(crop))
        for j, frame in id_frames:
            img = to_preview(frame, alpha)
            # A view's frames share its preview's pixel grid: align them on the preview's
            # landmarks, which one harsh light would otherwise shift (decision 0010).
            vec = fa.embed_aligned(img, faces[0]) if faces else fa.embed_largest(img)
            if vec is not None:
                embedded.append(_Embedded(f"{view.id} light {j}", vec))
    report.checks.append(_check_dead(report.dead_lights, dead, cfg))
    report.checks.append(
        QcCheck(
            "exposure.clipping",
            not clipped,
            "no frame is clipped"
            if not clipped
            else "clipped frames: " + ", ".join(clipped[:5]) + ("…" if len(clipped) > 5 else ""),
            worst_clip,
        )
    )
    report.checks.append(
        QcCheck(
            "exposure.level",
            not levels,
            "previews are well exposed" if not levels else "badly exposed: " + ", ".join(levels),
        )
    )
    if frontal_seen == 0:
        report.checks.append(QcCheck("face.frontal", False, "no frontal view in the session"))
    else:
        report.checks.append(
            QcCheck(
                "face.frontal",
                not frontal_missing,
                f"face found in all {frontal_seen} frontal view(s)"
                if not frontal_missing
                else "no face found in frontal view(s): " + ", ".join(frontal_missing),
            )
        )
    report.checks.append(_check_identity(embedded, cfg, report))
    if reference is not None:
        report.checks.append(_check_reference(report.identity, reference, cfg))
    best = max(sharpness) if sharpness else 0.0
    report.checks.append(
        QcCheck(
            "sharpness",
            best >= cfg.min_sharpness,
            f"frontal face sharpness {best:.1f} (minimum {cfg.min_sharpness:g})",
            best,
        )
    )
    report.models = [m.to_dict() for m in fa.models_used()]
    return report


def _level(preview: NDArray[np.uint8], alpha: F32 | None) -> float:
    lum = preview.mean(axis=2) / 255.0
    if alpha is not None and (alpha > 0.5).any():
        return float(lum[alpha > 0.5].mean())
    return float(lum.mean())


def _check_complete(views: Sequence[QcView], rig_dirs: F32) -> QcCheck:
    if not views:
        return QcCheck("lights.complete", False, "the session has no views")
    missing = []
    for view in views:
        have = view.light_dirs
        for k, d in enumerate(rig_dirs):
            if not len(have) or float((have @ d).max()) < np.cos(np.radians(0.5)):
                missing.append(f"{view.id} light {k}")
    return QcCheck(
        "lights.complete",
        not missing,
        f"all {len(rig_dirs)} lights present in {len(views)} view(s)"
        if not missing
        else "missing: " + ", ".join(missing[:8]) + ("…" if len(missing) > 8 else ""),
        float(len(missing)),
    )


def _small(frame: F32, size: int) -> F32:
    """A small copy of a frame (area-averaged): enough to tell a dead light, cheap to keep
    one per light while QC streams the frames."""
    import cv2

    height, width = frame.shape[:2]
    scale = size / max(height, width, 1)
    if scale >= 1.0:
        return np.asarray(frame, np.float32)
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(frame, shape, interpolation=cv2.INTER_AREA), np.float32)


#: Lights at least this far round towards the camera (cosine) are checked for misfires.
#: A light behind the subject only rims it: its frame is legitimately dark, and the
#: interpolant from the lights around it over-predicts it, so it is not judged.
DEAD_LIGHT_MIN_FACING = 0.2


def _dead_frames(small: list[F32], light_dirs: F32, camera: F32) -> list[int]:
    """Indices (rig order) of dead or misfired frames among a view's small frames, judged
    among the lights that face the camera (``imaging.relight.dead_lights``)."""
    from likeness.imaging.relight import dead_lights

    dirs = np.asarray(light_dirs, np.float32)
    if len(small) != len(dirs):
        return []  # lights.complete reports it
    facing = np.flatnonzero(dirs @ np.asarray(camera, np.float32) >= DEAD_LIGHT_MIN_FACING)
    if facing.size < 4:
        return []  # too few lights to predict one from its neighbours
    stack = np.stack([small[int(i)] for i in facing]).astype(np.float32)
    if stack.ndim == 3:
        stack = stack[..., None]
    mask = np.asarray(dead_lights(stack, dirs[facing]), bool)
    return [int(facing[i]) for i in np.flatnonzero(mask)]


def _check_dead(found: dict[str, list[int]], too_many: list[str], cfg: QcConfig) -> QcCheck:
    total = sum(len(v) for v in found.values())
    if not found:
        return QcCheck("lights.dead", True, "no dead or misfired light", 0.0)
    listed = ", ".join(f"{view} light {j}" for view, js in found.items() for j in js)
    if too_many:
        return QcCheck(
            "lights.dead",
            False,
            f"more than {cfg.max_dead_fraction:.0%} of the lights dead or misfired in "
            + ", ".join(too_many)
            + f": {listed}",
            float(total),
        )
    return QcCheck(
        "lights.dead", True, f"dead or misfired (ignored in renders): {listed}", float(total)
    )


def _check_coverage(rig_dirs: F32, cfg: QcConfig) -> QcCheck:
    fraction, worst = sphere_coverage(rig_dirs, cfg.coverage_gap_deg)
    ok = fraction >= cfg.coverage_min_fraction
    return QcCheck(
        "lights.coverage",
        ok,
        f"{fraction:.0%} of the sphere within {cfg.coverage_gap_deg:g}° of a light "
        f"(largest gap {worst:.0f}°)",
        fraction,
    )


def _check_identity(embedded: list[_Embedded], cfg: QcConfig, report: QcReport) -> QcCheck:
    if not embedded:
        return QcCheck("identity.consistent", False, "no face to compare")
    vectors = np.stack([e.vector for e in embedded])
    dists = np.linalg.norm(vectors[:, None, :] - vectors[None, :, :], axis=2)
    medoid = int(np.argmin(np.median(dists, axis=1)))
    far = [
        f"{e.label} ({dists[medoid, k]:.2f})"
        for k, e in enumerate(embedded)
        if dists[medoid, k] > cfg.identity_threshold
    ]
    same = [e.vector for k, e in enumerate(embedded) if dists[medoid, k] <= cfg.identity_threshold]
    report.identity = summarize(same)
    worst = float(dists[medoid].max())
    return QcCheck(
        "identity.consistent",
        not far,
        f"{len(embedded)} faces are one person (largest distance {worst:.2f}, "
        f"threshold {cfg.identity_threshold:g})"
        if not far
        else "a different person in: " + ", ".join(far[:6]),
        worst,
    )


def _check_reference(summary: IdentitySummary | None, reference: F32, cfg: QcConfig) -> QcCheck:
    if summary is None:
        return QcCheck("identity.reference", False, "no face in the session to compare")
    d = identity_distance(summary.mean, reference)
    ok = d <= cfg.identity_threshold
    return QcCheck(
        "identity.reference",
        ok,
        f"distance to the reference photo {d:.2f} (threshold {cfg.identity_threshold:g})",
        d,
    )


def _const(value: F32 | None) -> Callable[[], F32 | None]:
    return lambda: value


def _const_iter(frames: F32) -> Callable[[], Iterator[F32]]:
    return lambda: iter(frames)


def _loader(load: Callable[[str], F32], name: str | None) -> Callable[[], F32 | None]:
    return lambda: load(name) if name else None


def views_from_synthetic(capture: Any) -> list[QcView]:
    """QC views over a :class:`~likeness.capture.synthetic.SyntheticCapture`."""
    out = []
    for n, v in enumerate(capture.views):
        out.append(
            QcView(
                id=f"view{n}",
                yaw=v.yaw,
                pitch=0.0,
                light_dirs=capture.light_dirs,
                frames=_const_iter(v.olat),
                full=_const(v.full),
                alpha=_const(v.alpha),
            )
        )
    return out


def views_from_capture(capture: Any) -> list[QcView]:
    """QC views over a :class:`~likeness.capture.ingest.ValidatedCapture`."""
    out = []
    for v in capture.views:

        def frames(v: Any = v) -> Iterator[F32]:
            for name in v.olat_files:
                yield capture.load(name)

        out.append(
            QcView(
                id=v.id,
                yaw=v.yaw,
                pitch=v.pitch,
                light_dirs=v.light_dirs[: len(v.olat_files)]
                if len(v.olat_files) == len(v.light_dirs)
                else _dirs_for(capture, v),
                frames=frames,
                full=_loader(capture.load, v.full_file),
                alpha=_loader(capture.load_matte, v.alpha_file),
            )
        )
    return out


def _dirs_for(capture: Any, view: Any) -> F32:
    dirs = []
    lookup = {f.file: f.light for f in capture.manifest.frames}
    for name in view.olat_files:
        lt = lookup[name]
        dirs.append(angles_to_direction(lt.azimuth, lt.elevation))
    return np.array(dirs, np.float32).reshape(-1, 3)
