"""Face detection, 5-point landmarks and 128-D identity embeddings with dlib."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from likeness import modelreg
from likeness.imaging.faces._errors import InvalidImage, NoFaceFound
from likeness.imaging.faces._helper import DescriptorHelper, HelperFailed
from likeness.imaging.faces._models import RESNET, DlibModels
from likeness.imaging.faces._resnet import ResnetWeights, run_network

#: Largest embedding distance at which two faces count as the same person.
#:
#: dlib's ResNet was trained so that 0.6 separates identities on LFW (99.38 %). Likeness
#: aligns faces with dlib's 5-point landmarks (the 68-point model may not be used
#: commercially) and averages each face's embedding with its mirror image's, which
#: pulls every distance in a little. On the development OLAT set (17 real people with a
#: detectable face, 320 frames lit within 25° of the camera) same-person pairs then
#: measure at most 0.444 (99th percentile 0.39) and different-person pairs at least
#: 0.436 (1st percentile 0.54): at 0.45 no same-person pair is rejected and 0.01 % of
#: different-person pairs are accepted (0.30 % at 0.5). With 68-point alignment and
#: 0.5, the previous setting, the same set gave 0 % and 0.18 % (decision 0010).
#: Accepting a stranger's capture into a twin is the costly mistake; a false reject
#: only asks for a re-shoot or an audited operator override.
IDENTITY_THRESHOLD = 0.45

EMBEDDING_SIZE = 128
_MIN_SIDE = 32
#: ``coarse_retry`` applies to pictures whose detection copy is at least this wide and
#: tall: a face there that only upsampling finds (under 80 px, the detector's window) is
#: under a quarter of the picture, not the tightly cropped face the retry is for.
#: Smaller pictures (a face crop, a thumbnail) always get the full retry.
COARSE_MIN_SIDE = 320
#: dlib's frontal detector window (px of the searched copy): without upsampling no face
#: much narrower than this is found; upsampling once finds faces down to half of it.
DETECTOR_WINDOW = 80
#: ``first_upsample``'s faces are kept when the widest is at least this wide on the
#: detection copy: a face only the configured upsampling finds (under the window) is
#: then under half as wide as it, not comparable
#: (:data:`likeness.imaging.faces.COMPARABLE_WIDTH` 0.5).
FIRST_PASS_MIN_WIDTH = 2 * DETECTOR_WINDOW
#: The ways an embedding can be computed (:attr:`FaceConfig.embedder`).
EMBEDDERS = ("numpy", "dlib")


@dataclass(frozen=True)
class FaceConfig:
    """How faces are looked for.

    ``upsample``: times the image is doubled before detection (1 finds faces down to
    about 40 px). ``pad_retry``: when nothing is found, retry once on a copy padded by
    this fraction of each side (tightly cropped faces defeat the sliding window).
    ``jitter``: re-sampled crops averaged per embedding (dlib's ``num_jitters``).
    ``max_detect_side``: larger images are searched at this size (faces in a portrait
    are large, and the sliding window's cost grows with the pixel count); landmarks and
    embeddings still use the full-resolution image. ``mirror``: embed the face and its
    mirror image and average the two (twice the embedding cost, steadier distances).
    ``helper_process``: embed the mirror image in a second process while this one embeds
    the face (dlib's network holds Python's lock): the same embedding in about half the
    time on two or more cores (:mod:`likeness.imaging.faces._helper`); with the NumPy
    network it is not used (both views take some 15 ms each in this process).
    ``embedder``: ``"numpy"`` runs dlib's embedding network with NumPy's BLAS
    (:mod:`likeness.imaging.faces._resnet`: the same descriptors within float32
    rounding, several times faster; decision 0031); ``"dlib"`` runs dlib's own, the
    reference. The NumPy network falls back to dlib by itself where it cannot give
    dlib's numbers: ``jitter`` above 1 (dlib's random re-sampling) or a model file
    that does not parse as the network.
    """

    upsample: int = 1
    pad_retry: float = 0.35
    jitter: int = 0
    threshold: float = IDENTITY_THRESHOLD
    max_detect_side: int = 512
    mirror: bool = True
    helper_process: bool = False
    embedder: str = "numpy"

    def __post_init__(self) -> None:
        if not 0 <= self.upsample <= 3:
            raise ValueError("upsample must be between 0 and 3")
        if not 0.0 <= self.pad_retry <= 1.0:
            raise ValueError("pad_retry must be between 0 and 1")
        if not 0 <= self.jitter <= 100:
            raise ValueError("jitter must be between 0 and 100")
        if not 0.0 < self.threshold < 2.0:
            raise ValueError("threshold must be in (0, 2)")
        if self.max_detect_side < 64:
            raise ValueError("max_detect_side must be at least 64")
        if self.embedder not in EMBEDDERS:
            raise ValueError(f"embedder must be one of {', '.join(EMBEDDERS)}")


@dataclass(frozen=True)
class Face:
    """One detected face: its box (pixels, image coordinates), score and landmarks."""

    left: int
    top: int
    right: int
    bottom: int
    score: float
    #: ``[5, 2]`` (x, y) from dlib's 5-point predictor: the outer and inner corner of the
    #: eye on the image's right (0, 1), the outer and inner corner of the eye on its left
    #: (2, 3), and the base of the nose (4).
    landmarks: NDArray[np.float32]
    #: The same 5 points predicted afresh on the mirrored image, in its coordinates
    #: (x → width - 1 - x), for mirror-averaged embeddings; ``None`` without a mirror.
    mirror_landmarks: NDArray[np.float32] | None = None

    @property
    def eye_centres(self) -> NDArray[np.float32]:
        """``[2, 2]``: the centre of each eye, the one on the image's left first."""
        left, right = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        pair = (left, right) if left[0] <= right[0] else (right, left)
        return np.stack(pair).astype(np.float32)

    @property
    def nose(self) -> NDArray[np.float32]:
        """``[2]``: the base of the nose."""
        nose: NDArray[np.float32] = self.landmarks[4].astype(np.float32)
        return nose

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return self.width * self.height


def as_rgb8(image: NDArray[np.generic]) -> NDArray[np.uint8]:
    """An 8-bit RGB view of ``image`` (uint8/uint16/float in [0, 1], grey or RGB(A))."""
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise InvalidImage(f"expected an H×W or H×W×3 image, got shape {arr.shape}")
    if min(arr.shape[:2]) < _MIN_SIDE:
        raise InvalidImage(f"image too small for face analysis: {arr.shape[1]}×{arr.shape[0]}")
    if arr.dtype == np.uint8:
        out = arr
    elif arr.dtype == np.uint16:
        out = (arr.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise InvalidImage("image contains NaN or infinite values")
        out = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    else:
        raise InvalidImage(f"unsupported pixel type {arr.dtype}")
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    elif out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    elif out.shape[2] == 4:
        out = out[:, :, :3]
    return np.ascontiguousarray(out)


#: A face's window reaches this many face sizes past its box on every side: more than
#: the landmark predictor's samples and the embedding's aligned chip (its 0.25 padding,
#: rotated; dlib's jitter re-samples the chip once cut out) ever reach, so that a window
#: gives exactly what the whole padded image would (tests compare the two).
_WINDOW_MARGIN = 1.0


class _Canvas:
    """An image edge-padded by half its long side, and its mirror image; only windows
    around faces are ever made (an image without a face needs none).

    Landmark-aligned chips may reach past the border; the padding keeps them valid. Face
    boxes and landmarks are given in the unpadded image's coordinates. Copying the whole
    padded image (and its mirror) cost more than the landmarks; a window is read
    straight from the image, its out-of-image pixels repeating the edge as the padding
    would.
    """

    def __init__(self, rgb: NDArray[np.uint8]) -> None:
        self._rgb = rgb
        self.pad = round(max(rgb.shape[:2]) * 0.5)
        self.height = rgb.shape[0] + 2 * self.pad
        self.width = rgb.shape[1] + 2 * self.pad
        self._windows: dict[tuple[int, int, int, int, bool], tuple[NDArray[np.uint8], int, int]]
        self._windows = {}

    def rect(self, left: int, top: int, right: int, bottom: int) -> Any:
        """A box of the unpadded image as a dlib rectangle on the padded one."""
        import dlib

        pad = self.pad
        return dlib.rectangle(left + pad, top + pad, right + pad, bottom + pad)

    def mirrored(self, rect: Any) -> Any:
        """``rect`` (on the padded image) as it lies on its mirror image."""
        import dlib

        return dlib.rectangle(
            self.width - 1 - rect.right(), rect.top(), self.width - 1 - rect.left(), rect.bottom()
        )

    def window(self, rect: Any, *, mirror: bool) -> tuple[NDArray[np.uint8], int, int]:
        """The pixels of the padded image (``mirror``: of its mirror image) around
        ``rect`` (a box on that image), and the window's origin on it: (pixels, x0, y0)."""
        key = (rect.left(), rect.top(), rect.right(), rect.bottom(), mirror)
        if key not in self._windows:
            margin = int(np.ceil(max(rect.width(), rect.height()) * _WINDOW_MARGIN))
            x0, x1 = max(0, rect.left() - margin), min(self.width, rect.right() + 1 + margin)
            y0, y1 = max(0, rect.top() - margin), min(self.height, rect.bottom() + 1 + margin)
            pad, w = self.pad, self._rgb.shape[1]
            if mirror:
                # Column x of the mirror image is column width - 1 - x of the padded one:
                # the same window of the image, read right to left.
                left, right = w + pad - x1, w + pad - x0
            else:
                left, right = x0 - pad, x1 - pad
            pixels = _edge_window(self._rgb, y0 - pad, y1 - pad, left, right)
            if mirror:
                import cv2

                # NumPy's reversed copy is some 40× slower.
                pixels = np.asarray(cv2.flip(pixels, 1), dtype=np.uint8)
            self._windows[key] = (np.ascontiguousarray(pixels), x0, y0)
        return self._windows[key]


def _edge_window(
    rgb: NDArray[np.uint8], top: int, bottom: int, left: int, right: int
) -> NDArray[np.uint8]:
    """Rows ``top:bottom`` and columns ``left:right`` of ``rgb`` (image coordinates, which
    may reach past its edges), the pixels outside it repeating the nearest edge pixel:
    a slice and an edge pad (OpenCV's), rather than gathering every row and column by
    index."""
    h, w = rgb.shape[:2]
    rows = (max(top, 0), min(bottom, h))
    columns = (max(left, 0), min(right, w))
    if rows[0] >= rows[1] or columns[0] >= columns[1]:
        # Wholly past an edge (never for a face found in the image): index every pixel.
        ys = np.clip(np.arange(top, bottom), 0, h - 1)
        xs = np.clip(np.arange(left, right), 0, w - 1)
        return rgb[ys][:, xs]
    import cv2

    inside = rgb[rows[0] : rows[1], columns[0] : columns[1]]
    # np.pad(mode="edge"), some 20× faster.
    widths = (rows[0] - top, bottom - rows[1], columns[0] - left, right - columns[1])
    return np.asarray(cv2.copyMakeBorder(inside, *widths, cv2.BORDER_REPLICATE), np.uint8)


def _shifted(rect: Any, dx: int, dy: int) -> Any:
    import dlib

    return dlib.rectangle(rect.left() + dx, rect.top() + dy, rect.right() + dx, rect.bottom() + dy)


class FaceAnalyzer:
    """Detects faces, finds landmarks and computes identity embeddings.

    Models load on first use; share one analyzer per process (it holds no per-call
    state). Images are sRGB 8-bit RGB (or anything :func:`as_rgb8` accepts).

    Landmarks are predicted once per face (and once on its mirror image), on the image
    padded as :meth:`embed` pads it, so a face found by :meth:`detect` is embedded
    without predicting its landmarks again.
    """

    def __init__(self, config: FaceConfig | None = None, models: DlibModels | None = None):
        self.config = config or FaceConfig()
        self._models = models or DlibModels()
        self._helper_lock = threading.Lock()
        self._descriptor_helper: DescriptorHelper | None = None

    def detect(
        self, image: NDArray[np.generic], *, first_upsample: int | None = None
    ) -> list[Face]:
        """All faces in ``image``, largest first, each with 5 landmarks
        (``first_upsample``: as :meth:`detect_and_embed`)."""
        rgb = as_rgb8(image)
        return self._faces(rgb, _Canvas(rgb), first_upsample=first_upsample)

    def detect_and_embed(
        self,
        image: NDArray[np.generic],
        pick: Callable[[list[Face]], Sequence[Face]],
        *,
        mirror_if: Callable[[NDArray[np.float32]], bool] | None = None,
        coarse_retry: bool = False,
        first_upsample: int | None = None,
    ) -> tuple[list[Face], list[NDArray[np.float32]]]:
        """:meth:`detect`, and the embeddings of the faces ``pick`` chooses among them
        (what :meth:`embed_aligned` gives), read from the same windows of the image.

        ``mirror_if`` (with ``config.mirror``) screens each face on its plain embedding
        (one pass of the network, the face alone): the mirror image is embedded and
        averaged in, giving exactly :meth:`embed_aligned`'s embedding, only for the
        faces it says yes to; the others keep their plain embedding (half the cost).
        A monitoring scan uses it to skip the mirror pass for faces far from every
        enrolled talent (:class:`likeness.monitoring.inspect.InspectConfig`).

        ``coarse_retry``: when the image itself shows no face, the padded copy is first
        searched without upsampling (a quarter of the pixels) and searched again at the
        configured settings only if that finds a face, so any face found is exactly the
        one the full retry finds. Only for pictures of at least :data:`COARSE_MIN_SIDE`
        px (detection copy): a face cut by their frame that only upsampling finds (under
        80 px there) is missed; a 640 px picture without a face costs about half.

        ``first_upsample`` (below the configured ``upsample``): the image is first
        searched with this upsampling (``0``: a quarter of the pixels of ``1``), and
        those faces are kept when the widest is at least :data:`FIRST_PASS_MIN_WIDTH`
        px on the detection copy (any face only the configured search finds is under
        half its width); otherwise the configured search runs as without it (its faces
        exactly). The kept faces' boxes are the coarser search's: their landmarks and
        embeddings differ from the configured search's by up to about 0.1 in distance
        (monitoring's probe side measures what that does to matching, decision 0032).
        """
        rgb = as_rgb8(image)
        canvas = _Canvas(rgb)
        faces = self._faces(rgb, canvas, coarse_retry=coarse_retry, first_upsample=first_upsample)
        if mirror_if is None or not self.config.mirror:
            return faces, [self._embedding(canvas, face) for face in pick(faces)]
        return faces, [self._screened_embedding(canvas, face, mirror_if) for face in pick(faces)]

    def _screened_embedding(
        self, canvas: _Canvas, face: Face, mirror_if: Callable[[NDArray[np.float32]], bool]
    ) -> NDArray[np.float32]:
        """The plain embedding, or (``mirror_if`` says so) :meth:`_embedding`'s own."""
        rect = canvas.rect(face.left, face.top, face.right, face.bottom)
        (vector,) = self._descriptors(canvas, [(rect, face.landmarks, False)])
        if face.mirror_landmarks is None or not mirror_if(vector.astype(np.float32)):
            return vector.astype(np.float32)
        mirrored = canvas.mirrored(rect)
        (mirror,) = self._descriptors(canvas, [(mirrored, face.mirror_landmarks, True)])
        # The same arithmetic as _embedding: the same float32 values.
        return ((vector + mirror) / 2).astype(np.float32)

    def _faces(
        self,
        rgb: NDArray[np.uint8],
        canvas: _Canvas,
        *,
        coarse_retry: bool = False,
        first_upsample: int | None = None,
    ) -> list[Face]:
        boxes = None
        if first_upsample is not None and first_upsample < self.config.upsample:
            boxes = self._large_faces(rgb, first_upsample)
        if boxes is None:
            boxes = self._reference_boxes(rgb, coarse_retry)
        faces = [self._landmarked(canvas, *box) for box in boxes]
        return sorted(faces, key=lambda f: f.area, reverse=True)

    def _large_faces(
        self, rgb: NDArray[np.uint8], upsample: int
    ) -> list[tuple[int, int, int, int, float]] | None:
        """The faces a search with ``upsample`` finds, if the widest is at least
        :data:`FIRST_PASS_MIN_WIDTH` on the detection copy; else ``None``."""
        boxes = self._boxes(rgb, offset=0, upsample=upsample)
        widest = max((right - left for left, _, right, _, _ in boxes), default=0)
        return boxes if widest * self._detect_scale(rgb) >= FIRST_PASS_MIN_WIDTH else None

    def _reference_boxes(
        self, rgb: NDArray[np.uint8], coarse_retry: bool
    ) -> list[tuple[int, int, int, int, float]]:
        """The configured search, then its retry on a padded copy where it finds nothing."""
        boxes = self._boxes(rgb, offset=0)
        if not boxes and self.config.pad_retry > 0:
            pad = round(max(rgb.shape[:2]) * self.config.pad_retry)
            padded = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
            detect_side = min(rgb.shape[:2]) * self._detect_scale(rgb)
            coarse = coarse_retry and self.config.upsample > 0 and detect_side >= COARSE_MIN_SIDE
            if not coarse or self._boxes(padded, offset=pad, upsample=0):
                boxes = self._boxes(padded, offset=pad)
        return boxes

    def _detect_scale(self, rgb: NDArray[np.uint8]) -> float:
        """The detection copy's size relative to ``rgb`` (at most 1)."""
        return min(1.0, self.config.max_detect_side / int(max(rgb.shape[:2])))

    def _boxes(
        self, rgb: NDArray[np.uint8], offset: int, *, upsample: int | None = None
    ) -> list[tuple[int, int, int, int, float]]:
        """(left, top, right, bottom, score) of every face, less ``offset`` (``upsample``:
        instead of the configured one)."""
        scale = self._detect_scale(rgb)
        small = rgb
        if scale < 1.0:
            import cv2

            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
        times = self.config.upsample if upsample is None else upsample
        rects, scores, _ = self._models.detector.run(small, times, 0.0)
        return [
            (
                round(rect.left() / scale) - offset,
                round(rect.top() / scale) - offset,
                round(rect.right() / scale) - offset,
                round(rect.bottom() / scale) - offset,
                float(score),
            )
            for rect, score in zip(rects, scores, strict=True)
        ]

    def _landmarked(
        self, canvas: _Canvas, left: int, top: int, right: int, bottom: int, score: float
    ) -> Face:
        """The face in this box, its landmarks predicted (and on the mirror image too)."""
        rect = canvas.rect(left, top, right, bottom)
        points = self._points(canvas, rect, mirror=False)
        mirror_points = None
        if self.config.mirror:
            mirror_points = self._points(canvas, canvas.mirrored(rect), mirror=True)
        return Face(left, top, right, bottom, score, points, mirror_points)

    def _points(self, canvas: _Canvas, rect: Any, *, mirror: bool) -> NDArray[np.float32]:
        """The landmarks in ``rect`` (on the padded image, or its mirror), unpadded."""
        image, x0, y0 = canvas.window(rect, mirror=mirror)
        shape = self._models.shape5(image, _shifted(rect, -x0, -y0))
        dx, dy = x0 - canvas.pad, y0 - canvas.pad
        return np.array([(p.x + dx, p.y + dy) for p in shape.parts()], dtype=np.float32)

    def largest_face(self, image: NDArray[np.generic]) -> Face:
        """The largest face in ``image``; :class:`NoFaceFound` if there is none."""
        faces = self.detect(image)
        if not faces:
            raise NoFaceFound("no face found in the image")
        return faces[0]

    def embed(self, image: NDArray[np.generic], face: Face | None = None) -> NDArray[np.float32]:
        """128-D identity embedding of ``face`` (default: the largest face) in ``image``.

        A given ``face`` has its landmarks predicted afresh on ``image``; for a face that
        :meth:`detect` found in this very image, :meth:`embed_aligned` gives the same
        embedding without predicting them again.
        """
        rgb = as_rgb8(image)
        canvas = _Canvas(rgb)
        if face is None:
            faces = self._faces(rgb, canvas)
            if not faces:
                raise NoFaceFound("no face found in the image")
            face = faces[0]
        else:
            face = self._landmarked(
                canvas, face.left, face.top, face.right, face.bottom, face.score
            )
        return self._embedding(canvas, face)

    def embed_aligned(self, image: NDArray[np.generic], face: Face) -> NDArray[np.float32]:
        """Embedding of ``image`` aligned on ``face``'s landmarks, not re-predicted.

        For images on the same pixel grid as the one ``face`` was found in: each OLAT
        frame of a capture view shares its well-lit preview's geometry, and landmarks
        from the preview stay put where a single harsh light would shift them.
        """
        return self._embedding(_Canvas(as_rgb8(image)), face)

    def _embedding(self, canvas: _Canvas, face: Face) -> NDArray[np.float32]:
        rect = canvas.rect(face.left, face.top, face.right, face.bottom)
        if self._network() is None:
            both = self._embedding_beside_helper(canvas, rect, face)
            if both is not None:
                return both
        views = [(rect, face.landmarks, False)]
        if self.config.mirror and face.mirror_landmarks is not None:
            # The mirror image with its own landmarks: averaging both views cancels much
            # of the 5-point alignment's jitter (decision 0010 measures it).
            views.append((canvas.mirrored(rect), face.mirror_landmarks, True))
        vectors = self._descriptors(canvas, views)
        vector = vectors[0] if len(vectors) == 1 else (vectors[0] + vectors[1]) / 2
        return vector.astype(np.float32)

    def _embedding_beside_helper(
        self, canvas: _Canvas, rect: Any, face: Face
    ) -> NDArray[np.float32] | None:
        """The mirror-averaged embedding, the mirror's half from the helper process while
        this one computes the face's; None when there is no free, healthy helper."""
        helper = self._helper()
        if helper is None or not self.config.mirror or face.mirror_landmarks is None:
            return None
        mirrored = canvas.mirrored(rect)
        chip = self._chip(canvas, mirrored, face.mirror_landmarks, mirror=True)
        if not helper.try_begin(chip, self.config.jitter):
            return None
        mirror: NDArray[np.float64] | None = None
        try:
            vector = self._descriptor(canvas, rect, face.landmarks, mirror=False)
        finally:
            try:
                mirror = helper.finish()
            except HelperFailed:
                mirror = None
        if mirror is None:
            mirror = self._descriptor(canvas, mirrored, face.mirror_landmarks, mirror=True)
        return ((vector + mirror) / 2).astype(np.float32)

    def _helper(self) -> DescriptorHelper | None:
        """The helper process (``config.helper_process``), made on first use."""
        if not self.config.helper_process:
            return None
        with self._helper_lock:
            if self._descriptor_helper is None:
                self._descriptor_helper = DescriptorHelper(self._models.path_of(RESNET))
            helper = self._descriptor_helper
        return None if helper.broken else helper

    def close(self) -> None:
        """Stop the helper process, if one was started (it also ends with this process)."""
        with self._helper_lock:
            if self._descriptor_helper is not None:
                self._descriptor_helper.close()

    def _aligned(
        self, canvas: _Canvas, rect: Any, points: NDArray[np.float32], *, mirror: bool
    ) -> tuple[NDArray[np.uint8], Any]:
        """The window around ``rect`` (padded image, or its mirror) and the face's shape
        on it, aligned on ``points`` (unpadded)."""
        import dlib

        image, x0, y0 = canvas.window(rect, mirror=mirror)
        dx, dy = canvas.pad - x0, canvas.pad - y0
        parts = [dlib.point(round(float(x)) + dx, round(float(y)) + dy) for x, y in points]
        return image, dlib.full_object_detection(_shifted(rect, -x0, -y0), parts)

    def _chip(
        self, canvas: _Canvas, rect: Any, points: NDArray[np.float32], *, mirror: bool
    ) -> NDArray[np.uint8]:
        """The aligned 150×150 chip the network cuts for itself (its default size and
        padding: ``compute_face_descriptor`` on it gives the same numbers, bit for bit)."""
        import dlib

        image, shape = self._aligned(canvas, rect, points, mirror=mirror)
        return np.asarray(dlib.get_face_chip(image, shape, size=150, padding=0.25), np.uint8)

    def _network(self) -> ResnetWeights | None:
        """The NumPy network's weights, or ``None`` where dlib's network embeds."""
        if self.config.embedder != "numpy" or self.config.jitter > 1:
            return None
        return self._models.resnet_weights

    def _descriptors(
        self, canvas: _Canvas, views: list[tuple[Any, NDArray[np.float32], bool]]
    ) -> list[NDArray[np.float64]]:
        """The embeddings of faces given as (rect, points, mirror) (see
        :meth:`_descriptor`).

        The NumPy network takes one chip at a time: a batch would round differently
        from a single chip (the matrix products split their work by size), and a face's
        embedding must not depend on what else was embedded with it (the screened path
        embeds the face and its mirror image one after the other)."""
        weights = self._network()
        if weights is None:
            return [
                self._descriptor(canvas, rect, points, mirror=mirror)
                for rect, points, mirror in views
            ]
        out = []
        for rect, points, mirror in views:
            chip = self._chip(canvas, rect, points, mirror=mirror)
            # dlib returns its float32 outputs as float64: so does this.
            out.append(run_network(weights, chip[None])[0].astype(np.float64))
        return out

    def _descriptor(
        self, canvas: _Canvas, rect: Any, points: NDArray[np.float32], *, mirror: bool
    ) -> NDArray[np.float64]:
        """The embedding of the face in ``rect`` (padded image, or its mirror) aligned on
        ``points`` (unpadded)."""
        image, shape = self._aligned(canvas, rect, points, mirror=mirror)
        vector = self._models.resnet.compute_face_descriptor(image, shape, self.config.jitter)
        return np.asarray(vector, dtype=np.float64)

    def models_used(self) -> list[modelreg.AdmittedModel]:
        """The registered models this analyzer has loaded (for reports and audit)."""
        return self._models.admitted()

    def embed_largest(self, image: NDArray[np.generic]) -> NDArray[np.float32] | None:
        """Embedding of the largest face, or ``None`` when no face is found."""
        rgb = as_rgb8(image)
        canvas = _Canvas(rgb)
        faces = self._faces(rgb, canvas)
        return self._embedding(canvas, faces[0]) if faces else None


def identity_distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """Euclidean distance between two embeddings (0 = identical)."""
    va, vb = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if va.shape != (EMBEDDING_SIZE,) or vb.shape != (EMBEDDING_SIZE,):
        raise InvalidImage(f"embeddings must have {EMBEDDING_SIZE} values")
    return float(np.linalg.norm(va - vb))


def same_identity(
    a: NDArray[np.floating], b: NDArray[np.floating], threshold: float = IDENTITY_THRESHOLD
) -> bool:
    """Whether two embeddings are the same person under ``threshold``."""
    return identity_distance(a, b) <= threshold


@dataclass(frozen=True)
class IdentitySummary:
    """Mean embedding of a set of captures and how far they spread around it."""

    mean: NDArray[np.float32]
    spread: float  # largest distance of any member from the mean
    count: int

    def matches(self, other: NDArray[np.floating], threshold: float = IDENTITY_THRESHOLD) -> bool:
        return identity_distance(self.mean, other) <= threshold


def summarize(embeddings: Sequence[NDArray[np.floating]]) -> IdentitySummary:
    """Mean and spread of ``embeddings`` (at least one)."""
    if not embeddings:
        raise NoFaceFound("no embeddings to summarise: no face was found")
    stack = np.stack([np.asarray(e, np.float32) for e in embeddings])
    if stack.shape[1] != EMBEDDING_SIZE:
        raise InvalidImage(f"embeddings must have {EMBEDDING_SIZE} values")
    mean = stack.mean(axis=0)
    spread = float(np.linalg.norm(stack - mean, axis=1).max())
    return IdentitySummary(mean=mean.astype(np.float32), spread=spread, count=len(stack))
