"""Faces: detection, landmarks and identity embeddings (dlib, no downloads).

A thin, typed wrapper over dlib's HOG frontal-face detector, its 5-point landmark
predictor and its 128-D ResNet identity embedding. The embedding network runs with
NumPy's BLAS by default (``FaceConfig(embedder="numpy")``, several times faster than
dlib's own loops, the same descriptors within float32 rounding; decision 0031), dlib's
own as the reference and fallback (``embedder="dlib"``). The model files come from the
installed ``face-recognition-models`` package, are admitted by the model registry
(:mod:`likeness.modelreg`: SHA-256 and licence, all three usable commercially) and load
lazily on first use; nothing is ever fetched from the network. dlib's 68-point predictor
is not used: its training data (iBUG 300-W) excludes commercial use.

Usage::

    from likeness.imaging.faces import FaceAnalyzer, identity_distance, IDENTITY_THRESHOLD

    analyzer = FaceAnalyzer()
    face = analyzer.largest_face(rgb)          # Face(left, top, right, bottom, landmarks)
    a = analyzer.embed(rgb, face)              # float32[128]
    b = analyzer.embed(other_rgb)
    same = identity_distance(a, b) <= IDENTITY_THRESHOLD

    # A generated image: the licensed twin and no one else (decision 0021).
    faces = comparable_faces(analyzer.detect(rgb))
    verdict = identity_verdict([analyzer.embed_aligned(rgb, f) for f in faces],
                               twin_embedding, gallery)   # gallery: other people's twins
    verdict.passed, verdict.reason   # reason: face.none, face.several, identity.mismatch,
                                     # identity.closer_twin

Images are 8-bit sRGB (grey or RGB); :func:`as_rgb8` also accepts uint16 and floats in
[0, 1]. Convert linear captures to sRGB before analysing them.

Exceptions (all subclasses of :class:`likeness.errors.LikenessError`)::

    FaceError
    ├── InvalidImage       wrong shape, type, size or non-finite pixels
    ├── NoFaceFound        a face was required and none was detected
    └── ModelsUnavailable  dlib or the model files are not installed

A model the registry refuses raises :class:`likeness.modelreg.ModelError` instead.
"""

from likeness.imaging.faces._errors import FaceError, InvalidImage, ModelsUnavailable, NoFaceFound
from likeness.imaging.faces._faces import (
    EMBEDDING_SIZE,
    FIRST_PASS_MIN_WIDTH,
    IDENTITY_THRESHOLD,
    Face,
    FaceAnalyzer,
    FaceConfig,
    IdentitySummary,
    as_rgb8,
    identity_distance,
    same_identity,
    summarize,
)
from likeness.imaging.faces._models import DlibModels, models_dir
from likeness.imaging.faces._verdict import (
    COMPARABLE_WIDTH,
    FACE_NONE,
    FACE_SEVERAL,
    GENERATION_THRESHOLD,
    IDENTITY_CLOSER_TWIN,
    IDENTITY_MISMATCH,
    IdentityVerdict,
    comparable_faces,
    face_count_verdict,
    identity_verdict,
)

__all__ = [
    "COMPARABLE_WIDTH",
    "EMBEDDING_SIZE",
    "FACE_NONE",
    "FACE_SEVERAL",
    "FIRST_PASS_MIN_WIDTH",
    "GENERATION_THRESHOLD",
    "IDENTITY_CLOSER_TWIN",
    "IDENTITY_MISMATCH",
    "IDENTITY_THRESHOLD",
    "DlibModels",
    "Face",
    "FaceAnalyzer",
    "FaceConfig",
    "FaceError",
    "IdentitySummary",
    "IdentityVerdict",
    "InvalidImage",
    "ModelsUnavailable",
    "NoFaceFound",
    "as_rgb8",
    "comparable_faces",
    "face_count_verdict",
    "identity_distance",
    "identity_verdict",
    "models_dir",
    "same_identity",
    "summarize",
]
