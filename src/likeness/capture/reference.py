"""The talent's reference photo, reduced to an identity template QC can compare with.

A reference photo is a portrait the talent (or an operator) puts on file so that QC can
check that every capture session shows *this* person, not just one consistent person.
Only the template is kept: the 128-D dlib embedding of the single face in the photo,
plus the photo's SHA-256 and sizes for the record. The photo must be a JPEG, PNG or
TIFF within the capture limits (checked from the header, so bombs are never decoded),
show exactly one face, and that face must be large enough to embed reliably.

Usage::

    template = reference_template(photo_bytes, FaceAnalyzer())
    template.embedding.shape        # (128,)

Errors: :class:`~likeness.capture.errors.ReferenceInvalid` (422) naming the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from likeness.capture.errors import ReferenceInvalid
from likeness.capture.images import CaptureLimits, ImageRefused, decode_bytes, inspect_bytes
from likeness.imaging.faces import EMBEDDING_SIZE, FaceAnalyzer, as_rgb8

#: Smallest face (box width, pixels) whose embedding is steady enough to judge identity:
#: dlib aligns faces to 150-px chips, and much smaller faces embed noticeably noisier.
MIN_FACE_WIDTH = 80
#: Reference photos are portraits; this is far above any camera's output.
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
    try:
        info = inspect_bytes(data, limits)
        if info.format == "exr":
            raise ImageRefused("use a JPEG, PNG or TIFF portrait, not an EXR frame")
        # The photo is display-referred: keep its sRGB values as they are.
        rgb = as_rgb8(decode_bytes(data, info, "linear"))
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
        embedding=analyzer.embed(rgb, face),
        photo_sha256=info.sha256,
        width=info.width,
        height=info.height,
        face_width=face.width,
    )


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
