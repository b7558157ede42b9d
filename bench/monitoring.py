"""Benchmark: monitoring (issue 21), one section per part of the feature.

- **per image** (msrc): ``likeness.monitoring.inspect.inspect_image`` end to end on
  640 px images (decode, faces, embeddings, watermark, C2PA, thumbnail), in one process
  with OpenCV on one thread: images per second per core (target ≥ 10), per kind of
  image, with the time each stage takes, and the face recall of the detection settings
  inspection uses against the face analyzer's defaults.
- **end to end** (mcore): a ``monitoring.scan`` job over a folder of those images in a
  fresh SQLite database with enrolled talents: source, inspection, match, verdict,
  finding, case, audit; images per second and the cases opened.
- **match** (mindex, ``bench/monitoring_match.py``): one face against 100,000 enrolled
  talents (10,000 with ``--quick``), p50/p99, in process and with pgvector given
  ``$LIKENESS_TEST_PGVECTOR_URL``; target p99 ≤ 2 ms.

Images are made here (synthetic portraits rendered at 640 px, released copies of them
stamped as the release step stamps, pictures without a face), plus the frontal-lit OLAT
faces in ../shared/data/olat-faces (640×480, real people) when present. Nothing is
downloaded. Timings on a shared machine are noisy: say so with the figures.

    nice -n 10 python bench/monitoring.py            # the full per-image table
    python bench/monitoring.py --quick               # a smoke run (timings mean little)
    python bench/monitoring.py --embedder dlib       # per image with dlib's network (before 0031)
"""

from __future__ import annotations

import os

# One core: the numeric libraries' own thread pools too (before numpy loads).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import io  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from _common import exit_status, load_average, print_table  # noqa: E402
from PIL import Image  # noqa: E402

OLAT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "olat-faces"
SIDE = 640
TARGET_PER_SECOND = 10.0


# --- per image (msrc) -------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    data: bytes
    faces: int  # faces a person sees in it (for the recall rows)


def _jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _portraits(count: int) -> list[np.ndarray]:
    """Synthetic people rendered at 640 px, and variants of them (flipped, cropped and
    enlarged back to 640, the face smaller on a wider canvas) for more images."""
    from likeness.capture.qc import to_preview
    from likeness.capture.synthetic import RigConfig, render_capture

    rig = RigConfig(size=SIDE, lights=8, shadow_resolution=128, yaws=(0.0,))
    renders = []
    for seed in range(4, 4 + max(1, count // 4)):
        view = render_capture(seed, rig).views[0]
        renders.append(to_preview(view.full, view.alpha))
    out: list[np.ndarray] = []
    for rgb in renders:
        crop = rgb[64:-64, 64:-64]
        small = cv2.resize(rgb, (SIDE // 2, SIDE // 2), interpolation=cv2.INTER_AREA)
        canvas = np.full_like(rgb, 128)
        canvas[SIDE // 4 : SIDE // 4 + SIDE // 2, SIDE // 8 : SIDE // 8 + SIDE // 2] = small
        out += [rgb, rgb[:, ::-1].copy(), cv2.resize(crop, (SIDE, SIDE)), canvas]
    return out[:count]


def _olat_faces(count: int) -> list[np.ndarray]:
    """The frontal, front-lit frame of each OLAT person (640×480 grey, real faces)."""
    if not OLAT_DIR.is_dir():
        return []
    found = sorted(OLAT_DIR.glob("*/*_P00A+000E+00.png"))[:count]
    return [np.asarray(Image.open(path).convert("RGB")) for path in found]


def _no_face(count: int) -> list[np.ndarray]:
    """Pictures without a face: gradients, shapes, woven texture and noise at 640 px."""
    rng = np.random.default_rng(21)
    out = []
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    for i in range(count):
        base = np.stack(
            [
                90 + 80 * np.sin(x / (13 + i)),
                100 + 60 * np.cos(y / (17 + i)),
                120 + 50 * np.sin((x + y) / (29 + i)),
            ],
            axis=-1,
        )
        pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        for _ in range(6):
            x0, y0 = (int(v) for v in rng.integers(0, SIDE - 120, 2))
            colour = tuple(int(c) for c in rng.integers(0, 255, 3))
            cv2.rectangle(pixels, (x0, y0), (x0 + 100, y0 + 80), colour, -1)
        out.append(pixels)
    return out


def _released(portraits: list[np.ndarray]) -> list[bytes]:
    """The portraits stamped as a release is (label, watermark, XMP, signed C2PA)."""
    import uuid

    from likeness.provenance import (
        Channel,
        StampConfig,
        StampInfo,
        ensure_signing_material,
        library_watermarker,
        stamp,
    )
    from likeness.provenance.keys import local_signing_material

    keys = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    ensure_signing_material(keys)
    config = StampConfig(local_signing_material(keys), library_watermarker(), BENCH_MARK_KEY)
    out = []
    for rgb in portraits:
        info = StampInfo(
            asset_id=uuid.uuid4().hex,
            twin_id=uuid.uuid4().hex,
            license_id=uuid.uuid4().hex,
            consent_sha256="0" * 64,
            approval_sha256="1" * 64,
            channel=Channel.WEB,
        )
        out.append(stamp(_jpeg(rgb, 95), info, config))
    return out


BENCH_MARK_KEY = bytes(range(7, 39))


def samples(count: int) -> list[Sample]:
    portraits = _portraits(count)
    olat = _olat_faces(count)
    out = [Sample("synthetic portrait", _jpeg(p), 1) for p in portraits]
    out += [Sample("released (marked, C2PA)", d, 1) for d in _released(portraits[:count])]
    out += [Sample("real face (OLAT)", _jpeg(p), 1) for p in olat]
    out += [Sample("no face", _jpeg(p), 0) for p in _no_face(count)]
    return out


#: The face analyzer's steps inside the ``faces`` stage, timed on their own: the HOG
#: detector (every call, the padded retry's included), the 5-point landmarks (face and
#: mirror image) and the embedding network (the aligned chips and the passes).
FACE_STEPS = {"_boxes": "faces: detection", "_landmarked": "faces: landmarks"}
FACE_STEPS["_descriptors"] = "faces: embedding"


def _timed_config(
    config: object, stages: dict[str, list[tuple[bool, float]]], screened: list[bool]
) -> None:
    """Wrap the inspection's stage functions, and the face analyzer's steps, to record
    their times (this process only), each with ``screened[0]`` at the time: whether the
    image is being read as a scan reads a stranger's."""
    from likeness.imaging.faces import FaceAnalyzer
    from likeness.monitoring import inspect as module

    targets: list[tuple[object, str, str]] = [
        (module, name, name.lstrip("_"))
        for name in ("_decode", "_faces", "_watermark", "_c2pa", "_thumbnail")
    ]
    targets += [(FaceAnalyzer, name, label) for name, label in FACE_STEPS.items()]
    for owner, name, label in targets:
        original = getattr(owner, name)
        if hasattr(original, "__wrapped_stage__"):
            original = original.__wrapped_stage__

        def timed(
            *args: object, __f: Callable[..., object] = original, __n: str = label, **kw: object
        ) -> object:
            start = time.process_time()
            try:
                return __f(*args, **kw)
            finally:
                stages[__n].append((screened[0], time.process_time() - start))

        timed.__wrapped_stage__ = original  # type: ignore[attr-defined]
        setattr(owner, name, timed)


def _untime() -> None:
    """Undo :func:`_timed_config`'s wrapping of the face analyzer's steps."""
    from likeness.imaging.faces import FaceAnalyzer

    for name in FACE_STEPS:
        original = getattr(FaceAnalyzer, name)
        setattr(FaceAnalyzer, name, getattr(original, "__wrapped_stage__", original))


def per_image_rows(
    quick: bool, embedder: str = "numpy", detect: tuple[int, int] | None = None
) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """(throughput rows, stage rows, recall rows) of the per-image inspection."""
    from likeness.monitoring.findings import SourceImage
    from likeness.monitoring.inspect import InspectConfig, inspect_image
    from likeness.provenance import VerifyConfig, library_watermarker

    cv2.setNumThreads(1)  # one core: images per second per core
    count = 2 if quick else 8
    items = samples(count)
    verify = VerifyConfig(watermarker=library_watermarker(), watermark_key=BENCH_MARK_KEY)
    from likeness.imaging.faces import FaceAnalyzer
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG

    # Inspection's default analyzer (its detection), with the embedding network asked for
    # and, given ``detect`` (upsample, max_detect_side), that detection instead.
    face_config = replace(PROBE_FACE_CONFIG, embedder=embedder)
    if detect is not None:
        face_config = replace(face_config, upsample=detect[0], max_detect_side=detect[1])
    analyzer = FaceAnalyzer(face_config)
    config = InspectConfig(verify=verify, analyzer=analyzer)
    stages: dict[str, list[tuple[bool, float]]] = {
        s: [] for s in ("decode", "faces", *FACE_STEPS.values(), "watermark", "c2pa", "thumbnail")
    }
    now = datetime.now(UTC)
    inspect_image(SourceImage("warm-up", items[0].data, now), config=config)
    screened_now = [False]
    _timed_config(config, stages, screened_now)
    by_kind: dict[str, list[tuple[float, float]]] = {}
    found: dict[str, list[int]] = {}
    # A scan wires ``screen`` to the face index; here nobody enrolled is near any face
    # (the index answers None): each face is embedded once, the mark read quickly.
    strangers = replace(config, screen=lambda embedding: None)
    # The same images as inspection read them before the screen, the coarse retry and
    # the coarse first pass (mirror pass for every face, the reference detection and its
    # full retry): the "before" of the doc's table.
    before = replace(
        config, coarse_retry=False, coarse_first=False, thorough_mark=lambda faces: False
    )
    for sample in items:
        variants = [
            (sample.kind, config),
            (f"{sample.kind}, no match", strangers),
            (f"{sample.kind}, no match, reference path", before),
        ]
        for label, used in variants:
            if sample.kind == "no face" and used is strangers:
                continue
            if sample.kind == "no face" and used is before:
                label = "no face, reference path"
            # The rows "all kinds, no match (screened)" adds up.
            screened_now[0] = used is strangers or (sample.kind == "no face" and used is config)
            wall, cpu = time.perf_counter(), time.process_time()
            findings = inspect_image(SourceImage(sample.kind, sample.data, now), config=used)
            spent = (time.perf_counter() - wall, time.process_time() - cpu)
            by_kind.setdefault(label, []).append(spent)
            found.setdefault(label, []).append(len(findings.faces))
            if (
                used is config
                and sample.kind.startswith("released")
                and not (findings.watermark and findings.watermark.mark)
            ):
                print(f"warning: a released image's mark was not read ({sample.kind})")
    rows = []
    kinds = {sample.kind for sample in items}
    every = [t for kind, times in by_kind.items() if kind in kinds for t in times]
    unmatched = [
        t
        for kind, times in by_kind.items()
        if kind == "no face" or (kind.endswith("no match"))
        for t in times
    ]
    reference = [
        t for kind, times in by_kind.items() if kind.endswith("reference path") for t in times
    ]
    for kind, times in [
        *by_kind.items(),
        ("all kinds (faces read thoroughly)", every),
        ("all kinds, no match (screened)", unmatched),
        ("all kinds, no match, reference path", reference),
    ]:
        rate = len(times) / sum(cpu for _, cpu in times)
        faces = found.get(kind)
        rows.append(
            [
                kind,
                str(len(times)),
                f"{1000 * statistics.median(w for w, _ in times):.0f}",
                f"{1000 * statistics.median(c for _, c in times):.0f}",
                f"{rate:.1f}",
                "-" if faces is None else f"{sum(faces)}",
                f"≥ {TARGET_PER_SECOND:.0f}",
                "ok" if rate >= TARGET_PER_SECOND else "MISSED",
            ]
        )
    _untime()
    images = len(stages["decode"])
    screened = sum(1 for flag, _ in stages["decode"] if flag)
    stage_rows = [
        [
            f"  {name}" if name in FACE_STEPS.values() else name,
            f"{1000 * sum(t for _, t in ts) / images:.1f}",
            f"{1000 * max(t for _, t in ts):.0f}",
            f"{1000 * sum(t for flag, t in ts if flag) / max(1, screened):.1f}",
        ]
        for name, ts in stages.items()
        if ts
    ]
    return rows, stage_rows, _recall_rows(items)


def embedder_rows(quick: bool) -> list[list[str]]:
    """dlib's embedding network and its NumPy port on the same faces (the synthetic
    portraits and, when present, the real OLAT faces): CPU ms per face (both views, as
    a reference embedding has them) and the largest difference from dlib's numbers."""
    from likeness.imaging.faces import FaceAnalyzer, FaceConfig

    count = 2 if quick else 8
    sets = [("synthetic", _portraits(count)), ("real (OLAT)", _olat_faces(count))]
    reference = FaceAnalyzer(FaceConfig(embedder="dlib"))
    port = FaceAnalyzer(FaceConfig(embedder="numpy"))
    rows = []
    for label, images in sets:
        if not images:
            rows.append([label, "0", "-", "-", "-", "(no data)"])
            continue
        spent = {"dlib": 0.0, "numpy": 0.0}
        worst, faces = 0.0, 0
        for rgb in images:
            for face in reference.detect(rgb)[:1]:
                vectors = {}
                for name, analyzer in (("dlib", reference), ("numpy", port)):
                    analyzer.embed_aligned(rgb, face)  # warm: models load on first use
                    start = time.process_time()
                    vectors[name] = analyzer.embed_aligned(rgb, face)
                    spent[name] += time.process_time() - start
                worst = max(worst, float(np.abs(vectors["numpy"] - vectors["dlib"]).max()))
                faces += 1
        n = max(1, faces)
        rows.append(
            [
                label,
                str(faces),
                f"{1000 * spent['dlib'] / n:.0f}",
                f"{1000 * spent['numpy'] / n:.0f}",
                f"{worst:.1e}",
                "ok" if worst <= 1e-4 else "DIFFERS",
            ]
        )
    return rows


#: A cheaper detection, measured against the analyzer's defaults (which the talents'
#: reference embeddings use): the faces' boxes move, and with them the landmarks and the
#: embeddings (the last column).
FAST_DETECTION = {"upsample": 0, "max_detect_side": 640}


def _recall_rows(items: list[Sample]) -> list[list[str]]:
    """Faces found by the analyzer's default detection (enrolment's), by inspection's
    (:data:`likeness.monitoring.inspect.PROBE_FACE_CONFIG`) and by a cheaper one, and how
    far the embeddings of the faces both find move (identity distance)."""
    from likeness.imaging.faces import (
        FaceAnalyzer,
        FaceConfig,
        comparable_faces,
        identity_distance,
    )
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG, InspectConfig, decode_rgb

    rows = []
    defaults: list[np.ndarray | None] = []
    probe = PROBE_FACE_CONFIG
    for label, face_config in (
        ("analyzer defaults (enrolment)", FaceConfig()),
        (
            f"inspection (upsample 0 first, else {probe.upsample}; {probe.max_detect_side} px)",
            PROBE_FACE_CONFIG,
        ),
        ("no upsampling, 512 px", replace(FaceConfig(), upsample=0)),
        ("no upsampling, 640 px", replace(FaceConfig(), **FAST_DETECTION)),
    ):
        analyzer = FaceAnalyzer(face_config)
        # Inspection's row: its coarse first pass too (InspectConfig.coarse_first).
        first = 0 if face_config is PROBE_FACE_CONFIG and InspectConfig().coarse_first else None
        hits = expected = 0
        spent = 0.0
        shifts: list[float] = []
        index = 0
        for sample in items:
            if sample.faces == 0:
                continue
            _, rgb = decode_rgb(sample.data)
            start = time.process_time()
            faces = comparable_faces(analyzer.detect(rgb, first_upsample=first))
            spent += time.process_time() - start
            hits += min(len(faces), sample.faces)
            expected += sample.faces
            vector = analyzer.embed_aligned(rgb, faces[0]) if faces else None
            if label.startswith("analyzer defaults"):
                defaults.append(vector)
            elif vector is not None and defaults[index] is not None:
                shifts.append(identity_distance(vector, defaults[index]))
            index += 1
        rows.append(
            [
                label,
                f"{hits}/{expected}",
                f"{1000 * spent / max(1, expected):.0f}",
                f"{max(shifts):.3f}" if shifts else "-",
            ]
        )
    return [*rows, *_cascade_rows(items)]


#: Cascades (evaluated, not used): detect without upsampling on the detection copy (a
#: quarter of the pixels), then at the defaults only in a crop around each face found;
#: (name, margin in face sizes, grid the crop's top-left corner is rounded down to;
#: ``None``: the crop keeps the copy's top-left corner and is cut only on the right and
#: at the bottom, so the detector's pyramid and HOG cells keep their grid).
CASCADES = [
    ("cascade, crop ½ face around, 4-px grid", 0.5, 4),
    ("cascade, crop 1 face around, 72-px grid", 1.0, 72),
    ("cascade, crop kept at the copy's origin", 1.0, None),
]


def _cascade_rows(items: list[Sample]) -> list[list[str]]:
    """Each of :data:`CASCADES` against the defaults' boxes on the images with a face:
    boxes equal to the defaults', CPU ms per image (the coarse pass included) and the
    largest embedding shift of the largest face (landmarks predicted afresh in the box
    found). An image where the coarse pass finds nothing gets the full pass (no face
    lost). OpenCV's Haar cascade, the other cheap proposer, is gone from the main module
    of the OpenCV 5 wheel the project installs (``cv2.CascadeClassifier``)."""
    from likeness.imaging.faces import Face, FaceAnalyzer, FaceConfig, identity_distance
    from likeness.monitoring.inspect import decode_rgb

    analyzer = FaceAnalyzer()
    detector = analyzer._models.detector
    side = FaceConfig().max_detect_side
    names = [name for name, _, _ in CASCADES]
    equal = dict.fromkeys(names, 0)
    spent = dict.fromkeys(names, 0.0)
    shift = dict.fromkeys(names, 0.0)
    total, full = 0, 0.0
    for sample in items:
        _, rgb = decode_rgb(sample.data)
        scale = min(1.0, side / max(rgb.shape[:2]))
        size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
        small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
        start = time.process_time()
        reference = sorted((r.left(), r.top(), r.right(), r.bottom()) for r in detector(small, 1))
        full_ms = time.process_time() - start
        if sample.faces == 0:
            continue
        total += 1
        full += full_ms

        def embedding(
            box: tuple[int, int, int, int], rgb: np.ndarray = rgb, scale: float = scale
        ) -> np.ndarray:
            left, top, right, bottom = (round(v / scale) for v in box)
            face = Face(left, top, right, bottom, 0.0, np.zeros((5, 2), np.float32))
            return analyzer.embed(rgb, face)

        largest = max(reference, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)
        base = embedding(largest) if largest is not None else None
        found_by: dict[str, list[tuple[int, int, int, int]]] = {}
        for name, margin_faces, grid in CASCADES:
            start = time.process_time()
            coarse = detector(small, 0)
            found: list[tuple[int, int, int, int]] = []
            if not len(coarse):
                found = [(r.left(), r.top(), r.right(), r.bottom()) for r in detector(small, 1)]
            for r in coarse:
                margin = int(max(r.width(), r.height()) * margin_faces)
                x0 = y0 = 0
                if grid is not None:
                    x0 = max(0, (r.left() - margin) // grid * grid)
                    y0 = max(0, (r.top() - margin) // grid * grid)
                crop = np.ascontiguousarray(
                    small[y0 : r.bottom() + margin, x0 : r.right() + margin]
                )
                found += [
                    (q.left() + x0, q.top() + y0, q.right() + x0, q.bottom() + y0)
                    for q in detector(crop, 1)
                ]
            spent[name] += time.process_time() - start
            found_by[name] = sorted(set(found))
        for name, boxes in found_by.items():
            equal[name] += boxes == reference
            if base is not None and boxes:
                mine = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
                if mine != largest:
                    shift[name] = max(shift[name], identity_distance(embedding(mine), base))
            elif base is not None:
                shift[name] = float("inf")  # the face was lost
    n = max(1, total)
    return [
        [
            f"{name} (not used)",
            f"boxes equal {equal[name]}/{total}",
            f"{1000 * spent[name] / n:.0f} (defaults {1000 * full / n:.0f})",
            "face lost" if shift[name] == float("inf") else f"{shift[name]:.3f}",
        ]
        for name in names
    ]


# --- end to end (mcore) -------------------------------------------------------------------


def end_to_end_row(quick: bool) -> list[str]:
    """A ``monitoring.scan`` job over a folder of images (synthetic portraits, released
    copies, pictures without a face) in a fresh SQLite database with enrolled talents,
    one of them the first portrait's person: source → inspection → match → verdict →
    finding → case → audit, in wall images per second on one core."""
    from likeness.monitoring.inspect import InspectConfig
    from likeness.provenance import VerifyConfig, library_watermarker

    cv2.setNumThreads(1)
    items = samples(2 if quick else 8)
    verify = VerifyConfig(watermarker=library_watermarker(), watermark_key=BENCH_MARK_KEY)
    config = InspectConfig(verify=verify)
    return scan_row([s.data for s in items], config, 200 if quick else 2_000)


def scan_row(images: list[bytes], config: object, talents: int) -> list[str]:
    """A whole scan job over a folder of ``images`` in a fresh database."""
    from likeness import migrations
    from likeness.audit import service as audit_service
    from likeness.identity.actor import SYSTEM_ACTOR
    from likeness.jobs.worker import JobContext
    from likeness.kit.db import Database
    from likeness.models.monitoring_index import MonitoringEnrolment
    from likeness.models.party import Role, TalentProfile, User
    from likeness.monitoring import index, inspect, service, sources
    from likeness.monitoring.enrolment import replace_references
    from likeness.runtime import Runtime
    from likeness.settings import Settings

    with tempfile.TemporaryDirectory(prefix="likeness-bench-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'bench.db'}"
        migrations.upgrade(url)
        db = Database(url, audit_key=b"k" * 32)
        with db.unit_of_work() as session:
            audit_service.seal_genesis(session)
        folder = root / "scan" / "fan.example.com"
        folder.mkdir(parents=True)
        for n, data in enumerate(images):
            (folder / f"img-{n}.jpg").write_bytes(data)
        assert isinstance(config, inspect.InspectConfig)
        first = inspect.inspect_image(
            sources.read_file(str(folder / "img-0.jpg"), sources.FetchLimits()),  # type: ignore[arg-type]
            config=config,
        )
        rng = np.random.default_rng(3)
        with db.unit_of_work() as session:
            for n in range(talents):
                user = User(email=f"b{n}@bench.invalid", display_name=f"b{n}", role=Role.talent)
                session.add(user)
                session.flush()
                talent = TalentProfile(user_id=user.id, legal_name=f"Bench {n}")
                session.add(talent)
                session.flush()
                session.add(MonitoringEnrolment(talent_id=talent.id, enrolled=True))
                ref = (
                    first.faces[0].embedding
                    if n == 0 and first.faces
                    else rng.normal(0.0, 0.9 / np.sqrt(256), 128).astype(np.float32)
                )
                replace_references(session, talent.id, [("bench", ref)])
            scan = service.request_scan(session, SYSTEM_ACTOR, str(root / "scan"))
            scan_id = scan.id
        index.forget_cached()
        runtime = Runtime(Settings(home=root / "home", database_url=url), db)
        parts = service.ScanParts(
            open_source=lambda spec: sources.open_source(spec),
            inspect=lambda image: inspect.inspect_image(image, config=config),
            index_for=index.index_for,
            refetch=sources.refetch,
        )
        ctx = JobContext(
            job_id="bench",
            kind=service.JOB_KIND,
            payload={"scan_id": scan_id},
            attempt=1,
            max_attempts=1,
            cache={},
            runtime=runtime,
            _beat=lambda fraction, message: True,
        )
        t0 = time.perf_counter()
        result = service.run_scan(ctx, parts)
        wall = time.perf_counter() - t0
        db.dispose()
    return [
        "scan job (folder → cases)",
        f"{result['images']}",
        f"{talents:,} talents",
        f"{len(images) / wall:.1f}",
        f"cases opened {result['cases_opened']}",
        "ok" if result["cases_opened"] else "MISSED",
    ]


# --- match (mindex) -----------------------------------------------------------------------


def match_table(quick: bool) -> list[list[str]]:
    """The face index's rows (``bench/monitoring_match.py``): 100,000 talents (10,000
    with ``--quick``), in process and, given ``$LIKENESS_TEST_PGVECTOR_URL``, pgvector."""
    import os

    from monitoring_match import match_rows

    pg = os.environ.get("LIKENESS_TEST_PGVECTOR_URL") or None
    return match_rows(10_000 if quick else 100_000, 200 if quick else 2_000, pg)


def main(argv: list[str] | None = None) -> int:
    global OLAT_DIR
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--embedder",
        choices=["numpy", "dlib"],
        default="numpy",
        help="the embedding network inspection uses (dlib: as before decision 0031)",
    )
    parser.add_argument(
        "--probe-detect",
        default=None,
        metavar="UPSAMPLE:SIDE",
        help="inspection's face detection in the per-image rows (default: "
        "likeness.monitoring.inspect.PROBE_FACE_CONFIG), e.g. 1:512 or 0:512",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"the OLAT folder (default: {OLAT_DIR}, next to the repository)",
    )
    args = parser.parse_args(argv)
    if args.data is not None:
        OLAT_DIR = args.data
    detect = None
    if args.probe_detect:
        upsample, _, side = args.probe_detect.partition(":")
        detect = (int(upsample), int(side or 512))
    print(f"load average before: {load_average()}\n")
    rows, stage_rows, recall_rows = per_image_rows(args.quick, args.embedder, detect)
    print(f"per image: inspect_image on {SIDE} px images, one core (OpenCV on one thread),")
    from likeness.monitoring.inspect import PROBE_FACE_CONFIG

    upsample, side = detect or (PROBE_FACE_CONFIG.upsample, PROBE_FACE_CONFIG.max_detect_side)
    from likeness.imaging.faces import FIRST_PASS_MIN_WIDTH
    from likeness.monitoring.inspect import InspectConfig

    first = ""
    if detect is None and InspectConfig().coarse_first:
        first = f"upsample 0 first (kept from a face {FIRST_PASS_MIN_WIDTH} px wide), else "
    print(f"the {args.embedder} embedding network, detection {first}upsample {upsample}, {side} px")
    print("(images/s/core from this process's CPU time; 'no match': InspectConfig.screen")
    print(" says no enrolled talent is near, as the face index does for strangers: one")
    print(" embedding pass per face, the quick watermark read)")
    print_table(
        [
            "images",
            "n",
            "wall ms p50",
            "CPU ms p50",
            "images/s/core (CPU)",
            "faces",
            "target",
            "status",
        ],
        rows,
        rule=True,
    )
    print("\nper stage (CPU ms per image: every row above, and the rows of 'all kinds, no")
    print(" match (screened)', as a scan reads strangers and pictures without a face)")
    print_table(["stage", "mean", "max", "mean, screened"], stage_rows, rule=True)
    print("\nembedding network: dlib's and the NumPy port (decision 0031), one core")
    print_table(
        ["faces", "n", "dlib CPU ms/face", "NumPy CPU ms/face", "max |Δ|", "≤ 1e-4"],
        embedder_rows(args.quick),
        rule=True,
    )
    print("\nface detection recall on the images with a face")
    print_table(
        ["detection", "found", "CPU ms per image", "max embedding shift"], recall_rows, rule=True
    )
    scan = end_to_end_row(args.quick)
    print("\nend to end: a scan job over a folder (one core)")
    print_table(
        ["step", "images", "talents", "images/s (wall)", "note", "status"], [scan], rule=True
    )
    matches = match_table(args.quick)
    print("\nmatch: one face against the enrolled talents")
    print_table(["index", "talents", "p50 ms", "p99 ms", "note", "p99 ≤ 2 ms"], matches, rule=True)
    print(f"\nload average after: {load_average()}")
    return exit_status([*rows, scan, *matches], args.quick)


if __name__ == "__main__":
    sys.exit(main())
