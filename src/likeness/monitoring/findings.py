"""What a scan learns from one image, before any database is asked (pure data).

Three parts of the monitoring feature meet here, and each may be built apart:

- the **sources** (``sources.py``) yield :class:`SourceImage` (bytes and where they came
  from) or :class:`Unfetchable` (where, and why nothing came);
- the **inspection** (``inspect.py``) turns a :class:`SourceImage` into
  :class:`ImageFindings`: safe decode, faces, embeddings, watermark, C2PA, a thumbnail;
- the **index** (``index.py``) answers :class:`FaceMatch` lists for an embedding, from the
  reference embeddings of talents who opted in to monitoring.

The service (``service.py``) joins them with the asset registry into a verdict and a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class SourceImage:
    """One image's bytes, as fetched. ``location``: a path, ``s3://…`` key or URL, what a
    take-down notice names; ``content_type`` as the source declared it (``None``: unknown)."""

    location: str
    data: bytes
    fetched_at: datetime
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Unfetchable:
    """A location that gave no image: ``reason`` is a short code (``http.404``,
    ``robots.disallowed``, ``too_large``, ``timeout``, ``content_type``, …) and
    ``detail`` a sentence a person reads."""

    location: str
    reason: str
    detail: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class FaceFinding:
    """One face found: its box in the decoded image's pixels and its identity embedding
    (float32[128], :data:`likeness.imaging.faces.EMBEDDING_SIZE`)."""

    left: int
    top: int
    right: int
    bottom: int
    embedding: NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class WatermarkFinding:
    """The invisible mark read from the pixels: ``asset_id`` when a Likeness release mark
    decoded (``None``: no mark), with the reader's confidence in [0, 1].

    The mark carries the asset id's first 64 bits only: ``mark`` is those 16 hex digits,
    and ``asset_id`` is the full id where an intact C2PA manifest in the same file names
    the asset with that mark, else the mark itself (the asset registry's ``lookup``
    takes either). ``box`` is where in the picture the mark was read (left, top, right,
    bottom in px, as for faces), so a marked picture inside a collage or a screenshot
    can be pointed at; ``None`` when no mark decoded or the reader does not say."""

    asset_id: str | None
    confidence: float
    mark: str | None = None
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class C2paFinding:
    """The C2PA manifest, if any: ``present`` and whether its signature ``valid``ates;
    ``asset_id`` the Likeness assertion names; ``digital_source_type`` (IPTC URI)."""

    present: bool
    valid: bool
    asset_id: str | None = None
    digital_source_type: str | None = None
    problems: tuple[str, ...] = ()
    #: The SDK's validation state: ``Trusted`` (chained to a trust anchor: the only state
    #: in which the asset id is the platform's word), ``Valid`` (intact, unknown signer),
    #: ``Invalid``, ``remote_not_fetched``, ``absent``; ``None`` when not checked.
    state: str | None = None
    trusted: bool = False
    #: What the Likeness assertion says the image is: ``release`` or ``preview``.
    asset_kind: str | None = None
    #: The soft-binding (watermark) payload the manifest records, as 16 hex digits.
    watermark_payload: str | None = None


@dataclass(frozen=True, slots=True)
class ImageFindings:
    """Everything one image showed. ``readable`` False: ``problem`` says why (``bomb``,
    ``truncated``, ``not_an_image``, …) and nothing else was looked at."""

    location: str
    sha256: str
    readable: bool
    problem: str | None = None
    width: int = 0
    height: int = 0
    faces: tuple[FaceFinding, ...] = ()
    watermark: WatermarkFinding | None = None
    c2pa: C2paFinding | None = None
    thumbnail_png: bytes | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FaceMatch:
    """A talent whose reference embeddings lie within the threshold of a face: the
    smallest Euclidean ``distance`` to any of them (smaller is closer)."""

    talent_id: str
    distance: float
    extra: dict[str, object] = field(default_factory=dict)
