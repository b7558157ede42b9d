"""What one image shows: safe decode, faces and their embeddings, the watermark, C2PA.

:func:`inspect_image` turns a :class:`~likeness.monitoring.findings.SourceImage` into
:class:`~likeness.monitoring.findings.ImageFindings` and never raises for bad bytes:
an image it cannot use is ``readable=False`` with a ``problem`` code:

``not_an_image``   the bytes are no JPEG, PNG, WebP, GIF, BMP or TIFF (by signature)
``too_large``      more bytes than :attr:`InspectConfig.max_bytes`
``bomb``           more pixels than :attr:`InspectConfig.max_pixels` (a decompression bomb)
``truncated``      the file ends before its pixels do
``corrupt``        the decoder refused the file otherwise
``empty``          no bytes at all

A readable image is decoded once: its first frame (animated GIF/WebP/APNG), EXIF
orientation applied, CMYK, palette, grey, alpha and 16-bit samples turned into 8-bit RGB.
Then:

- **faces**: :class:`likeness.imaging.faces.FaceAnalyzer` detects every face and embeds
  those of comparable size (:func:`~likeness.imaging.faces.comparable_faces`), the same
  analyzer and settings the talents' reference embeddings are made with;
- **watermark**: read with the same :class:`~likeness.provenance.Watermarker` and key
  ``likeness verify`` uses (:class:`~likeness.provenance.VerifyConfig`); the mark is the
  asset id's first 64 bits (:attr:`WatermarkFinding.mark`), which the asset registry
  looks up;
- **C2PA**: :func:`likeness.provenance.read_c2pa` (the SDK, offline, the installation's
  trust anchors); skipped outright when the file holds no JUMBF box and no remote
  manifest reference, which is what almost every image on the web is;
- a small PNG **thumbnail** for a case's evidence.

Usage::

    from likeness.monitoring.inspect import InspectConfig, inspect_image

    config = InspectConfig.from_settings(settings)   # share it: it holds the face models
    # A scan screens faces against the index: strangers cost one embedding pass.
    config = dataclasses.replace(config, screen=index_screen(face_index, threshold=t),
                                 screen_threshold=t)
    findings = inspect_image(source_image, config=config)
    if findings.readable:
        for face in findings.faces: ...
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from likeness.imaging.faces import FaceConfig
from likeness.monitoring.findings import (
    C2paFinding,
    FaceFinding,
    FaceMatch,
    ImageFindings,
    SourceImage,
    WatermarkFinding,
)
from likeness.monitoring.sources import SIGNATURE_BYTES, image_kind

if TYPE_CHECKING:
    from likeness.imaging.faces import FaceAnalyzer
    from likeness.provenance import VerifyConfig
    from likeness.settings import Settings

__all__ = [
    "PROBE_FACE_CONFIG",
    "PROBLEMS",
    "SCREEN_MARGIN",
    "InspectConfig",
    "decode_rgb",
    "index_screen",
    "inspect_image",
]

PROBLEMS = ("not_an_image", "too_large", "bomb", "truncated", "corrupt", "empty")

#: Pillow's decoder for each kind :func:`~likeness.monitoring.sources.image_kind` tells.
_PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "gif": "GIF",
    "bmp": "BMP",
    "tiff": "TIFF",
}
#: Containers the C2PA reader is asked about (those ``likeness verify`` reads).
_C2PA_KINDS = frozenset({"jpeg", "png", "webp"})
#: A side shorter than this has no face the analyzer can find (its own minimum).
_MIN_FACE_SIDE = 32
#: The watermark needs at least this side (``likeness.imaging.watermark.MIN_SIDE``).
_MIN_WATERMARK_SIDE = 128

#: How far a face's plain embedding (one pass of the network) may sit from its
#: mirror-averaged one (two passes, what the talents' references and the index use),
#: as a distance to any reference: by the triangle inequality at most
#: ‖plain − averaged‖, which measured at most 0.160 over 205 real faces (the OLAT set,
#: 17 people, 10 lightings each, as stored and enlarged 2×; 99th percentile 0.125);
#: the distance to another face's averaged embedding moved by −0.042 … +0.098. A face
#: whose plain distance to its nearest talent exceeds the threshold by more than this
#: is farther than the threshold after averaging too, so it skips the mirror pass.
SCREEN_MARGIN = 0.16
#: The face index's match threshold (``likeness.monitoring.index.MATCH_THRESHOLD``,
#: which a scan passes as :attr:`InspectConfig.screen_threshold`).
DEFAULT_SCREEN_THRESHOLD = 0.27
#: How the default analyzer (``InspectConfig.analyzer=None``) finds the faces in a
#: scanned picture: the probe side only; the talents' references are made by enrolment
#: (``likeness.twin.identity``) with :class:`~likeness.imaging.faces.FaceConfig`'s own
#: defaults.
PROBE_FACE_CONFIG = FaceConfig()


@dataclass(frozen=True)
class InspectConfig:
    """How images are inspected; build one per scan (or process) and share it.

    ``verify`` carries the watermark reader, its key and the C2PA trust anchors, as
    ``likeness verify`` has them (``None``: neither is read). ``analyzer`` is the face
    analyzer (``None``: a default one, made on first use). ``max_pixels`` is the
    decompression-bomb limit; ``thumbnail_side`` the evidence thumbnail's longer side.

    The watermark is read quickly first (without the scale sweep of small pictures,
    most of the cost of saying "no mark" on a picture up to 800 px); a picture with no
    mark so found is read again thoroughly when ``thorough_mark(faces)`` says its faces
    matter (e.g. one matches a monitored talent: a shrunk copy of a licensed release
    must not pass for an unmarked look-alike). ``None``: whenever a face was found,
    or, with a ``screen``, whenever a face is within reach of a talent (below).

    ``screen`` (optional; the scan wires it to the face index, keeping inspection free
    of the database) gives an embedding's distance to the nearest enrolled talent, or
    ``None`` when no talent is within ``screen_threshold + screen_margin`` of it. With
    it, each face is embedded once (no mirror image) and screened: only a face within
    ``screen_threshold + screen_margin`` gets the mirror pass, which makes its
    embedding exactly the reference one; a stranger's face keeps its plain embedding,
    farther than ``screen_threshold`` from every talent either way
    (:data:`SCREEN_MARGIN`). And the watermark is read thoroughly only where such a
    face is within reach (unless ``thorough_mark`` says otherwise).

    ``coarse_retry``: where the picture shows no face, the analyzer's retry on a padded
    copy (for faces cut by the frame) first looks without upsampling and repeats at the
    reference settings only if that finds one (``FaceAnalyzer.detect_and_embed``): any
    face found is the reference pipeline's, and a picture without a face costs about
    half as much. ``False``: the reference retry always.

    ``coarse_first``: faces are first looked for without upsampling (a quarter of the
    detector's work) and kept when the widest is large enough that nothing the
    reference detection adds could be comparable to it
    (``FaceAnalyzer.detect_and_embed``'s ``first_upsample``); otherwise, and always
    where that finds no face, the reference detection runs (upsample 1, with its
    retry). Those faces' boxes are the coarser search's, their embeddings within
    about 0.1 of the reference ones; the accuracy study measures the probes so
    (docs/guide/monitoring.md, decision 0032). ``False``: the reference detection
    always.
    """

    max_bytes: int = 64 * 1024**2
    max_pixels: int = 40_000_000
    thumbnail_side: int = 160
    faces: bool = True
    watermark: bool = True
    c2pa: bool = True
    verify: VerifyConfig | None = field(default=None, repr=False)
    analyzer: FaceAnalyzer | None = field(default=None, repr=False, compare=False)
    thorough_mark: Callable[[tuple[FaceFinding, ...]], bool] | None = field(
        default=None, repr=False, compare=False
    )
    screen: Callable[[NDArray[np.float32]], float | None] | None = field(
        default=None, repr=False, compare=False
    )
    screen_threshold: float = DEFAULT_SCREEN_THRESHOLD
    screen_margin: float = SCREEN_MARGIN
    coarse_retry: bool = True
    coarse_first: bool = True

    def __post_init__(self) -> None:
        if self.max_pixels < 1 or self.max_bytes < 1:
            raise ValueError("max_pixels and max_bytes must be positive")
        if not 16 <= self.thumbnail_side <= 1024:
            raise ValueError("thumbnail_side must be between 16 and 1024")
        if not (0.0 < self.screen_threshold < 2.0 and 0.0 <= self.screen_margin < 2.0):
            raise ValueError("screen_threshold must be in (0, 2) and screen_margin in [0, 2)")

    def within_reach(self, embedding: NDArray[np.float32]) -> bool:
        """Whether ``screen`` puts ``embedding`` within ``screen_threshold +
        screen_margin`` of a talent (always, without a screen)."""
        if self.screen is None:
            return True
        nearest = self.screen(embedding)
        return nearest is not None and nearest <= self.screen_threshold + self.screen_margin

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, analyzer: FaceAnalyzer | None = None
    ) -> InspectConfig:
        """The installation's watermark key and trust anchors (as ``likeness verify``)."""
        from likeness.provenance import VerifyConfig

        return cls(verify=VerifyConfig.from_settings(settings), analyzer=analyzer)


class _Matcher(Protocol):
    def match(
        self, embedding: NDArray[np.floating], *, threshold: float | None = None, k: int = 5
    ) -> list[FaceMatch]: ...


def index_screen(
    index: _Matcher,
    *,
    threshold: float = DEFAULT_SCREEN_THRESHOLD,
    margin: float = SCREEN_MARGIN,
) -> Callable[[NDArray[np.float32]], float | None]:
    """:attr:`InspectConfig.screen` from a face index (``likeness.monitoring.index``'s
    ``FaceIndex``), asked as wide as the screen needs: ``threshold + margin``. Pass the
    same ``threshold`` as :attr:`InspectConfig.screen_threshold`."""

    def screen(embedding: NDArray[np.float32]) -> float | None:
        found = index.match(embedding, threshold=threshold + margin, k=1)
        return float(found[0].distance) if found else None

    return screen


_default_lock = threading.Lock()
_default_analyzer: FaceAnalyzer | None = None


def _analyzer(config: InspectConfig) -> FaceAnalyzer:
    global _default_analyzer
    if config.analyzer is not None:
        return config.analyzer
    with _default_lock:
        if _default_analyzer is None:
            from likeness.imaging.faces import FaceAnalyzer

            _default_analyzer = FaceAnalyzer(PROBE_FACE_CONFIG)
        return _default_analyzer


def default_config() -> InspectConfig:
    """The configuration :func:`inspect_image` uses when given none: the installation's
    (``LIKENESS_HOME``) watermark key and trust anchors, read afresh (a scan should
    build one :class:`InspectConfig` and pass it to every image instead)."""
    return InspectConfig.from_settings()


class _Unusable(Exception):
    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(detail or problem)
        self.problem = problem


def _open(data: bytes, kind: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind]])


def _classify(exc: BaseException) -> str:
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return "bomb"
    text = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in text or "broken data stream" in text:
        return "truncated"
    return "corrupt"


def _to_rgb8(image: Image.Image) -> NDArray[np.uint8]:
    """8-bit RGB pixels of any Pillow mode: 16-bit and 32-bit grey are scaled, not
    clipped; CMYK, palette, grey and alpha modes go through Pillow's conversion (alpha
    dropped, as ``likeness verify`` reads the pixels)."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        grey = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode != "I" or grey.max(initial=0) > 255 else 255.0
        scaled = np.clip(grey / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(scaled[:, :, None], 3, axis=2))
    if image.mode == "F":
        grey = np.nan_to_num(np.asarray(image, dtype=np.float64))
        peak = 1.0 if grey.max(initial=0) <= 1.0 else 255.0
        scaled = np.clip(grey / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(scaled[:, :, None], 3, axis=2))
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def decode_rgb(data: bytes, *, max_pixels: int = 40_000_000) -> tuple[str, NDArray[np.uint8]]:
    """(kind, H×W×3 uint8 pixels) of the first frame, EXIF orientation applied; raises
    :class:`ValueError` whose first argument is a problem code for anything unusable."""
    try:
        return _decode(data, max_pixels)
    except _Unusable as exc:
        raise ValueError(exc.problem, str(exc)) from None


def _decode(data: bytes, max_pixels: int) -> tuple[str, NDArray[np.uint8]]:
    if not data:
        raise _Unusable("empty", "no bytes")
    kind = image_kind(data[:SIGNATURE_BYTES])
    if kind is None:
        raise _Unusable("not_an_image", "not a JPEG, PNG, WebP, GIF, BMP or TIFF (by content)")
    try:
        image = _open(data, kind)
        width, height = image.size
    except Exception as exc:  # Pillow on hostile bytes: DECODE_ERRORS and more
        raise _Unusable(_classify(exc), f"cannot read the {kind.upper()} header: {exc}") from None
    if width < 1 or height < 1:
        raise _Unusable("corrupt", f"{width}×{height} pixels")
    if width * height > max_pixels:
        raise _Unusable(
            "bomb", f"{width}×{height} pixels; the limit is {max_pixels} (a decompression bomb?)"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()  # the first frame only
    except Exception as exc:  # Pillow on hostile bytes: DECODE_ERRORS and more
        raise _Unusable(_classify(exc), f"cannot decode the {kind.upper()}: {exc}") from None
    # A damaged EXIF block: keep the pixels as stored.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    try:
        return kind, _to_rgb8(image)
    except Exception as exc:  # Pillow on hostile bytes: DECODE_ERRORS and more
        raise _Unusable(_classify(exc), f"cannot convert the pixels: {exc}") from None


# --- the readers ------------------------------------------------------------------------


def _faces(rgb: NDArray[np.uint8], config: InspectConfig) -> tuple[FaceFinding, ...]:
    if not config.faces or min(rgb.shape[:2]) < _MIN_FACE_SIDE:
        return ()
    from likeness.imaging.faces import FaceError, comparable_faces

    analyzer = _analyzer(config)
    try:
        mirror_if = config.within_reach if config.screen is not None else None
        faces, embeddings = analyzer.detect_and_embed(
            rgb,
            comparable_faces,
            mirror_if=mirror_if,
            coarse_retry=config.coarse_retry,
            first_upsample=0 if config.coarse_first else None,
        )
    except (FaceError, RuntimeError, ValueError):  # dlib refusing odd pixels: no face read
        return ()
    picked = comparable_faces(faces)
    return tuple(
        FaceFinding(
            left=face.left,
            top=face.top,
            right=face.right,
            bottom=face.bottom,
            embedding=np.asarray(vector, dtype=np.float32),
        )
        for face, vector in zip(picked, embeddings, strict=True)
    )


def _has_manifest_box(data: bytes) -> bool:
    """Whether the bytes may hold a C2PA manifest: a JUMBF box (JPEG APP11, PNG caBX,
    WebP C2PA chunks all carry one) or an XMP reference to a remote manifest."""
    return b"jumb" in data or b"c2pa" in data or b"dcterms:provenance" in data


def _c2pa(data: bytes, kind: str, config: InspectConfig) -> C2paFinding:
    if not config.c2pa:
        return C2paFinding(present=False, valid=False, problems=("not checked",))
    if kind not in _C2PA_KINDS:
        if _has_manifest_box(data):
            return C2paFinding(
                present=False,
                valid=False,
                problems=(f"not checked: C2PA in {kind.upper()} files is not read",),
            )
        return C2paFinding(present=False, valid=False)
    if not _has_manifest_box(data):
        return C2paFinding(present=False, valid=False, state="absent")
    from likeness.provenance import ImageFormat, read_c2pa

    anchors = config.verify.trust_anchors_pem if config.verify is not None else None
    try:
        report = read_c2pa(data, ImageFormat(kind), anchors)
    except Exception as exc:  # the SDK failing on hostile bytes must not sink the image
        return C2paFinding(present=True, valid=False, state="Invalid", problems=(str(exc),))
    if report.state == "absent":
        return C2paFinding(present=False, valid=False, state="absent")
    intact = report.state in ("Trusted", "Valid")
    manifest = report.manifest
    likeness = manifest.likeness if (intact and manifest is not None) else None
    asset_id = likeness.get("asset_id") if likeness else None
    kind_value = (likeness or {}).get("asset_kind", "release") if likeness else None
    return C2paFinding(
        present=True,
        valid=intact,
        asset_id=str(asset_id) if asset_id else None,
        digital_source_type=manifest.digital_source_type if manifest is not None else None,
        problems=tuple(report.errors),
        state=report.state,
        trusted=report.state == "Trusted",
        asset_kind=str(kind_value) if kind_value else None,
        watermark_payload=(
            manifest.watermark_payload.hex()
            if manifest is not None and manifest.watermark_payload
            else None
        ),
    )


def _watermark(
    rgb: NDArray[np.uint8], faces: tuple[FaceFinding, ...], config: InspectConfig
) -> WatermarkFinding | None:
    verify = config.verify
    if (
        not config.watermark
        or verify is None
        or verify.watermarker is None
        or verify.watermark_key is None
        or min(rgb.shape[:2]) < _MIN_WATERMARK_SIDE
    ):
        return None
    from likeness.imaging import watermark
    from likeness.provenance import LibraryWatermarker

    reader, key = verify.watermarker, verify.watermark_key
    library = isinstance(reader, LibraryWatermarker)
    try:
        if library:
            # The same library ``likeness verify`` reads with, first without the sweep.
            detection = watermark.detect(rgb, key, sweep=False)
            if (
                not detection.found
                and max(rgb.shape[:2]) <= watermark.SWEEP_MAX_SIDE
                and _thorough(faces, config)
            ):
                detection = watermark.detect(rgb, key)
        else:
            found = reader.detect(rgb, key)
            detection = watermark.Detection(found.found, found.payload, found.confidence)
    except Exception:  # a detector failing on odd pixels: no mark read
        return WatermarkFinding(asset_id=None, confidence=0.0)
    if not detection.found or not detection.payload:
        return WatermarkFinding(asset_id=None, confidence=0.0)
    mark = detection.payload.hex()
    confidence = float(detection.confidence)
    return WatermarkFinding(asset_id=mark, confidence=confidence, mark=mark, box=detection.box)


def _thorough(faces: tuple[FaceFinding, ...], config: InspectConfig) -> bool:
    """Whether the faces call for the thorough watermark read."""
    if config.thorough_mark is not None:
        return config.thorough_mark(faces)
    return any(config.within_reach(face.embedding) for face in faces)


def _thumbnail(rgb: NDArray[np.uint8], side: int) -> bytes:
    from likeness.provenance import encode_png

    image = Image.fromarray(rgb, "RGB")
    image.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return encode_png(np.asarray(image, dtype=np.uint8))


def inspect_image(image: SourceImage, *, config: InspectConfig | None = None) -> ImageFindings:
    """Everything ``image`` shows; never raises for bad bytes (``readable=False``)."""
    config = config or default_config()
    data = image.data
    digest = hashlib.sha256(data).hexdigest()
    base = {"location": image.location, "sha256": digest, "fetched_at": image.fetched_at}
    if len(data) > config.max_bytes:
        return ImageFindings(**base, readable=False, problem="too_large")  # type: ignore[arg-type]
    try:
        kind, rgb = _decode(data, config.max_pixels)
    except _Unusable as exc:
        return ImageFindings(**base, readable=False, problem=exc.problem)  # type: ignore[arg-type]
    faces = _faces(rgb, config)
    c2pa = _c2pa(data, kind, config)
    watermark = _watermark(rgb, faces, config)
    if (
        watermark is not None
        and watermark.mark
        and c2pa.asset_id
        and c2pa.watermark_payload == watermark.mark
    ):
        # The intact manifest names the asset whose mark the pixels carry: its full id.
        watermark = WatermarkFinding(
            asset_id=c2pa.asset_id,
            confidence=watermark.confidence,
            mark=watermark.mark,
            box=watermark.box,
        )
    return ImageFindings(
        location=image.location,
        sha256=digest,
        readable=True,
        width=int(rgb.shape[1]),
        height=int(rgb.shape[0]),
        faces=faces,
        watermark=watermark,
        c2pa=c2pa,
        thumbnail_png=_thumbnail(rgb, config.thumbnail_side),
        fetched_at=image.fetched_at,
    )
