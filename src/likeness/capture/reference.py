"""The talent's reference photo, reduced to an identity template QC can compare with.

A reference photo is a portrait the talent (or an operator) puts on file so that QC can
check that every capture session shows *this* person, not just one consistent person.
Only the template is kept: the 128-D dlib embedding of the single face in the photo,
plus the photo's SHA-256 and sizes for the record. The photo must be a JPEG, PNG or
TIFF (checked from the header, so bombs are never decoded),
show exactly one face, and that face must be large enough to embed reliably. Limits:
40 MiB and 50 megapixels (:data:`REFERENCE_LIMITS`), at least 64 px a side.

Usage::

    template = reference_template(photo_bytes, FaceAnalyzer())
    template.embedding.shape        # (128,)

Errors: :class:`~likeness.capture.errors.ReferenceInvalid` (422) naming the problem,
:class:`~likeness.capture.errors.ReferenceTooLarge` (413) for a file over the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeness.capture.errors import ReferenceInvalid, ReferenceTooLarge
from likeness.capture.images import CaptureLimits, ImageInfo, ImageRefused, inspect_bytes, orient
from likeness.imaging.faces import EMBEDDING_SIZE, FaceAnalyzer

#: Smallest face (box width, pixels) whose embedding is steady enough to judge identity:
#: dlib aligns faces to 150-px chips, and much smaller faces embed noticeably noisier.
MIN_FACE_WIDTH = 80
#: Reference photos are portraits: 40 MiB and 50 megapixels cover full-resolution phone
#: and camera files (decoded straight to 8 bits, 150 MB at most).
REFERENCE_LIMITS = CaptureLimits(max_file_bytes=40 * 1024 * 1024, max_pixels=50_000_000)


@dataclass(frozen=True)
class ReferenceTemplate:
    embedding: NDArray[np.float32]  # [128]
    photo_sha256: str
    width: int
    height: int
    face_width: int


def reference_template(
    data: bytes, analyzer: FaceAnalyzer, limits: CaptureLimits = REFERENCE_LIMITS
) -> ReferenceTemplate:
    """Check a reference photo and embed its one face; raise :class:`ReferenceInvalid`."""
    if len(data) > limits.max_file_bytes:
        raise ReferenceTooLarge(
            f"reference photo is {len(data)} bytes, over the {limits.max_file_bytes}-byte limit"
        )
    try:
        info = inspect_bytes(data, limits)
        if info.format == "exr":
            raise ImageRefused("use a JPEG, PNG or TIFF portrait, not an EXR frame")
        rgb = _decode_rgb8(data, info)
    except ImageRefused as exc:
        raise ReferenceInvalid(f"reference photo refused: {exc}") from exc
    faces = analyzer.detect(rgb)
    if not faces:
        raise ReferenceInvalid("no face found in the reference photo; use a clear portrait")
    if len(faces) > 1:
        raise ReferenceInvalid(
            f"{len(faces)} faces found in the reference photo; use a photo of the talent alone"
        )
    face = faces[0]
    if face.width < MIN_FACE_WIDTH:
        raise ReferenceInvalid(
            f"the face in the reference photo is {face.width} px wide; "
            f"use a photo where it is at least {MIN_FACE_WIDTH} px"
        )
    return ReferenceTemplate(
        embedding=analyzer.embed_aligned(rgb, face),
        photo_sha256=info.sha256,
        width=info.width,
        height=info.height,
        face_width=face.width,
    )


def _decode_rgb8(data: bytes, info: ImageInfo) -> NDArray[np.uint8]:
    """Straight to 8-bit RGB: the detector needs no more, and a 50-megapixel 16-bit
    portrait would otherwise pass through 600 MB float copies."""
    import cv2

    raw = np.frombuffer(data, dtype=np.uint8)
    bgr = cv2.imdecode(raw, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ImageRefused("image data is corrupt or truncated")
    # The photo is display-referred (sRGB), as the detector expects: no conversion.
    return np.ascontiguousarray(orient(bgr, info.orientation)[:, :, ::-1])


def template_bytes(embedding: NDArray[np.floating]) -> bytes:
    """The stored form of a template: 128 little-endian float32."""
    vector = np.asarray(embedding, dtype="<f4").reshape(-1)
    if vector.shape != (EMBEDDING_SIZE,):
        raise ValueError(f"an identity template has {EMBEDDING_SIZE} values")
    return vector.tobytes()


def template_from_bytes(data: bytes) -> NDArray[np.float32]:
    if len(data) != EMBEDDING_SIZE * 4:
        raise ValueError("stored identity template has the wrong size")
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
