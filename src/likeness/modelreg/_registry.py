"""The registry itself: every model file the code can load, with where it comes from.

Each entry pins the file's SHA-256 and records its licence and whether that licence lets
a commercial product use it. Sources (checked 2026-12-07, see decision 0010):

* dlib-models README and LICENSE (github.com/davisking/dlib-models, CC0-1.0): the 5-point
  predictor, the ResNet embedding and the MMOD CNN detector are released into the public
  domain; the 68-point predictor is trained on iBUG 300-W, whose licence excludes
  commercial use, and its README says the model "can't be used in a commercial product".
* dlib's ``frontal_face_detector.h`` (Boost Software License 1.0): the HOG detector is
  compiled into dlib; its filters were trained on faces from Labeled Faces in the Wild.
* OpenCV's ``haarcascade_frontalface_default.xml`` carries the Intel License Agreement
  for the Open Source Computer Vision Library (3-clause BSD style) in its header.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelEntry:
    """One model the code may load.

    ``file`` is the file name inside ``module``'s ``folder`` (the import package that
    ships it, found without importing it); ``None`` for a model compiled into a library.
    ``package`` is the distribution that installs it (for its version).
    """

    name: str
    file: str | None
    module: str
    folder: str
    package: str
    sha256: str | None
    license: str
    commercial_use: bool
    source: str
    used_for: str
    note: str = ""


_DLIB_MODELS = "https://github.com/davisking/dlib-models#readme"


def _dlib_model(
    name: str,
    file: str,
    sha256: str,
    used_for: str,
    *,
    license: str = "CC0-1.0",
    commercial_use: bool = True,
    note: str = "",
) -> ModelEntry:
    """A dlib-models file as the ``face-recognition-models`` package ships it."""
    return ModelEntry(
        name=name,
        file=file,
        module="face_recognition_models",
        folder="models",
        package="face-recognition-models",
        sha256=sha256,
        license=license,
        commercial_use=commercial_use,
        source=_DLIB_MODELS,
        used_for=used_for,
        note=note,
    )


REGISTRY: tuple[ModelEntry, ...] = (
    ModelEntry(
        name="dlib-hog-frontal-face",
        file=None,
        module="dlib",
        folder="",
        package="dlib-bin",
        sha256=None,
        license="BSL-1.0",
        commercial_use=True,
        source="https://github.com/davisking/dlib/blob/master/dlib/image_processing/"
        "frontal_face_detector.h",
        used_for="face detection (QC, identity, reference photos)",
        note="compiled into dlib; HOG filters trained on Labeled Faces in the Wild crops",
    ),
    _dlib_model(
        "dlib-shape-predictor-5",
        "shape_predictor_5_face_landmarks.dat",
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
        "5 face landmarks: eye corners and nose base; aligns faces for embedding",
        note="trained on dlib's own 5-point data set (7,198 faces annotated by its author)",
    ),
    _dlib_model(
        "dlib-resnet-face-v1",
        "dlib_face_recognition_resnet_model_v1.dat",
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
        "128-D identity embedding (QC identity, reference photos)",
        note="the weights are public domain; about half the training faces came from the "
        "VGG Face and FaceScrub research sets (see decision 0010)",
    ),
    _dlib_model(
        "dlib-mmod-face-detector",
        "mmod_human_face_detector.dat",
        "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6",
        "not used (installed with the face models; a CNN face detector)",
    ),
    _dlib_model(
        "dlib-shape-predictor-68",
        "shape_predictor_68_face_landmarks.dat",
        "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
        "not used (replaced by the 5-point predictor; kept listed so it is refused)",
        license="iBUG-300-W non-commercial",
        commercial_use=False,
        note='its README: the trained model "can\'t be used in a commercial product"',
    ),
    ModelEntry(
        name="opencv-haar-frontal-face",
        file="haarcascade_frontalface_default.xml",
        module="cv2",
        folder="data",
        package="opencv-python-headless",
        sha256="0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0",
        license="Intel-OpenCV BSD-3-style",
        commercial_use=True,
        source="https://github.com/opencv/opencv/blob/4.x/data/haarcascades/"
        "haarcascade_frontalface_default.xml",
        used_for="face box for render framing, when this OpenCV build ships it",
        note="OpenCV 4 wheels ship it (hash from opencv-python-headless 4.10.0.84); "
        "OpenCV 5 wheels do not, and framing then uses the matte",
    ),
)
