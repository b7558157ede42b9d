"""Finding the face to frame on: OpenCV's bundled Haar cascade, else the matte."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from likeness import modelreg
from likeness.imaging.compose._errors import InvalidImage
from likeness.imaging.compose._framing import FaceBox

#: Registry name of OpenCV's frontal-face Haar cascade (decision 0010).
CASCADE_MODEL = "opencv-haar-frontal-face"


def haar_cascade_path() -> Path | None:
    """The frontal-face cascade, when this OpenCV build ships it (OpenCV 5 wheels do not).

    The file is admitted by :mod:`likeness.modelreg` (hash and licence) first; a file the
    registry refuses raises its :class:`~likeness.modelreg.ModelError`.
    """
    try:
        return modelreg.admit(CASCADE_MODEL).path
    except modelreg.ModelMissing:
        return None


def detect_face(display_gray: NDArray[np.uint8]) -> FaceBox | None:
    """Largest frontal face in an 8-bit grey image, or ``None`` (also without a cascade)."""
    if display_gray.ndim != 2 or display_gray.dtype != np.uint8:
        raise InvalidImage("face detection needs an 8-bit single-channel image")
    path = haar_cascade_path()
    cascade_type = getattr(cv2, "CascadeClassifier", None)  # gone from OpenCV 5's main module
    if path is None or cascade_type is None:
        return None
    classifier = cascade_type(str(path))
    if classifier.empty():
        return None
    side = min(display_gray.shape)
    found = classifier.detectMultiScale(
        display_gray, scaleFactor=1.1, minNeighbors=5, minSize=(side // 8, side // 8)
    )
    if len(found) == 0:
        return None
    x, y, w, h = max(found, key=lambda box: int(box[2]) * int(box[3]))
    return FaceBox(float(x), float(y), float(w), float(h))


def face_from_alpha(alpha: NDArray[np.float32]) -> FaceBox:
    """Estimate the face as the top of the subject's matte (a head-shot heuristic).

    The subject's bounding box is found from ``alpha > 0.5``; the face is taken as a box as
    wide as the matte's widest row in the upper part, and as tall as 1.3× that width, from
    the top of the matte. Fine for head-and-shoulders captures; pass a face box otherwise.
    """
    mask = alpha > 0.5
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        raise InvalidImage("the matte is empty: nothing to frame")
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    upper = mask[top : top + max(1, (bottom - top) // 2)]
    columns = np.flatnonzero(upper.any(axis=0))
    left, right = int(columns[0]), int(columns[-1]) + 1
    width = right - left
    height = min(1.3 * width, bottom - top)
    return FaceBox(float(left), float(top), float(width), float(height))
